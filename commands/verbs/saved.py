"""`saved`, `saved show CODE`, `saved delete CODE`: Business Central's Saved Segment Criteria.

`save SEG CODE` keeps a segment's journal under a code and `reuse CODE SEG` replays it; these list
what is kept, show one with its steps, and delete one. Deleting is refused while a scheduled
segment reuses the code, naming it.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, HeaderBlock, SectionBlock

from commands.arguments import reject_extra, split_first
from commands.blocks.limits import MAX_MESSAGE_BLOCKS, clip, clip_header, clip_section, escape_mrkdwn, note
from commands.blocks.preview import kind_label
from commands.blocks.segments import slack_time
from commands.common import workspace_session
from commands.context import CommandContext
from commands.i18n import ENGLISH, N_, Translator, translator
from commands.options import option_flags
from commands.registry import VerbGroup
from commands.reply import Reply
from storage.criteria.ast import to_text
from storage.errors import ValidationError
from storage.service import saved
from storage.service.saved import SavedCriteriaInfo, Step

USAGE = "saved [show CODE | delete CODE]"
_NONE_YET = N_("No saved criteria yet. Save a segment's with `/segment save SEG CODE`.")
_LINES_PER_SECTION = 10
_CRITERIA_CHARS = 400
_DESCRIPTION_CHARS = 100

verbs = VerbGroup()
register = verbs.register


@verbs.verb(USAGE, examples=("saved", "saved show RETAIL", "saved delete RETAIL"))
def saved_verb(text: str, ctx: CommandContext) -> Reply:
    """lists saved criteria; shows one with its steps, or deletes one"""
    sub, rest = split_first(text)
    if not sub:
        return _list(ctx)
    code, extra = split_first(rest)
    reject_extra(sub if sub.lower() not in ("show", "delete") else extra, usage=USAGE)
    if not code:
        raise ValidationError("a saved criteria code is missing. Usage: /segment {usage}", usage=USAGE)
    if sub.lower() == "show":
        return _show(code, ctx)
    return _delete(code, ctx)


def _list(ctx: CommandContext) -> Reply:
    with workspace_session(ctx) as (session, workspace_id):
        items = saved.saved_criteria_list(session, workspace_id)
    tr = translator(ctx.locale)
    blocks = build_saved_list_blocks(items, tr=tr)
    lines = [saved_line(item, tr=tr) for item in items]
    fallback = "\n".join(lines) or tr._(_NONE_YET)
    return Reply(text=fallback[:3000], blocks=tuple(blocks))


def saved_line(item: SavedCriteriaInfo, *, tr: Translator = ENGLISH) -> str:
    """``*RETAIL* Retail in Berlin · 2 steps · @ana · 30 Nov 2026``"""
    description = escape_mrkdwn(clip(item.description, _DESCRIPTION_CHARS))
    steps = tr.ngettext("{n} step", "{n} steps", item.step_count)
    saved_by = f"<@{item.user_id}>" if item.user_id else "-"
    when = slack_time(item.created_at)
    return f"*{escape_mrkdwn(item.code)}* {description} · {steps} · {saved_by} · {when}"


def build_saved_list_blocks(items: Sequence[SavedCriteriaInfo], *, tr: Translator = ENGLISH) -> list[Block]:
    """The saved criteria, ten to a section, within one message's blocks."""
    blocks: list[Block] = [HeaderBlock(text=tr._("Saved criteria"))]
    if not items:
        blocks.append(SectionBlock(text=tr._(_NONE_YET)))
        return blocks
    room = MAX_MESSAGE_BLOCKS - 2
    shown = items[: room * _LINES_PER_SECTION]
    for start in range(0, len(shown), _LINES_PER_SECTION):
        lines = [saved_line(item, tr=tr) for item in shown[start : start + _LINES_PER_SECTION]]
        blocks.append(SectionBlock(text=clip_section("\n".join(lines))))
    hint = tr._("Show one with `/segment saved show CODE`; replay it with `/segment reuse CODE SEG`.")
    if len(items) > len(shown):
        hint = tr._("… and {n} more.", n=len(items) - len(shown)) + " " + hint
    blocks.append(note(hint))
    return blocks


def _show(code: str, ctx: CommandContext) -> Reply:
    with workspace_session(ctx) as (session, workspace_id):
        item = saved.get_saved_criteria(session, workspace_id, code)
    tr = translator(ctx.locale)
    blocks = build_saved_blocks(item, tr=tr)
    steps = "\n".join(step_line(n, step, tr=tr) for n, step in enumerate(item.steps, 1))
    return Reply(text=f"{item.code} {item.description}\n{steps}"[:3000], blocks=tuple(blocks))


def step_line(n: int, step: Step, *, tr: Translator = ENGLISH) -> str:
    """``1. *Add* `industry:RETAIL` `--expand-companies` ``"""
    parts = [f"{n}. *{kind_label(step.kind, tr=tr)}*"]
    if step.criteria is not None:
        parts.append(f"`{escape_mrkdwn(clip(to_text(step.criteria), _CRITERIA_CHARS))}`")
    if step.contact_nos:
        nos = ", ".join(step.contact_nos[:10]) + (" …" if len(step.contact_nos) > 10 else "")
        parts.append(escape_mrkdwn(nos))
    parts.extend(f"`{flag}`" for flag in option_flags(step.options))
    return " ".join(parts)


def build_saved_blocks(item: SavedCriteriaInfo, *, tr: Translator = ENGLISH) -> list[Block]:
    """One saved criteria: who saved it and when, then its steps in order."""
    facts = tr._(
        "{steps} · saved by {user} · {when}",
        steps=tr.ngettext("{n} step", "{n} steps", item.step_count),
        user=f"<@{item.user_id}>" if item.user_id else "-",
        when=slack_time(item.created_at),
    )
    blocks: list[Block] = [
        HeaderBlock(text=clip_header(f"{item.code} {item.description}".strip())),
        SectionBlock(text=clip_section(facts)),
    ]
    lines = [step_line(n, step, tr=tr) for n, step in enumerate(item.steps, 1)]
    room = MAX_MESSAGE_BLOCKS - len(blocks) - 1
    for start in range(0, min(len(lines), room * _LINES_PER_SECTION), _LINES_PER_SECTION):
        blocks.append(SectionBlock(text=clip_section("\n".join(lines[start : start + _LINES_PER_SECTION]))))
    blocks.append(note(tr._("Replay them with `/segment reuse {code} SEG`.", code=item.code)))
    return blocks


def _delete(code: str, ctx: CommandContext) -> Reply:
    with workspace_session(ctx) as (session, workspace_id):
        deleted = saved.delete_saved_criteria(session, workspace_id, code, **ctx.caller)
    text = translator(ctx.locale)._("Deleted the saved criteria {code}.", code=escape_mrkdwn(deleted))
    return Reply(text=text)
