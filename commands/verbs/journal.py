"""`criteria SEG`, `save SEG CODE [description]` and `undo SEG`: the journal of a segment's actions.

Undo is Business Central's Go Back: it reverts the last journalled action and can be repeated.
Like every change to a segment's lines it is previewed first (whom it takes out and puts back);
Confirm carries the action's number, so it undoes that action once and never a later one.
"""

from __future__ import annotations

from slack_sdk.models.blocks import SectionBlock

from commands.arguments import only_segment_no, segment_no, tokenize, unescape_slack
from commands.blocks.limits import clip, clip_section, escape_mrkdwn
from commands.blocks.preview import (
    build_decision_blocks,
    build_two_way_lists,
    change_summary,
    contacts_count,
    describe_change,
    kind_label,
    segment_title,
)
from commands.blocks.segments import build_journal_blocks, journal_line
from commands.common import page_size, workspace_session
from commands.context import CommandContext
from commands.i18n import ENGLISH, Translator, translator
from commands.registry import VerbGroup
from commands.reply import Reply, announced
from storage.errors import ConflictError, ValidationError
from storage.service import changes, journal, saved, segments
from storage.service.types import TWO_WAY_KINDS, ActionResult, JournalEntry, Page

UNDO_ACTION = "segbot:undo"
UNDO_CANCEL_ACTION = "segbot:undo-cancel"

verbs = VerbGroup()
register = verbs.register


@verbs.verb("criteria SEG", aliases=("journal",), examples=("criteria SEG00001",))
def criteria(text: str, ctx: CommandContext) -> Reply:
    """the journal of actions with their criteria and options"""
    no = only_segment_no(text, usage="criteria SEG")
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, no)
        entries = journal.list_journal(session, workspace_id, no)
    tr = translator(ctx.locale)
    fallback = "\n".join(journal_line(e, tr=tr) for e in entries) or tr._("No actions yet.")
    blocks = build_journal_blocks(info, entries, tr=tr)
    return Reply(text=f"{info.no}\n{fallback}"[:3000], blocks=tuple(blocks))


@verbs.verb("save SEG CODE [description]", examples=('save SEG00002 CUSTOMERS "All customers"',))
def save(text: str, ctx: CommandContext) -> Reply:
    """saves the segment's journal as named criteria

    Save the segment's journal as named criteria that `reuse` can replay on any segment.
    """
    usage = "save SEG CODE [description]"
    words = tokenize(unescape_slack(text))
    no = segment_no(words[0] if words else None, usage=usage)
    if len(words) < 2:
        raise ValidationError(
            "a code for the saved criteria is missing. Usage: /segment {usage}", usage=usage
        )
    code, description = words[1].upper(), " ".join(words[2:])
    with workspace_session(ctx) as (session, workspace_id):
        count = saved.save_criteria(
            session, workspace_id, no, code, description=description, user_id=ctx.user_id
        )
    tr = translator(ctx.locale)
    text = tr.ngettext(
        "Saved the criteria of {segment_no} as *{code}* ({n} action). "
        "Replay them with `/segment reuse {code} SEG`.",
        "Saved the criteria of {segment_no} as *{code}* ({n} actions). "
        "Replay them with `/segment reuse {code} SEG`.",
        count,
        segment_no=no,
        code=escape_mrkdwn(code),
    )
    return Reply(text=text)


@verbs.verb("undo SEG", aliases=("goback",), examples=("undo SEG00001",))
def undo(text: str, ctx: CommandContext) -> Reply:
    """reverts the last action (repeatable, like Business Central's Go Back)

    Preview reverting the last journalled action of the segment, with Confirm/Cancel.
    """
    return undo_preview_reply(ctx, only_segment_no(text, usage="undo SEG"))


def undo_preview_reply(
    ctx: CommandContext,
    no: str,
    *,
    page: int = 1,
    seq: int | None = None,
    entering_page: int = 1,
    leaving_page: int = 1,
) -> Reply:
    """What undoing the last action would change: out go whom it added, back come whom it removed.

    ``seq`` is the action a paged preview was drawn for; when it is no longer the last one the
    preview is stale and says so instead of showing another action's contacts. Undoing a refresh
    or a reuse moves contacts both ways: two lists, *Entering* and *Leaving*, paged apart.
    """
    size = page_size(ctx)
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, no)
        last = _last_action(journal.list_journal(session, workspace_id, no), no, seq=seq)
        lists: tuple[Page, Page] | None = None
        if last.kind in TWO_WAY_KINDS:
            # Back come whom the action removed (-1), out go whom it added (+1).
            lists = (
                changes.action_changes_page(
                    session, workspace_id, no, last.seq, change=-1, page=entering_page, page_size=size
                ),
                changes.action_changes_page(
                    session, workspace_id, no, last.seq, change=1, page=leaving_page, page_size=size
                ),
            )
            rows = lists[1]
        else:
            # The contacts undo takes out are the ones the action added; show those first, if any.
            change = 1 if last.added else -1
            rows = changes.action_changes_page(
                session, workspace_id, no, last.seq, change=change, page=page, page_size=size
            )
    tr = translator(ctx.locale)
    target = {"u": last.seq, "s": info.no}
    blocks = build_decision_blocks(
        title=segment_title(info.no, info.description),
        summary=change_summary("undo", last.removed, last.added, size_before=info.size, tr=tr),
        echo=tr._("Undo {action}", action=journal_line(last, tr=tr)),
        page=rows,
        pager_target=target,
        confirm=(UNDO_ACTION, f"{info.no}:{last.seq}"),
        cancel=(UNDO_CANCEL_ACTION, info.no),
        tr=tr,
        lists=build_two_way_lists(*lists, target, tr=tr) if lists is not None else None,
    )
    text = f"{info.no}: {describe_change('undo', last.removed, last.added, tr=tr)}"
    return Reply(text=text, blocks=tuple(blocks), replace_original=page > 1 or seq is not None)


def _last_action(entries: list[JournalEntry], no: str, *, seq: int | None) -> JournalEntry:
    if not entries:
        raise ValidationError("{segment_no} has no action left to undo.", segment_no=no)
    if seq is not None and entries[-1].seq != seq:
        raise ConflictError(
            "{segment_no} changed since this preview: action {seq} is no longer the last one, "
            "so nothing was undone. Run `/segment undo {segment_no}` again.",
            segment_no=no,
            seq=seq,
        )
    return entries[-1]


@verbs.action(UNDO_ACTION)
def confirm_undo(value: str, ctx: CommandContext) -> Reply:
    """Undo the previewed action, once: a second press finds it is no longer the last action."""
    token, _, seq_text = value.partition(":")
    no = segment_no(token, usage="undo SEG")
    if not seq_text.isdigit():
        raise ValidationError("This Undo button is broken; run `/segment undo SEG` again.")
    with workspace_session(ctx) as (session, workspace_id):
        _last_action(journal.list_journal(session, workspace_id, no), no, seq=int(seq_text))
        result = changes.undo_last(session, workspace_id, no, **ctx.caller)
        info = segments.get_segment(session, workspace_id, no)
    text = undo_text(result, description=info.description, user_id=ctx.user_id, tr=translator(ctx.locale))
    return announced(text, blocks=(SectionBlock(text=clip_section(text)),))


def undo_text(result: ActionResult, *, description: str, user_id: str, tr: Translator = ENGLISH) -> str:
    """What a confirmed undo did, for the channel."""
    title = escape_mrkdwn(clip(f"{result.segment_no} {description}".strip(), 200))
    return tr._(
        "<@{user}> undid action {seq} (*{action}*) of *{title}*: took out {removed}, put back {added}. "
        "New size: *{size}*.",
        user=user_id,
        seq=result.seq,
        action=kind_label(result.kind, tr=tr),
        title=title,
        removed=contacts_count(result.removed, tr=tr),
        added=contacts_count(result.added, tr=tr),
        size=result.size_after,
    )


@verbs.action(UNDO_CANCEL_ACTION)
def cancel_undo(value: str, ctx: CommandContext) -> Reply:
    """The Cancel button of an undo preview."""
    text = translator(ctx.locale)._("Canceled: nothing was undone in {segment_no}.", segment_no=value[:20])
    return Reply(text=text, replace_original=True)
