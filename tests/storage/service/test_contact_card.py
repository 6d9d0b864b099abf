"""The contact card: fields, company or persons, profile answers, segments, last interactions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.models import Contact
from storage.service import contact_card
from tests.factories import add_contact, add_interaction
from tests.storage.service.conftest import crit, new_segment
from tests.storage.service.test_journal import _apply


def _contact(session: Session, no: str) -> Contact:
    return session.scalars(select(Contact).where(Contact.no == no)).one()


def test_a_person_card_shows_its_company_codes_inherited_from_it_and_its_own(session, world):
    ana = _contact(session, "CT010")
    ana.email = "ana@acme.example"
    session.flush()
    card = contact_card.contact_card(session, world.workspace_id, "ct010")
    assert (card.no, card.name, card.type) == ("CT010", "Ana", "person")
    assert (card.company_no, card.company_name) == ("CT001", "Acme")
    assert ("email", "ana@acme.example") in card.fields
    assert ("country", "DK") in card.fields
    # Industry groups are the company's, as criteria read them; job responsibilities the person's.
    assert dict(card.codes)["industry"] == ("RETAIL",)
    assert dict(card.codes)["job"] == ("BUYER",)


def test_a_company_card_lists_its_persons(session, world):
    card = contact_card.contact_card(session, world.workspace_id, "CT001")
    assert card.company_no is None
    assert card.person_count == 3
    assert [no for no, _ in card.persons] == ["CT010", "CT011", "CT012"]


def test_a_company_with_many_persons_lists_a_bounded_number_and_counts_them_all(session, world):
    big = add_contact(session, world.workspace_id, "CT900", name="Big")
    for n in range(contact_card.MAX_LISTED + 5):
        add_contact(session, world.workspace_id, f"CT9{n:03d}P", company=big)
    card = contact_card.contact_card(session, world.workspace_id, "CT900")
    assert card.person_count == contact_card.MAX_LISTED + 5
    assert len(card.persons) == contact_card.MAX_LISTED


def test_the_card_shows_profile_answers_segments_and_the_last_five_interactions(session, world):
    ws = world.workspace_id
    flo = add_contact(session, ws, "CT050", name="Gus", person=True, profile={"rating": "A", "revenue": "12"})
    seg = new_segment(session, world, "Danes", owner="U7")
    _apply(session, world, seg, "add", crit("no", "CT050"))
    other = new_segment(session, world, "Others", owner="U7")
    for day in range(1, 8):
        add_interaction(session, ws, flo, "CALL", date(2025, 1, day), evaluation="Positive", campaign_no="C1")
    add_interaction(session, ws, flo, "MEET", date(2025, 2, 1), canceled=True)
    card = contact_card.contact_card(session, ws, "CT050")
    assert card.answers == (("rating", "A"), ("revenue", "12"))
    assert (card.segments, card.segment_count) == (((seg, "Danes"),), 1)
    assert other not in dict(card.segments)
    assert [(i.template, i.date.day, i.canceled) for i in card.interactions] == [
        ("MEET", 1, True),
        ("CALL", 7, False),
        ("CALL", 6, False),
        ("CALL", 5, False),
        ("CALL", 4, False),
    ]
    assert card.interactions[1].campaign_no == "C1"


def test_an_unknown_contact_number_names_the_closest(session, world):
    with pytest.raises(NotFoundError, match="unknown contact number: CT0100 - did you mean CT010"):
        contact_card.contact_card(session, world.workspace_id, "CT0100")
    with pytest.raises(NotFoundError, match=r"unknown contact number: ZZZ$"):
        contact_card.contact_card(session, world.workspace_id, "ZZZ")


def test_a_contact_of_another_workspace_is_unknown(session, world):
    from storage.service.workspaces import ensure_workspace

    other = ensure_workspace(session, "T0OTHER")
    with pytest.raises(NotFoundError):
        contact_card.contact_card(session, other, "CT010")
