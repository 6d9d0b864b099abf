"""Contacts CSV import: what lands in the database, updates by ``no``, and all-or-nothing rejection."""

# The CSV fixtures read best one record per line, however long.
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from storage import contacts_import
from storage.contacts_import import ImportSummary, import_contacts
from storage.criteria.ast import Match, Text
from storage.csv_format import CsvError
from storage.db import unit_of_work
from storage.errors import StalePreviewError
from storage.models import Base, Contact, ContactProfileAnswer, Workspace
from storage.service.changes import confirm_pending, preview_action
from storage.service.segments import create_segment

GOOD = """\
no,type,name,company_no,email,phone,city,country,post_code,territory,salesperson,language,industry_groups,business_relations,mailing_groups,job_responsibilities,exclude_from_segment,created,profile.Rating,profile.revenue
P1,person,Ann Smith,C1,ann@acme.example,+44 1,London,gb,SW1,south,jr,eng,,,newsletter;events,ceo;Sales,true,2024-02-01,B,
C1,company,Acme Ltd,,info@acme.example,+44 2,London,GB,SW1,South,JR,ENG,retail; wholesale,cust,,,false,2024-01-05,A,1500000
C2,Company,"Beta, Inc",C2,,,Boston,US,02110,,,,software,pros;partner,,,,,C,20000.5
P2,PERSON,Bob Stone,C2,,,Boston,us,,,,,,,,it,FALSE,2023-12-31,,
P3,person,Cleo Free,,,,,,,,,,,,,,,,,
"""


def write(tmp_path: Path, content: str, name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def run_import(factory: sessionmaker[Session], workspace_id: int, path: Path) -> ImportSummary:
    with unit_of_work(factory) as session:
        return import_contacts(session, workspace_id, path)


def contacts_by_no(session: Session, workspace_id: int) -> dict[str, Contact]:
    return {c.no: c for c in session.scalars(select(Contact).where(Contact.workspace_id == workspace_id))}


def links(session: Session, table: str, contact: Contact) -> set[str]:
    rows = session.execute(text(f"SELECT code FROM {table} WHERE contact_id = :id"), {"id": contact.id})
    return {code for (code,) in rows}


def answers(session: Session, contact: Contact) -> dict[str, tuple[str, str, float | None]]:
    rows = session.scalars(select(ContactProfileAnswer).where(ContactProfileAnswer.contact_id == contact.id))
    return {a.question: (a.answer, a.answer_lower, a.answer_number) for a in rows}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show a rejected import changed nothing at all."""
    with engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(table.select())), key=repr)
            for table in Base.metadata.sorted_tables
        }


def test_import_inserts_companies_and_persons_with_their_fields(
    session_factory: sessionmaker[Session], workspace: Workspace, tmp_path: Path
) -> None:
    summary = run_import(session_factory, workspace.id, write(tmp_path, GOOD))

    assert summary == ImportSummary(inserted=5, updated=0)
    assert str(summary) == "imported 5 contacts: 5 inserted, 0 updated"
    with session_factory() as session:
        found = contacts_by_no(session, workspace.id)
        ann, acme, beta, bob, cleo = (found[no] for no in ("P1", "C1", "C2", "P2", "P3"))
        assert (ann.type, ann.name, ann.email, ann.city, ann.country) == (
            "person",
            "Ann Smith",
            "ann@acme.example",
            "London",
            "GB",
        )
        # Codes are stored upper-case, as Business Central stores them.
        assert (ann.territory, ann.salesperson, ann.language) == ("SOUTH", "JR", "ENG")
        assert ann.exclude_from_segment is True and acme.exclude_from_segment is False
        assert ann.created == date(2024, 2, 1) and beta.created is None
        assert beta.name == "Beta, Inc" and beta.post_code == "02110"
        # A company is its own company; a person points at its company, even one later in the file.
        assert (acme.company_id, acme.company_no) == (acme.id, "C1")
        assert (beta.company_id, beta.company_no) == (beta.id, "C2")
        assert (ann.company_id, ann.company_no) == (acme.id, "C1")
        assert (bob.company_id, bob.company_no) == (beta.id, "C2")
        assert (cleo.company_id, cleo.company_no) == (None, None)


@pytest.fixture
def imported(
    session_factory: sessionmaker[Session], workspace: Workspace, tmp_path: Path
) -> Iterator[Session]:
    """A session reading the workspace after ``GOOD`` was imported."""
    run_import(session_factory, workspace.id, write(tmp_path, GOOD))
    with session_factory() as session:
        yield session


def test_import_links_codes_and_fills_the_code_tables(imported: Session, workspace: Workspace) -> None:
    found = contacts_by_no(imported, workspace.id)

    assert links(imported, "contact_industry_groups", found["C1"]) == {"RETAIL", "WHOLESALE"}
    assert links(imported, "contact_business_relations", found["C2"]) == {"PROS", "PARTNER"}
    assert links(imported, "contact_mailing_groups", found["P1"]) == {"NEWSLETTER", "EVENTS"}
    assert links(imported, "contact_job_responsibilities", found["P1"]) == {"CEO", "SALES"}
    assert links(imported, "contact_job_responsibilities", found["P2"]) == {"IT"}
    codes = {
        table: {code for (code,) in imported.execute(text(f"SELECT code FROM {table}"))}
        for table in ("industry_groups", "business_relations", "mailing_groups", "job_responsibilities")
    }
    assert codes == {
        "industry_groups": {"RETAIL", "WHOLESALE", "SOFTWARE"},
        "business_relations": {"CUST", "PROS", "PARTNER"},
        "mailing_groups": {"NEWSLETTER", "EVENTS"},
        "job_responsibilities": {"CEO", "SALES", "IT"},
    }


def test_import_stores_profile_answers_as_text_lower_case_and_number(
    imported: Session, workspace: Workspace
) -> None:
    found = contacts_by_no(imported, workspace.id)

    assert answers(imported, found["C1"]) == {
        "rating": ("A", "a", None),
        "revenue": ("1500000", "1500000", 1.5e6),
    }
    assert answers(imported, found["C2"]) == {
        "rating": ("C", "c", None),
        "revenue": ("20000.5", "20000.5", 20000.5),
    }
    assert answers(imported, found["P3"]) == {}
    questions = {code for (code,) in imported.execute(text("SELECT code FROM profile_questions"))}
    assert questions == {"rating", "revenue"}


def test_reimport_updates_by_no_and_replaces_links_and_answers(
    session_factory: sessionmaker[Session], workspace: Workspace, tmp_path: Path
) -> None:
    run_import(session_factory, workspace.id, write(tmp_path, GOOD))
    with session_factory() as session:
        before = {no: c.id for no, c in contacts_by_no(session, workspace.id).items()}
    update = """\
no,type,name,company_no,city,industry_groups,job_responsibilities,profile.rating
C1,company,Acme Group,,Leeds,software,,
P1,person,Ann Jones,C2,,,cfo,A
N1,person,New Person,C1,York,,,C
"""
    summary = run_import(session_factory, workspace.id, write(tmp_path, update, "update.csv"))

    assert summary == ImportSummary(inserted=1, updated=2)
    with session_factory() as session:
        found = contacts_by_no(session, workspace.id)
        acme, ann, beta, new = found["C1"], found["P1"], found["C2"], found["N1"]
        # Same rows, new values; an empty cell clears, a column the file lacks is left alone.
        assert (acme.id, ann.id) == (before["C1"], before["P1"])
        assert (acme.name, acme.city, acme.email) == ("Acme Group", "Leeds", "info@acme.example")
        assert (ann.name, ann.city, ann.country) == ("Ann Jones", None, "GB")
        assert (ann.company_no, ann.company_id) == ("C2", beta.id)
        assert (new.company_id, new.city) == (acme.id, "York")
        assert links(session, "contact_industry_groups", acme) == {"SOFTWARE"}
        assert links(session, "contact_job_responsibilities", ann) == {"CFO"}
        # Mailing groups had no column in the update: Ann keeps hers.
        assert links(session, "contact_mailing_groups", ann) == {"NEWSLETTER", "EVENTS"}
        # The rating column replaces ratings (empty removes one); revenue had no column and stays.
        assert answers(session, acme) == {"revenue": ("1500000", "1500000", 1.5e6)}
        assert answers(session, ann) == {"rating": ("A", "a", None)}
        assert answers(session, new) == {"rating": ("C", "c", None)}
        assert len(found) == 6


def test_person_may_belong_to_a_company_imported_earlier(
    session_factory: sessionmaker[Session], workspace: Workspace, tmp_path: Path
) -> None:
    run_import(session_factory, workspace.id, write(tmp_path, "no,type,name\nC9,company,Old Co\n"))
    run_import(
        session_factory, workspace.id, write(tmp_path, "no,type,name,company_no\nP9,person,Pat,C9\n", "p.csv")
    )

    with session_factory() as session:
        found = contacts_by_no(session, workspace.id)
        assert found["P9"].company_id == found["C9"].id


def test_the_same_numbers_in_another_workspace_are_other_contacts(
    session_factory: sessionmaker[Session], workspace: Workspace, tmp_path: Path
) -> None:
    with unit_of_work(session_factory) as session:
        other = Workspace(team_id="T0002", name="Other")
        session.add(other)
    run_import(session_factory, workspace.id, write(tmp_path, GOOD))
    summary = run_import(
        session_factory, other.id, write(tmp_path, "no,type,name\nC1,company,Other Acme\n", "o.csv")
    )

    assert summary == ImportSummary(inserted=1, updated=0)
    with session_factory() as session:
        assert contacts_by_no(session, workspace.id)["C1"].name == "Acme Ltd"
        assert contacts_by_no(session, other.id)["C1"].name == "Other Acme"


def bad_files() -> list[Any]:
    """The refused files of ``bad_contact_files.txt``, read as it says, as test cases."""
    text = (Path(__file__).parent / "bad_contact_files.txt").read_text(encoding="utf-8")
    cases = []
    for case in text.split("\n=== ")[1:]:
        name, expected, *lines = case.rstrip("\n").split("\n")
        where, message = expected.split(" ... ")
        cases.append(pytest.param("\n".join(lines) + "\n", where + " ", message, id=name))
    return cases


@pytest.mark.parametrize(("content", "where", "message"), bad_files())
def test_a_bad_file_is_rejected_naming_line_and_column_and_changes_nothing(
    engine: Engine,
    session_factory: sessionmaker[Session],
    workspace: Workspace,
    tmp_path: Path,
    content: str,
    where: str,
    message: str,
) -> None:
    run_import(session_factory, workspace.id, write(tmp_path, GOOD))
    before = snapshot(engine)

    with pytest.raises(CsvError) as caught:
        run_import(session_factory, workspace.id, write(tmp_path, content, "bad.csv"))

    assert str(caught.value).startswith(where)
    assert message in str(caught.value)
    assert snapshot(engine) == before
    # The connection is still usable: the same data imports cleanly afterwards.
    assert run_import(session_factory, workspace.id, write(tmp_path, GOOD)).updated == 5


def test_a_file_that_is_not_utf8_is_rejected(
    engine: Engine, session_factory: sessionmaker[Session], workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("no,type,name\nX1,company,Müller GmbH\n".encode("latin-1"))
    before = snapshot(engine)

    with pytest.raises(CsvError, match="not UTF-8"):
        run_import(session_factory, workspace.id, path)
    assert snapshot(engine) == before


def test_an_empty_file_is_rejected_and_a_header_alone_imports_nothing(
    session_factory: sessionmaker[Session], workspace: Workspace, tmp_path: Path
) -> None:
    with pytest.raises(CsvError, match="line 1: the file is empty"):
        run_import(session_factory, workspace.id, write(tmp_path, ""))
    assert run_import(
        session_factory, workspace.id, write(tmp_path, "no,type,name\n", "h.csv")
    ) == ImportSummary(0, 0)


def test_a_byte_order_mark_and_header_case_are_accepted(
    session_factory: sessionmaker[Session], workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffNo,Type,Name\r\nX1,company,Excel Co\r\n".encode())

    assert run_import(session_factory, workspace.id, path) == ImportSummary(inserted=1, updated=0)


def test_a_preview_taken_before_an_import_never_applies_the_new_contacts_and_a_rejected_import_changes_nothing(
    session_factory: sessionmaker[Session], workspace: Workspace, tmp_path: Path
) -> None:
    run_import(session_factory, workspace.id, write(tmp_path, GOOD))

    def preview_london() -> str:
        with unit_of_work(session_factory) as session:
            seg = create_segment(session, workspace.id, description="London", owner_user_id="U1").no
            return preview_action(
                session, workspace.id, seg, "add", criteria=Match("city", (Text("london"),)), user_id="U1"
            ).pending_id

    def confirm(pending_id: str) -> int:
        with unit_of_work(session_factory) as session:
            return confirm_pending(session, workspace.id, pending_id, user_id="U1").size_after

    stale = preview_london()
    run_import(
        session_factory, workspace.id, write(tmp_path, "no,type,name,city\nP7,person,Ed,London\n", "ed.csv")
    )
    if session_factory.kw["bind"].dialect.name == "postgresql":
        # Computed at Confirm: the import moved the data version, so nothing is applied.
        with pytest.raises(StalePreviewError):
            confirm(stale)
    else:
        # Captured when shown: exactly C1, without Ed.
        assert confirm(stale) == 1

    fresh = preview_london()
    with pytest.raises(CsvError):
        run_import(session_factory, workspace.id, write(tmp_path, "no,type,name\nX1,planet,X\n", "bad.csv"))
    assert confirm(fresh) == 2  # C1 and Ed; P1 is excluded from segments


def test_an_import_leaves_postgresql_with_statistics_of_the_contacts_it_loaded(
    session_factory: sessionmaker[Session], workspace: Workspace, tmp_path: Path
) -> None:
    # Without them the planner takes the workspace's contacts for one row, and a preview of a
    # thousand demo contacts ran into the statement timeout.
    with session_factory() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("SQLite plans without statistics")
    run_import(session_factory, workspace.id, write(tmp_path, GOOD))
    with session_factory() as session:
        estimate = session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('contacts')"))
        loaded = session.scalar(select(func.count()).select_from(Contact))
    assert estimate == loaded == 5


def test_quotes_commas_line_breaks_backslashes_and_unicode_arrive_exactly_as_written(
    session_factory: sessionmaker[Session], workspace: Workspace, tmp_path: Path
) -> None:
    name = 'Café "Zur Post", Wien\nFiliale 2 \\N ü 北京 😀'
    content = 'no,type,name,city\nQ1,company,"Café ""Zur Post"", Wien\nFiliale 2 \\N ü 北京 😀","\\."\n'

    run_import(session_factory, workspace.id, write(tmp_path, content))

    with session_factory() as session:
        contact = contacts_by_no(session, workspace.id)["Q1"]
        assert (contact.name, contact.city) == (name, "\\.")


def test_a_bad_row_after_several_staged_batches_leaves_the_database_as_it_was(
    engine: Engine,
    session_factory: sessionmaker[Session],
    workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_import(session_factory, workspace.id, write(tmp_path, GOOD))
    before = snapshot(engine)
    # Batches of three, so most rows are already staged when the last one fails.
    monkeypatch.setattr(contacts_import, "_BATCH", 3)
    rows = "".join(f"B{number:02d},company,Big {number}\n" for number in range(10))
    content = f"no,type,name\n{rows}B99,company,Bad\x00Name\n"

    with pytest.raises(CsvError, match="line 12, column name"):
        run_import(session_factory, workspace.id, write(tmp_path, content, "big.csv"))
    assert snapshot(engine) == before
