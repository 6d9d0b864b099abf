"""``schedule SEG <when> [#channel]``, ``unschedule SEG`` and ``schedules``: refreshes that run by themselves.

``<when>`` is a phrase (``daily 09:00``, ``weekdays 08:30``, ``mondays 10:00``, ``hourly``) or a
five-field cron expression, read in the caller's Slack time zone. Each run re-evaluates the segment,
applies the change and posts who entered and who left to the channel (the current one by default);
``--notify-empty`` posts even when nobody did.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block, SectionBlock

from commands.arguments import extract_options, parse_channel, unescape_slack
from commands.blocks.limits import clip_section, escape_mrkdwn, note
from commands.common import segment_no, split_first, workspace_session
from commands.context import CommandContext
from commands.registry import Registry, Verb
from commands.reply import Reply
from storage.errors import ValidationError
from storage.service import schedules
from storage.service.schedules import ScheduleInfo

SCHEDULE_USAGE = "schedule SEG <when> [#channel] [--notify-empty]"
UNSCHEDULE_USAGE = "unschedule SEG"
SCHEDULES_USAGE = "schedules"
NOTIFY_EMPTY = "--notify-empty"


def register(registry: Registry) -> None:
    registry.add(
        Verb(
            name="schedule",
            aliases=(),
            usage=SCHEDULE_USAGE,
            summary="refresh the segment on a schedule and post who entered and left to a channel",
            run=run_schedule,
            examples=(
                "schedule SEG00001 weekdays 08:30 #sales",
                "schedule SEG00001 mondays 10:00",
                'schedule SEG00001 "0 9 * * 1-5" #sales --notify-empty',
            ),
        )
    )
    registry.add(
        Verb(
            name="unschedule",
            aliases=(),
            usage=UNSCHEDULE_USAGE,
            summary="stop the segment's scheduled refresh",
            run=run_unschedule,
            examples=("unschedule SEG00001",),
        )
    )
    registry.add(
        Verb(
            name="schedules",
            aliases=(),
            usage=SCHEDULES_USAGE,
            summary="the workspace's scheduled refreshes and when each runs next",
            run=run_schedules,
        )
    )


def run_schedule(text: str, ctx: CommandContext) -> Reply:
    """Schedule the segment's refresh; the reply says when the first run will be."""
    token, rest = split_first(text)
    number = segment_no(token, usage=SCHEDULE_USAGE)
    rest, flags = extract_options(unescape_slack(rest), (NOTIFY_EMPTY,))
    when, channel_id, channel_name = _split_channel(rest, ctx)
    if not when:
        raise ValidationError(
            f"say when to refresh, e.g. `daily 09:00` or `weekdays 08:30`. Usage: /segment {SCHEDULE_USAGE}"
        )
    with workspace_session(ctx) as (session, workspace_id):
        info = schedules.schedule_segment(
            session,
            workspace_id,
            number,
            when=when,
            timezone=ctx.timezone,
            channel_id=channel_id,
            channel_name=channel_name,
            user_id=ctx.user_id,
            notify_when_empty=NOTIFY_EMPTY in flags,
        )
    empty = " even when nobody entered or left" if info.notify_when_empty else ""
    text_ = (
        f"Scheduled *{escape_mrkdwn(info.segment_no)}* {escape_mrkdwn(info.segment_description)}: "
        f"{escape_mrkdwn(info.when_text)} ({info.timezone}), "
        f"posting changes to {info.channel_label}{empty}.\n"
        f"Next run: *{format_local(info.next_run)}*."
    )
    return Reply(
        text=text_.replace("*", ""),
        blocks=(SectionBlock(text=clip_section(text_)), note(f"cron `{info.cron}`")),
        visibility="channel",
    )


def run_unschedule(text: str, ctx: CommandContext) -> Reply:
    """Remove the segment's schedule."""
    token, rest = split_first(text)
    number = segment_no(token, usage=UNSCHEDULE_USAGE)
    if rest:
        raise ValidationError(f"unexpected '{rest}'. Usage: /segment {UNSCHEDULE_USAGE}")
    with workspace_session(ctx) as (session, workspace_id):
        info = schedules.unschedule_segment(session, workspace_id, number)
    message = (
        f"{info.segment_no} is no longer refreshed on a schedule (was {info.when_text}, {info.timezone})."
    )
    return Reply(text=message, visibility="channel")


def run_schedules(text: str, ctx: CommandContext) -> Reply:
    """The workspace's schedules, soonest first."""
    if text.strip():
        raise ValidationError(f"unexpected '{text.strip()}'. Usage: /segment {SCHEDULES_USAGE}")
    with workspace_session(ctx) as (session, workspace_id):
        listed = schedules.list_schedules(session, workspace_id)
    if not listed:
        message = "No scheduled refreshes. Add one with `/segment schedule SEG00001 daily 09:00 #channel`."
        return Reply(text=message)
    lines = [schedule_line(info) for info in listed]
    blocks: list[Block] = [SectionBlock(text=clip_section("\n".join(lines)))]
    return Reply(text="\n".join(lines).replace("*", ""), blocks=tuple(blocks))


def schedule_line(info: ScheduleInfo) -> str:
    """``*SEG00001* Berlin · weekdays 08:30 (Europe/Rome) → #sales · next Mon 30 Nov 2026, 08:30``."""
    return (
        f"*{escape_mrkdwn(info.segment_no)}* {escape_mrkdwn(info.segment_description)} · "
        f"{escape_mrkdwn(info.when_text)} ({info.timezone}) → {info.channel_label} · "
        f"next {format_local(info.next_run)}"
    )


def format_local(moment: datetime) -> str:
    """A fire time as the schedule's owner reads it, in the schedule's (their) time zone."""
    return f"{moment:%a %d %b %Y, %H:%M} {moment.tzname() or ''}".strip()


def _split_channel(text: str, ctx: CommandContext) -> tuple[str, str | None, str | None]:
    """The schedule text and the channel: a trailing ``<#C123|sales>`` / ``#sales``, else the current one."""
    words = text.split()
    if words and words[-1].startswith(("#", "<#")):
        channel = parse_channel(words[-1])
        return " ".join(words[:-1]), channel.id, channel.name
    if not ctx.channel_id:
        raise ValidationError(f"say which channel gets the notifications. Usage: /segment {SCHEDULE_USAGE}")
    return " ".join(words), ctx.channel_id, None
