"""Importing campaigns from CSV, all or nothing: insert or update by ``no``.

Columns: ``no`` (required), ``description``, ``starting_date``, ``ending_date``, ``salesperson``.
A workspace has tens of campaigns, not millions, so the rows are checked in Python and written
through the ORM; one bad row rejects the file, naming its line and column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.csv_format import (
    CsvError,
    ProgressCallback,
    check_header,
    check_width,
    code_value,
    date_value,
    read_header_and_rows,
    text_value,
)
from storage.data_version import bump_data_version
from storage.models import Campaign

CAMPAIGN_COLUMNS = ("no", "description", "starting_date", "ending_date", "salesperson")
REQUIRED_COLUMNS = ("no",)


@dataclass(frozen=True)
class CampaignImportSummary:
    inserted: int
    updated: int


def import_campaigns(
    session: Session, workspace_id: int, path: Path, *, progress: ProgressCallback | None = None
) -> CampaignImportSummary:
    """Import the campaigns CSV at ``path``; raises ``CsvError`` at the first bad row. Does not commit."""
    return load_campaign_rows(session, workspace_id, *read_header_and_rows(path, progress=progress))


def load_campaign_rows(
    session: Session, workspace_id: int, header: list[str], rows: Iterable[tuple[int, list[str]]]
) -> CampaignImportSummary:
    """Import ``(line, values)`` records laid out as ``header`` says (also fed by the demo generator)."""
    names = check_header(header, known=frozenset(CAMPAIGN_COLUMNS), required=REQUIRED_COLUMNS)
    at = {name: names.index(name) if name in names else -1 for name in CAMPAIGN_COLUMNS}
    seen: dict[str, int] = {}
    parsed: list[dict[str, object]] = []
    for line, values in rows:
        check_width(line, values, len(names))
        no = code_value(line, "no", values[at["no"]], 20)
        if no is None:
            raise CsvError(line, "no", "a value is required")
        if no in seen:
            raise CsvError(line, "no", f"campaign '{no}' already appears on line {seen[no]}")
        seen[no] = line
        starting = _date(line, values, at, "starting_date")
        ending = _date(line, values, at, "ending_date")
        if starting and ending and ending < starting:
            raise CsvError(line, "ending_date", f"{ending} is before the starting date {starting}")
        record: dict[str, object] = {"no": no}
        if at["description"] >= 0:
            record["description"] = text_value(line, "description", values[at["description"]], 200) or ""
        if at["starting_date"] >= 0:
            record["starting_date"] = starting
        if at["ending_date"] >= 0:
            record["ending_date"] = ending
        if at["salesperson"] >= 0:
            record["salesperson"] = code_value(line, "salesperson", values[at["salesperson"]], 40)
        parsed.append(record)
    existing = {
        c.no: c for c in session.scalars(select(Campaign).where(Campaign.workspace_id == workspace_id))
    }
    inserted = updated = 0
    for record in parsed:
        campaign = existing.get(str(record["no"]))
        if campaign is None:
            session.add(Campaign(workspace_id=workspace_id, **{"description": "", **record}))
            inserted += 1
        else:
            for key, value in record.items():
                setattr(campaign, key, value)
            updated += 1
    session.flush()
    # Live segments refresh after every data change; campaigns are what `interaction:(campaign:...)` names.
    bump_data_version(session, workspace_id)
    return CampaignImportSummary(inserted=inserted, updated=updated)


def _date(line: int, values: list[str], at: dict[str, int], column: str) -> date | None:
    if at[column] < 0:
        return None
    text = date_value(line, column, values[at[column]])
    return date.fromisoformat(text) if text else None
