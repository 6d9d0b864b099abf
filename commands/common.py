"""Helpers every verb uses: the unit of work with its workspace, page size, options, criteria parsing."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from commands.arguments import extract_options
from commands.context import CommandContext
from commands.criteria_parser import CriteriaError, parse_criteria, term_position
from commands.options import FLAG_FIELDS
from storage.criteria.ast import Expr
from storage.criteria.names import UnknownNameError
from storage.db import unit_of_work
from storage.errors import ValidationError
from storage.service import workspaces
from storage.service.types import ActionOptions

# Previews and pages are rendered into one message; more rows than this would not fit Block Kit.
MAX_PAGE_SIZE = 50


@contextmanager
def workspace_session(ctx: CommandContext) -> Iterator[tuple[Session, int]]:
    """One unit of work for one user action, with the caller's workspace id (created on first use)."""
    with unit_of_work(ctx.session_factory) as session:
        yield session, workspaces.ensure_workspace(session, ctx.team_id)


def page_size(ctx: CommandContext) -> int:
    return max(1, min(ctx.page_size, MAX_PAGE_SIZE))


def extract_action_options(text: str, allowed: Collection[str]) -> tuple[str, ActionOptions]:
    """Take ``--option`` flags out of ``text``; unknown ones are a ValidationError naming the allowed ones."""
    rest, found = extract_options(text, allowed)
    flags = {FLAG_FIELDS[_normalise_option(o)]: True for o in found}
    return rest, ActionOptions(**flags)


def _normalise_option(option: str) -> str:
    return "--" + option.lstrip("-").replace("_", "-").lower()


def parse_criteria_text(text: str) -> Expr:
    """Parse criteria as typed in Slack; an error keeps the text so the reply can point at the spot."""
    # The parser decodes Slack's &gt; itself, so its error positions index the text as Slack sent it.
    criteria = text.strip()
    if not criteria:
        raise ValidationError("criteria are missing, e.g. industry:retail city:berlin")
    try:
        return parse_criteria(criteria)
    except CriteriaError as exc:
        if not exc.text:
            exc.text = criteria
        raise


@contextmanager
def pointing_into(criteria_text: str) -> Iterator[None]:
    """Turn a name the workspace does not have into a criteria error pointing at it in the typed text."""
    try:
        yield
    except UnknownNameError as exc:
        criteria = criteria_text.strip()
        position = term_position(criteria, exc.field, exc.value)
        if position is None:
            raise
        raise CriteriaError(position, "a known name", exc.message, text=criteria, **exc.params) from exc
