"""``history SEG``: a segment's latest refresh runs; and the channel notification a run posts.

The notification shows the sizes before and after and who entered and who left, a page of each,
with ``Next``/``Previous`` buttons that redraw the same message around another page.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, DividerBlock, HeaderBlock, SectionBlock
from sqlalchemy.orm import Session

from commands.arguments import reject_extra, segment_no, split_first
from commands.blocks.contacts import build_contact_blocks, pager_buttons
from commands.blocks.home import HOME_HISTORY_ACTION
from commands.blocks.limits import MAX_MESSAGE_BLOCKS, clip, clip_header, clip_section, escape_mrkdwn
from commands.common import page_size, workspace_session
from commands.context import CommandContext
from commands.i18n import ENGLISH, Translator, translator
from commands.registry import VerbGroup
from commands.reply import FileUpload, Reply
from storage.errors import NotFoundError, ValidationError
from storage.models.schedules import (
    TRIGGER_CLI,
    TRIGGER_LIVE,
    TRIGGER_MANUAL,
    TRIGGER_SCHEDULE,
    TRIGGER_SLACK,
)
from storage.service import changes, history, live, schedules, segments
from storage.service.history import RunInfo, SizePoint
from storage.service.types import Page

if TYPE_CHECKING:
    # Named in annotations only.
    from slack_sdk.models.blocks import Block

USAGE = "history SEG [chart]"
HISTORY_CHART_ACTION = "segbot:history:chart"
# Its own prefix under segbot:page, so these pagers redraw a run notification, not a segment page.
RUN_PAGE_ACTION = "segbot:page:run"
ENTERED = 1
LEFT = -1
_HISTORY_RUNS = 10


verbs = VerbGroup()
register = verbs.register


@verbs.action(HOME_HISTORY_ACTION)
@verbs.verb(USAGE, examples=("history SEG00001", "history SEG00001 chart"))
def run_history(text: str, ctx: CommandContext) -> Reply:
    """the segment's latest refresh runs, whoever started them: sizes, entered and left; chart: size over time

    ``history SEG``: the last runs, newest first, with sizes and how many entered and left.

    ``history SEG chart`` uploads the segment's size over time as a PNG instead.
    """
    token, rest = split_first(text)
    number = segment_no(token, usage=USAGE)
    if rest.lower() == "chart":
        return history_chart_reply(number, ctx)
    reject_extra(rest, usage=USAGE)
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, number)
        runs = history.list_runs(session, workspace_id, number, limit=_HISTORY_RUNS)
    return build_history_reply(number, info.description, runs, tr=translator(ctx.locale))


def build_history_reply(
    number: str, description: str, runs: list[RunInfo], *, tr: Translator = ENGLISH
) -> Reply:
    """The runs as one line each: when, by what, size before → after, entered and left."""
    title = f"{number} {description}".strip()
    chart = ActionsBlock(
        block_id="history-actions",
        elements=[ButtonElement(text=tr._("Chart"), action_id=HISTORY_CHART_ACTION, value=number)],
    )
    if not runs:
        text = tr._(
            "{title}: no refresh runs yet. Schedule one with `/segment schedule {segment_no} daily 09:00`.",
            title=escape_mrkdwn(title),
            segment_no=number,
        )
        return Reply(text=text, blocks=(SectionBlock(text=clip_section(text)), chart))
    lines = [run_line(run, tr=tr) for run in runs]
    heading = tr._("Refresh history of {title}", title=title)
    blocks: list[Block] = [
        HeaderBlock(text=clip_header(heading)),
        SectionBlock(text=clip_section("\n".join(lines))),
        chart,
    ]
    # The header block is plain text; the fallback text is mrkdwn, so the title is escaped there.
    fallback = tr._("Refresh history of {title}", title=escape_mrkdwn(title))
    return Reply(text=f"{fallback}\n" + "\n".join(lines), blocks=tuple(blocks))


def history_chart_reply(number: str, ctx: CommandContext) -> Reply:
    """The segment's size after every change as a PNG line chart, with who entered and left as bars."""
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, number)
        points = history.size_timeline(session, workspace_id, number)
    # A segment that never changed is charted as what it is: its size now.
    points = points or [SizePoint(at=datetime.now(UTC), size=info.size, entered=0, left=0)]
    tr = translator(ctx.locale)
    png = history_chart_png(info.no, info.description, points, tr=tr)
    title = tr._("Size of {title} over time", title=f"{info.no} {info.description}".strip())
    return Reply(
        text=tr._("{title}: chart uploaded.", title=title),
        visibility="channel",
        upload=FileUpload(filename=f"{info.no}-history.png", content=png, title=clip(title, 250)),
    )


def history_chart_png(number: str, description: str, points: list[SizePoint], *, tr: Translator) -> bytes:
    """The chart alone, for ``history SEG chart`` and for scheduled notifications that carry it."""
    from commands.charts import size_chart_png

    title = tr._("Size of {title} over time", title=f"{number} {description}".strip())
    return size_chart_png(
        title,
        [p.at for p in points],
        [p.size for p in points],
        [p.entered for p in points],
        [p.left for p in points],
        tr=tr,
    )


@verbs.action(HISTORY_CHART_ACTION)
def _chart_button(value: str, ctx: CommandContext) -> Reply:
    return history_chart_reply(segment_no(value, usage=USAGE), ctx)


def run_line(run: RunInfo, *, tr: Translator = ENGLISH) -> str:
    """``<date> · scheduled · 120 → 118 · +3 entered −5 left``."""
    # Slack shows <!date^...> in each reader's own time zone; the text after | is the fallback.
    stamp = int(run.started_at.timestamp())
    when = f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{run.started_at:%Y-%m-%d %H:%M} UTC>"
    by = started_by(run, tr=tr)
    sizes = f"{tr.number(run.size_before)} → {tr.number(run.size_after)}"
    if run.is_failed:
        reason = tr._(run.error or "", **(run.error_params or {}))
        return f"{when} · {by} · {sizes} · " + tr._("not refreshed: {reason}", reason=reason)
    moves = tr._("+{entered} entered −{left} left", entered=run.entered, left=run.left)
    return f"{when} · {by} · {sizes} · {moves}"


def started_by(run: RunInfo, *, tr: Translator = ENGLISH) -> str:
    """Who or what started ``run``: its schedule, a user in Slack, or the command line."""
    if run.trigger == TRIGGER_SCHEDULE:
        return tr._("scheduled")
    if run.trigger == TRIGGER_SLACK and run.user_id:
        return tr._("by <@{user}>", user=run.user_id)
    if run.trigger == TRIGGER_CLI:
        return tr._("from the command line")
    if run.trigger == TRIGGER_MANUAL:
        return tr._("by hand")
    if run.trigger == TRIGGER_LIVE:
        return tr._("live")
    return run.trigger


def run_notification(
    session: Session,
    run: RunInfo,
    *,
    entered_page: int = 1,
    left_page: int = 1,
    size: int = 10,
    locale: str | None = None,
) -> Reply:
    """The channel message for ``run``, reading the pages of who entered and who left.

    Written in ``locale``, by default the language the run's schedule was set up in (the channel's).
    """
    if locale is None and run.schedule_id is not None:
        schedule = schedules.schedule_by_id(session, run.schedule_id)
        locale = schedule.locale if schedule is not None else None
    if locale is None and run.trigger == TRIGGER_LIVE:
        locale = live.live_locale(session, run.workspace_id, run.segment_no)
    if run.is_failed:
        return build_failed_run_notification(run, tr=translator(locale))
    entered = _changes(session, run, ENTERED, entered_page, size)
    left = _changes(session, run, LEFT, left_page, size)
    return build_run_notification(run, entered, left, tr=translator(locale))


def build_failed_run_notification(run: RunInfo, *, tr: Translator = ENGLISH) -> Reply:
    """A run that could not refresh: which segment, why, and that nothing was changed."""
    title = f"{run.segment_no} {run.segment_description}".strip()
    heading = tr._("Segment not refreshed: {title}", title=title)
    reason = tr._(run.error or "", **(run.error_params or {}))
    blocks: list[Block] = [
        HeaderBlock(text=clip_header(heading)),
        SectionBlock(text=clip_section(escape_mrkdwn(reason))),
    ]
    return Reply(text=clip(f"{heading}: {reason}", 3000), blocks=tuple(blocks), visibility="channel")


def build_run_notification(run: RunInfo, entered: Page, left: Page, *, tr: Translator = ENGLISH) -> Reply:
    """Segment name, sizes before and after, then who entered and who left with their own pagers."""
    title = f"{run.segment_no} {run.segment_description}".strip()
    if run.has_changes:
        summary = tr._(
            "*{title}* was refreshed: *{before} → {after}* contacts, {entered} entered and {left} left.",
            title=escape_mrkdwn(title),
            before=run.size_before,
            after=run.size_after,
            entered=run.entered,
            left=run.left,
        )
    else:
        summary = tr._(
            "*{title}* was refreshed: nobody entered or left ({size}).",
            title=escape_mrkdwn(title),
            size=tr.ngettext("{n} contact", "{n} contacts", run.size_after),
        )
    heading = tr._("Segment refreshed: {title}", title=title)
    head: list[Block] = [
        HeaderBlock(text=clip_header(heading)),
        SectionBlock(text=clip_section(summary)),
    ]
    sections: list[list[Block]] = []
    for label, page, change in ((tr._("Entering"), entered, ENTERED), (tr._("Leaving"), left, LEFT)):
        if page.total == 0:
            continue
        other = left.page if change == ENTERED else entered.page
        section: list[Block] = [
            DividerBlock(),
            SectionBlock(text=f"*{label}* ({tr.number(page.total)})"),
            *build_contact_blocks(page, tr=tr),
            *_pager(run, change, page, other_page=other, tr=tr),
        ]
        sections.append(section)
    # Each section keeps its pager: contact rows are what gets cut if the message would overflow.
    room = MAX_MESSAGE_BLOCKS - len(head)
    body: list[Block] = []
    for section in sections:
        share = room // max(1, len(sections))
        if len(section) > share:
            pager = section[-1:] if isinstance(section[-1], ActionsBlock) else []
            section = section[: share - len(pager)] + pager
        body.extend(section)
    sizes = f"{tr.number(run.size_before)} → {tr.number(run.size_after)}"
    # Slack's push and desktop notifications show this text: a description "<!channel>" must not ping.
    fallback = tr._("Segment refreshed: {title}", title=escape_mrkdwn(title))
    text = f"{fallback}: {sizes}, +{tr.number(run.entered)} −{tr.number(run.left)}"
    return Reply(text=clip(text, 3000), blocks=(*head, *body), visibility="channel")


@verbs.action(RUN_PAGE_ACTION)
def turn_run_page(value: str, ctx: CommandContext) -> Reply:
    """A Next/Previous press on a run notification: the same message, one list on another page."""
    try:
        target: dict[str, Any] = json.loads(value)
        run_id, change, wanted, other = int(target["r"]), int(target["c"]), int(target["p"]), int(target["o"])
    except (ValueError, KeyError, TypeError):
        raise ValidationError("This button is out of date; run `/segment history` instead.") from None
    with workspace_session(ctx) as (session, workspace_id):
        run = history.get_run(session, run_id)
        if run.workspace_id != workspace_id:
            raise NotFoundError("no run {run_id}", run_id=run_id)
        pages = {ENTERED: other, LEFT: other}
        pages[change] = wanted
        reply = run_notification(
            session, run, entered_page=pages[ENTERED], left_page=pages[LEFT], size=page_size(ctx)
        )
    # Replaced in place for everyone who sees it; not "channel", which would also post a new copy.
    return Reply(text=reply.text, blocks=reply.blocks, replace_original=True)


def _changes(session: Session, run: RunInfo, change: int, page: int, size: int) -> Page:
    total = run.entered if change == ENTERED else run.left
    if run.action_seq is None or total == 0:
        return Page(rows=(), total=0, page=1, page_size=size)
    return changes.action_changes_page(
        session, run.workspace_id, run.segment_no, run.action_seq, change=change, page=page, page_size=size
    )


def _pager(run: RunInfo, change: int, page: Page, *, other_page: int, tr: Translator) -> list[Block]:
    target = {"r": run.id, "c": change, "o": other_page}
    suffix = "entered" if change == ENTERED else "left"
    buttons = pager_buttons(target, page, action=f"{RUN_PAGE_ACTION}:{suffix}", tr=tr)
    return [ActionsBlock(block_id=f"pager-{suffix}", elements=buttons)] if buttons else []
