"""Criteria compiled to SQL select the contacts a user reading them would expect, per field family."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.criteria import ast as A
from storage.criteria.compile import compile_criteria, resolve_date
from storage.errors import ValidationError
from storage.models import Contact, Segment, SegmentLine, Workspace
from tests.factories import add_contact, add_interaction

TODAY = date(2024, 3, 31)
contacts = Contact.__table__


def _m(field: str, *values: str) -> A.Match:
    return A.Match(field, tuple(A.Text(v) for v in values))


def _n(value: str) -> A.Number:
    return A.Number(Decimal(value))


@pytest.fixture(scope="module")
def world(database: Engine) -> Iterator[tuple[Session, int]]:
    """A workspace of three companies and four persons with the quirks criteria must handle.

    Built once per backend inside a transaction that is rolled back at the end, so the many
    read-only cases below share it and leave the database as they found it.
    """
    with database.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        workspace = Workspace(team_id="T0001")
        session.add(workspace)
        session.flush()
        _populate(session, workspace.id)
        yield session, workspace.id
        session.close()
        transaction.rollback()


def _populate(session: Session, ws: int) -> None:
    acme = add_contact(
        session, ws, "C1", name="Acme SpA", city="Rome", country="IT", territory="NORTH",
        salesperson="AB", language="IT", post_code="00100", phone="+39 06 1", email="info@acme.com",
        created=date(2024, 1, 15), industries=("RETAIL",), relations=("CUST",), mailing=("NEWS",),
        profile={"rating": "A", "revenue": "1500000"},
    )  # fmt: skip
    beta = add_contact(
        session, ws, "C2", name="Beta_Works", country="FR", post_code="75001", created=date(2024, 2, 29),
        industries=("TECH",), relations=("VEND",), profile={"rating": "B", "revenue": "900000"},
    )  # fmt: skip
    add_contact(session, ws, "C3", name="Gamma 100%", city="milan", created=None)
    ana = add_contact(
        session, ws, "P1", name="Ana Rossi", company=acme, city="ROME", email="ana@acme.com",
        jobs=("BUYER",), mailing=("PROMO",), profile={"Rating": "a"}, created=date(2024, 3, 1),
    )  # fmt: skip
    bob = add_contact(session, ws, "P2", name="Bob Blanc", company=beta, city="Paris", jobs=("CEO",))
    add_contact(session, ws, "P3", name="Cy Loner", person=True, email="", created=date(2023, 3, 31))
    add_contact(session, ws, "P4", name="Di 100_Percent", company=beta, city="Bordeaux")
    add_interaction(session, ws, ana, "CALL", date(2024, 3, 20))
    add_interaction(session, ws, bob, "MEET", date(2024, 3, 1), canceled=True)
    add_interaction(session, ws, beta, "MAIL", date(2024, 1, 10))
    add_interaction(
        session, ws, ana, "MEET", date(2023, 12, 5), evaluation="Positive", campaign_no="C1", salesperson="AB"
    )
    add_interaction(session, ws, acme, "MEET", date(2024, 3, 25), canceled=True, campaign_no="C1")
    segment = Segment(workspace_id=ws, no="SEG00001", description="VIP", owner_user_id="U1", created=TODAY)
    session.add(segment)
    session.flush()
    for member in (acme, bob):
        session.add(SegmentLine(segment_id=segment.id, contact_id=member.id, workspace_id=ws))
    # Another workspace's contacts and segment of the same number never leak in.
    other = Workspace(team_id="T0002")
    session.add(other)
    session.flush()
    stranger = add_contact(session, other.id, "C1", name="Acme SpA", city="Rome", industries=("RETAIL",))
    foreign = Segment(workspace_id=other.id, no="SEG00001", description="", owner_user_id="U9", created=TODAY)
    session.add(foreign)
    session.flush()
    session.add(SegmentLine(segment_id=foreign.id, contact_id=stranger.id, workspace_id=other.id))
    session.flush()


def _selected(session: Session, workspace_id: int, expr: A.Expr, today: date = TODAY) -> set[str]:
    condition = compile_criteria(expr, workspace_id=workspace_id, today=today)
    query = select(contacts.c.no).where(contacts.c.workspace_id == workspace_id, condition)
    return set(session.scalars(query))


ALL = {"C1", "C2", "C3", "P1", "P2", "P3", "P4"}

CASES: list[tuple[str, A.Expr, set[str]]] = [
    # text columns: case-insensitive, wildcards, any-of, and NULLs that never match
    ("city equality ignores case", _m("city", "rome"), {"C1", "P1"}),
    ("city wildcard", _m("city", "*o*"), {"C1", "P1", "P4"}),
    ("any of several cities", _m("city", "paris", "milan"), {"P2", "C3"}),
    ("negated city keeps contacts without a city", A.Not(_m("city", "rome")), ALL - {"C1", "P1"}),
    ("email suffix wildcard", _m("email", "*@ACME.com"), {"C1", "P1"}),
    ("percent in a value is literal", _m("name", "*100%"), {"C3"}),
    ("underscore in a value is literal", _m("name", "*_*"), {"C2", "P4"}),
    ("a number value on a text field is its digits", A.Match("post_code", (_n("75001"),)), {"C2"}),
    ("contact type", _m("type", "Person"), {"P1", "P2", "P3", "P4"}),
    ("contact no", _m("no", "c*"), {"C1", "C2", "C3"}),
    ("company_no of a company is its own", _m("company_no", "c2"), {"C2", "P2", "P4"}),
    ("present email excludes empty and missing", A.Present("email"), {"C1", "P1"}),
    ("absent email", A.Not(A.Present("email")), {"C2", "C3", "P2", "P3", "P4"}),
    # codes: stored upper-case, typed in any case
    ("country in lower case", _m("country", "it", "fr"), {"C1", "C2"}),
    ("country wildcard", _m("country", "f*"), {"C2"}),
    ("negated country keeps contacts without one", A.Not(_m("country", "IT")), ALL - {"C1"}),
    ("territory, salesperson and language", A.And((_m("territory", "north"), _m("language", "it"))), {"C1"}),
    ("present salesperson", A.Present("salesperson"), {"C1"}),
    # company name: persons match through their company
    ("company name matches the company and its persons", _m("company", "acme*"), {"C1", "P1"}),
    ("a person without a company has no company name", A.Not(A.Present("company")), {"P3"}),
    # industry and relation belong to companies, as in Business Central
    ("industry matches the company and its persons", _m("industry", "retail"), {"C1", "P1"}),
    ("relation any-of", _m("relation", "cust", "vend"), {"C1", "P1", "C2", "P2", "P4"}),
    ("no industry at all", A.Not(A.Present("industry")), {"C3", "P3"}),
    # mailing and job are the contact's own
    ("mailing group is not inherited", _m("mailing", "news"), {"C1"}),
    ("job responsibility", _m("job", "buy*", "ceo"), {"P1", "P2"}),
    ("present job", A.Present("job"), {"P1", "P2"}),
    # interactions: canceled entries do not count
    ("interaction template", _m("interaction", "call", "meet"), {"P1"}),
    ("any interaction", A.Present("interaction"), {"P1", "C2"}),
    ("interacted in the last 30 days", A.Compare("interacted", ">=", A.Today(-30, "d")), {"P1"}),
    ("interacted on a day", A.Match("interacted", (A.Day(date(2024, 1, 10)),)), {"C2"}),
    ("interacted range", A.Range("interacted", A.Day(date(2024, 1, 1)), A.Today(-1, "m")), {"C2"}),
    ("never interacted", A.Not(A.Present("interacted")), ALL - {"P1", "C2"}),
    # interaction:(...): every condition holds for one and the same non-canceled interaction
    (
        "a recent call and an old meeting are two interactions, not a recent meeting",
        A.Interaction(A.And((_m("template", "meet"), A.Compare("date", ">=", A.Today(-30, "d"))))),
        set(),
    ),
    (
        "side by side the same two conditions may hold for different interactions",
        A.And((_m("interaction", "meet"), A.Compare("interacted", ">=", A.Today(-30, "d")))),
        {"P1"},
    ),
    (
        "evaluation ignores case; campaign and salesperson are codes",
        A.Interaction(A.And((_m("evaluation", "positive"), _m("campaign", "c1"), _m("salesperson", "ab")))),
        {"P1"},
    ),
    ("a canceled interaction never counts", A.Interaction(_m("campaign", "C1")), {"P1"}),
    (
        "a date range on one interaction",
        A.Interaction(A.Range("date", A.Day(date(2024, 1, 1)), None)),
        {"P1", "C2"},
    ),
    (
        "negation inside the group asks for an interaction that is not a call",
        A.Interaction(A.Not(_m("template", "call"))),
        {"P1", "C2"},
    ),
    ("an interaction without a campaign", A.Interaction(A.Not(A.Present("campaign"))), {"P1", "C2"}),
    ("no interaction at all meets the group", A.Not(A.Interaction(_m("template", "call"))), ALL - {"P1"}),
    # ranges on text compare as text, ignoring case; either end may be open
    ("contact numbers in a range", A.Range("no", A.Text("c2"), A.Text("P2")), {"C2", "C3", "P1", "P2"}),
    ("post codes in a range", A.Range("post_code", A.Text("00000"), A.Text("01000")), {"C1"}),
    ("open text range", A.Range("name", A.Text("b"), None), ALL - {"C1", "P1"}),
    ("code range", A.Range("country", None, A.Text("fr")), {"C2"}),
    ("industry range through the company", A.Range("industry", A.Text("R"), A.Text("S")), {"C1", "P1"}),
    ("segment number range", A.Range("segment", A.Text("SEG00001"), A.Text("SEG00002")), {"C1", "P2"}),
    ("profile text range", A.Range("profile.rating", A.Text("a"), A.Text("a")), {"C1", "P1"}),
    ("open date range", A.Range("created", A.Day(date(2024, 2, 29)), None), {"C2", "P1"}),
    ("open number range", A.Range("profile.revenue", None, _n("1000000")), {"C2"}),
    (
        "negated text range keeps contacts without a value",
        A.Not(A.Range("city", A.Text("a"), A.Text("q"))),
        ALL - {"C3", "P2", "P4"},
    ),
    # created: equality, comparisons, ranges, relative dates; a missing date matches none of them
    ("created on a day", A.Match("created", (A.Day(date(2024, 2, 29)),)), {"C2"}),
    ("created one month ago clamps to February's end", A.Match("created", (A.Today(-1, "m"),)), {"C2"}),
    ("created one year ago", A.Match("created", (A.Today(-1, "y"),)), {"P3"}),
    ("created before", A.Compare("created", "<", A.Day(date(2024, 2, 29))), {"C1", "P2", "P3", "P4"}),
    (
        "created range inclusive",
        A.Range("created", A.Day(date(2024, 1, 15)), A.Today(-30, "d")),
        {"C1", "C2", "P1"},
    ),
    ("not created before keeps undated", A.Not(A.Compare("created", "<", A.Today(-1, "w"))), {"C3"}),
    # profile answers: text case-insensitive, numbers compared
    ("profile text ignores case", _m("profile.rating", "a"), {"C1", "P1"}),
    ("profile question name ignores case", _m("profile.RATING", "b"), {"C2"}),
    ("profile number comparison", A.Compare("profile.revenue", ">=", _n("1000000")), {"C1"}),
    ("profile number range", A.Range("profile.revenue", _n("500000"), _n("1E+6")), {"C2"}),
    ("profile number equality", A.Match("profile.revenue", (_n("900000.0"),)), {"C2"}),
    ("profile comparison skips text answers", A.Compare("profile.rating", ">", _n("0")), set()),
    (
        "negated profile keeps contacts without an answer",
        A.Not(_m("profile.rating", "a")),
        ALL - {"C1", "P1"},
    ),
    ("present profile answer", A.Present("profile.revenue"), {"C1", "C2"}),
    # segment membership, in this workspace only
    ("member of a segment", _m("segment", "seg00001"), {"C1", "P2"}),
    ("member of no segment", A.Not(A.Present("segment")), ALL - {"C1", "P2"}),
    ("unknown segment matches nobody", _m("segment", "SEG00009"), set()),
    # boolean structure
    ("or of two fields", A.Or((_m("city", "paris"), _m("country", "it"))), {"C1", "P2"}),
    ("empty and is everything", A.And(()), ALL),
    ("empty or is nothing", A.Or(()), set()),
    ("double negation", A.Not(A.Not(_m("city", "rome"))), {"C1", "P1"}),
]


@pytest.mark.parametrize(("expr", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_criteria_select_the_expected_contacts(
    world: tuple[Session, int], expr: A.Expr, expected: set[str]
) -> None:
    assert _selected(*world, expr) == expected


def test_relative_dates_follow_the_evaluation_day(world: tuple[Session, int]) -> None:
    last_30_days = A.Compare("interacted", ">=", A.Today(-30, "d"))
    assert _selected(*world, last_30_days, today=date(2024, 4, 18)) == {"P1"}
    assert _selected(*world, last_30_days, today=date(2024, 4, 19)) == {"P1"}
    assert _selected(*world, last_30_days, today=date(2024, 4, 20)) == set()


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (_m("industy", "x"), "unknown field 'industy'"),
        (A.Compare("city", ">", _n("3")), "'city' cannot be compared"),
        (A.Match("created", (A.Text("yesterday"),)), "'created' takes a date"),
        (A.Compare("profile.revenue", ">", A.Day(date(2024, 1, 1))), "compares numbers only"),
        (A.Compare("created", ">", A.Today(-99999, "y")), "out of range"),
    ],
)
def test_meaningless_criteria_are_refused_with_a_reason(expr: A.Expr, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        compile_criteria(expr, workspace_id=1, today=TODAY)


def test_a_date_typed_as_text_still_matches(world: tuple[Session, int]) -> None:
    assert _selected(*world, _m("created", "2024-02-29")) == {"C2"}


@pytest.mark.parametrize(
    ("value", "today", "expected"),
    [
        (A.Today(0, "d"), date(2024, 3, 31), date(2024, 3, 31)),
        (A.Today(-30, "d"), date(2024, 3, 31), date(2024, 3, 1)),
        (A.Today(-2, "w"), date(2024, 3, 31), date(2024, 3, 17)),
        (A.Today(-1, "m"), date(2024, 3, 31), date(2024, 2, 29)),
        (A.Today(-1, "m"), date(2023, 3, 31), date(2023, 2, 28)),
        (A.Today(1, "m"), date(2024, 1, 31), date(2024, 2, 29)),
        (A.Today(-13, "m"), date(2024, 1, 15), date(2022, 12, 15)),
        (A.Today(-1, "y"), date(2024, 2, 29), date(2023, 2, 28)),
        (A.Today(4, "y"), date(2024, 2, 29), date(2028, 2, 29)),
        (A.Day(date(2020, 5, 1)), date(2024, 3, 31), date(2020, 5, 1)),
    ],
)
def test_relative_dates_use_calendar_arithmetic(value: A.Day | A.Today, today: date, expected: date) -> None:
    assert resolve_date(value, today) == expected


def test_text_criteria_ignore_case_beyond_ascii(world: tuple[Session, int]) -> None:
    session, _ = world
    # A workspace of its own inside the shared, rolled-back transaction leaves the cases above alone.
    nordic = Workspace(team_id="T0003")
    session.add(nordic)
    session.flush()
    add_contact(session, nordic.id, "C1", name="Ærø Shipping", city="MÜNCHEN")
    add_contact(session, nordic.id, "C2", name="Zürich Lines", city="Zürich")
    assert _selected(session, nordic.id, _m("city", "münchen")) == {"C1"}
    assert _selected(session, nordic.id, _m("name", "ærø*", "ZÜRICH*")) == {"C1", "C2"}
    assert _selected(session, nordic.id, A.Not(_m("city", "ZÜRICH"))) == {"C1"}
