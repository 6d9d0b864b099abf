"""`log SEG ...`, `cancel LOGGED [--undo]` and the Logged Segments page (`logged`, `show LSEG...`,
`delete LSEG...`).

As in Business Central, logging a segment records one interaction per contact and a logged
segment (LSEG00001); canceling it cancels those interactions, and `--undo` takes the cancellation
back. `log` first previews what it will write; Confirm writes exactly that, once.
"""

from __future__ import annotations

import json
import secrets
from datetime import date
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock

from commands.arguments import (
    extract_options,
    logged_segment_no,
    reject_extra,
    segment_no,
    split_first,
    tokenize,
    unescape_slack,
)
from commands.blocks.limits import escape_mrkdwn
from commands.blocks.logged import (
    LOG_CANCEL_ACTION,
    LOG_CONFIRM_ACTION,
    build_log_preview_blocks,
    build_logged_list_blocks,
    build_logged_show_blocks,
    interactions_count,
    logged_line,
    logged_text,
)
from commands.blocks.segments import DELETE_ACTION, KEEP_ACTION
from commands.common import page_size, workspace_session
from commands.context import CommandContext
from commands.i18n import translator
from commands.registry import VerbGroup
from commands.reply import Reply, announced
from commands.verbs.header import parse_day
from storage.errors import ValidationError
from storage.service import logged_segments

LOG_USAGE = 'log SEG [template:CODE] [date:YYYY-MM-DD] [campaign:NO] [subject:"TEXT"] [--follow-up]'
CANCEL_USAGE = "cancel LOGGED [--undo]"
LOGGED_USAGE = "logged"
_LOG_KEYS = ("template", "date", "campaign", "subject")

verbs = VerbGroup()
register = verbs.register


@verbs.verb(LOG_USAGE, examples=("log SEG00001", "log SEG00001 template:MEETING campaign:CP0004 --follow-up"))
def log(text: str, ctx: CommandContext) -> Reply:
    """previews logging one interaction per contact (the header's template, date, campaign and subject unless
    named), then records a logged segment

    Preview logging one interaction per contact of the segment, with Confirm and Cancel.
    """
    rest, flags = extract_options(unescape_slack(text), ("--follow-up",))
    token, extra = split_first(rest)
    no = segment_no(token, usage=LOG_USAGE)
    named: dict[str, str] = {}
    for word in tokenize(extra):
        key, sep, value = word.partition(":")
        key = key.lower()
        if key not in _LOG_KEYS or not sep or not value.strip():
            reject_extra(word, usage=LOG_USAGE)
        named[key] = value.strip()
    choices = logged_segments.LogChoices(
        template_code=named.get("template"),
        interaction_date=parse_day(named["date"], today=ctx.today) if "date" in named else None,
        campaign_no=named.get("campaign"),
        subject=named.get("subject"),
    )
    with workspace_session(ctx) as (session, workspace_id):
        plan = logged_segments.plan_log(
            session, workspace_id, no, choices=choices, follow_up=bool(flags), today=ctx.today, **ctx.caller
        )
    tr = translator(ctx.locale)
    blocks = build_log_preview_blocks(plan, secrets.token_hex(16), tr=tr)
    fallback = tr._(
        "Log {segment_no}: {interactions} with template {template}?",
        segment_no=plan.segment_no,
        interactions=interactions_count(plan.interactions, tr=tr),
        template=plan.template_code,
    )
    return Reply(text=fallback, blocks=tuple(blocks))


@verbs.action(LOG_CONFIRM_ACTION)
def confirm_log(value: str, ctx: CommandContext) -> Reply:
    """The Confirm button of a log preview: log exactly what it showed, once, and tell the channel."""
    target = _log_target(value)
    choices = logged_segments.LogChoices(
        template_code=str(target["t"]),
        interaction_date=date.fromisoformat(str(target["d"])),
        campaign_no=str(target["c"]) if target.get("c") else None,
        subject=str(target["j"]) if target.get("j") else None,
    )
    with workspace_session(ctx) as (session, workspace_id):
        info = logged_segments.log_segment(
            session,
            workspace_id,
            segment_no(str(target["s"]), usage=LOG_USAGE),
            choices=choices,
            follow_up=bool(target.get("f")),
            today=ctx.today,
            preview_key=str(target["k"]),
            segment_version=int(target["v"]),
            **ctx.caller,
        )
    text = logged_text(info, tr=translator(ctx.locale))
    if info.already_logged:
        return Reply(text=text, replace_original=True)
    return announced(text[:3000])


@verbs.action(LOG_CANCEL_ACTION)
def cancel_log(value: str, ctx: CommandContext) -> Reply:
    """The Cancel button of a log preview."""
    text = translator(ctx.locale)._("Canceled: nothing was logged for {segment_no}.", segment_no=value[:20])
    return Reply(text=text, replace_original=True)


def _log_target(value: str) -> dict[str, Any]:
    try:
        target = json.loads(value)
        if not isinstance(target, dict) or not {"s", "t", "d", "k", "v"} <= target.keys():
            raise ValueError(value)
        date.fromisoformat(str(target["d"]))
        int(target["v"])
    except (ValueError, TypeError) as exc:
        raise ValidationError("This button is broken; run the command again.") from exc
    return target


@verbs.verb(CANCEL_USAGE, examples=("cancel LSEG00001", "cancel LSEG00001 --undo"))
def cancel(text: str, ctx: CommandContext) -> Reply:
    """cancels a logged segment and its interactions (--undo takes the cancellation back)"""
    rest, flags = extract_options(text, ("--undo",))
    token, extra = split_first(rest)
    no = logged_segment_no(token, usage=CANCEL_USAGE)
    reject_extra(extra, usage=CANCEL_USAGE)
    undo = bool(flags)
    with workspace_session(ctx) as (session, workspace_id):
        info = logged_segments.cancel_logged_segment(session, workspace_id, no, undo=undo, **ctx.caller)
    return Reply(text=logged_text(info, restored=undo, tr=translator(ctx.locale)), visibility="channel")


@verbs.verb(LOGGED_USAGE, examples=("logged",))
def list_logged(text: str, ctx: CommandContext) -> Reply:
    """logged segments: number, segment, date, user, interactions, campaign entries, canceled; `show
    LSEG00001` shows one, `delete LSEG00001` deletes a canceled one

    The Logged Segments page: every logged segment, the latest first.
    """
    reject_extra(text.strip(), usage=LOGGED_USAGE)
    with workspace_session(ctx) as (session, workspace_id):
        found = logged_segments.list_logged_segments(session, workspace_id)
    tr = translator(ctx.locale)
    fallback = "\n".join(logged_line(info, tr=tr) for info in found[:20]) or tr._("No logged segments yet.")
    return Reply(text=fallback[:3000], blocks=tuple(build_logged_list_blocks(found, tr=tr)))


def show_logged_reply(
    ctx: CommandContext, no: str, *, page: int = 1, replace_original: bool = False
) -> Reply:
    """One logged segment with a page of its interactions (also drawn by its Next/Previous buttons)."""
    with workspace_session(ctx) as (session, workspace_id):
        info = logged_segments.get_logged_segment(session, workspace_id, no)
        rows = logged_segments.logged_interactions_page(
            session, workspace_id, no, page=page, page_size=page_size(ctx)
        )
    tr = translator(ctx.locale)
    return Reply(
        text=logged_line(info, tr=tr)[:3000],
        blocks=tuple(build_logged_show_blocks(info, rows, tr=tr)),
        replace_original=replace_original,
    )


def delete_logged_question(no: str, ctx: CommandContext) -> Reply:
    """`delete LSEG...`: refuse at once when it is not canceled, else ask with Confirm/Cancel."""
    with workspace_session(ctx) as (session, workspace_id):
        info = logged_segments.check_deletable(session, workspace_id, no, **ctx.caller)
    tr = translator(ctx.locale)
    question = tr._(
        "Delete canceled logged segment *{logged_no}* of {segment_no} and its {interactions}? "
        "This cannot be undone.",
        logged_no=info.no,
        segment_no=escape_mrkdwn(info.segment_no),
        interactions=interactions_count(info.interactions, tr=tr),
    )
    blocks = (
        SectionBlock(text=question),
        ActionsBlock(
            block_id="decision",
            elements=[
                ButtonElement(text=tr._("Confirm"), action_id=DELETE_ACTION, value=info.no, style="danger"),
                ButtonElement(text=tr._("Cancel"), action_id=KEEP_ACTION, value=info.no),
            ],
        ),
    )
    return Reply(text=question, blocks=blocks)


def confirm_delete_logged(no: str, ctx: CommandContext) -> Reply:
    """The Confirm button of `delete LSEG...`: delete, and tell the channel."""
    with workspace_session(ctx) as (session, workspace_id):
        info = logged_segments.delete_logged_segment(session, workspace_id, no, **ctx.caller)
    return announced(
        translator(ctx.locale)._(
            "<@{user}> deleted canceled logged segment *{logged_no}* of {segment_no} and its interactions.",
            user=ctx.user_id,
            logged_no=info.no,
            segment_no=info.segment_no,
        )
    )
