"""`list`, `show`, paging with Next/Previous, `criteria`, `compare`, `export`, `log`/`cancel`, `delete`."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from commands.context import CommandContext
from commands.registry import Registry
from storage.errors import NotAllowedError, NotFoundError, ValidationError
from tests.commands.conftest import as_user, buttons, press, rendered
from tests.factories import add_contact


def make_segment(registry: Registry, ctx: CommandContext, text: str) -> None:
    press(registry, registry.dispatch(text, ctx), "Confirm", ctx)


def test_list_shows_every_segment_and_mine_only_the_callers(registry: Registry, ctx, crm) -> None:
    make_segment(registry, ctx, "new Berlin city:berlin")
    registry.dispatch("new Someone else's", as_user(ctx, "U0OTHER"))

    everything = rendered(registry.dispatch("list", ctx))
    mine = rendered(registry.dispatch("list mine", ctx))

    assert "SEG00001" in everything and "SEG00002" in everything
    assert "6 contacts" in everything
    assert "SEG00001" in mine and "SEG00002" not in mine


def test_show_pages_through_the_contacts_with_next_and_previous(registry: Registry, ctx, crm) -> None:
    small = replace(ctx, page_size=3)
    make_segment(registry, small, "new Berlin city:berlin")

    first = registry.dispatch("show SEG00001", small)
    second = press(registry, first, "Next", small)
    back = press(registry, second, "Previous", small)

    assert set(buttons(first)) == {"Next"}
    assert "Contacts 1-3 of 6" in rendered(first)
    assert second.replace_original
    assert set(buttons(second)) == {"Previous"}
    assert "Contacts 4-6 of 6" in rendered(second)
    assert rendered(back) == rendered(first)
    assert "Contacts 4-6 of 6" in rendered(registry.dispatch("show seg00001 page 2", small))


# (the commands that make the segments, the command, what its reply says)
READ_VERBS = {
    "show-summarises-the-journal": (
        ["new Berlin city:berlin", "reduce SEG00001 -email:*"],
        "show SEG00001",
        ["2 contacts", "2 actions, the last: 2. *Reduce*"],
    ),
    "criteria-lists-the-journal-with-options": (
        ["new Retail industry:retail --expand-companies", "include SEG00001 CT0007"],
        "criteria SEG00001",
        ["1. *Add*", "--expand-companies", "2. *Include*", "CT0007"],
    ),
    "compare-shows-the-four-sizes": (
        ["new Berlin city:berlin", "new Companies type:company"],
        "compare SEG00001 SEG00002",
        [
            "*SEG00001*: 6 contacts · *SEG00002*: 3 contacts",
            "In both: *2* · only in SEG00001: *4* · only in SEG00002: *1*",
        ],
    ),
}


@pytest.mark.parametrize(("made_by", "command", "phrases"), READ_VERBS.values(), ids=READ_VERBS.keys())
def test_a_verb_reading_segments_says_what_they_hold(
    registry: Registry, ctx, crm, made_by: list[str], command: str, phrases: list[str]
) -> None:
    for making in made_by:
        make_segment(registry, ctx, making)

    text = rendered(registry.dispatch(command, ctx))

    for phrase in phrases:
        assert phrase in text


def test_paging_a_preview_keeps_confirm_and_cancel(registry: Registry, ctx, crm) -> None:
    small = replace(ctx, page_size=4)
    preview = registry.dispatch("new Berlin city:berlin", small)

    page_two = press(registry, preview, "Next", small)
    outcome = press(registry, page_two, "Confirm", small)

    assert set(buttons(page_two)) == {"Previous", "Confirm", "Cancel"}
    assert "Add will add 6 contacts" in rendered(page_two)
    assert "Contacts 5-6 of 6" in rendered(page_two)
    assert "New size: *6*" in outcome.text


def test_export_uploads_the_contacts_as_csv_with_no_first(registry: Registry, ctx, crm) -> None:
    make_segment(registry, ctx, "new Paris city:paris --ignore-exclusion")

    reply = registry.dispatch("export SEG00001", ctx)

    assert reply.upload is not None and reply.upload.filename == "SEG00001.csv"
    rows = list(csv.DictReader(io.StringIO(reply.upload.read().decode("utf-8"))))
    reply.upload.discard()
    assert next(iter(rows[0])) == "no"
    assert sorted(r["no"] for r in rows) == ["CT0007", "CT0008"]
    assert "2 contacts exported" in reply.text


def test_export_of_a_workspace_with_profile_answers_carries_their_columns(
    registry: Registry, ctx, crm, session_factory, workspace
) -> None:
    with session_factory.begin() as s:
        add_contact(
            s, workspace.id, "CT0009", name="Flo Weiss", person=True, city="Paris", profile={"rating": "A"}
        )
    make_segment(registry, ctx, "new Paris city:paris --ignore-exclusion")

    reply = registry.dispatch("export SEG00001", ctx)

    assert reply.upload is not None and reply.upload.path is not None
    rows = list(csv.DictReader(io.StringIO(reply.upload.read().decode("utf-8"))))
    reply.upload.discard()
    assert not reply.upload.path.exists()
    assert {r["no"]: r["profile.rating"] for r in rows} == {"CT0007": "", "CT0008": "", "CT0009": "A"}


def test_export_of_an_unknown_segment_says_so_and_leaves_no_file(
    registry: Registry, ctx, crm, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)

    with pytest.raises(NotFoundError):
        registry.dispatch("export SEG00042", ctx)

    assert list(tmp_path.iterdir()) == []


def test_log_and_cancel_report_what_was_logged(registry: Registry, ctx, crm) -> None:
    make_segment(registry, ctx, "new Berlin city:berlin")

    logged = press(registry, registry.dispatch("log SEG00001 template:meeting", ctx), "Confirm", ctx)
    canceled = registry.dispatch("cancel lseg00001", ctx)

    assert "as *LSEG00001*: 6 interactions with template *MEETING*" in logged.text
    assert logged.visibility == "channel"
    assert canceled.text.startswith("Canceled logged segment *LSEG00001*")
    with pytest.raises(ValidationError, match="template:CODE"):
        registry.dispatch("log SEG00001 meeting", ctx)


def test_delete_asks_first_and_only_the_owner_or_an_admin_may(registry: Registry, ctx, crm) -> None:
    make_segment(registry, ctx, "new Berlin city:berlin")
    with pytest.raises(NotAllowedError):
        registry.dispatch("delete SEG00001", as_user(ctx, "U0OTHER"))

    question = registry.dispatch("delete SEG00001", ctx)
    kept = press(registry, question, "Cancel", ctx)
    assert set(buttons(question)) == {"Confirm", "Cancel"}
    assert "was not deleted" in kept.text
    assert "6 contacts" in registry.dispatch("show SEG00001", ctx).text

    admin = as_user(ctx, "U0ADMIN", is_admin=True)
    deleted = press(registry, registry.dispatch("delete SEG00001", admin), "Confirm", admin)
    assert deleted.announce and "deleted *SEG00001*" in deleted.text
    with pytest.raises(NotFoundError):
        registry.dispatch("show SEG00001", ctx)


def test_malformed_arguments_name_the_usage(registry: Registry, ctx, crm) -> None:
    bad = ("show", "show 42", "show SEG00001 page zero", "compare SEG00001", "cancel SEG00001", "list all")
    for text in bad:
        with pytest.raises(ValidationError):
            registry.dispatch(text, ctx)


def test_paging_an_undo_preview_keeps_confirm_and_cancel(registry: Registry, ctx, crm) -> None:
    small = replace(ctx, page_size=4)
    make_segment(registry, small, "new Berlin city:berlin")

    page_two = press(registry, registry.dispatch("undo SEG00001", small), "Next", small)
    outcome = press(registry, page_two, "Confirm", small)

    assert set(buttons(page_two)) == {"Previous", "Confirm", "Cancel"}
    assert "Contacts 5-6 of 6" in rendered(page_two)
    assert "New size: *0*" in outcome.text
