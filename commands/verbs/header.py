"""`set SEG FIELD VALUE`: the segment header (description, salesperson, date, campaign, template,
language, subject), as Business Central's segment card has it. `-` clears a field."""

from __future__ import annotations

import re
from datetime import date

from commands.arguments import segment_no, tokenize, unescape_slack
from commands.blocks.limits import escape_mrkdwn
from commands.common import workspace_session
from commands.context import CommandContext
from commands.i18n import ENGLISH, Translator, translator
from commands.registry import VerbGroup
from commands.reply import Reply
from storage.criteria.ast import Today
from storage.criteria.dates import resolve_date
from storage.errors import ValidationError
from storage.service import header
from storage.service.types import SegmentInfo

USAGE = "set SEG FIELD VALUE"
_DAY = re.compile(r"^today(?:([+-]\d{1,4})([dwmy]))?$", re.IGNORECASE)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLEAR = "-"

verbs = VerbGroup()
register = verbs.register


def parse_day(text: str, *, today: date) -> date:
    """``YYYY-MM-DD``, ``today`` or ``today-30d`` (also w, m, y) as a calendar day."""
    value = text.strip()
    relative = _DAY.match(value)
    if relative:
        offset, unit = relative.groups()
        return resolve_date(Today(int(offset or 0), (unit or "d").lower()), today)  # type: ignore[arg-type]
    if _ISO_DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError("'{value}' is not a date; expected YYYY-MM-DD or today", value=value)


@verbs.verb(
    USAGE,
    examples=(
        "set SEG00001 campaign CP0004",
        "set SEG00001 template MEETING",
        'set SEG00001 subject "Year-end offer"',
        "set SEG00001 date today",
    ),
)
def set_field(text: str, ctx: CommandContext) -> Reply:
    """sets the segment header: description, salesperson, date, campaign, template, language
    or subject (- clears)

    Set one field of the segment's header.
    """
    words = tokenize(unescape_slack(text))
    if len(words) < 3:
        raise ValidationError(
            "{usage} needs a segment, a field ({fields}) and a value. Usage: /segment {usage}",
            usage=USAGE,
            fields=", ".join(header.HEADER_FIELDS),
        )
    no = segment_no(words[0], usage=USAGE)
    field = words[1].lower()
    raw = " ".join(words[2:])
    value: str | date | None = None if raw == _CLEAR else raw
    if field == "date" and isinstance(value, str):
        value = parse_day(value, today=ctx.today)
    with workspace_session(ctx) as (session, workspace_id):
        info = header.set_header_field(session, workspace_id, no, field, value, **ctx.caller)
    tr = translator(ctx.locale)
    shown = header_value(info, field, tr=tr)
    if shown:
        answer = tr._("{segment_no}: {field} is now {value}.", segment_no=info.no, field=field, value=shown)
    else:
        answer = tr._("{segment_no}: {field} is now empty.", segment_no=info.no, field=field)
    return Reply(text=answer)


def header_value(info: SegmentInfo, field: str, *, tr: Translator = ENGLISH) -> str:
    """The header field as shown, or '' when empty."""
    values = {
        "description": info.description,
        "salesperson": info.salesperson,
        "date": tr.date(info.segment_date) if info.segment_date else None,
        "campaign": info.campaign_no,
        "template": info.interaction_template_code,
        "language": info.language,
        "subject": info.subject,
    }
    value = values.get(field)
    return f"*{escape_mrkdwn(str(value))}*" if value else ""
