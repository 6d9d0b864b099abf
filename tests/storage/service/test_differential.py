"""Random action sequences checked against a plain-Python model of Business Central's segment algebra.

Seeded generation: each seed builds a few companies and persons (some excluded, some without a
company), then runs a random sequence of add/reduce/refine (with random options), include/remove and
undo, comparing the segment after every step with the model. Criteria are evaluated by the
independent reference in ``tests/storage/reference.py``; the algebra around them by the model here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from storage.criteria.ast import Expr, Match, Not, Or, Text
from storage.errors import ValidationError
from storage.models import Contact, Workspace
from storage.service import changes, matches, segments
from storage.service.types import ActionOptions
from tests.factories import add_contact
from tests.storage.reference import RefContact, evaluate
from tests.storage.service.conftest import TODAY

COUNTRIES = ("DK", "US", "SE")
INDUSTRIES = ("RETAIL", "MFG", "BANK")
OTHER = "SEG00001"


@dataclass
class _Model:
    contacts: list[RefContact]
    excluded: set[int]

    def by_id(self, contact_id: int) -> RefContact:
        return next(c for c in self.contacts if c.id == contact_id)

    def apply(
        self, members: set[int], kind: str, expr: Expr | None, options: ActionOptions, ids: set[int]
    ) -> set[int]:
        if kind == "include":
            return members | ids
        if kind == "remove":
            return members - ids
        assert expr is not None
        matched = evaluate(expr, self.contacts, TODAY)
        if kind == "add":
            # Business Central's report 5198: collect, widen to whole companies, add the companies
            # of persons, and only then drop the excluded contacts and those already present.
            found = set(matched)
            if options.expand_companies:
                widened = {self.by_id(i).company_id for i in found} - {None}
                found |= {c.id for c in self.contacts if c.company_id in widened}
            if options.related_companies:
                found |= {c.company_id for c in (self.by_id(i) for i in found) if c.company_id is not None}
            return members | {i for i in found if options.ignore_exclusion or i not in self.excluded}
        companies = {self.by_id(i).company_id for i in matched} - {None}

        def hit(i: int) -> bool:
            return i in matched or (options.entire_companies and self.by_id(i).company_id in companies)

        if kind == "reduce":
            return {i for i in members if not hit(i)}
        return {i for i in members if hit(i)}


def _ref(contact: Contact, **kw: Any) -> RefContact:
    return RefContact(
        id=contact.id, no=contact.no, type=contact.type, name=contact.name, country=contact.country, **kw
    )


def _build(session: Session, workspace_id: int, rng: random.Random) -> tuple[_Model, dict[int, str]]:
    refs: list[RefContact] = []
    excluded: set[int] = set()
    companies = []

    def add(no: str, **kw: Any) -> Contact:
        """A contact in a random country, one in five of them excluded from segments."""
        contact = add_contact(
            session,
            workspace_id,
            no,
            country=rng.choice(COUNTRIES),
            exclude_from_segment=rng.random() < 0.2,
            **kw,
        )
        if contact.exclude_from_segment:
            excluded.add(contact.id)
        return contact

    for n in range(rng.randint(2, 5)):
        industries = set(rng.sample(INDUSTRIES, rng.randint(0, 2)))
        company = add(f"C{n:02d}", industries=tuple(industries))
        companies.append(company)
        refs.append(_ref(company, company_id=company.id, company_no=company.no, industries=industries))
    for n in range(rng.randint(4, 14)):
        company = rng.choice([*companies, None])
        person = add(f"P{n:02d}", company=company, person=True)
        refs.append(_ref(person, company_id=company.id if company else None))
    return _Model(refs, excluded), {c.id: c.no for c in refs}


def _random_criteria(rng: random.Random, model: _Model) -> Expr:
    # Only codes some contact carries: naming one nobody has is an error, not an empty match.
    countries = sorted({c.country for c in model.contacts if c.country})
    industries = sorted({code for c in model.contacts for code in c.industries})

    def leaf() -> Expr:
        roll = rng.random()
        if roll < 0.35 or (roll < 0.65 and not industries):
            return Match(
                "country",
                tuple(Text(c) for c in rng.sample(countries, min(len(countries), rng.randint(1, 2)))),
            )
        if roll < 0.65:
            return Match("industry", (Text(rng.choice(industries)),))
        if roll < 0.85:
            return Match("no", tuple(Text(c.no) for c in rng.sample(model.contacts, rng.randint(1, 3))))
        return Match("segment", (Text(OTHER),))

    expr = leaf()
    if rng.random() < 0.3:
        expr = Or((expr, leaf()))
    if rng.random() < 0.2:
        expr = Not(expr)
    return expr


def _members(session: Session, workspace_id: int, segment_no: str) -> set[str]:
    return {r.no for r in segments.segment_page(session, workspace_id, segment_no, page_size=1000).rows}


@pytest.mark.parametrize("seed", range(12))
def test_random_action_sequences_agree_with_the_model(
    session: Session, workspace: Workspace, seed: int
) -> None:
    rng = random.Random(seed)
    ws = workspace.id
    model, no_of = _build(session, ws, rng)
    # A second segment that criteria can refer to with segment:SEG00001.
    other = segments.create_segment(session, ws, description="Other", owner_user_id="U1").no
    chosen = rng.sample(model.contacts, len(model.contacts) // 3)
    changes.apply_action(session, ws, other, "include", contact_nos=[c.no for c in chosen], user_id="U1")
    for c in chosen:
        c.segments.add(OTHER)
    seg = segments.create_segment(session, ws, description="Under test", owner_user_id="U1").no

    expected: set[int] = set()
    history: list[set[int]] = []
    for step in range(14):
        kind = rng.choice(["add", "add", "reduce", "refine", "include", "remove", "undo"])
        if kind == "undo":
            if history:
                changes.undo_last(session, ws, seg, user_id="U1")
                expected = history.pop()
            else:
                with pytest.raises(ValidationError):
                    changes.undo_last(session, ws, seg, user_id="U1")
        elif kind in ("include", "remove"):
            picked = {c.id for c in rng.sample(model.contacts, rng.randint(1, 3))}
            result = changes.apply_action(
                session, ws, seg, kind, contact_nos=[no_of[i] for i in picked], user_id="U1"
            )
            history.append(expected)
            expected = model.apply(expected, kind, None, ActionOptions(), picked)
            assert result.size_after == len(expected)
        else:
            expr = _random_criteria(rng, model)
            if kind == "add":
                options = ActionOptions(
                    expand_companies=rng.random() < 0.4,
                    related_companies=rng.random() < 0.4,
                    ignore_exclusion=rng.random() < 0.3,
                )
            else:
                options = ActionOptions(entire_companies=rng.random() < 0.5)
            preview = changes.preview_action(
                session, ws, seg, kind, criteria=expr, options=options, user_id="U1", today=TODAY
            )
            new = model.apply(expected, kind, expr, options, set())
            if kind == "add":
                # The builder's live count is the same Add, into a segment that does not exist yet.
                counted = matches.count_matches(session, ws, expr, options, today=TODAY, sample=0)
                assert counted.total == len(model.apply(set(), kind, expr, options, set())), (step, expr)
            assert (preview.added, preview.removed) == (len(new - expected), len(expected - new)), (
                step,
                expr,
            )
            changes.confirm_pending(session, ws, preview.pending_id, user_id="U1")
            history.append(expected)
            expected = new
        assert _members(session, ws, seg) == {no_of[i] for i in expected}, (seed, step, kind)

    # Nothing changed in the data, so replaying the journal from empty lands on the same set.
    refreshed = changes.refresh_segment(session, ws, seg, user_id="U1", today=TODAY)
    assert (refreshed.entered.total, refreshed.left.total) == (0, 0)
