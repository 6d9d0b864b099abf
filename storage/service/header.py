"""The segment header, as in Business Central: description, salesperson, date, campaign, template,
language and subject. All but the description are defaults for the interactions logged from it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from sqlalchemy import exists, select, union
from sqlalchemy.orm import Session

from storage.errors import N_, NotFoundError, ValidationError
from storage.models import Campaign, Contact, InteractionLogEntry
from storage.service._common import find_segment, segment_info
from storage.service.authorization import check_may_change
from storage.service.codes import check_campaign, check_template, known_list
from storage.service.types import SegmentInfo

HEADER_FIELDS = ("description", "salesperson", "date", "campaign", "template", "language", "subject")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_\-.]*$")
_MAX_DESCRIPTION = 200
_MAX_SUBJECT = 200
_UNKNOWN_SALESPERSON = N_("no salesperson {salesperson} in this workspace; the known ones: {known}")
_UNKNOWN_LANGUAGE = N_("no language {language} among this workspace's contacts; the known ones: {known}")


def set_header_field(
    session: Session,
    workspace_id: int,
    segment_no: str,
    field: str,
    value: str | date | None,
    *,
    user_id: str,
    is_admin: bool = False,
) -> SegmentInfo:
    """Set one field of the segment's header (None clears it); owner or workspace admin only.

    ``date`` takes a ``date``, the others text. Campaigns and templates must exist in the
    workspace, and a salesperson or language must be one its contacts or campaigns carry.
    """
    field = field.strip().lower()
    if field not in HEADER_FIELDS:
        raise ValidationError(
            "unknown field '{field}'; the header's fields: {fields}",
            field=field,
            fields=", ".join(HEADER_FIELDS),
        )
    segment = find_segment(session, workspace_id, segment_no, for_update=True)
    check_may_change(segment, user_id=user_id, is_admin=is_admin)
    if field == "date":
        if value is not None and not isinstance(value, date):
            raise ValidationError("the date must be YYYY-MM-DD or today")
        segment.segment_date = value
    else:
        text = " ".join(str(value).split()) if isinstance(value, str) else None
        text = text or None
        if field == "description":
            if text is None:
                raise ValidationError("a segment needs a description")
            if len(text) > _MAX_DESCRIPTION:
                raise ValidationError(
                    "a segment description has at most {limit} characters", limit=_MAX_DESCRIPTION
                )
            segment.description = text
        elif field == "subject":
            if text is not None and len(text) > _MAX_SUBJECT:
                raise ValidationError("a subject has at most {limit} characters", limit=_MAX_SUBJECT)
            segment.subject = text
        elif field == "campaign":
            segment.campaign_no = check_campaign(session, workspace_id, text) if text else None
        elif field == "template":
            segment.interaction_template_code = check_template(session, workspace_id, text) if text else None
        elif field == "salesperson":
            segment.salesperson = _check_salesperson(session, workspace_id, text) if text else None
        else:
            segment.language = _check_language(session, workspace_id, text) if text else None
    session.flush()
    return segment_info(session, segment)


def _code(value: str, *, limit: int) -> str:
    code = value.strip().upper()
    if len(code) > limit or not _CODE.match(code):
        raise ValidationError(
            "'{value}' is not a code (letters and digits, at most {limit} characters)",
            value=value,
            limit=limit,
        )
    return code


def _check_salesperson(session: Session, workspace_id: int, value: str) -> str:
    code = _code(value, limit=40)
    known_here = select(Contact.salesperson.label("code")).where(
        Contact.workspace_id == workspace_id, Contact.salesperson.is_not(None)
    )
    in_campaigns = select(Campaign.salesperson.label("code")).where(
        Campaign.workspace_id == workspace_id, Campaign.salesperson.is_not(None)
    )
    # One indexed probe when the code is known; the whole list only to explain a mistake.
    if session.scalar(
        select(
            exists().where(Contact.workspace_id == workspace_id, Contact.salesperson == code)
            | exists().where(Campaign.workspace_id == workspace_id, Campaign.salesperson == code)
            | exists().where(
                InteractionLogEntry.workspace_id == workspace_id, InteractionLogEntry.salesperson == code
            )
        )
    ):
        return code
    known = session.scalars(select(union(known_here, in_campaigns).subquery().c.code))
    if listed := _others_known(code, known):
        raise NotFoundError(_UNKNOWN_SALESPERSON, salesperson=code, known=listed)
    return code


def _check_language(session: Session, workspace_id: int, value: str) -> str:
    code = _code(value, limit=10)
    if session.scalar(select(exists().where(Contact.workspace_id == workspace_id, Contact.language == code))):
        return code
    known = session.scalars(select(Contact.language).where(Contact.workspace_id == workspace_id).distinct())
    if listed := _others_known(code, known):
        raise NotFoundError(_UNKNOWN_LANGUAGE, language=code, known=listed)
    return code


def _others_known(code: str, known: Iterable[str | None]) -> str:
    """The codes the workspace knows, closest to ``code`` first, to refuse it with; "" when it knows none.

    A workspace whose data name no such codes yet takes any well-formed one.
    """
    names = sorted({name for name in known if name})
    return known_list(code, names) if names else ""
