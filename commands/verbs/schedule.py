"""``schedule SEG <when> [#channel]``, ``unschedule SEG`` and ``schedules``: refreshes that run by themselves.

``<when>`` is a phrase (``daily 09:00``, ``weekdays 08:30``, ``mondays 10:00``, ``hourly``) or a
five-field cron expression, read in the caller's Slack time zone. Each run re-evaluates the segment,
applies the change and posts who entered and who left to the channel (the current one by default);
``--notify-empty`` posts even when nobody did.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block, SectionBlock

from commands.arguments import (
    extract_options,
    only_segment_no,
    parse_channel,
    reject_extra,
    segment_no,
    split_first,
    unescape_slack,
)
from commands.blocks.limits import clip_section, escape_mrkdwn, note
from commands.common import workspace_session
from commands.context import CommandContext
from commands.i18n import ENGLISH, Translator, translator
from commands.registry import VerbGroup
from commands.reply import Reply
from commands.schedule_phrases import parse_when
from storage.errors import ValidationError
from storage.service import schedules
from storage.service.schedules import ScheduleInfo

SCHEDULE_USAGE = "schedule SEG <when> [#channel] [--notify-empty] [--chart]"
UNSCHEDULE_USAGE = "unschedule SEG"
SCHEDULES_USAGE = "schedules"
SCHEDULE_EXAMPLES = (
    "schedule SEG00001 weekdays 08:30 #sales",
    "schedule SEG00001 mondays 10:00",
    'schedule SEG00001 "0 9 * * 1-5" #sales --notify-empty',
    "schedule SEG00001 mondays 09:00 --chart",
)
NOTIFY_EMPTY = "--notify-empty"
WITH_CHART = "--chart"

verbs = VerbGroup()
register = verbs.register


@verbs.verb(SCHEDULE_USAGE, examples=SCHEDULE_EXAMPLES)
def schedule_segment(text: str, ctx: CommandContext) -> Reply:
    """refresh the segment on a schedule and post who entered and left to a channel

    Schedule the segment's refresh; the reply says when the first run will be.
    """
    token, rest = split_first(text)
    number = segment_no(token, usage=SCHEDULE_USAGE)
    rest, flags = extract_options(unescape_slack(rest), (NOTIFY_EMPTY, WITH_CHART))
    when, channel_id, channel_name = _split_channel(rest, ctx)
    if not when:
        raise ValidationError(
            "say when to refresh, e.g. `daily 09:00` or `weekdays 08:30`. Usage: /segment {usage}",
            usage=SCHEDULE_USAGE,
        )
    with workspace_session(ctx) as (session, workspace_id):
        info = schedules.schedule_segment(
            session,
            workspace_id,
            number,
            cron=parse_when(when),
            when_text=when,
            timezone=ctx.timezone,
            channel_id=channel_id,
            channel_name=channel_name,
            notify_when_empty=NOTIFY_EMPTY in flags,
            with_chart=WITH_CHART in flags,
            # The channel's notifications are written in the language of whoever scheduled them.
            locale=translator(ctx.locale).locale,
            **ctx.caller,
        )
    tr = translator(ctx.locale)
    params = {
        "segment_no": escape_mrkdwn(info.segment_no),
        "description": escape_mrkdwn(info.segment_description),
        "when": escape_mrkdwn(info.when_text),
        "timezone": info.timezone,
        "channel": channel_label(info, tr=tr),
    }
    if info.notify_when_empty:
        scheduled = tr._(
            "Scheduled *{segment_no}* {description}: {when} ({timezone}), posting changes to {channel} "
            "even when nobody entered or left.",
            **params,
        )
    else:
        scheduled = tr._(
            "Scheduled *{segment_no}* {description}: {when} ({timezone}), posting changes to {channel}.",
            **params,
        )
    text_ = scheduled + "\n" + tr._("Next run: *{when}*.", when=format_local(info.next_run, tr=tr))
    if info.with_chart:
        text_ += "\n" + tr._("Each notification comes with a chart of the segment's size over time.")
    return Reply(
        text=text_.replace("*", ""),
        blocks=(SectionBlock(text=clip_section(text_)), note(f"cron `{info.cron}`")),
        visibility="channel",
    )


@verbs.verb(UNSCHEDULE_USAGE, examples=("unschedule SEG00001",))
def run_unschedule(text: str, ctx: CommandContext) -> Reply:
    """stop the segment's scheduled refresh"""
    number = only_segment_no(text, usage=UNSCHEDULE_USAGE)
    with workspace_session(ctx) as (session, workspace_id):
        info = schedules.unschedule_segment(session, workspace_id, number, **ctx.caller)
    message = translator(ctx.locale)._(
        "{segment_no} is no longer refreshed on a schedule (was {when}, {timezone}).",
        segment_no=info.segment_no,
        when=info.when_text,
        timezone=info.timezone,
    )
    return Reply(text=message, visibility="channel")


@verbs.verb(SCHEDULES_USAGE)
def run_schedules(text: str, ctx: CommandContext) -> Reply:
    """the workspace's scheduled refreshes and when each runs next"""
    reject_extra(text.strip(), usage=SCHEDULES_USAGE)
    with workspace_session(ctx) as (session, workspace_id):
        listed = schedules.list_schedules(session, workspace_id)
    tr = translator(ctx.locale)
    if not listed:
        message = tr._(
            "No scheduled refreshes. Add one with `/segment schedule SEG00001 daily 09:00 #channel`."
        )
        return Reply(text=message)
    lines = [schedule_line(info, tr=tr) for info in listed]
    blocks: list[Block] = [SectionBlock(text=clip_section("\n".join(lines)))]
    return Reply(text="\n".join(lines).replace("*", ""), blocks=tuple(blocks))


def schedule_line(info: ScheduleInfo, *, tr: Translator = ENGLISH) -> str:
    """``*SEG00001* Berlin · weekdays 08:30 (Europe/Rome) → #sales · next Mon 30 Nov 2026, 08:30``."""
    return (
        f"*{escape_mrkdwn(info.segment_no)}* {escape_mrkdwn(info.segment_description)} · "
        f"{escape_mrkdwn(info.when_text)} ({info.timezone}) → {channel_label(info, tr=tr)} · "
        + tr._("next {when}", when=format_local(info.next_run, tr=tr))
    )


def channel_label(info: ScheduleInfo, *, tr: Translator = ENGLISH) -> str:
    """How Slack should show a schedule's channel: a link when its id is known."""
    if info.channel_id:
        return f"<#{info.channel_id}>"
    return f"#{escape_mrkdwn(info.channel_name)}" if info.channel_name else tr._("no channel")


def format_local(moment: datetime, *, tr: Translator = ENGLISH) -> str:
    """A fire time as the schedule's owner reads it, in the schedule's (their) time zone and language."""
    return f"{tr.moment(moment, form='EEE dd MMM y, HH:mm')} {moment.tzname() or ''}".strip()


def _split_channel(text: str, ctx: CommandContext) -> tuple[str, str | None, str | None]:
    """The schedule text and the channel: a trailing ``<#C123|sales>`` / ``#sales``, else the current one."""
    words = text.split()
    if words and words[-1].startswith(("#", "<#")):
        channel = parse_channel(words[-1])
        return " ".join(words[:-1]), channel.id, channel.name
    if not ctx.channel_id:
        raise ValidationError(
            "say which channel gets the notifications. Usage: /segment {usage}", usage=SCHEDULE_USAGE
        )
    return " ".join(words), ctx.channel_id, None
