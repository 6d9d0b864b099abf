"""Who may change a segment, and that one workspace never reaches into another, through every verb and button.

Everything goes through the registry with text and button values, as Slack would deliver them; the
refusals are the errors bot/ turns into ephemeral replies, and the segment is checked unchanged.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from commands.context import CommandContext
from commands.registry import Registry
from commands.reply import Reply, error_reply
from storage.errors import NotAllowedError, NotFoundError, SegbotError
from storage.models import Workspace
from storage.service import journal, saved, schedules, segments
from storage.service.workspaces import ensure_workspace
from tests.commands.conftest import as_user, buttons, press, rendered
from tests.factories import add_contact

STRANGER = "U0STRANGER"
ADMIN = "U0ADMIN"
SEG = "SEG00001"

CHANGES = [
    "add SEG00001 city:paris",
    "reduce SEG00001 city:berlin",
    "refine SEG00001 type:company",
    "include SEG00001 CT0007",
    "remove SEG00001 CT0002",
    "undo SEG00001",
    "refresh SEG00001",
    "reuse BERLIN SEG00001",
    "log SEG00001 template:CALL",
    "delete SEG00001",
    "schedule SEG00001 daily 09:00 #sales",
    "unschedule SEG00001",
]
READS = ["show SEG00001", "list", "criteria SEG00001", "compare SEG00001 SEG00001", "export SEG00001"]


@pytest.fixture
def owned(registry: Registry, ctx: CommandContext, crm: None) -> Reply:
    """SEG00001 owned by ctx's user with the 6 Berlin contacts, saved as BERLIN, scheduled, and a pending
    preview of the owner's; returns that preview (its Confirm button is what strangers try to forge)."""
    press(registry, registry.dispatch("new Berlin city:berlin", ctx), "Confirm", ctx)
    registry.dispatch("save SEG00001 BERLIN", ctx)
    registry.dispatch("schedule SEG00001 daily 09:00 #sales", ctx)
    return registry.dispatch("add SEG00001 city:paris", ctx)


def _state(session_factory: sessionmaker[Session], team_id: str) -> tuple[int, int]:
    with session_factory() as s:
        ws = ensure_workspace(s, team_id)
        return segments.get_segment(s, ws, SEG).size, len(journal.list_journal(s, ws, SEG))


def _is_scheduled(ctx: CommandContext) -> bool:
    with ctx.session_factory() as s:
        return schedules.get_schedule(s, ensure_workspace(s, ctx.team_id), SEG) is not None


def _attempt(registry: Registry, text: str, ctx: CommandContext) -> Reply:
    """Run the verb and, when it asks first, press its confirming button as the same user."""
    reply = registry.dispatch(text, ctx)
    for label in ("Confirm", "Undo", "Delete"):
        if label in buttons(reply):
            return press(registry, reply, label, ctx)
    return reply


@pytest.mark.parametrize("text", CHANGES)
def test_someone_elses_segment_cannot_be_changed_and_the_refusal_names_the_owner(
    registry: Registry, ctx: CommandContext, owned: Reply, text: str
) -> None:
    before = _state(ctx.session_factory, ctx.team_id)

    with pytest.raises(NotAllowedError) as refused:
        _attempt(registry, text, as_user(ctx, STRANGER))

    reply = error_reply(refused.value)
    assert reply.visibility == "ephemeral"
    assert "owner" in rendered(reply) or "logged" in rendered(reply)
    assert f"<@{ctx.user_id}>" in rendered(reply)
    assert _state(ctx.session_factory, ctx.team_id) == before
    assert _is_scheduled(ctx)


def test_a_forged_confirm_of_the_owners_preview_changes_nothing(
    registry: Registry, ctx: CommandContext, owned: Reply
) -> None:
    before = _state(ctx.session_factory, ctx.team_id)

    with pytest.raises(NotAllowedError):
        press(registry, owned, "Confirm", as_user(ctx, STRANGER))

    assert _state(ctx.session_factory, ctx.team_id) == before
    # The owner's own Confirm still works afterwards: the refusal did not spend the preview.
    assert "added 1 contact" in press(registry, owned, "Confirm", ctx).text


@pytest.mark.parametrize("text", ["add SEG00001 city:paris", "undo SEG00001", "unschedule SEG00001"])
def test_a_workspace_admin_may_change_anyones_segment(
    registry: Registry, ctx: CommandContext, owned: Reply, text: str
) -> None:
    before = _state(ctx.session_factory, ctx.team_id)

    _attempt(registry, text, as_user(ctx, ADMIN, is_admin=True))

    after = _state(ctx.session_factory, ctx.team_id)
    assert after != before or text.startswith("unschedule")
    if text.startswith("unschedule"):
        assert not _is_scheduled(ctx)


def test_an_admin_may_delete_anyones_segment(registry: Registry, ctx: CommandContext, owned: Reply) -> None:
    _attempt(registry, "delete SEG00001", as_user(ctx, ADMIN, is_admin=True))

    with pytest.raises(NotFoundError):
        registry.dispatch("show SEG00001", ctx)


@pytest.mark.parametrize("text", READS)
def test_reading_someone_elses_segment_stays_open_within_the_workspace(
    registry: Registry, ctx: CommandContext, owned: Reply, text: str
) -> None:
    reply = registry.dispatch(text, as_user(ctx, STRANGER))

    assert "SEG00001" in rendered(reply) or reply.upload is not None


def test_the_one_who_logged_a_segment_may_cancel_it_and_others_may_not(
    registry: Registry, ctx: CommandContext, owned: Reply
) -> None:
    press(registry, registry.dispatch("log SEG00001 template:CALL", ctx), "Confirm", ctx)

    with pytest.raises(NotAllowedError, match="logged"):
        registry.dispatch("cancel LSEG00001", as_user(ctx, STRANGER))
    assert "cancel" in registry.dispatch("cancel LSEG00001", ctx).text.lower()


# --- isolation: workspace B never sees or touches workspace A ------------------------------------


@pytest.fixture
def other_team(ctx: CommandContext, session_factory: sessionmaker[Session]) -> CommandContext:
    """A user of workspace T0002 with the same user id as A's owner, and an admin at that."""
    with session_factory.begin() as s:
        ws = ensure_workspace(s, "T0002", name="Other Co")
        add_contact(s, ws, "CT0001", name="Other Retail", city="Berlin")
    return CommandContext(
        session_factory=session_factory,
        team_id="T0002",
        user_id=ctx.user_id,
        channel_id="C0OTHER",
        today=ctx.today,
        is_admin=True,
    )


@pytest.mark.parametrize("text", [*CHANGES, *READS[:1], *READS[2:], "save SEG00001 MINE", "cancel LSEG00001"])
def test_another_workspace_finds_nothing_of_this_one_by_any_verb(
    registry: Registry, ctx: CommandContext, owned: Reply, other_team: CommandContext, text: str
) -> None:
    press(registry, registry.dispatch("log SEG00001 template:CALL", ctx), "Confirm", ctx)
    before = _state(ctx.session_factory, ctx.team_id)

    with pytest.raises(NotFoundError):
        _attempt(registry, text, other_team)

    assert _state(ctx.session_factory, ctx.team_id) == before
    listed = registry.dispatch("list", other_team)
    assert "Berlin" not in rendered(listed)


def test_forged_buttons_with_this_workspaces_ids_find_nothing_from_another(
    registry: Registry, ctx: CommandContext, owned: Reply, other_team: CommandContext
) -> None:
    before = _state(ctx.session_factory, ctx.team_id)
    forged = 0
    for label in ("Confirm", "Cancel", "Next"):
        button = buttons(owned).get(label)
        if button is None:
            continue
        assert button.action_id is not None and button.value is not None
        with pytest.raises(SegbotError):
            registry.handle_action(button.action_id, button.value, other_team)
        forged += 1
    assert forged >= 2
    # A page request naming A's segment from B's workspace, as a hand-made payload would.
    with pytest.raises(SegbotError):
        registry.handle_action("segbot:page:next", json.dumps({"s": SEG, "p": 1}), other_team)
    assert _state(ctx.session_factory, ctx.team_id) == before
    assert "added 1 contact" in press(registry, owned, "Confirm", ctx).text


def test_a_segment_numbered_alike_in_another_workspace_is_its_own(
    registry: Registry, ctx: CommandContext, owned: Reply, other_team: CommandContext
) -> None:
    press(registry, registry.dispatch("new Mine city:berlin", other_team), "Confirm", other_team)

    with other_team.session_factory() as s:
        theirs = segments.get_segment(s, ensure_workspace(s, "T0002"), SEG)
        assert saved.list_saved_criteria(s, ensure_workspace(s, "T0002")) == []
    assert theirs.size == 1
    assert _state(ctx.session_factory, ctx.team_id) == (6, 1)
    with pytest.raises(NotFoundError):
        registry.dispatch("reuse BERLIN SEG00001", other_team)


def test_workspaces_are_told_apart_by_team_id(
    session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    with session_factory.begin() as s:
        assert ensure_workspace(s, workspace.team_id) == workspace.id
        assert ensure_workspace(s, "T0002") != workspace.id


def test_the_refusal_is_explained_in_the_callers_language(
    registry: Registry, ctx: CommandContext, owned: Reply
) -> None:
    with pytest.raises(NotAllowedError) as refused:
        registry.dispatch("add SEG00001 city:paris", as_user(ctx, STRANGER))

    assert "solo il proprietario di SEG00001" in rendered(error_reply(refused.value, locale="it"))
