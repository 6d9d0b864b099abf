"""`language`: the caller's language, and the workspace default that admins set."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import Session, sessionmaker

from commands.context import CommandContext
from commands.registry import Registry
from storage.errors import NotAllowedError, ValidationError
from storage.models import Workspace
from storage.service import workspaces


def test_language_tells_the_caller_their_language_and_the_workspace_default(
    registry: Registry, ctx: CommandContext
) -> None:
    reply = registry.dispatch("language", dataclasses.replace(ctx, locale="it"))

    assert "segbot ti risponde in Italiano" in reply.text
    assert "la lingua predefinita dell'area di lavoro è English" in reply.text


def test_an_admin_sets_the_workspace_default_and_is_answered_in_it(
    registry: Registry,
    ctx: CommandContext,
    session_factory: sessionmaker[Session],
    workspace: Workspace,
) -> None:
    reply = registry.dispatch("language it-IT", dataclasses.replace(ctx, is_admin=True))

    assert "La lingua predefinita dell'area di lavoro ora è Italiano" in reply.text
    with session_factory() as session:
        assert workspaces.default_locale(session, workspace.id) == "it"


def test_only_an_admin_may_change_the_default_language(registry: Registry, ctx: CommandContext) -> None:
    with pytest.raises(NotAllowedError):
        registry.dispatch("language it", ctx)


def test_a_language_without_a_catalog_is_refused_naming_the_ones_there_are(
    registry: Registry, ctx: CommandContext
) -> None:
    with pytest.raises(ValidationError, match="choose one of en, it"):
        registry.dispatch("language klingon", dataclasses.replace(ctx, is_admin=True))
