"""The largest shares of what an Add preview would add: a one-line summary, estimated when large.

Counting a large set by two fields costs several times its preview (every member joined to its
contact and its company's codes), so a set of more than ``SAMPLE`` contacts is summarised from a
sample of about ``SAMPLE`` of them, chosen by a hash of the contact id: the same contacts every
time, and spread over the whole set whatever order the contacts were imported in
(docs/performance.md, "An Add preview's shares").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, ColumnElement, cast, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import FromClause

from storage.bulk import temporary_result
from storage.service._algebra import is_empty
from storage.service.breakdown import BreakdownRow, largest_shares
from storage.service.changes._pending import find_pending
from storage.service.changes._shared import SHARED, criteria_key
from storage.service.changes.previews import pending_additions
from storage.service.types import ADD

# Enough contacts for a share to be within about one percentage point either way.
SAMPLE = 20_000
# Knuth's multiplicative hash: contact ids times this, modulo 2**32, are spread evenly over
# 0..2**32 even where the ids are consecutive, so a range of hashes is a random-looking sample.
_GOLDEN = 2_654_435_761
_HASHES = 2**32


@dataclass(frozen=True)
class Shares:
    """The largest values of each field among ``counted`` contacts.

    ``sampled``: ``counted`` is a sample of the set, so the shares are estimates.
    """

    counted: int
    fields: tuple[tuple[BreakdownRow, ...], ...]
    sampled: bool = False


def addition_shares(
    session: Session, workspace_id: int, pending_id: str, fields: tuple[str, ...], *, top: int = 3
) -> Shares | None:
    """The ``top`` largest shares of each of ``fields`` among the contacts an Add preview adds;
    None when it adds nobody or is not an Add."""
    pending = find_pending(session, workspace_id, pending_id)
    if pending.kind != ADD or pending.added == 0:
        return None
    found = pending_additions(session, workspace_id, pending_id)
    if found is None:
        return None
    members, conditions = found

    def read() -> Shares | None:
        return _shares(session, members, conditions, pending.added, fields, top=top)

    shared = criteria_key(
        session, pending, ("shares", fields, top), empty=is_empty(session, pending.segment_id)
    )
    return SHARED.get(shared, read) if shared else read()


def _shares(
    session: Session,
    members: FromClause,
    conditions: list[ColumnElement[bool]],
    size: int,
    fields: tuple[str, ...],
    *,
    top: int,
) -> Shares | None:
    sampled = size > SAMPLE
    if sampled:
        cut = _HASHES * SAMPLE // size
        hashed = (
            cast(members.c.contact_id, BigInteger)
            * literal(_GOLDEN, BigInteger)
            % literal(_HASHES, BigInteger)
        )
        conditions = [*conditions, hashed < cut]
    rows = select(members.c.contact_id).where(*conditions)
    chosen: FromClause = (
        temporary_result(session, "shares", rows, {"contact_id": "integer"})
        if session.get_bind().dialect.name == "postgresql"
        else rows.subquery("chosen")
    )
    counted, found = largest_shares(session, chosen, fields, top=top)
    if counted == 0:
        return None
    return Shares(counted=counted, fields=found, sampled=sampled)
