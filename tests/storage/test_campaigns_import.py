"""Importing campaigns is a data change live segments hear of."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from storage.campaigns_import import import_campaigns
from storage.data_version import data_version
from storage.models import Workspace


def test_a_campaigns_import_moves_the_workspaces_data_version(
    session: Session, workspace: Workspace, tmp_path: Path
) -> None:
    csv = tmp_path / "campaigns.csv"
    csv.write_text(
        "no,description,starting_date,ending_date,salesperson\nCP01,Spring,2026-03-01,2026-05-31,AH\n"
    )
    before = data_version(session, workspace.id)

    summary = import_campaigns(session, workspace.id, csv)

    assert summary.inserted == 1
    assert data_version(session, workspace.id) > before
