"""A plain-Python reference of the criteria semantics (docs/user-guide.md), for differential tests.

Written independently of ``storage.criteria.compile``: it walks the AST over in-memory contacts,
the way a person would read the criteria, so disagreements with the SQL point at a bug in one of
the two. Deliberately naive (no SQL ideas such as NULL or LIKE); clarity over speed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from storage.criteria import ast as A

TEXT_FIELDS = ("no", "type", "name", "company_no", "city", "post_code", "email", "phone")
CODE_FIELDS = ("country", "territory", "salesperson", "language")


@dataclass(frozen=True)
class RefInteraction:
    template: str
    on: date
    canceled: bool = False
    evaluation: str | None = None
    campaign_no: str | None = None


@dataclass
class RefContact:
    """A contact with everything criteria can look at, as plain values."""

    id: int
    no: str
    type: str
    name: str
    company_id: int | None = None
    company_no: str | None = None
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    country: str | None = None
    post_code: str | None = None
    territory: str | None = None
    salesperson: str | None = None
    language: str | None = None
    created: date | None = None
    industries: set[str] = field(default_factory=set)
    relations: set[str] = field(default_factory=set)
    mailing: set[str] = field(default_factory=set)
    jobs: set[str] = field(default_factory=set)
    # question (lower-case) -> (answer as typed, the answer read as a number or None)
    profile: dict[str, tuple[str, float | None]] = field(default_factory=dict)
    interactions: list[RefInteraction] = field(default_factory=list)
    segments: set[str] = field(default_factory=set)


def evaluate(expr: A.Expr, contacts: list[RefContact], today: date) -> set[int]:
    """The ids of the contacts that ``expr`` selects on ``today``."""
    by_id = {c.id: c for c in contacts}
    return {c.id for c in contacts if _holds(expr, c, by_id, today)}


def relative_day(value: A.Day | A.Today, today: date) -> date:
    """``today-1m`` on 31 March is 29 February (or the 28th): step back from the same day number."""
    if isinstance(value, A.Day):
        return value.value
    if value.unit in ("d", "w"):
        return today + timedelta(days=value.offset * (7 if value.unit == "w" else 1))
    months = value.offset * (12 if value.unit == "y" else 1)
    year = today.year + (today.month - 1 + months) // 12
    month = (today.month - 1 + months) % 12 + 1
    day = today.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def _holds(expr: A.Expr, c: RefContact, by_id: dict[int, RefContact], today: date) -> bool:
    if isinstance(expr, A.And):
        return all(_holds(e, c, by_id, today) for e in expr.items)
    if isinstance(expr, A.Or):
        return any(_holds(e, c, by_id, today) for e in expr.items)
    if isinstance(expr, A.Not):
        return not _holds(expr.expr, c, by_id, today)
    company = by_id.get(c.company_id) if c.company_id is not None else None
    live = [i for i in c.interactions if not i.canceled]
    if isinstance(expr, A.Interaction):
        return any(_interaction_holds(expr.expr, i, today) for i in live)
    name = expr.field
    if isinstance(expr, A.Present):
        if name in TEXT_FIELDS or name in CODE_FIELDS:
            return getattr(c, name) not in (None, "")
        if name == "created":
            return c.created is not None
        if name == "company":
            return company is not None and company.name != ""
        if name in ("industry", "relation"):
            return company is not None and bool(_company_codes(name, company))
        if name in ("mailing", "job"):
            return bool(c.mailing if name == "mailing" else c.jobs)
        if name in ("interaction", "interacted"):
            return bool(live)
        if name == "segment":
            return bool(c.segments)
        answer = c.profile.get(_question(name))
        return answer is not None and answer[0] != ""
    if isinstance(expr, A.Match):
        return any(_matches_value(name, v, c, company, live, today) for v in expr.values)
    assert isinstance(expr, A.Compare | A.Range)
    bounds = _bounds(expr)
    if bounds and all(isinstance(v, A.Text) for _, v in bounds) and name not in ("created", "interacted"):
        return _in_text_range(
            name, [(op, v.value) for op, v in bounds if isinstance(v, A.Text)], c, company, live
        )
    if name in ("created", "interacted"):
        days = [(op, relative_day(v, today)) for op, v in bounds if isinstance(v, A.Day | A.Today)]
        if name == "created":
            return c.created is not None and all(_compare(c.created, op, d) for op, d in days)
        return any(all(_compare(i.on, op, d) for op, d in days) for i in live)
    answer = c.profile.get(_question(name))
    if answer is None or answer[1] is None:
        return False
    number = answer[1]
    return all(_compare(number, op, float(v.value)) for op, v in bounds if isinstance(v, A.Number))


def _bounds(expr: A.Compare | A.Range) -> list[tuple[str, Any]]:
    if isinstance(expr, A.Compare):
        return [(expr.op, expr.value)]
    return [(op, v) for op, v in ((">=", expr.low), ("<=", expr.high)) if v is not None]


def _in_text_range(
    name: str,
    bounds: list[tuple[str, str]],
    c: RefContact,
    company: RefContact | None,
    live: list[RefInteraction],
) -> bool:
    """Text between the bounds, compared character by character after folding the case."""

    def within(own: str | None, fold: Any) -> bool:
        return own is not None and all(_compare(fold(own), op, fold(bound)) for op, bound in bounds)

    if name in TEXT_FIELDS:
        return within(getattr(c, name), str.lower)
    if name in CODE_FIELDS:
        return within(getattr(c, name), str.upper)
    if name == "company":
        return company is not None and within(company.name, str.lower)
    if name in ("industry", "relation"):
        codes = _company_codes(name, company) if company is not None else set()
        return any(within(code, str.upper) for code in codes)
    if name in ("mailing", "job"):
        return any(within(code, str.upper) for code in (c.mailing if name == "mailing" else c.jobs))
    if name == "interaction":
        return any(within(i.template, str.upper) for i in live)
    if name == "segment":
        return any(within(no, str.upper) for no in c.segments)
    answer = c.profile.get(_question(name))
    return answer is not None and within(answer[0], str.lower)


def _interaction_holds(expr: A.Expr, i: RefInteraction, today: date) -> bool:
    """Whether the one interaction ``i`` meets ``expr`` (the inside of ``interaction:(...)``)."""
    if isinstance(expr, A.And):
        return all(_interaction_holds(e, i, today) for e in expr.items)
    if isinstance(expr, A.Or):
        return any(_interaction_holds(e, i, today) for e in expr.items)
    if isinstance(expr, A.Not):
        return not _interaction_holds(expr.expr, i, today)
    assert not isinstance(expr, A.Interaction)
    own: Any = {"template": i.template, "date": i.on, "evaluation": i.evaluation, "campaign": i.campaign_no}[
        expr.field
    ]
    if isinstance(expr, A.Present):
        return own not in (None, "")
    if expr.field == "date":
        if isinstance(expr, A.Match):
            return any(own == relative_day(v, today) for v in expr.values if isinstance(v, A.Day | A.Today))
        return all(_compare(own, op, relative_day(v, today)) for op, v in _bounds(expr))
    fold = str.lower if expr.field == "evaluation" else str.upper
    if own is None:
        return False
    if isinstance(expr, A.Match):
        return any(_like(fold(own), fold(_as_text(v, today))) for v in expr.values)
    return all(_compare(fold(own), op, fold(v.value)) for op, v in _bounds(expr) if isinstance(v, A.Text))


def _matches_value(
    name: str,
    value: A.Text | A.Number | A.Day | A.Today,
    c: RefContact,
    company: RefContact | None,
    live: list[RefInteraction],
    today: date,
) -> bool:
    if name in ("created", "interacted"):
        day = relative_day(value, today) if isinstance(value, A.Day | A.Today) else None
        if name == "created":
            return c.created is not None and c.created == day
        return any(i.on == day for i in live)
    if name.startswith("profile."):
        answer = c.profile.get(_question(name))
        if answer is None:
            return False
        if isinstance(value, A.Number):
            return answer[1] is not None and answer[1] == float(value.value)
        return _like(answer[0].lower(), _as_text(value, today).lower())
    wanted = _as_text(value, today)
    if name in TEXT_FIELDS:
        own = getattr(c, name)
        return own is not None and _like(own.lower(), wanted.lower())
    if name in CODE_FIELDS:
        own = getattr(c, name)
        return own is not None and _like(own, wanted.upper())
    if name == "company":
        return company is not None and _like(company.name.lower(), wanted.lower())
    if name in ("industry", "relation"):
        codes = _company_codes(name, company) if company is not None else set()
        return any(_like(code, wanted.upper()) for code in codes)
    if name in ("mailing", "job"):
        return any(_like(code, wanted.upper()) for code in (c.mailing if name == "mailing" else c.jobs))
    if name == "interaction":
        return any(_like(i.template, wanted.upper()) for i in live)
    assert name == "segment", name
    return any(_like(no, wanted.upper()) for no in c.segments)


def _company_codes(name: str, company: RefContact) -> set[str]:
    # Business Central: industry groups and business relations are the company's, persons inherit them.
    return company.industries if name == "industry" else company.relations


def _question(name: str) -> str:
    return name.removeprefix("profile.").lower()


def _as_text(value: A.Text | A.Number | A.Day | A.Today, today: date) -> str:
    if isinstance(value, A.Text):
        return value.value
    if isinstance(value, A.Number):
        return format(Decimal(value.value), "f")
    return relative_day(value, today).isoformat()


def _like(candidate: str, pattern: str) -> bool:
    """Equality, where ``*`` in the pattern stands for any run of characters."""
    if "*" not in pattern:
        return candidate == pattern
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, candidate, flags=re.DOTALL) is not None


def _compare(left: Any, op: str, right: Any) -> bool:
    return bool({"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op])
