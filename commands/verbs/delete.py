"""`delete SEG`: asks first (Confirm/Cancel), then deletes; only the owner or a workspace admin may."""

from __future__ import annotations

from commands.arguments import logged_segment_no, reject_extra, segment_no, split_first
from commands.blocks.limits import escape_mrkdwn
from commands.blocks.segments import DELETE_ACTION, KEEP_ACTION, build_delete_question_blocks
from commands.common import workspace_session
from commands.context import CommandContext
from commands.i18n import translator
from commands.registry import VerbGroup
from commands.reply import Reply, announced
from commands.verbs.logged import confirm_delete_logged, delete_logged_question
from storage.errors import NotAllowedError
from storage.service import dependencies, segments

USAGE = "delete SEG"
LOGGED_USAGE = "delete LSEG"

verbs = VerbGroup()
register = verbs.register


@verbs.verb(USAGE, examples=("delete SEG00001",))
def delete(text: str, ctx: CommandContext) -> Reply:
    """deletes a segment (owner or workspace admin only) or a canceled logged segment, after asking

    Ask whether to delete the segment; refuse at once when the caller may not.
    """
    token, extra = split_first(text)
    reject_extra(extra, usage=USAGE)
    if token.upper().startswith("LSEG"):
        return delete_logged_question(logged_segment_no(token, usage=LOGGED_USAGE), ctx)
    no = segment_no(token, usage=USAGE)
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, no)
        # Refused before asking: a Confirm that could only fail would mislead.
        dependencies.check_deletable(session, workspace_id, info.no)
    if info.owner_user_id != ctx.user_id and not ctx.is_admin:
        raise NotAllowedError(
            "only the owner of {segment_no} (<@{owner}>) or an admin may delete it.",
            segment_no=no,
            owner=info.owner_user_id,
        )
    tr = translator(ctx.locale)
    question = tr._("Delete {segment_no}?", segment_no=info.no)
    return Reply(text=question, blocks=tuple(build_delete_question_blocks(info, tr=tr)))


@verbs.action(DELETE_ACTION)
def confirm_delete(value: str, ctx: CommandContext) -> Reply:
    """The Confirm button of the question: delete, and tell the channel."""
    if value.upper().startswith("LSEG"):
        return confirm_delete_logged(logged_segment_no(value, usage=LOGGED_USAGE), ctx)
    no = segment_no(value, usage=USAGE)
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, no)
        segments.delete_segment(session, workspace_id, no, **ctx.caller)
    text = translator(ctx.locale)._(
        "<@{user}> deleted *{segment_no}* {description}.",
        user=ctx.user_id,
        segment_no=info.no,
        description=escape_mrkdwn(info.description),
    )
    return announced(text[:3000])


@verbs.action(KEEP_ACTION)
def keep(value: str, ctx: CommandContext) -> Reply:
    """The Cancel button of the question."""
    text = translator(ctx.locale)._("Canceled: {segment_no} was not deleted.", segment_no=value[:20])
    return Reply(text=text, replace_original=True)
