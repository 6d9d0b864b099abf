"""The `Next`/`Previous` buttons: one handler redraws whatever list the button's value names.

The value is compact JSON: ``{"s":"SEG00001","p":2}`` pages a segment's contacts,
``{"id":"<pending id>",...,"p":2}`` a preview, and ``{"s":"SEG00001","q":3,"c":1,"p":2}`` who
entered (``c`` 1) or left (``c`` -1) in journalled action ``q``, as refresh notifications show,
and ``{"u":3,"s":"SEG00001","p":2}`` the preview of undoing action 3. A pager of a two-way
preview adds ``"w"`` (1 entering, -1 leaving) and the other list's page (``"e"`` or ``"l"``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from slack_sdk.models.blocks import Block, HeaderBlock

from commands.arguments import segment_no
from commands.blocks.contacts import PAGE_ACTION, build_contact_blocks, build_pager
from commands.blocks.limits import clip_header
from commands.blocks.preview import (
    build_preview_blocks,
    contacts_count,
    describe_change,
    preview_from_target,
    two_way_pages,
)
from commands.common import page_size, workspace_session
from commands.context import CommandContext
from commands.i18n import translator
from commands.registry import VerbGroup
from commands.reply import Reply
from commands.verbs.journal import undo_preview_reply
from commands.verbs.logged import show_logged_reply
from commands.verbs.segments import show_reply
from storage.errors import ValidationError
from storage.service import changes, segments

verbs = VerbGroup()
register = verbs.register


def change_set_target(no: str, seq: int, change: int) -> dict[str, Any]:
    """What a pager for "who entered / who left" in action ``seq`` carries (``change`` +1 or -1)."""
    return {"s": no, "q": seq, "c": change}


@verbs.action(PAGE_ACTION)
def turn_page(value: str, ctx: CommandContext) -> Reply:
    """Redraw the message around the page the button names."""
    try:
        target: dict[str, Any] = json.loads(value)
        page = int(target.pop("p"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # AttributeError: a forged value that is JSON but not an object ("null", "[]").
        raise ValidationError("This page button is broken; run the command again.") from exc
    if page < 1:
        raise ValidationError("This page button is broken; run the command again.")
    if "id" in target:
        return _pending_page(target, page, ctx)
    if "l" in target:
        return show_logged_reply(ctx, str(target["l"])[:20], page=page, replace_original=True)
    no = segment_no(str(target.get("s", "")), usage="show SEG")
    if "u" in target:
        both = two_way_pages(target, page)
        if both is not None:
            return undo_preview_reply(
                ctx, no, seq=int(target["u"]), entering_page=both[0], leaving_page=both[1]
            )
        return undo_preview_reply(ctx, no, page=page, seq=int(target["u"]))
    if "q" in target:
        return _change_page(no, int(target["q"]), int(target.get("c", 1)), page, ctx)
    return show_reply(ctx, no, page=page, replace_original=True)


def _pending_page(target: dict[str, Any], page: int, ctx: CommandContext) -> Reply:
    both = two_way_pages(target, page)
    entering = leaving = None
    with workspace_session(ctx) as (session, workspace_id):
        pending_id = str(target["id"])
        if both is not None:
            entering, leaving = (
                changes.pending_page(
                    session, workspace_id, pending_id, page=wanted, page_size=page_size(ctx), change=change
                )
                for wanted, change in ((both[0], 1), (both[1], -1))
            )
            rows = entering
        else:
            rows = changes.pending_page(
                session, workspace_id, pending_id, page=page, page_size=page_size(ctx)
            )
        info = segments.get_segment(session, workspace_id, str(target["s"]))
    preview = replace(preview_from_target(target, rows), entering=entering, leaving=leaving)
    tr = translator(ctx.locale)
    return Reply(
        text=f"{preview.segment_no}: {describe_change(preview.kind, preview.added, preview.removed, tr=tr)}",
        blocks=tuple(build_preview_blocks(preview, description=info.description, page=rows, tr=tr)),
        replace_original=True,
    )


def _change_page(no: str, seq: int, change: int, page: int, ctx: CommandContext) -> Reply:
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, no)
        rows = changes.action_changes_page(
            session, workspace_id, no, seq, change=change, page=page, page_size=page_size(ctx)
        )
    tr = translator(ctx.locale)
    title = (
        tr._("Who entered {segment_no}", segment_no=no)
        if change > 0
        else tr._("Who left {segment_no}", segment_no=no)
    )
    blocks: list[Block] = [HeaderBlock(text=clip_header(f"{title} {info.description}"))]
    blocks.extend(build_contact_blocks(rows, empty_text=tr._("Nobody."), tr=tr))
    blocks.extend(build_pager(change_set_target(no, seq, change), rows, block_id=f"pager-{change}", tr=tr))
    text = f"{title}: {contacts_count(rows.total, tr=tr)}"
    return Reply(text=text, blocks=tuple(blocks), replace_original=True)
