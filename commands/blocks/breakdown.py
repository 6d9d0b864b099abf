"""A breakdown as a message: one line per value with its count, share and a text bar, and a Chart button."""

from __future__ import annotations

import json
from collections.abc import Sequence

from babel.numbers import format_compact_decimal
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock, SectionBlock

from commands.blocks.limits import clip, clip_header, clip_section, escape_mrkdwn, note
from commands.i18n import ENGLISH, Translator
from storage.service.breakdown import Breakdown, BreakdownRow

BREAKDOWN_CHART_ACTION = "segbot:breakdown:chart"
_BAR_CELLS = 12
_LABEL_CHARS = 40


def row_label(row: BreakdownRow, *, tr: Translator = ENGLISH) -> str:
    """What a value is called: a company's name and number, a numeric range, or the value itself."""
    if row.low is not None and row.high is not None:
        return f"{_compact(row.low, tr)} – {_compact(row.high, tr)}"
    if row.label:
        return f"{row.label} ({row.value})"
    return row.value


def _compact(value: float, tr: Translator) -> str:
    # 1.2M / 1,2 Mln: a range bound reads at a glance, and a chart's axis label stays short.
    return format_compact_decimal(value, locale=tr.locale, fraction_digits=1)


def breakdown_figures(result: Breakdown, *, tr: Translator = ENGLISH) -> list[tuple[str, int]]:
    """(label, count) for the top values, then other and none when there are any: what text and chart show."""
    figures = [(clip(row_label(row, tr=tr), _LABEL_CHARS), row.count) for row in result.rows]
    if result.other:
        figures.append(
            (tr.ngettext("other ({n} value)", "other ({n} values)", result.other_values), result.other)
        )
    if result.none:
        figures.append((tr._("none"), result.none))
    return figures


def share(count: int, size: int) -> float:
    return count / size if size else 0.0


def text_bar(fraction: float) -> str:
    """``fraction`` (0..1) as a bar of block characters of a fixed width."""
    filled = round(max(0.0, min(1.0, fraction)) * _BAR_CELLS)
    return "█" * filled + "░" * (_BAR_CELLS - filled)


def percent(fraction: float) -> str:
    return f"{round(fraction * 100)}%"


def breakdown_title(result: Breakdown, *, tr: Translator = ENGLISH) -> str:
    return tr._(
        "{segment_no} {description} by {field}",
        segment_no=result.segment_no,
        description=result.segment_description,
        field=result.field,
    )


def breakdown_text(result: Breakdown, *, tr: Translator = ENGLISH) -> str:
    """The plain-text fallback: title, then one line per figure."""
    lines = [breakdown_title(result, tr=tr)]
    for label, count in breakdown_figures(result, tr=tr):
        lines.append(f"{label}: {tr.number(count)} ({percent(share(count, result.size))})")
    return clip("\n".join(lines), 3000)


def build_breakdown_blocks(result: Breakdown, *, tr: Translator = ENGLISH) -> list[Block]:
    """Header, the figures in a fixed-width block so the bars line up, a note, and the Chart button."""
    title = breakdown_title(result, tr=tr)
    blocks: list[Block] = [HeaderBlock(text=clip_header(title))]
    if result.size == 0:
        blocks.append(SectionBlock(text=tr._("The segment is empty: nothing to break down.")))
        return blocks
    figures = breakdown_figures(result, tr=tr)
    width = max(len(label) for label, _ in figures)
    counts = [tr.number(count) for _, count in figures]
    count_width = max(len(c) for c in counts)
    lines = [
        f"{label.ljust(width)}  {text_bar(share(n, result.size))} {percent(share(n, result.size)).rjust(4)}"
        f"  {c.rjust(count_width)}"
        for (label, n), c in zip(figures, counts, strict=True)
    ]
    # Inside ``` Slack shows text as typed, so user data needs no mrkdwn escaping beyond &, <, >.
    blocks.append(SectionBlock(text=clip_section("```" + escape_mrkdwn("\n".join(lines)) + "```")))
    notes = [tr.ngettext("{n} contact in the segment.", "{n} contacts in the segment.", result.size)]
    if result.is_multi_valued:
        notes.append(tr._("A contact with several codes counts under each of them."))
    blocks.append(note(" ".join(notes)))
    value = json.dumps({"s": result.segment_no, "f": result.field}, separators=(",", ":"))
    blocks.append(
        ActionsBlock(
            block_id="breakdown-actions",
            elements=[ButtonElement(text=tr._("Chart"), action_id=BREAKDOWN_CHART_ACTION, value=value)],
        )
    )
    return blocks


def shares_line(
    size: int,
    shares: Sequence[Sequence[BreakdownRow]],
    *,
    estimated: bool = False,
    tr: Translator = ENGLISH,
) -> str:
    """``IT 41% · DE 22% · FR 9% · RETAIL 60% · …``: the largest shares of a few fields in one line.

    ``estimated``: the shares come from a sample, and each is marked "≈".
    """
    mark = "≈" if estimated else ""
    parts = [
        f"{escape_mrkdwn(clip(row.value, 20))} {mark}{percent(share(row.count, size))}"
        for rows in shares
        for row in rows
    ]
    return " · ".join([*parts, "…"]) if parts else ""
