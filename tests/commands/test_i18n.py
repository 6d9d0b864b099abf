"""Replies in the caller's language: complete catalogs, compiled .mo, Italian previews, locale numbers."""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from commands.context import CommandContext
from commands.i18n import Translator, catalogs, reply_locale, supported_locale, translator
from commands.registry import Registry
from commands.reply import error_reply
from commands.verbs.history import run_notification
from storage.errors import NotFoundError, SegbotError, ValidationError
from storage.models import Contact, ContactIndustryGroup, Workspace
from storage.service import history, schedules
from storage.service.changes._pending import check_options
from storage.service.types import ActionOptions
from tests.commands.conftest import buttons, press, rendered

_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def in_italian(ctx: CommandContext) -> CommandContext:
    return dataclasses.replace(ctx, locale="it")


def test_every_extracted_message_has_a_translation_in_english_and_italian_that_is_not_fuzzy() -> None:
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogs.extract_template() if m.id}
    problems = [p for p in catalogs.problems() if "not compiled" not in p]

    assert len(wanted) > 150
    assert problems == []


def test_the_shipped_mo_files_are_compiled_from_the_current_po_files() -> None:
    for locale in ("en", "it"):
        assert catalogs.mo_path(locale).read_bytes() == catalogs.compiled(locale), locale


@pytest.mark.parametrize("locale", ["en", "it"])
def test_translations_keep_every_placeholder_of_their_message(locale: str) -> None:
    with catalogs.po_path(locale).open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(_PLACEHOLDER.findall(" ".join(ids)))
        for string in strings:
            assert set(_PLACEHOLDER.findall(string)) == expected, (message.id, string)


def test_a_missing_or_fuzzy_translation_or_a_stale_mo_fails_the_check(tmp_path: Path) -> None:
    shutil.copytree(catalogs.LOCALE_DIR, tmp_path, dirs_exist_ok=True)
    po = catalogs.po_path("it", locale_dir=tmp_path)
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "Conferma"', 'msgstr ""')
    text = text.replace('msgid "Next"', '#, fuzzy\nmsgid "Next"')
    text = text.replace('msgid "Previous"\nmsgstr "Indietro"\n', "")
    po.write_text(text, encoding="utf-8")

    found = catalogs.problems(locale_dir=tmp_path)

    assert "it: untranslated 'Confirm'" in found
    assert "it: fuzzy 'Next'" in found
    assert "it: missing 'Previous'" in found
    assert "it: segbot.mo is not compiled from the current .po" in found
    assert not [p for p in found if p.startswith("en:")]


def test_numbers_are_grouped_the_way_each_language_writes_them() -> None:
    assert translator("it").number(1234) == "1.234"
    assert translator("en").number(1234) == "1,234"
    assert translator("it").number(1234.5) == "1.234,5"
    assert translator("it").ngettext("{n} contact", "{n} contacts", 1234) == "1.234 contatti"
    assert translator("it").ngettext("{n} contact", "{n} contacts", 1) == "1 contatto"
    assert translator("en").ngettext("{n} contact", "{n} contacts", 1) == "1 contact"


def test_dates_are_written_the_way_each_language_writes_them() -> None:
    assert translator("it").date(date(2026, 1, 31)) == "31 gen 2026"
    assert translator("en").date(date(2026, 1, 31)) == "Jan 31, 2026"


@pytest.mark.parametrize(
    ("slack_locale", "expected"),
    [("it-IT", "it"), ("it_CH", "it"), ("en-GB", "en"), ("de-DE", None), ("", None), (None, None)],
)
def test_slack_locales_map_to_a_supported_language(slack_locale: str | None, expected: str | None) -> None:
    assert supported_locale(slack_locale) == expected


@pytest.mark.parametrize(
    ("user", "workspace", "expected"),
    [
        ("it-IT", "en", "it"),
        ("de-DE", "it", "it"),
        (None, "it", "it"),
        ("fr", None, "en"),
        (None, None, "en"),
    ],
)
def test_a_reply_speaks_the_user_s_language_else_the_workspace_s_else_english(
    user: str | None, workspace: str | None, expected: str
) -> None:
    assert reply_locale(user, workspace) == expected


def test_an_unsupported_locale_gets_english() -> None:
    tr = translator("ja-JP")
    assert isinstance(tr, Translator)
    assert tr.locale == "en"
    assert tr._("Confirm") == "Confirm"


def test_a_storage_error_is_told_in_the_reader_s_language_with_its_parameters() -> None:
    error = NotFoundError("no segment {segment_no} in this workspace", segment_no="SEG00042")

    assert str(error) == "no segment SEG00042 in this workspace"
    assert "nessun segmento SEG00042 in quest'area di lavoro" in error_reply(error, locale="it").text
    assert error_reply(error).text == "no segment SEG00042 in this workspace"


def test_an_option_storage_refuses_is_named_by_the_flag_the_user_types() -> None:
    with pytest.raises(ValidationError) as refused:
        check_options("add", ActionOptions(entire_companies=True, ignore_exclusion=True))

    assert "--" not in str(refused.value)
    assert translator().error(refused.value) == "--entire-companies cannot be used with add"
    assert translator("it").error(refused.value) == "--entire-companies non si può usare con add"


def test_an_error_without_a_known_message_stays_as_raised() -> None:
    assert translator("it").error(SegbotError("a plugin's own words")) == "a plugin's own words"


@pytest.mark.usefixtures("crm")
def test_an_italian_user_gets_an_italian_preview_with_conferma_and_annulla(
    registry: Registry, ctx: CommandContext
) -> None:
    italian = in_italian(ctx)
    created = registry.dispatch('new "Retail Milano"', italian)
    assert "Creato SEG00001 Retail Milano" in created.text

    preview = registry.dispatch("add SEG00001 industry:retail --expand-companies", italian)
    shown = rendered(preview)

    assert set(buttons(preview)) == {"Conferma", "Annulla"}
    assert "Aggiungi contatti: 6 contatti da aggiungere" in shown
    assert "dimensione 0 → 6" in shown
    outcome = press(registry, preview, "Conferma", italian)
    assert "Nuova dimensione: *6*" in outcome.text


@pytest.mark.usefixtures("crm")
def test_an_english_user_still_gets_confirm_cancel_next_and_previous(
    registry: Registry, ctx: CommandContext
) -> None:
    small_pages = dataclasses.replace(ctx, page_size=2)
    registry.dispatch('new "Retail Berlin"', small_pages)
    preview = registry.dispatch("add SEG00001 city:berlin", small_pages)
    assert set(buttons(preview)) == {"Confirm", "Cancel", "Next"}

    second = press(registry, preview, "Next", small_pages)
    assert set(buttons(second)) == {"Confirm", "Cancel", "Next", "Previous"}
    assert "Add will add 6 contacts" in rendered(second)


@pytest.mark.usefixtures("crm")
def test_italian_paging_buttons_read_avanti_and_indietro(registry: Registry, ctx: CommandContext) -> None:
    italian = dataclasses.replace(ctx, locale="it", page_size=2)
    registry.dispatch('new "Berlino"', italian)
    preview = registry.dispatch("add SEG00001 city:berlin", italian)
    second = press(registry, preview, "Avanti", italian)

    assert set(buttons(second)) == {"Conferma", "Annulla", "Avanti", "Indietro"}
    assert "Contatti 3-4 di 6 · pagina 2 di 3" in rendered(second)


def test_help_explains_the_verbs_in_italian_but_keeps_the_criteria_language(
    registry: Registry, ctx: CommandContext
) -> None:
    shown = rendered(registry.dispatch("help", in_italian(ctx)))

    assert "segbot: segmenti di contatti" in shown
    assert "/segment reduce SEG <criteria>" in shown
    assert "rimuove i contatti del segmento che soddisfano i criteri" in shown
    assert "I criteri sono uguali in ogni lingua" in shown
    assert "industry:retail" in shown


def test_a_criteria_mistake_is_explained_in_italian_at_the_same_position(
    registry: Registry, ctx: CommandContext
) -> None:
    registry.dispatch('new "Prova"', ctx)
    with pytest.raises(SegbotError) as caught:
        registry.dispatch("add SEG00001 industy:retail", in_italian(ctx))

    # The registry tags the error with the caller's language: bot/ reports it without knowing who asked.
    reply = error_reply(caught.value)
    assert "alla posizione 0: campo 'industy' sconosciuto: forse intendevi 'industry'?" in reply.text
    assert "^" in rendered(reply)


@pytest.mark.usefixtures("crm")
def test_a_schedule_set_up_in_italian_notifies_its_channel_in_italian_whoever_pages(
    registry: Registry, ctx: CommandContext, workspace: Workspace, session_factory: sessionmaker[Session]
) -> None:
    italian = dataclasses.replace(ctx, locale="it", timezone="Europe/Rome")
    press(registry, registry.dispatch("new Retail industry:retail", italian), "Conferma", italian)
    scheduled = registry.dispatch("schedule SEG00001 mondays 10:00 #vendite", italian)
    assert "Pianificato *SEG00001* Retail: mondays 10:00 (Europe/Rome)" in rendered(scheduled)
    assert re.search(r"Prossima esecuzione: \*lun \d\d \w{3} \d{4}, 10:00 CES?T\*", rendered(scheduled))

    with session_factory.begin() as session:
        session.execute(Contact.__table__.update().values(city="Berlin", exclude_from_segment=False))
        session.add_all(
            ContactIndustryGroup(workspace_id=workspace.id, contact_id=c.id, code="RETAIL")
            for c in session.scalars(select(Contact).where(Contact.no.in_(["CT0007"])))
        )
    with session_factory.begin() as session:
        schedule = schedules.get_schedule(session, workspace.id, "SEG00001")
        assert schedule is not None and schedule.locale == "it"
        run = history.record_refresh_run(
            session, workspace.id, "SEG00001", key="k-it", user_id=ctx.user_id, schedule_id=schedule.id
        )
        notification = rendered(run_notification(session, run))

    assert "Segmento aggiornato: SEG00001 Retail" in notification
    assert "*6 → 8* contatti, 2 entrati e 0 usciti" in notification
    assert "*Entrano* (2)" in notification
    assert "Contatti 1-2 di 2 · pagina 1 di 1" in notification


@pytest.mark.usefixtures("crm")
def test_an_english_schedule_notifies_in_english(
    registry: Registry, ctx: CommandContext, workspace: Workspace, session_factory: sessionmaker[Session]
) -> None:
    press(registry, registry.dispatch("new Retail industry:retail", ctx), "Confirm", ctx)
    registry.dispatch("schedule SEG00001 daily 09:00", ctx)
    with session_factory.begin() as session:
        schedule = schedules.get_schedule(session, workspace.id, "SEG00001")
        assert schedule is not None
        run = history.record_refresh_run(
            session, workspace.id, "SEG00001", key="k-en", user_id=ctx.user_id, schedule_id=schedule.id
        )
        notification = rendered(run_notification(session, run))

    assert "Segment refreshed: SEG00001 Retail" in notification
    assert "nobody entered or left (6 contacts)" in notification
