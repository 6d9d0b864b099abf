"""PNG charts of a breakdown and of a segment's size over time, drawn with matplotlib.

matplotlib is imported when the first chart is drawn, not when the bot starts: it costs tens of
megabytes that a bot nobody asks for a chart never needs. Figures are drawn on the Agg canvas
directly, without pyplot's global state, so two threads can draw at once and no display is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from io import BytesIO
from typing import Any

from commands.i18n import ENGLISH, Translator

# Slack previews images at half their pixel size on retina screens: 8 x 4.5 in at 200 dpi is a
# 1600 x 900 PNG shown as 800 x 450.
_SIZE_INCHES = (8.0, 4.5)
_DPI = 200
_BAR = "#1264a3"
_ENTERED = "#2eb67d"
_LEFT = "#e01e5a"
_LABEL_CHARS = 28


def bar_chart_png(
    title: str, labels: Sequence[str], counts: Sequence[int], *, tr: Translator = ENGLISH
) -> bytes:
    """Horizontal bars, largest first from the top, each labelled with its count."""
    figure, axes = _figure()
    positions = list(range(len(labels)))
    short = [label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…" for label in labels]
    axes.barh(positions, counts, color=_BAR)
    axes.set_yticks(positions, short)
    axes.invert_yaxis()
    top = max(counts, default=0)
    for position, count in zip(positions, counts, strict=True):
        axes.text(count + top * 0.01, position, tr.number(count), va="center", fontsize=8)
    axes.set_xlim(0, max(1, top) * 1.12)
    axes.xaxis.set_major_formatter(_number_formatter(tr))
    # Room for the longest label at 8 pt, about 0.009 of the 8 in width per character.
    _finish(figure, axes, title, left=min(0.4, 0.03 + 0.009 * max((len(s) for s in short), default=4)))
    return _png(figure)


def size_chart_png(
    title: str,
    moments: Sequence[datetime],
    sizes: Sequence[int],
    entered: Sequence[int],
    left: Sequence[int],
    *,
    tr: Translator = ENGLISH,
) -> bytes:
    """The size after each change as a line, and who entered (up) and left (down) as bars below it.

    Changes are spaced evenly, dated on the axis: a burst of changes in one afternoon stays as
    readable as a year of weekly runs.
    """
    figure, axes = _figure()
    x = list(range(len(moments)))
    axes.plot(x, sizes, color=_BAR, marker="o", markersize=3, linewidth=1.6, label=tr._("Size"))
    axes.yaxis.set_major_formatter(_number_formatter(tr))
    axes.set_ylim(0, max([*sizes, 1]) * 1.15)
    moves = axes.twinx()
    moves.bar(x, entered, width=0.6, color=_ENTERED, alpha=0.6, label=tr._("Entered"))
    moves.bar(x, [-n for n in left], width=0.6, color=_LEFT, alpha=0.6, label=tr._("Left"))
    reach = max([*entered, *left, 1])
    moves.set_ylim(-reach * 3, reach * 3)
    moves.yaxis.set_major_formatter(_number_formatter(tr, signed=True))
    moves.tick_params(labelsize=8)
    moves.spines["top"].set_visible(False)
    moves.axhline(0, color="#999999", linewidth=0.5)
    step = max(1, -(-len(x) // 8))
    ticks = x[::step]
    axes.set_xticks(ticks, [tr.date(moments[i].date(), form="short") for i in ticks])
    axes.set_xlim(-0.7, max(0.7, len(x) - 0.3))
    handles = [*axes.get_legend_handles_labels()[0], *moves.get_legend_handles_labels()[0]]
    axes.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
    _finish(figure, axes, title, twin=True)
    axes.spines["right"].set_visible(True)
    return _png(figure)


def _figure() -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=_SIZE_INCHES, dpi=_DPI)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _finish(figure: Any, axes: Any, title: str, *, left: float = 0.08, twin: bool = False) -> None:
    axes.set_title(title, fontsize=11, loc="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=8)
    # Fixed margins rather than tight_layout, which lays every text out once more before drawing.
    figure.subplots_adjust(left=left, right=0.9 if twin else 0.97, top=0.9, bottom=0.1)


def _png(figure: Any) -> bytes:
    buffer = BytesIO()
    # A palette-free 8-bit PNG of flat colours compresses to well under 200 KB at this size.
    # Fast zlib level: Slack recompresses previews anyway, and flat colours stay small.
    figure.savefig(
        buffer, format="png", dpi=_DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 1}
    )
    return buffer.getvalue()


def _number_formatter(tr: Translator, *, signed: bool = False) -> Any:
    from matplotlib.ticker import FuncFormatter

    def format_tick(value: float, _position: int) -> str:
        number = int(value) if float(value).is_integer() else round(value, 2)
        text = tr.number(abs(number) if signed else number)
        if signed and number:
            return ("+" if number > 0 else "−") + text
        return text

    return FuncFormatter(format_tick)
