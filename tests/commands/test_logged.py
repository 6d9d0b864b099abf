"""`set`, `log` with its preview, `cancel [--undo]` and the Logged Segments page, through the registry."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.orm import Session, sessionmaker

from commands.context import CommandContext
from commands.registry import Registry
from storage.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from storage.models import Campaign, InteractionLogEntry, Workspace
from tests.commands.conftest import as_user, assert_within_block_kit_limits, buttons, press, rendered
from tests.factories import add_contact


@pytest.fixture
def berlin(registry: Registry, ctx: CommandContext, crm: None, workspace: Workspace) -> None:
    """SEG00001 Berlin with the 6 Berlin contacts, owned by ctx's user; campaign CP01 exists."""
    with ctx.session_factory.begin() as s:
        s.add(Campaign(workspace_id=workspace.id, no="CP01", description="Spring fair"))
    press(registry, registry.dispatch("new Berlin city:berlin", ctx), "Confirm", ctx)


def _entries(factory: sessionmaker[Session]) -> list[InteractionLogEntry]:
    with factory() as s:
        return list(s.query(InteractionLogEntry).all())


def test_log_previews_count_template_campaign_and_date_and_confirm_logs_once(
    registry: Registry, ctx: CommandContext, berlin: None
) -> None:
    preview = registry.dispatch("log SEG00001 template:meeting campaign:cp01 date:2026-11-20", ctx)
    shown = rendered(preview)
    assert (
        "This logs *6 interactions*, one per contact, with template *MEETING*, dated Nov 20, 2026." in shown
    )
    assert "Campaign *CP01*: 6 campaign entries." in shown
    assert set(buttons(preview)) == {"Confirm", "Cancel"}
    assert_within_block_kit_limits(preview)
    assert _entries(ctx.session_factory) == []

    done = press(registry, preview, "Confirm", ctx)
    again = press(registry, preview, "Confirm", ctx)

    assert done.text.startswith("Logged *SEG00001* as *LSEG00001*: 6 interactions with template *MEETING*.")
    assert "Campaign *CP01*: 6 campaign entries." in done.text
    assert (done.visibility, done.replace_original, done.announce) == ("channel", True, True)
    assert "already logged from this preview as *LSEG00001*" in again.text
    assert again.visibility == "ephemeral"
    entries = _entries(ctx.session_factory)
    assert len(entries) == 6
    assert {(e.template_code, e.campaign_no, str(e.date)) for e in entries} == {
        ("MEETING", "CP01", "2026-11-20")
    }


def test_cancel_on_the_log_preview_logs_nothing(
    registry: Registry, ctx: CommandContext, berlin: None
) -> None:
    preview = registry.dispatch("log SEG00001 template:CALL", ctx)
    answer = press(registry, preview, "Cancel", ctx)
    assert answer.text == "Canceled: nothing was logged for SEG00001."
    assert _entries(ctx.session_factory) == []


def test_a_second_log_says_when_and_as_which_logged_segment_it_was_logged_before(
    registry: Registry, ctx: CommandContext, berlin: None
) -> None:
    press(registry, registry.dispatch("log SEG00001 template:CALL", ctx), "Confirm", ctx)
    again = rendered(registry.dispatch("log SEG00001 template:CALL", ctx))
    assert "SEG00001 was logged before, 1 time: as *LSEG00001* on Nov 28, 2026 (6 interactions)." in again


def test_log_uses_the_header_set_with_set(registry: Registry, ctx: CommandContext, berlin: None) -> None:
    assert registry.dispatch("set SEG00001 template email", ctx).text == "SEG00001: template is now *EMAIL*."
    registry.dispatch("set SEG00001 campaign CP01", ctx)
    registry.dispatch("set SEG00001 date today-2d", ctx)
    registry.dispatch("set SEG00001 subject “Spring fair invitation”", ctx)
    shown = rendered(registry.dispatch("show SEG00001", ctx))
    assert (
        "template *EMAIL* · campaign *CP01* · date *Nov 26, 2026* · subject *Spring fair invitation*" in shown
    )

    preview = rendered(registry.dispatch("log SEG00001", ctx))
    assert "with template *EMAIL*, dated Nov 26, 2026" in preview
    assert "Subject: Spring fair invitation" in preview
    assert registry.dispatch("set SEG00001 campaign -", ctx).text == "SEG00001: campaign is now empty."


def test_set_refuses_unknown_codes_bad_dates_and_strangers(
    registry: Registry, ctx: CommandContext, berlin: None
) -> None:
    with pytest.raises(NotFoundError, match="no campaign CP9 in this workspace; the known ones: CP01"):
        registry.dispatch("set SEG00001 campaign CP9", ctx)
    with pytest.raises(
        NotFoundError, match="no interaction template MEET in this workspace; the known ones: MEETING"
    ):
        registry.dispatch("set SEG00001 template meet", ctx)
    with pytest.raises(ValidationError, match=r"'31\.12\.2026' is not a date"):
        registry.dispatch("set SEG00001 date 31.12.2026", ctx)
    with pytest.raises(ValidationError, match="needs a segment, a field"):
        registry.dispatch("set SEG00001 campaign", ctx)
    with pytest.raises(NotAllowedError):
        registry.dispatch("set SEG00001 subject Hello", as_user(ctx, "U0STRANGER"))


def test_log_refuses_an_unknown_template_or_campaign_and_stray_words(
    registry: Registry, ctx: CommandContext, berlin: None
) -> None:
    with pytest.raises(NotFoundError, match=r"no interaction template NOSUCH .* the known ones: "):
        registry.dispatch("log SEG00001 template:NOSUCH", ctx)
    with pytest.raises(NotFoundError, match="no campaign CP2 in this workspace"):
        registry.dispatch("log SEG00001 template:CALL campaign:CP2", ctx)
    with pytest.raises(ValidationError, match="unexpected 'meeting'"):
        registry.dispatch("log SEG00001 meeting", ctx)
    assert _entries(ctx.session_factory) == []


def test_cancel_and_its_undo_say_what_they_did(registry: Registry, ctx: CommandContext, berlin: None) -> None:
    press(registry, registry.dispatch("log SEG00001 template:CALL", ctx), "Confirm", ctx)
    canceled = registry.dispatch("cancel LSEG00001", ctx)
    undone = registry.dispatch("cancel LSEG00001 --undo", ctx)
    assert canceled.text.startswith("Canceled logged segment *LSEG00001* of SEG00001")
    assert undone.text == (
        "Cancellation undone: logged segment *LSEG00001* of SEG00001 counts again, 6 interactions (CALL)."
    )
    with pytest.raises(ConflictError, match="is not canceled"):
        registry.dispatch("cancel LSEG00001 --undo", ctx)


def test_the_logged_segments_page_lists_shows_pages_and_deletes_canceled_ones(
    registry: Registry, ctx: CommandContext, berlin: None
) -> None:
    assert "No logged segments yet" in rendered(registry.dispatch("logged", ctx))
    press(registry, registry.dispatch("log SEG00001 template:CALL campaign:CP01", ctx), "Confirm", ctx)
    listed = rendered(registry.dispatch("logged", ctx))
    assert (
        "*LSEG00001* · SEG00001 Berlin · Nov 28, 2026 · <@U0OWNER> · 6 interactions · "
        "6 campaign entries (CP01)" in listed
    )

    small = replace(ctx, page_size=4)
    first = registry.dispatch("show lseg00001", small)
    assert "Interactions 1-4 of 6 · page 1 of 2" in rendered(first)
    assert "*CT0001* Acme Retail · CALL" in rendered(first)
    second = press(registry, first, "Next", small)
    assert "Interactions 5-6 of 6 · page 2 of 2" in rendered(second)
    assert second.replace_original

    with pytest.raises(
        ConflictError, match="LSEG00001 is not canceled, so its 6 interactions still count; cancel it"
    ):
        registry.dispatch("delete LSEG00001", ctx)
    registry.dispatch("cancel LSEG00001", ctx)
    with pytest.raises(NotAllowedError, match="can delete it"):
        registry.dispatch("delete LSEG00001", as_user(ctx, "U0STRANGER"))
    question = registry.dispatch("delete LSEG00001", ctx)
    assert "Delete canceled logged segment *LSEG00001*" in question.text
    kept = press(registry, question, "Cancel", ctx)
    assert "was not deleted" in kept.text
    deleted = press(registry, question, "Confirm", ctx)
    assert (
        deleted.text
        == "<@U0OWNER> deleted canceled logged segment *LSEG00001* of SEG00001 and its interactions."
    )
    assert _entries(ctx.session_factory) == []
    with pytest.raises(NotFoundError, match="no logged segment LSEG00001"):
        registry.dispatch("show LSEG00001", ctx)


def test_a_full_page_of_long_interactions_and_many_logged_segments_stay_within_block_kit_limits(
    registry: Registry, ctx: CommandContext, crm: None, workspace: Workspace
) -> None:
    long = "Ü" * 190
    with ctx.session_factory.begin() as s:
        for n in range(60):
            add_contact(s, workspace.id, f"LONG{n:03d}", name=long, city="Berlin")
    big = replace(ctx, page_size=50)
    press(registry, registry.dispatch(f'new "{long}" city:berlin', big), "Confirm", big)
    registry.dispatch(f'set SEG00001 subject "{long}"', big)
    for _ in range(45):
        press(registry, registry.dispatch("log SEG00001 template:CALL", big), "Confirm", big)

    page = registry.dispatch("show LSEG00001", big)
    assert_within_block_kit_limits(page)
    assert rendered(page).count("*LONG0") + rendered(page).count("*CT0") == 50
    assert "Interactions 1-50 of 66 · page 1 of 2" in rendered(page)
    listed = registry.dispatch("logged", big)
    assert_within_block_kit_limits(listed)
    assert "5 older ones not shown." in rendered(listed)
    preview = registry.dispatch("log SEG00001 template:CALL", big)
    assert_within_block_kit_limits(preview)
    assert "logged before, 45 times; the last as *LSEG00045*" in rendered(preview)
