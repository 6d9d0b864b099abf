"""Apply Mailing Group (Business Central's report 5199): give every contact of a segment a mailing group.

With ``replace`` (Business Central's "Delete Old Assignments") the group is first taken away from
every contact of the workspace that is not in the segment, so afterwards ``mailing:CODE`` finds
exactly the segment. Both steps are set-based statements; nothing is loaded into Python.

A preview counts both changes and remembers the workspace's data version; applying refuses when
that version moved (an import, a logged segment, or this very change applied once already), so a
Confirm pressed twice applies once.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace as replace_fields
from typing import Any, cast

from sqlalchemy import Select, Table, delete, exists, func, insert, literal, select
from sqlalchemy.orm import Session

from storage.data_version import bump_data_version, data_version
from storage.errors import StalePreviewError, ValidationError
from storage.models import ContactMailingGroup, MailingGroup, Segment, SegmentLine
from storage.service._common import bulk_insert, find_segment
from storage.service.authorization import check_may_change

_links = cast(Table, ContactMailingGroup.__table__)
_groups = cast(Table, MailingGroup.__table__)
_lines = cast(Table, SegmentLine.__table__)
# The length of a code column in the mailing group tables.
MAX_CODE = 40


@dataclass(frozen=True)
class MailingChange:
    """What applying a mailing group to a segment changes (previewed) or changed (applied)."""

    segment_no: str
    code: str
    replace: bool
    gain: int
    lose: int
    already: int
    is_new_group: bool
    data_version: int


def normal_mailing_code(code: str) -> str:
    """A mailing group code as stored: one word, upper-case, at most 40 characters."""
    code = code.strip().upper()
    if not code or any(ch.isspace() for ch in code) or len(code) > MAX_CODE or "*" in code:
        raise ValidationError(
            "a mailing group code is one word of at most {limit} characters", limit=MAX_CODE
        )
    return code


def preview_mailing_group(
    session: Session,
    workspace_id: int,
    segment_no: str,
    code: str,
    *,
    replace: bool,
    user_id: str,
    is_admin: bool,
) -> MailingChange:
    """Count who would gain ``code`` and, with ``replace``, who would lose it; changes nothing."""
    code = normal_mailing_code(code)
    segment = find_segment(session, workspace_id, segment_no)
    check_may_change(segment, user_id=user_id, is_admin=is_admin)
    return _measure(session, workspace_id, segment, code, replace=replace)


def apply_mailing_group(
    session: Session,
    workspace_id: int,
    segment_no: str,
    code: str,
    *,
    replace: bool,
    expected_version: int,
    user_id: str,
    is_admin: bool,
) -> MailingChange:
    """Apply what a preview at data version ``expected_version`` showed, in the caller's one transaction.

    StalePreviewError when the workspace's contacts changed since, which includes this change
    having been applied already.
    """
    code = normal_mailing_code(code)
    segment = find_segment(session, workspace_id, segment_no, for_update=True)
    check_may_change(segment, user_id=user_id, is_admin=is_admin)
    if data_version(session, workspace_id, hold=True) != expected_version:
        raise StalePreviewError(
            "the contacts changed since this preview, or it was applied already; run the tag command again"
        )
    # The data version is held, so what is counted now is exactly what the two statements change.
    change = _measure(session, workspace_id, segment, code, replace=replace)
    if change.is_new_group:
        session.execute(insert(_groups).values(workspace_id=workspace_id, code=code, description=""))
    if replace:
        session.execute(
            delete(_links).where(
                _links.c.workspace_id == workspace_id, _links.c.code == code, ~_in_segment(segment.id)
            )
        )
    rows = select(_lines.c.contact_id, literal(code, _links.c.code.type), _lines.c.workspace_id).where(
        _lines.c.segment_id == segment.id, ~_has_group(workspace_id, code, _lines.c.contact_id)
    )
    bulk_insert(session, insert(_links).from_select(["contact_id", "code", "workspace_id"], rows))
    bump_data_version(session, workspace_id)
    return replace_fields(change, data_version=expected_version + 1)


def _measure(
    session: Session, workspace_id: int, segment: Segment, code: str, *, replace: bool
) -> MailingChange:
    members = select(_lines.c.contact_id).where(_lines.c.segment_id == segment.id)
    return MailingChange(
        segment_no=segment.no,
        code=code,
        replace=replace,
        gain=_count(session, members.where(~_has_group(workspace_id, code, _lines.c.contact_id))),
        lose=_count(session, _outsiders(workspace_id, code, segment.id)) if replace else 0,
        already=_count(session, members.where(_has_group(workspace_id, code, _lines.c.contact_id))),
        is_new_group=not _group_exists(session, workspace_id, code),
        data_version=data_version(session, workspace_id),
    )


def _has_group(workspace_id: int, code: str, contact_id: Any) -> Any:
    return exists().where(
        _links.c.contact_id == contact_id, _links.c.code == code, _links.c.workspace_id == workspace_id
    )


def _outsiders(workspace_id: int, code: str, segment_id: int) -> Select[Any]:
    """Contacts of the workspace with ``code`` that are not in the segment."""
    return select(_links.c.contact_id).where(
        _links.c.workspace_id == workspace_id, _links.c.code == code, ~_in_segment(segment_id)
    )


def _in_segment(segment_id: int) -> Any:
    return exists().where(_lines.c.segment_id == segment_id, _lines.c.contact_id == _links.c.contact_id)


def _group_exists(session: Session, workspace_id: int, code: str) -> bool:
    query = select(_groups.c.id).where(_groups.c.workspace_id == workspace_id, _groups.c.code == code)
    return session.scalar(query) is not None


def _count(session: Session, ids: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(ids.subquery())) or 0
