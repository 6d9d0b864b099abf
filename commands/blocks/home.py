"""The App Home tab as a dashboard: the user's segments with their trends, and the week's busiest segments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, DividerBlock, HeaderBlock, SectionBlock
from slack_sdk.models.views import View

from commands.blocks.limits import MAX_VIEW_BLOCKS, clip, clip_section, escape_mrkdwn, note
from commands.blocks.preview import contacts_count
from commands.blocks.segments import slack_time
from commands.i18n import ENGLISH, Translator
from storage.service.dashboard import SegmentMoves, SegmentTrend

if TYPE_CHECKING:
    # Named in annotations only.
    from slack_sdk.models.blocks import Block

SHOW_ACTION = "segbot:show"
HOME_BREAKDOWN_ACTION = "segbot:home:breakdown"
HOME_HISTORY_ACTION = "segbot:home:history"
_DESCRIPTION_CHARS = 200
_SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(sizes: Sequence[int]) -> str:
    """Sizes as a line of block characters, lowest to highest; empty for fewer than two."""
    if len(sizes) < 2:
        return ""
    low, high = min(sizes), max(sizes)
    span = high - low
    top = len(_SPARKS) - 1
    return "".join(_SPARKS[round((size - low) * top / span) if span else top // 2] for size in sizes)


def week_change(change: int, *, tr: Translator = ENGLISH) -> str:
    """``▲ +12 this week`` / ``▼ −5 this week`` / ``no change this week``."""
    if change > 0:
        return tr._("▲ +{n} this week", n=change)
    if change < 0:
        return tr._("▼ −{n} this week", n=-change)
    return tr._("no change this week")


def trend_line(trend: SegmentTrend, *, tr: Translator = ENGLISH) -> str:
    """Size and last change, then the week's change, the last sizes and the next scheduled run."""
    info = trend.info
    first = tr._(
        "{size} · changed {changed}",
        size=contacts_count(info.size, tr=tr),
        changed=slack_time(info.updated_at),
    )
    parts = [week_change(trend.week_change, tr=tr)]
    if spark := sparkline(trend.recent_sizes):
        parts.append(f"`{spark}`")
    if trend.next_run is not None:
        parts.append(tr._("next run {when}", when=slack_time(trend.next_run)))
    return f"{first}\n{' · '.join(parts)}"


def _busiest(moves: Sequence[SegmentMoves], *, tr: Translator) -> list[Block]:
    if not moves:
        return []
    lines = [
        f"*{m.segment_no}* {escape_mrkdwn(clip(m.description, 80))}"
        f" · +{tr.number(m.entered)} −{tr.number(m.left)}"
        for m in moves
    ]
    return [
        SectionBlock(
            text=clip_section(f"*{tr._('Most changed in the workspace this week')}*\n" + "\n".join(lines))
        ),
        DividerBlock(),
    ]


def build_home_blocks(
    trends: Sequence[SegmentTrend], moves: Sequence[SegmentMoves] = (), *, tr: Translator = ENGLISH
) -> list[Block]:
    """Header, the week's busiest segments, then each of the user's segments with its buttons."""
    blocks: list[Block] = [
        HeaderBlock(text=tr._("Your segments")),
        note(tr._('Create one with `/segment new "Description" industry:retail`; `/segment help` for more.')),
        DividerBlock(),
        *_busiest(moves, tr=tr),
    ]
    if not trends:
        blocks.append(SectionBlock(text=tr._("You have no segments yet.")))
        return blocks
    # Two blocks a segment, and room for the note on those left out.
    room = (MAX_VIEW_BLOCKS - len(blocks) - 1) // 2
    for trend in trends[:room]:
        no = trend.info.no
        description = escape_mrkdwn(clip(trend.info.description, _DESCRIPTION_CHARS))
        blocks.append(
            SectionBlock(
                block_id=f"segment-{no}",
                text=clip_section(f"*{no}* {description}\n" + trend_line(trend, tr=tr)),
                accessory=ButtonElement(text=tr._("Show"), action_id=f"{SHOW_ACTION}:{no}", value=no),
            )
        )
        blocks.append(
            ActionsBlock(
                block_id=f"segment-actions-{no}",
                elements=[
                    ButtonElement(
                        text=tr._("Breakdown"), action_id=f"{HOME_BREAKDOWN_ACTION}:{no}", value=no
                    ),
                    ButtonElement(text=tr._("History"), action_id=f"{HOME_HISTORY_ACTION}:{no}", value=no),
                ],
            )
        )
    if len(trends) > room:
        more = len(trends) - room
        text = tr._("{count} older segments not shown; `/segment list mine` lists them all.", count=more)
        blocks.append(note(text))
    return blocks


def build_home(
    trends: Sequence[SegmentTrend], moves: Sequence[SegmentMoves] = (), *, tr: Translator = ENGLISH
) -> View:
    """The App Home view of the user's segments and the workspace's busiest ones."""
    return View(type="home", blocks=build_home_blocks(trends, moves, tr=tr))
