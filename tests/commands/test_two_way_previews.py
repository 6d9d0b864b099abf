"""Refresh, reuse and the undo of a refresh move contacts both ways: previews and notifications show
*Entering* and *Leaving* as two labelled lists, each with its count and its own Next/Previous."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from commands.context import CommandContext
from commands.registry import Registry
from commands.reply import Reply
from commands.verbs.history import run_notification
from storage.models import Contact, Workspace
from storage.service import history
from tests.commands.conftest import assert_within_block_kit_limits, press, rendered
from tests.factories import add_contact


def _lists(reply: Reply) -> dict[str, str]:
    """The text under each list label ("Entering", "Leaving"), up to the next label or the buttons."""
    found: dict[str, str] = {}
    current: str | None = None
    for block in reply.blocks:
        data: dict[str, Any] = block.to_dict()
        text = data.get("text", {}).get("text", "") if isinstance(data.get("text"), dict) else ""
        for label in ("Entering", "Leaving"):
            if text.startswith(f"*{label}*"):
                current = label
                found[label] = text
                break
        else:
            if current is not None and block.type in ("section", "context"):
                found[current] += "\n" + rendered(Reply(text="", blocks=(block,)))
    return found


def _pager_button(reply: Reply, block_id: str, label: str) -> ButtonElement:
    for block in reply.blocks:
        if isinstance(block, ActionsBlock) and block.block_id == block_id:
            for element in block.elements:
                if isinstance(element, ButtonElement) and element.text.text == label:  # type: ignore[union-attr]
                    return element
    raise AssertionError(f"no {label} in {block_id}")


def _turn(registry: Registry, reply: Reply, block_id: str, label: str, ctx: CommandContext) -> Reply:
    button = _pager_button(reply, block_id, label)
    assert button.action_id is not None and button.value is not None
    return registry.handle_action(button.action_id, button.value, ctx)


def _berlin_changes(session_factory: sessionmaker[Session], workspace: Workspace) -> None:
    """Acme's two persons move to Paris; the bank and five new companies come to Berlin."""
    with session_factory.begin() as s:
        s.execute(update(Contact).where(Contact.no.in_(["CT0002", "CT0003"])).values(city="Paris"))
        s.execute(update(Contact).where(Contact.no == "CT0007").values(city="Berlin"))
        for n in range(5):
            add_contact(s, workspace.id, f"CT09{n:02d}", name=f"Newcomer {n}", city="Berlin")


def _berlin(registry: Registry, ctx: CommandContext) -> None:
    press(registry, registry.dispatch("new Berlin city:berlin", ctx), "Confirm", ctx)


def test_a_refresh_preview_shows_entering_and_leaving_as_two_labelled_lists(
    registry: Registry, ctx, crm, workspace, session_factory
) -> None:
    _berlin(registry, ctx)
    _berlin_changes(session_factory, workspace)

    reply = registry.dispatch("refresh SEG00001", ctx)

    assert_within_block_kit_limits(reply)
    lists = _lists(reply)
    assert lists["Entering"].startswith("*Entering* (6)")
    assert lists["Leaving"].startswith("*Leaving* (2)")
    assert "CT0007" in lists["Entering"] and "CT0900" in lists["Entering"]
    assert "CT0002" not in lists["Entering"]
    assert "CT0002" in lists["Leaving"] and "CT0003" in lists["Leaving"]
    assert "CT0007" not in lists["Leaving"]


def test_each_list_of_a_refresh_preview_pages_on_its_own(
    registry: Registry, ctx, crm, workspace, session_factory
) -> None:
    _berlin(registry, ctx)
    _berlin_changes(session_factory, workspace)
    small = replace(ctx, page_size=1)

    first = registry.dispatch("refresh SEG00001", small)
    second = _turn(registry, first, "pager-entering", "Next", small)
    third = _turn(registry, second, "pager-leaving", "Next", small)

    assert second.replace_original
    assert "2-2 of 6" in _lists(second)["Entering"] and "1-1 of 2" in _lists(second)["Leaving"]
    assert "2-2 of 6" in _lists(third)["Entering"] and "2-2 of 2" in _lists(third)["Leaving"]
    assert "CT0003" in _lists(third)["Leaving"]
    back = _turn(registry, third, "pager-entering", "Previous", small)
    assert "1-1 of 6" in _lists(back)["Entering"] and "2-2 of 2" in _lists(back)["Leaving"]
    # The redrawn preview still confirms the same refresh.
    done = press(registry, back, "Confirm", small)
    assert "New size: *10*" in done.text


def test_the_undo_preview_of_a_refresh_lists_both_directions(
    registry: Registry, ctx, crm, workspace, session_factory
) -> None:
    _berlin(registry, ctx)
    _berlin_changes(session_factory, workspace)
    press(registry, registry.dispatch("refresh SEG00001", ctx), "Confirm", ctx)

    reply = registry.dispatch("undo SEG00001", ctx)

    lists = _lists(reply)
    # Undoing the refresh puts back who left and takes out who entered.
    assert lists["Entering"].startswith("*Entering* (2)")
    assert "CT0002" in lists["Entering"] and "CT0003" in lists["Entering"]
    assert lists["Leaving"].startswith("*Leaving* (6)")
    assert "CT0007" in lists["Leaving"]
    small = replace(ctx, page_size=1)
    paged = _turn(registry, registry.dispatch("undo SEG00001", small), "pager-leaving", "Next", small)
    assert "2-2 of 6" in _lists(paged)["Leaving"] and "1-1 of 2" in _lists(paged)["Entering"]


def test_a_reuse_preview_shows_both_lists(registry: Registry, ctx, crm, workspace, session_factory) -> None:
    _berlin(registry, ctx)
    registry.dispatch("save SEG00001 BERLIN", ctx)
    press(registry, registry.dispatch("new Paris city:paris", ctx), "Confirm", ctx)

    lists = _lists(registry.dispatch("reuse BERLIN SEG00002", ctx))

    assert lists["Entering"].startswith("*Entering* (6)")
    assert lists["Leaving"].startswith("*Leaving* (0)")


def test_a_refresh_notification_labels_its_lists_entering_and_leaving(
    registry: Registry, ctx, crm, workspace, session_factory
) -> None:
    _berlin(registry, ctx)
    _berlin_changes(session_factory, workspace)
    with session_factory.begin() as s:
        run = history.record_refresh_run(s, workspace.id, "SEG00001", key="k-two", user_id=ctx.user_id)
        reply = run_notification(s, run, size=10)

    lists = _lists(reply)
    assert lists["Entering"].startswith("*Entering* (6)")
    assert lists["Leaving"].startswith("*Leaving* (2)")
