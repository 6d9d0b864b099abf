"""Differential test: compiled SQL and the plain-Python reference select the same contacts.

Hypothesis draws small, awkward datasets (NULLs, empty strings, '%', '_' and '\\' in values,
persons with and without a company, canceled interactions, segment memberships) and random
criteria using every node and value kind; each criterion must select the same ids in the
database as ``tests.storage.reference`` does in Python, on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import not_, select
from sqlalchemy.orm import Session, sessionmaker

from storage.criteria import ast as A
from storage.criteria.compile import compile_criteria
from storage.models import Contact, Segment, SegmentLine, Workspace
from tests.factories import add_contact, add_interaction
from tests.storage.reference import CODE_FIELDS, TEXT_FIELDS, RefContact, RefInteraction, evaluate

contacts = Contact.__table__

DAYS = [date(2023, 2, 28), date(2023, 3, 31), date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 1)]
DAYS += [date(2024, 3, 24), date(2024, 3, 30), date(2024, 3, 31), date(2024, 6, 15)]
TODAYS = [date(2024, 3, 31), date(2024, 2, 29), date(2025, 3, 31), date(2024, 6, 15)]

TEXT_POOL: dict[str, list[str | None]] = {
    "name": ["Acme", "acme spa", "Beta_Co", "Gamma 100%", "back\\slash", ""],
    "city": [None, "", "Rome", "ROME", "rome ", "a%b", "a_b", "axb"],
    "email": [None, "", "ana@acme.com", "BOB@Acme.com", "x@beta.it"],
    "phone": [None, "+39 06 1", "555_0100", "555x0100"],
    "post_code": [None, "00100", "100", "75001"],
}
CODE_POOL: dict[str, list[str | None]] = {
    "country": [None, "", "IT", "FR", "DE"],
    "territory": [None, "NORTH", "SOUTH"],
    "salesperson": [None, "AB", "A_B", "CD"],
    "language": [None, "IT", "EN"],
}
LINK_CODES = ["RETAIL", "TECH", "FIN_X"]
TEMPLATES = ["CALL", "MAIL", "MEET"]
ANSWERS = ["A", "a", "b", "10", "2.5", "1000000", "-3", "", "x_y", "1e3"]
QUESTIONS = ["rating", "revenue"]
SEGMENT_NOS = ["SEG00001", "SEG00002"]
EVALUATIONS = [None, "", "Positive", "positive", "Neutral"]
CAMPAIGNS = [None, "C1", "C2"]
# Ends of text ranges: inside, between and around the pools, and in either case.
RANGE_BOUNDS = [
    "",
    "0",
    "00100",
    "2",
    "a",
    "A",
    "acme",
    "b",
    "C1",
    "CALL",
    "fin",
    "M",
    "P",
    "rome",
    "SEG00001",
    "z",
]

# Values criteria use, per field: ones that hit the pools above, near misses, wildcards, and the
# characters LIKE treats specially ('%', '_', '\\') that must stay literal.
FIELD_VALUES: dict[str, list[str]] = {
    "no": ["c1", "P*", "p2", "*1"],
    "type": ["person", "COMPANY"],
    "name": ["acme", "ACME*", "*_co", "gamma 100%", "*100%", "*0_%", "back\\slash", "back\\*", "*", ""],
    "company_no": ["c1", "C*", "c2"],
    "company": ["acme", "beta*", "*", "back\\*"],
    "city": ["rome", "ROME", "rome*", "a%b", "a_b", "a*b", "", "*"],
    "email": ["*@acme.com", "ana@acme.com", "x@*", "*"],
    "phone": ["555_0100", "555*", "+39*", "555?0100"],
    "post_code": ["00100", "100", "*00", "75001"],
    "country": ["it", "fr", "*", "d*", ""],
    "territory": ["north", "s*"],
    "salesperson": ["a_b", "ab", "A_*", "a*"],
    "language": ["it", "en", "*"],
    "interaction": ["call", "m*", "meet", "*"],
}
LINK_VALUES = ["retail", "tech", "fin_x", "fin*", "*", "f_n*"]
PROFILE_VALUES = ["a", "A", "b", "x_y", "x*", "1e3", "", "*"]
NUMBERS = ["0", "2.5", "10", "1000", "1000000", "-3", "1E+1", "100", "75001"]
SEGMENT_VALUES = ["SEG00001", "seg00002", "SEG*", "seg00003"]
PROFILE_FIELDS = ["profile.rating", "profile.REVENUE", "profile.unasked"]
LINK_FIELDS = ["industry", "relation", "mailing", "job"]
EVERY_FIELD = [*TEXT_FIELDS, *CODE_FIELDS, "company", *LINK_FIELDS, "interaction", "interacted", "created"]
EVERY_FIELD += [*PROFILE_FIELDS, "segment"]


@dataclass(frozen=True)
class PersonSpec:
    company: int | None  # index into the companies, or None for a person without one
    attrs: dict[str, Any]


@dataclass(frozen=True)
class Dataset:
    companies: list[dict[str, Any]]
    persons: list[PersonSpec]
    today: date


def _attrs() -> st.SearchStrategy[dict[str, Any]]:
    columns = {f: st.sampled_from(v) for f, v in {**TEXT_POOL, **CODE_POOL}.items()}
    codes = st.sets(st.sampled_from(LINK_CODES), max_size=2)
    return st.fixed_dictionaries(
        {
            **columns,
            "created": st.sampled_from([None, *DAYS]),
            "industries": codes,
            "relations": codes,
            "mailing": codes,
            "jobs": codes,
            "profile": st.dictionaries(st.sampled_from(QUESTIONS), st.sampled_from(ANSWERS), max_size=2),
            "interactions": st.lists(
                st.tuples(
                    st.sampled_from(TEMPLATES),
                    st.sampled_from(DAYS),
                    st.booleans(),
                    st.sampled_from(EVALUATIONS),
                    st.sampled_from(CAMPAIGNS),
                ),
                max_size=2,
            ),
            "segments": st.sets(st.sampled_from(SEGMENT_NOS), max_size=2),
        }
    )


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    companies = draw(st.lists(_attrs(), min_size=1, max_size=4))
    owner = st.one_of(st.none(), *[st.just(i) for i in range(len(companies))])
    persons = draw(st.lists(st.builds(PersonSpec, owner, _attrs()), min_size=1, max_size=8))
    return Dataset(companies, persons, draw(st.sampled_from(TODAYS)))


def _day_values() -> st.SearchStrategy[A.Day | A.Today]:
    today = st.builds(A.Today, st.integers(-14, 3), st.sampled_from(["d", "w", "m", "y"]))
    return st.one_of(st.builds(A.Day, st.sampled_from(DAYS)), today)


def _numbers() -> st.SearchStrategy[A.Number]:
    return st.sampled_from(NUMBERS).map(lambda n: A.Number(Decimal(n)))


def _leaves() -> st.SearchStrategy[A.Expr]:
    def values_of(field: str) -> st.SearchStrategy[Any]:
        if field in ("created", "interacted"):
            return _day_values()
        if field.startswith("profile."):
            return st.one_of(st.sampled_from(PROFILE_VALUES).map(A.Text), _numbers(), _day_values())
        pool = FIELD_VALUES.get(field, SEGMENT_VALUES if field == "segment" else LINK_VALUES)
        texts = st.sampled_from(pool).map(A.Text)
        return st.one_of(texts, _numbers()) if field in TEXT_FIELDS else texts

    @st.composite
    def matches(draw: st.DrawFn) -> A.Expr:
        field = draw(st.sampled_from(EVERY_FIELD))
        return A.Match(field, tuple(draw(st.lists(values_of(field), min_size=1, max_size=3))))

    ops = st.sampled_from(["<", "<=", ">", ">="])
    dated = st.sampled_from(["created", "interacted"])
    profile = st.sampled_from(PROFILE_FIELDS)
    leaf = st.one_of(
        st.builds(A.Present, st.sampled_from(EVERY_FIELD)),
        matches(),
        matches(),
        st.builds(A.Compare, dated, ops, _day_values()),
        st.builds(A.Range, dated, _day_values(), _day_values()),
        st.builds(A.Compare, profile, ops, _numbers()),
        st.builds(A.Range, profile, _numbers(), _numbers()),
        st.builds(A.Range, dated, st.none() | _day_values(), _day_values()),
        text_ranges(),
        _interaction_groups(),
    )
    # Negated leaves are where NULL handling shows, so they come as often as plain ones.
    return st.one_of(leaf, leaf.map(A.Not))


@st.composite
def text_ranges(draw: st.DrawFn) -> A.Expr:
    """A range over text: either end may be open, in any order (an empty range selects nobody)."""
    field = draw(st.sampled_from([f for f in EVERY_FIELD if f not in ("created", "interacted")]))
    bound = st.sampled_from(RANGE_BOUNDS).map(A.Text)
    low = draw(st.none() | bound)
    high = draw(bound) if low is None else draw(st.none() | bound)
    return A.Range(field, low, high)


def _interaction_groups() -> st.SearchStrategy[A.Expr]:
    """``interaction:(...)`` over every field of one interaction, NOTs included."""
    texts = {
        "template": ["call", "MEET", "m*", "*"],
        "evaluation": ["positive", "POS*", "neutral", ""],
        "campaign": ["c1", "C*", "c3"],
    }
    ops = st.sampled_from(["<", "<=", ">", ">="])
    bound = st.sampled_from(RANGE_BOUNDS).map(A.Text)
    inner = st.one_of(
        *[
            st.builds(
                A.Match,
                st.just(f),
                st.lists(st.sampled_from(v).map(A.Text), min_size=1, max_size=2).map(tuple),
            )
            for f, v in texts.items()
        ],
        st.builds(A.Match, st.just("date"), st.lists(_day_values(), min_size=1, max_size=2).map(tuple)),
        st.builds(A.Compare, st.just("date"), ops, _day_values()),
        st.builds(A.Range, st.just("date"), _day_values(), st.none() | _day_values()),
        st.builds(A.Range, st.sampled_from(list(texts)), bound, st.none() | bound),
        st.builds(A.Present, st.sampled_from(["template", "date", "evaluation", "campaign"])),
    )
    grouped = st.recursive(
        st.one_of(inner, inner.map(A.Not)),
        lambda children: st.one_of(
            st.builds(A.Not, children),
            st.lists(children, min_size=1, max_size=3).map(lambda xs: A.And(tuple(xs))),
        ),
        max_leaves=4,
    )
    return grouped.map(A.Interaction)


def criteria() -> st.SearchStrategy[A.Expr]:
    """Random criteria trees over every field family, value kind and boolean node."""

    def extend(children: st.SearchStrategy[A.Expr]) -> st.SearchStrategy[A.Expr]:
        items = st.lists(children, max_size=3).map(tuple)
        return st.one_of(st.builds(A.Not, children), st.builds(A.And, items), st.builds(A.Or, items))

    return st.recursive(_leaves(), extend, max_leaves=6)


def _store(session: Session, workspace_id: int, data: Dataset) -> list[RefContact]:
    """Insert ``data`` through the factories and return the same contacts as reference values."""
    segments = {
        no: Segment(workspace_id=workspace_id, no=no, description="", owner_user_id="U1", created=data.today)
        for no in SEGMENT_NOS
    }
    session.add_all(segments.values())
    session.flush()
    refs: list[RefContact] = []
    companies: list[Contact] = []
    rows = [(f"C{i + 1}", attrs, None, False) for i, attrs in enumerate(data.companies)]
    rows += [(f"P{i + 1}", p.attrs, p.company, True) for i, p in enumerate(data.persons)]
    for no, attrs, company_index, is_person in rows:
        contact = add_contact(
            session,
            workspace_id,
            no,
            name=attrs["name"] or None,
            company=companies[company_index] if company_index is not None else None,
            person=is_person,
            industries=tuple(attrs["industries"]),
            relations=tuple(attrs["relations"]),
            mailing=tuple(attrs["mailing"]),
            jobs=tuple(attrs["jobs"]),
            profile=attrs["profile"],
            created=attrs["created"],
            **{k: attrs[k] for k in (*TEXT_POOL, *CODE_POOL) if k != "name"},
        )
        if not is_person:
            companies.append(contact)
        for template, on, canceled, evaluation, campaign_no in attrs["interactions"]:
            add_interaction(
                session,
                workspace_id,
                contact,
                template,
                on,
                canceled=canceled,
                evaluation=evaluation,
                campaign_no=campaign_no,
            )
        for segment_no in attrs["segments"]:
            line = SegmentLine(
                segment_id=segments[segment_no].id, contact_id=contact.id, workspace_id=workspace_id
            )
            session.add(line)
        refs.append(_reference_contact(contact, attrs))
    session.flush()
    return refs


def _reference_contact(contact: Contact, attrs: dict[str, Any]) -> RefContact:
    def as_number(answer: str) -> float | None:
        # The same reading of an answer as a number that the factories store in answer_number.
        try:
            return float(answer)
        except ValueError:
            return None

    columns = {k: getattr(contact, k) for k in (*TEXT_FIELDS, *CODE_FIELDS, "company_id", "created")}
    return RefContact(
        id=contact.id,
        **columns,
        industries={c.upper() for c in attrs["industries"]},
        relations={c.upper() for c in attrs["relations"]},
        mailing={c.upper() for c in attrs["mailing"]},
        jobs={c.upper() for c in attrs["jobs"]},
        profile={q.lower(): (a, as_number(a)) for q, a in attrs["profile"].items()},
        interactions=[
            RefInteraction(t.upper(), on, canceled, evaluation, campaign)
            for t, on, canceled, evaluation, campaign in attrs["interactions"]
        ],
        segments=set(attrs["segments"]),
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=datasets(), exprs=st.lists(criteria(), min_size=15, max_size=30))
def test_sql_and_reference_select_the_same_contacts(
    session_factory: sessionmaker[Session], workspace: Workspace, data: Dataset, exprs: list[A.Expr]
) -> None:
    with session_factory() as session:
        try:
            refs = _store(session, workspace.id, data)
            everyone = {ref.id for ref in refs}
            for expr in exprs:
                expected = evaluate(expr, refs, data.today)
                condition = compile_criteria(expr, workspace_id=workspace.id, today=data.today)
                query = select(contacts.c.id).where(contacts.c.workspace_id == workspace.id, condition)
                assert set(session.scalars(query)) == expected, A.to_text(expr)
                # Never NULL: a caller negating the whole condition gets exactly the other contacts.
                query = select(contacts.c.id).where(contacts.c.workspace_id == workspace.id, not_(condition))
                assert set(session.scalars(query)) == everyone - expected, f"NOT ({A.to_text(expr)})"
        finally:
            # Each example starts from an empty workspace: nothing was committed.
            session.rollback()
