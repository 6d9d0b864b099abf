"""`breakdown SEG [by] FIELD`: what a segment is made of, as text bars and, on request, as a PNG chart."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from commands.arguments import reject_extra, segment_no, split_first
from commands.blocks.breakdown import (
    BREAKDOWN_CHART_ACTION,
    breakdown_figures,
    breakdown_text,
    breakdown_title,
    build_breakdown_blocks,
    shares_line,
)
from commands.blocks.home import HOME_BREAKDOWN_ACTION
from commands.common import workspace_session
from commands.context import CommandContext
from commands.i18n import Translator, translator
from commands.registry import VerbGroup
from commands.reply import FileUpload, Reply
from storage.errors import ValidationError
from storage.service import changes
from storage.service.breakdown import BREAKDOWN_FIELDS, Breakdown, breakdown_segment
from storage.service.types import Preview

USAGE = "breakdown SEG [by] FIELD [chart]"
_PREVIEW_FIELDS = ("country", "industry")

verbs = VerbGroup()
register = verbs.register


@verbs.verb(
    USAGE,
    examples=(
        "breakdown SEG00001 country",
        "breakdown SEG00001 by industry",
        "breakdown SEG00001 profile.revenue",
    ),
)
def breakdown(text: str, ctx: CommandContext) -> Reply:
    """the segment's top 10 values of a field with count, share and a bar; Chart for a PNG

    Count the segment's contacts by one field: top ten values, other and none.
    """
    token, rest = split_first(text)
    number = segment_no(token, usage=USAGE)
    words = rest.split()
    if words and words[0].lower() == "by":
        words = words[1:]
    wants_chart = len(words) == 2 and words[1].lower() == "chart"
    if len(words) != 1 and not wants_chart:
        if not words:
            raise ValidationError(
                "which field? One of {fields}. Usage: /segment {usage}",
                fields=", ".join((*BREAKDOWN_FIELDS, "profile.<question>")),
                usage=USAGE,
            )
        reject_extra(rest, usage=USAGE)
    with workspace_session(ctx) as (session, workspace_id):
        result = breakdown_segment(session, workspace_id, number, words[0])
    if wants_chart:
        return chart_reply(result, ctx)
    tr = translator(ctx.locale)
    return Reply(text=breakdown_text(result, tr=tr), blocks=tuple(build_breakdown_blocks(result, tr=tr)))


@verbs.action(HOME_BREAKDOWN_ACTION)
def home_breakdown(value: str, ctx: CommandContext) -> Reply:
    """The App Home's Breakdown button: by country, the field a sales team looks at first."""
    return breakdown(f"{value} country", ctx)


def preview_shares(session: Session, workspace_id: int, preview: Preview, *, tr: Translator) -> str:
    """The largest country and industry shares of what an Add preview adds, as one line ("" for none)."""
    shares = changes.addition_shares(session, workspace_id, preview.pending_id, _PREVIEW_FIELDS)
    if shares is None:
        return ""
    return shares_line(shares.counted, shares.fields, estimated=shares.sampled, tr=tr)


@verbs.action(BREAKDOWN_CHART_ACTION)
def chart_button(value: str, ctx: CommandContext) -> Reply:
    """The Chart button: the same breakdown, recounted now, uploaded to the channel as a PNG."""
    try:
        target = json.loads(value)
        number, field = str(target["s"]), str(target["f"])
    except (ValueError, KeyError, TypeError):
        raise ValidationError("This button is broken; run the command again.") from None
    with workspace_session(ctx) as (session, workspace_id):
        result = breakdown_segment(session, workspace_id, segment_no(number, usage=USAGE), field)
    return chart_reply(result, ctx)


def chart_reply(result: Breakdown, ctx: CommandContext) -> Reply:
    """The breakdown as a bar chart PNG for the channel."""
    from commands.charts import bar_chart_png

    tr = translator(ctx.locale)
    title = breakdown_title(result, tr=tr)
    if result.size == 0:
        raise ValidationError("{segment_no} is empty: nothing to chart.", segment_no=result.segment_no)
    figures = breakdown_figures(result, tr=tr)
    png = bar_chart_png(title, [label for label, _ in figures], [n for _, n in figures], tr=tr)
    safe_field = result.field.replace(".", "-")
    return Reply(
        text=tr._("{title}: chart uploaded.", title=title),
        visibility="channel",
        upload=FileUpload(filename=f"{result.segment_no}-{safe_field}.png", content=png, title=title[:250]),
    )
