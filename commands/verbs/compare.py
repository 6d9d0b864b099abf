"""`compare SEG SEG`: the sizes of both segments, of their overlap and of each difference.

Buttons list the contacts of each part (``Both``, ``Only in A``, ``Only in B``), and each list
offers ``New segment from this``: a new segment previewed with the criteria that define the part.
"""

from __future__ import annotations

import json
from typing import Any

from commands.arguments import segment_no
from commands.blocks.compare import (
    COMPARE_LIST_ACTION,
    COMPARE_NEW_ACTION,
    build_part_blocks,
    build_part_buttons,
    part_criteria,
    part_title,
)
from commands.blocks.segments import build_compare_blocks, comparison_text
from commands.common import page_size, parse_criteria_text, workspace_session
from commands.context import CommandContext
from commands.i18n import translator
from commands.registry import VerbGroup
from commands.reply import Reply
from storage.errors import ValidationError
from storage.service import compare as comparing
from storage.service.types import ActionOptions

USAGE = "compare SEG SEG"

verbs = VerbGroup()
register = verbs.register


@verbs.verb(USAGE, examples=("compare SEG00001 SEG00002",))
def compare(text: str, ctx: CommandContext) -> Reply:
    """sizes of both, of the overlap, and of each difference; buttons list each part"""
    words = text.split()
    if len(words) != 2:
        raise ValidationError("two segment numbers are needed. Usage: /segment {usage}", usage=USAGE)
    a, b = (segment_no(w, usage=USAGE) for w in words)
    with workspace_session(ctx) as (session, workspace_id):
        result = comparing.compare_segments(session, workspace_id, a, b)
    tr = translator(ctx.locale)
    text = comparison_text(result, tr=tr).replace("*", "")
    blocks = [*build_compare_blocks(result, tr=tr), build_part_buttons(result, tr=tr)]
    return Reply(text=text, blocks=tuple(blocks))


@verbs.action(COMPARE_LIST_ACTION)
def list_part(value: str, ctx: CommandContext) -> Reply:
    """A part's button (or its Previous/Next): a page of the contacts in it."""
    a, b, side, target = _target(value)
    try:
        page = max(1, int(target.get("p", 1)))
    except (TypeError, ValueError):
        raise ValidationError("This button is broken; run the command again.") from None
    with workspace_session(ctx) as (session, workspace_id):
        rows = comparing.comparison_page(
            session, workspace_id, a, b, side, page=page, page_size=page_size(ctx)
        )
    tr = translator(ctx.locale)
    title = part_title(a, b, side, tr=tr)
    return Reply(
        text=f"{title}: {tr.ngettext('{n} contact', '{n} contacts', rows.total)}",
        blocks=tuple(build_part_blocks(a, b, side, rows, tr=tr)),
        # Paging redraws the list; the part's own button leaves the comparison in place above it.
        replace_original=bool(target.get("n")),
    )


@verbs.action(COMPARE_NEW_ACTION)
def new_from_part(value: str, ctx: CommandContext) -> Reply:
    """``New segment from this``: create a segment and preview adding the part by its criteria."""
    from commands.verbs.new import create

    a, b, side, _ = _target(value)
    criteria = parse_criteria_text(part_criteria(a, b, side))
    description = part_title(a, b, side, tr=translator(ctx.locale))
    # The parts list the segments' members as they are, excluded contacts included; so does the Add.
    return create(ctx, description, criteria, ActionOptions(ignore_exclusion=True))


def _target(value: str) -> tuple[str, str, str, dict[str, Any]]:
    try:
        target = json.loads(value)
        a, b, side = str(target["a"]), str(target["b"]), str(target["w"])
    except (ValueError, KeyError, TypeError):
        raise ValidationError("This button is broken; run the command again.") from None
    if side not in comparing.SIDES:
        raise ValidationError("This button is broken; run the command again.")
    return segment_no(a, usage=USAGE), segment_no(b, usage=USAGE), side, target
