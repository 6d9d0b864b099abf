"""Helpers every verb uses: the unit of work with its workspace, argument checks, criteria parsing."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from commands.arguments import extract_options
from commands.context import CommandContext
from commands.criteria_parser import CriteriaError, parse_criteria, term_position
from commands.i18n import N_
from commands.options import FLAG_FIELDS
from commands.slack_text import is_logged_segment_no, is_segment_no
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


def segment_no(token: str | None, *, usage: str) -> str:
    """``token`` as a segment number (``seg00001`` is ``SEG00001``), or a ValidationError with the usage."""
    return _checked_no(token, usage, is_segment_no, _SEGMENT_NO_ERRORS)


def logged_segment_no(token: str | None, *, usage: str) -> str:
    """``token`` as a logged segment number (``LSEG00001``), or a ValidationError with the usage."""
    return _checked_no(token, usage, is_logged_segment_no, _LOGGED_SEGMENT_NO_ERRORS)


# What is said when the number is missing, and when the word is not one.
_SEGMENT_NO_ERRORS = (
    N_("a segment number is missing. Usage: /segment {usage}"),
    N_("'{token}' is not a segment number (like SEG00001). Usage: /segment {usage}"),
)
_LOGGED_SEGMENT_NO_ERRORS = (
    N_("a logged segment number is missing. Usage: /segment {usage}"),
    N_("'{token}' is not a logged segment number (like LSEG00001). Usage: /segment {usage}"),
)


def _checked_no(
    token: str | None, usage: str, is_valid: Callable[[str], bool], errors: tuple[str, str]
) -> str:
    missing, malformed = errors
    if not token:
        raise ValidationError(missing, usage=usage)
    if not is_valid(token):
        raise ValidationError(malformed, token=token, usage=usage)
    return token.upper()


def split_first(text: str) -> tuple[str, str]:
    """The first whitespace-separated word of ``text`` and the rest, stripped."""
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def reject_extra(extra: str, *, usage: str) -> None:
    """A ValidationError naming ``extra``, the words a verb does not take, when there are any."""
    if extra:
        raise ValidationError("unexpected '{extra}'. Usage: /segment {usage}", extra=extra, usage=usage)


def only_segment_no(text: str, *, usage: str) -> str:
    """The segment number that is all of ``text``, for verbs that take nothing else."""
    token, extra = split_first(text)
    no = segment_no(token, usage=usage)
    reject_extra(extra, usage=usage)
    return no


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
