"""The one export path: rows with every profile column, written as CSV (formula-safe) or JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest

from storage.errors import NotFoundError
from storage.service import changes, export
from tests.factories import add_contact
from tests.storage.service.conftest import World, new_segment


def _csv(session, world: World, seg: str) -> tuple[int, list[dict[str, str]], str]:
    out = io.StringIO()
    written = export.write_export(out, session, world.workspace_id, seg)
    return written, list(csv.DictReader(io.StringIO(out.getvalue()))), out.getvalue()


def test_the_csv_header_names_every_profile_question_the_rows_carry(session, world):
    ws = world.workspace_id
    add_contact(session, ws, "CT090", name="Ida", person=True, profile={"rating": "A", "budget": "5000"})
    add_contact(session, ws, "CT091", name="Jo", person=True, profile={"size": "L"})
    seg = new_segment(session, world)
    changes.apply_action(session, ws, seg, "include", contact_nos=["CT090", "CT091", "CT001"], user_id="U1")

    written, rows, text = _csv(session, world, seg)

    assert written == 3
    assert text.splitlines()[0].endswith(",created,profile.budget,profile.rating,profile.size")
    assert [(r["no"], r["profile.rating"], r["profile.budget"], r["profile.size"]) for r in rows] == [
        ("CT001", "", "", ""),
        ("CT090", "A", "5000", ""),
        ("CT091", "", "", "L"),
    ]


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+49 30 1234", "'+49 30 1234"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Ana-Maria", "Ana-Maria"),
        ("ana@example.com", "ana@example.com"),
    ],
)
def test_csv_cells_a_spreadsheet_would_run_as_formulas_get_a_leading_apostrophe(
    session, world, stored, written
):
    ws = world.workspace_id
    add_contact(session, ws, "CT095", name=stored, person=True, phone=stored, profile={"note": stored})
    seg = new_segment(session, world)
    changes.apply_action(session, ws, seg, "include", contact_nos=["CT095"], user_id="U1")

    _, rows, _ = _csv(session, world, seg)

    assert (rows[0]["name"], rows[0]["phone"], rows[0]["profile.note"]) == (written, written, written)
    assert rows[0]["no"] == "CT095"


def test_json_export_keeps_values_as_they_are_with_the_profile_answers(session, world):
    ws = world.workspace_id
    add_contact(session, ws, "CT096", name="=1+1", person=True, profile={"rating": "B"})
    seg = new_segment(session, world)
    changes.apply_action(session, ws, seg, "include", contact_nos=["CT096"], user_id="U1")
    out = io.StringIO()

    written = export.write_export(out, session, ws, seg, fmt="json")

    assert written == 1
    [row] = json.loads(out.getvalue())
    assert (row["no"], row["name"], row["profile.rating"]) == ("CT096", "=1+1", "B")


def test_an_empty_segment_exports_only_the_header_or_an_empty_array(session, world):
    seg = new_segment(session, world)
    out = io.StringIO()
    assert export.write_export(out, session, world.workspace_id, seg) == 0
    assert out.getvalue().startswith("no,type,name,") and len(out.getvalue().splitlines()) == 1
    out = io.StringIO()
    assert export.write_export(out, session, world.workspace_id, seg, fmt="json") == 0
    assert json.loads(out.getvalue()) == []


def test_an_unknown_segment_fails_before_anything_is_written(session, world):
    out = io.StringIO()
    with pytest.raises(NotFoundError):
        export.write_export(out, session, world.workspace_id, "SEG09999")
    assert out.getvalue() == ""


def test_codes_are_sorted_and_joined_per_contact_and_only_members_are_exported(session, world):
    ws = world.workspace_id
    add_contact(
        session, ws, "CT098", person=True, industries=("RETAIL", "ADVERT"), mailing=("XMAS", "NEWS", "BETA")
    )
    add_contact(session, ws, "CT097", person=True, jobs=("SALES",), profile={"rating": "C"})
    add_contact(session, ws, "CT099", person=True, industries=("ADVERT",), profile={"rating": "A"})
    seg = new_segment(session, world)
    changes.apply_action(session, ws, seg, "include", contact_nos=["CT098", "CT097"], user_id="U1")

    written, rows, _ = _csv(session, world, seg)

    assert written == 2
    assert [
        (r["no"], r["industry_groups"], r["mailing_groups"], r["job_responsibilities"], r["profile.rating"])
        for r in rows
    ] == [("CT097", "", "", "SALES", "C"), ("CT098", "ADVERT;RETAIL", "BETA;NEWS;XMAS", "", "")]


def test_a_segment_larger_than_a_batch_exports_every_contact_once_in_number_order(
    session, world, monkeypatch
):
    ws = world.workspace_id
    for number in range(5):
        add_contact(session, ws, f"CT2{number:02d}", person=True, industries=("B", "A"), profile={"r": "x"})
    seg = new_segment(session, world)
    nos = [f"CT2{number:02d}" for number in range(5)]
    changes.apply_action(session, ws, seg, "include", contact_nos=nos, user_id="U1")
    monkeypatch.setattr(export, "_BATCH", 2)

    written, rows, _ = _csv(session, world, seg)

    assert written == 5
    assert [(r["no"], r["industry_groups"], r["profile.r"]) for r in rows] == [(no, "A;B", "x") for no in nos]
