"""`delete SEG`: asks first (Confirm/Cancel), then deletes; only the owner or a workspace admin may."""

from __future__ import annotations

from commands.blocks.limits import escape_mrkdwn
from commands.blocks.segments import DELETE_ACTION, KEEP_ACTION, build_delete_question_blocks
from commands.common import segment_no, split_first, workspace_session
from commands.context import CommandContext
from commands.registry import Registry, Verb
from commands.reply import Reply
from storage.errors import NotAllowedError, ValidationError
from storage.service import segments

USAGE = "delete SEG"


def delete(text: str, ctx: CommandContext) -> Reply:
    """Ask whether to delete the segment; refuse at once when the caller may not."""
    token, extra = split_first(text)
    no = segment_no(token, usage=USAGE)
    if extra:
        raise ValidationError(f"unexpected '{extra}'. Usage: /segment {USAGE}")
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, no)
    if info.owner_user_id != ctx.user_id and not ctx.is_admin:
        raise NotAllowedError(f"only the owner of {no} (<@{info.owner_user_id}>) or an admin may delete it.")
    return Reply(text=f"Delete {info.no}?", blocks=tuple(build_delete_question_blocks(info)))


def confirm_delete(value: str, ctx: CommandContext) -> Reply:
    """The Confirm button of the question: delete, and tell the channel."""
    no = segment_no(value, usage=USAGE)
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, no)
        segments.delete_segment(session, workspace_id, no, user_id=ctx.user_id, is_admin=ctx.is_admin)
    text = f"<@{ctx.user_id}> deleted *{info.no}* {escape_mrkdwn(info.description)}."
    return Reply(text=text[:3000], visibility="channel", replace_original=True, announce=True)


def keep(value: str, ctx: CommandContext) -> Reply:
    """The Cancel button of the question."""
    return Reply(text=f"Canceled: {value[:20]} was not deleted.", replace_original=True)


def register(registry: Registry) -> None:
    registry.add(
        Verb(
            name="delete",
            aliases=(),
            usage=USAGE,
            summary="deletes a segment (owner or workspace admin only), after asking",
            run=delete,
            examples=("delete SEG00001",),
        )
    )
    registry.register_action(DELETE_ACTION, confirm_delete)
    registry.register_action(KEEP_ACTION, keep)
