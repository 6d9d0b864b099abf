"""Interactions CSV import: entries for existing contacts, templates created, all or nothing."""

# The CSV fixtures read best one record per line, however long.

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.csv_format import CsvError
from storage.db import unit_of_work
from storage.interactions_import import import_interactions
from storage.models import InteractionLogEntry, InteractionTemplate, Workspace
from tests.factories import add_contact


@pytest.fixture
def contacts(session_factory: sessionmaker[Session], workspace: Workspace) -> dict[str, int]:
    with unit_of_work(session_factory) as session:
        acme = add_contact(session, workspace.id, "C1", name="Acme")
        ann = add_contact(session, workspace.id, "P1", name="Ann", company=acme)
        return {"C1": acme.id, "P1": ann.id}


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "interactions.csv"
    path.write_text(content, encoding="utf-8")
    return path


def run_import(factory: sessionmaker[Session], workspace_id: int, path: Path) -> int:
    with unit_of_work(factory) as session:
        return import_interactions(session, workspace_id, path)


def entries(factory: sessionmaker[Session]) -> list[tuple[int, str, date, str, str | None, str | None, bool]]:
    with factory() as session:
        rows = session.scalars(select(InteractionLogEntry).order_by(InteractionLogEntry.id))
        return [
            (e.contact_id, e.template_code, e.date, e.description, e.segment_no, e.evaluation, e.canceled)
            for e in rows
        ]


def test_import_adds_entries_for_existing_contacts_and_creates_templates(
    session_factory: sessionmaker[Session], workspace: Workspace, contacts: dict[str, int], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "contact_no,template,date,description,segment_no,evaluation\n"
        "C1,meeting,2025-03-01,Kick-off,seg00001,Positive\n"
        "P1,Email,2025-03-02,,,\n",
    )

    assert run_import(session_factory, workspace.id, path) == 2
    assert entries(session_factory) == [
        (contacts["C1"], "MEETING", date(2025, 3, 1), "Kick-off", "SEG00001", "Positive", False),
        (contacts["P1"], "EMAIL", date(2025, 3, 2), "", None, None, False),
    ]
    with session_factory() as session:
        templates = set(session.scalars(select(InteractionTemplate.code)))
    assert templates == {"MEETING", "EMAIL"}


def test_importing_again_adds_more_entries_and_reuses_templates(
    session_factory: sessionmaker[Session], workspace: Workspace, contacts: dict[str, int], tmp_path: Path
) -> None:
    path = write(tmp_path, "contact_no,template,date\nC1,CALL,2025-01-01\n")
    run_import(session_factory, workspace.id, path)
    run_import(session_factory, workspace.id, path)

    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(InteractionLogEntry)) == 2
        assert session.scalar(select(func.count()).select_from(InteractionTemplate)) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "contact_no,template,date\nC1,CALL,2025-01-01\nNOPE,CALL,2025-01-01\n",
            "line 3, column contact_no: no contact 'NOPE'",
        ),
        ("contact_no,template,date\nC1,CALL,2025-02-30\n", "line 2, column date: '2025-02-30' is not a date"),
        ("contact_no,template,date\nC1,,2025-01-01\n", "line 2, column template: a value is required"),
        ("contact_no,template,date\nC1,CALL,\n", "line 2, column date: a date (YYYY-MM-DD) is required"),
        ("contact_no,date\nC1,2025-01-01\n", "line 1: missing required column 'template'"),
        ("contact_no,template,date,mood\nC1,CALL,2025-01-01,happy\n", "line 1, column mood: unknown column"),
    ],
    ids=[
        "unknown contact",
        "bad date",
        "missing template",
        "missing date",
        "missing column",
        "unknown column",
    ],
)
def test_a_bad_interactions_file_is_rejected_and_adds_nothing(
    session_factory: sessionmaker[Session],
    workspace: Workspace,
    contacts: dict[str, int],
    tmp_path: Path,
    content: str,
    message: str,
) -> None:
    with pytest.raises(CsvError) as caught:
        run_import(session_factory, workspace.id, write(tmp_path, content))

    assert str(caught.value).startswith(message)
    assert entries(session_factory) == []
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(InteractionTemplate)) == 0


def test_contacts_of_another_workspace_are_unknown(
    session_factory: sessionmaker[Session], workspace: Workspace, contacts: dict[str, int], tmp_path: Path
) -> None:
    with unit_of_work(session_factory) as session:
        other = Workspace(team_id="T0002")
        session.add(other)

    with pytest.raises(CsvError, match="no contact 'C1'"):
        run_import(
            session_factory, other.id, write(tmp_path, "contact_no,template,date\nC1,CALL,2025-01-01\n")
        )
