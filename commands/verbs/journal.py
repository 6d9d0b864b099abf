"""`criteria SEG`, `save SEG CODE [description]` and `undo SEG`: the journal of a segment's actions.

Undo is Business Central's Go Back: it reverts the last journalled action at once and can be
repeated; its outcome is announced in the channel like a confirmed change.
"""

from __future__ import annotations

from commands.blocks.limits import escape_mrkdwn
from commands.blocks.preview import build_outcome_blocks, outcome_text
from commands.blocks.segments import build_journal_blocks, journal_line
from commands.common import segment_no, split_first, workspace_session
from commands.context import CommandContext
from commands.registry import Registry, Verb
from commands.reply import Reply
from storage.errors import ValidationError
from storage.service import actions, journal, saved, segments


def criteria(text: str, ctx: CommandContext) -> Reply:
    """Every journalled action with its criteria, options and effect."""
    token, extra = split_first(text)
    no = segment_no(token, usage="criteria SEG")
    if extra:
        raise ValidationError(f"unexpected '{extra}'. Usage: /segment criteria SEG")
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, no)
        entries = journal.list_journal(session, workspace_id, no)
    fallback = "\n".join(journal_line(e) for e in entries) or "No actions yet."
    return Reply(text=f"{info.no}\n{fallback}"[:3000], blocks=tuple(build_journal_blocks(info, entries)))


def save(text: str, ctx: CommandContext) -> Reply:
    """Save the segment's journal as named criteria that `reuse` can replay on any segment."""
    usage = "save SEG CODE [description]"
    token, rest = split_first(text)
    no = segment_no(token, usage=usage)
    code, description = split_first(rest)
    if not code:
        raise ValidationError(f"a code for the saved criteria is missing. Usage: /segment {usage}")
    code = code.upper()
    with workspace_session(ctx) as (session, workspace_id):
        count = saved.save_criteria(
            session, workspace_id, no, code, description=description.strip('"'), user_id=ctx.user_id
        )
    actions_text = f"{count:,} action{'s' if count != 1 else ''}"
    return Reply(
        text=f"Saved the criteria of {no} as *{escape_mrkdwn(code)}* ({actions_text}). "
        f"Replay them with `/segment reuse {escape_mrkdwn(code)} SEG`."
    )


def undo(text: str, ctx: CommandContext) -> Reply:
    """Revert the last journalled action of the segment."""
    token, extra = split_first(text)
    no = segment_no(token, usage="undo SEG")
    if extra:
        raise ValidationError(f"unexpected '{extra}'. Usage: /segment undo SEG")
    with workspace_session(ctx) as (session, workspace_id):
        result = actions.undo_last(session, workspace_id, no, user_id=ctx.user_id)
        info = segments.get_segment(session, workspace_id, no)
    return Reply(
        text=outcome_text(result, description=info.description, user_id=ctx.user_id),
        blocks=tuple(build_outcome_blocks(result, description=info.description, user_id=ctx.user_id)),
        visibility="channel",
    )


def register(registry: Registry) -> None:
    registry.add(
        Verb(
            name="criteria",
            aliases=("journal",),
            usage="criteria SEG",
            summary="the journal of actions with their criteria and options",
            run=criteria,
            examples=("criteria SEG00001",),
        )
    )
    registry.add(
        Verb(
            name="save",
            aliases=(),
            usage="save SEG CODE [description]",
            summary="saves the segment's journal as named criteria",
            run=save,
            examples=('save SEG00001 RETAIL "Retail in Berlin"',),
        )
    )
    registry.add(
        Verb(
            name="undo",
            aliases=("goback",),
            usage="undo SEG",
            summary="reverts the last action (repeatable, like Business Central's Go Back)",
            run=undo,
            examples=("undo SEG00001",),
        )
    )
