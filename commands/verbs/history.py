"""``history SEG``: a segment's latest refresh runs; and the channel notification a run posts.

The notification shows the sizes before and after and who entered and who left, a page of each,
with ``Next``/``Previous`` buttons that redraw the same message around another page.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    SectionBlock,
)
from sqlalchemy.orm import Session

from commands.blocks.contacts import build_contact_blocks, page_value
from commands.blocks.limits import MAX_MESSAGE_BLOCKS, clip, clip_header, clip_section, escape_mrkdwn
from commands.common import page_size, segment_no, split_first, workspace_session
from commands.context import CommandContext
from commands.registry import Registry, Verb
from commands.reply import Reply
from storage.errors import NotFoundError, ValidationError
from storage.models.schedules import TRIGGER_MANUAL
from storage.service import actions, history, segments
from storage.service.history import RunInfo
from storage.service.types import Page

USAGE = "history SEG"
# Its own prefix under segbot:page, so these pagers redraw a run notification, not a segment page.
RUN_PAGE_ACTION = "segbot:page:run"
ENTERED = 1
LEFT = -1
_HISTORY_RUNS = 10


def register(registry: Registry) -> None:
    registry.add(
        Verb(
            name="history",
            aliases=(),
            usage=USAGE,
            summary="the segment's latest refresh runs: sizes, who entered and who left",
            run=run_history,
            examples=("history SEG00001",),
        )
    )
    registry.register_action(RUN_PAGE_ACTION, turn_run_page)


def run_history(text: str, ctx: CommandContext) -> Reply:
    """``history SEG``: the last runs, newest first, with sizes and how many entered and left."""
    token, rest = split_first(text)
    number = segment_no(token, usage=USAGE)
    if rest:
        raise ValidationError(f"unexpected '{rest}'. Usage: /segment {USAGE}")
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, number)
        runs = history.list_runs(session, workspace_id, number, limit=_HISTORY_RUNS)
    return build_history_reply(number, info.description, runs)


def build_history_reply(number: str, description: str, runs: list[RunInfo]) -> Reply:
    """The runs as one line each: when, by what, size before → after, entered and left."""
    title = f"{number} {description}".strip()
    if not runs:
        text = f"{title}: no refresh runs yet. Schedule one with `/segment schedule {number} daily 09:00`."
        return Reply(text=text, blocks=(SectionBlock(text=clip_section(escape_mrkdwn(text))),))
    lines = [run_line(run) for run in runs]
    blocks: list[Block] = [
        HeaderBlock(text=clip_header(f"Refresh history of {title}")),
        SectionBlock(text=clip_section("\n".join(lines))),
    ]
    return Reply(text=f"Refresh history of {title}\n" + "\n".join(lines), blocks=tuple(blocks))


def run_line(run: RunInfo) -> str:
    """``<date> · scheduled · 120 → 118 · +3 entered −5 left``."""
    # Slack shows <!date^...> in each reader's own time zone; the text after | is the fallback.
    stamp = int(run.started_at.timestamp())
    when = f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{run.started_at:%Y-%m-%d %H:%M} UTC>"
    by = "by hand" if run.trigger == TRIGGER_MANUAL else "scheduled"
    return (
        f"{when} · {by} · {run.size_before:,} → {run.size_after:,} · "
        f"+{run.entered:,} entered −{run.left:,} left"
    )


def run_notification(
    session: Session, run: RunInfo, *, entered_page: int = 1, left_page: int = 1, size: int = 10
) -> Reply:
    """The channel message for ``run``, reading the pages of who entered and who left."""
    entered = _changes(session, run, ENTERED, entered_page, size)
    left = _changes(session, run, LEFT, left_page, size)
    return build_run_notification(run, entered, left)


def build_run_notification(run: RunInfo, entered: Page, left: Page) -> Reply:
    """Segment name, sizes before and after, then who entered and who left with their own pagers."""
    title = f"{run.segment_no} {run.segment_description}".strip()
    if run.has_changes:
        summary = (
            f"*{escape_mrkdwn(title)}* was refreshed: *{run.size_before:,} → {run.size_after:,}* contacts, "
            f"{run.entered:,} entered and {run.left:,} left."
        )
    else:
        summary = (
            f"*{escape_mrkdwn(title)}* was refreshed: nobody entered or left ({run.size_after:,} contacts)."
        )
    head: list[Block] = [
        HeaderBlock(text=clip_header(f"Segment refreshed: {title}")),
        SectionBlock(text=clip_section(summary)),
    ]
    sections: list[list[Block]] = []
    for label, page, change in (("Entered", entered, ENTERED), ("Left", left, LEFT)):
        if page.total == 0:
            continue
        other = left.page if change == ENTERED else entered.page
        section: list[Block] = [
            DividerBlock(),
            SectionBlock(text=f"*{label}* ({page.total:,})"),
            *build_contact_blocks(page),
            *_pager(run, change, page, other_page=other),
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
    sizes = f"{run.size_before:,} → {run.size_after:,}"
    text = f"Segment refreshed: {title}: {sizes}, +{run.entered:,} −{run.left:,}"
    return Reply(text=clip(text, 3000), blocks=(*head, *body), visibility="channel")


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
            raise NotFoundError(f"no run {run_id}")
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
    return actions.action_changes_page(
        session, run.workspace_id, run.segment_no, run.action_seq, change=change, page=page, page_size=size
    )


def _pager(run: RunInfo, change: int, page: Page, *, other_page: int) -> list[Block]:
    target = {"r": run.id, "c": change, "o": other_page}
    suffix = "entered" if change == ENTERED else "left"
    buttons = []
    if page.page > 1:
        buttons.append(
            ButtonElement(
                text="Previous",
                action_id=f"{RUN_PAGE_ACTION}:{suffix}:previous",
                value=page_value(target, page.page - 1),
            )
        )
    if page.page < page.pages:
        buttons.append(
            ButtonElement(
                text="Next",
                action_id=f"{RUN_PAGE_ACTION}:{suffix}:next",
                value=page_value(target, page.page + 1),
            )
        )
    return [ActionsBlock(block_id=f"pager-{suffix}", elements=buttons)] if buttons else []
