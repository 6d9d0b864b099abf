"""Verbs are called with text and a CommandContext on the real databases of tests/conftest.py."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock
from sqlalchemy.orm import Session, sessionmaker

from commands.context import CommandContext
from commands.registry import Registry, load_registry
from commands.reply import Reply
from storage.models import InteractionTemplate, Workspace
from tests.factories import add_contact

TODAY = date(2026, 11, 28)
OWNER = "U0OWNER"


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


def owner_context(
    session_factory: sessionmaker[Session],
    workspace: Workspace,
    *,
    channel_id: str = "C0SALES",
    today: date = TODAY,
) -> CommandContext:
    """What the segment owner's slash commands carry: the workspace, the channel, and a fixed today."""
    return CommandContext(
        session_factory=session_factory,
        team_id=workspace.team_id,
        user_id=OWNER,
        channel_id=channel_id,
        today=today,
    )


@pytest.fixture
def ctx(session_factory: sessionmaker[Session], workspace: Workspace) -> CommandContext:
    return owner_context(session_factory, workspace)


@pytest.fixture
def crm(session_factory: sessionmaker[Session], workspace: Workspace) -> None:
    """Two retail companies in Berlin with two persons each, one bank in Paris with one excluded person;
    interaction templates CALL, EMAIL and MEETING."""
    with session_factory.begin() as s:
        ws = workspace.id
        acme = add_contact(s, ws, "CT0001", name="Acme Retail", city="Berlin", industries=("RETAIL",))
        add_contact(s, ws, "CT0002", name="Ana Berg", company=acme, city="Berlin", email="ana@acme.example")
        add_contact(s, ws, "CT0003", name="Ben Kurz", company=acme, city="Berlin")
        shop = add_contact(s, ws, "CT0004", name="Shop & Co", city="Berlin", industries=("RETAIL",))
        add_contact(s, ws, "CT0005", name="Cara Lind", company=shop, city="Berlin", email="cara@shop.example")
        add_contact(s, ws, "CT0006", name="Dan Ost", company=shop, city="Berlin")
        bank = add_contact(s, ws, "CT0007", name="Banque Sud", city="Paris", industries=("BANK",))
        add_contact(s, ws, "CT0008", name="Eve Roux", company=bank, city="Paris", exclude_from_segment=True)
        s.add_all(InteractionTemplate(workspace_id=ws, code=code) for code in ("CALL", "EMAIL", "MEETING"))


def as_user(ctx: CommandContext, user_id: str, *, is_admin: bool = False) -> CommandContext:
    return CommandContext(
        session_factory=ctx.session_factory,
        team_id=ctx.team_id,
        user_id=user_id,
        channel_id=ctx.channel_id,
        today=ctx.today,
        is_admin=is_admin,
    )


def rendered(reply: Reply) -> str:
    """What a user reads: the fallback text and every text in the blocks, as Slack gets them."""
    parts = [reply.text]
    for block in reply.blocks:
        _collect_texts(block.to_dict(), parts)
    return "\n".join(parts)


def _collect_texts(data: Any, parts: list[str]) -> None:
    if isinstance(data, dict):
        if isinstance(data.get("text"), str):
            parts.append(data["text"])
        for value in data.values():
            _collect_texts(value, parts)
    elif isinstance(data, list):
        for item in data:
            _collect_texts(item, parts)


def buttons(reply: Reply) -> dict[str, ButtonElement]:
    """The reply's buttons by label."""
    found: dict[str, ButtonElement] = {}
    for block in reply.blocks:
        if isinstance(block, ActionsBlock):
            for element in block.elements:
                if isinstance(element, ButtonElement) and element.text is not None:
                    found[str(element.text.text)] = element
        if isinstance(block, SectionBlock) and isinstance(block.accessory, ButtonElement):
            found[str(block.accessory.text.text)] = block.accessory  # type: ignore[union-attr]
    return found


def press(registry: Registry, reply: Reply, label: str, ctx: CommandContext) -> Reply:
    """Press the button labelled ``label`` as Slack would: its action_id and value go to the registry."""
    button = buttons(reply)[label]
    assert button.action_id is not None and button.value is not None
    return registry.handle_action(button.action_id, button.value, ctx)


def assert_within_block_kit_limits(reply: Reply) -> None:
    """Every block validates (slack_sdk checks lengths on to_dict) and the message holds at most 50."""
    assert len(reply.blocks) <= 50
    assert len(reply.text) <= 40_000
    for block in reply.blocks:
        data: dict[str, Any] = block.to_dict()
        if isinstance(block, ActionsBlock):
            assert len(block.elements) <= 25
            for element in data["elements"]:
                assert len(element.get("value", "")) <= 2000
    if reply.modal is not None:
        assert len(reply.modal.blocks) <= 100
        reply.modal.to_dict()
