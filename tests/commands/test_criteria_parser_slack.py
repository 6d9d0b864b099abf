"""Criteria exactly as a Slack slash command delivers them, from the payload's text to the contacts
they select in a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from commands.arguments import extract_options
from commands.criteria_parser import CriteriaError, parse_criteria
from storage.criteria.compile import compile_criteria
from storage.models import Contact, Workspace
from tests.factories import add_contact, add_interaction

TODAY = date(2026, 11, 28)
ADD_OPTIONS = ("--expand-companies", "--related-companies", "--ignore-exclusion")


@pytest.fixture
def contacts(session: Session, workspace: Workspace) -> Session:
    """A small address book with the characters Slack likes to escape in it."""
    ws = workspace.id
    # (no, name, city, industry, email, revenue, created)
    companies = [
        ("C001", "Acme & Sons", "New York", "retail", "info@acme.com", "2500000", date(2026, 11, 10)),
        ("C002", "Bolt Ltd", "Berlin", "manufacturing", "hello@bolt.de", "1000000", date(2025, 1, 5)),
    ]
    acme, bolt = (
        add_contact(
            session,
            ws,
            no,
            name=name,
            city=city,
            industries=(industry,),
            email=email,
            profile={"revenue": revenue},
            created=created,
        )
        for no, name, city, industry, email, revenue, created in companies
    )
    add_contact(
        session,
        ws,
        "P001",
        name="Ann <Sales>",
        company=acme,
        city="New York",
        jobs=("buyer",),
        profile={"revenue": "999999"},
        created=date(2026, 11, 20),
    )
    add_contact(
        session, ws, "P002", name="Ben O’Brien", company=bolt, city="Berlin", created=date(2026, 1, 1)
    )
    add_interaction(session, ws, bolt, "meeting", date(2026, 11, 1))
    session.commit()
    return session


def select_nos(session: Session, workspace_id: int, slack_text: str) -> list[str]:
    """The numbers of the contacts the criteria in ``slack_text`` select, sorted."""
    criteria, _ = extract_options(slack_text, ADD_OPTIONS)
    condition = compile_criteria(parse_criteria(criteria), workspace_id=workspace_id, today=TODAY)
    rows = session.scalars(select(Contact.no).where(Contact.workspace_id == workspace_id, condition))
    return sorted(rows)


@pytest.mark.parametrize(
    ("slack_text", "nos"),
    [
        # Slack sends the >= the user typed as &gt;=.
        ("profile.revenue:&gt;=1000000", ["C001", "C002"]),
        ("profile.revenue:&lt;1000000", ["P001"]),
        ("profile.revenue:&gt;1000000 --expand-companies", ["C001"]),
        # & and < > inside values arrive as entities too.
        ("name:“Acme &amp; Sons”", ["C001"]),
        ("name:*&lt;sales&gt;", ["P001"]),
        # Typographic quotes from the Slack client group words like straight ones.
        ("city:“new york” -email:*", ["P001"]),
        ("city:‘berlin’,“new york” type:company", ["C001", "C002"]),
        # Apostrophes inside a word are part of the name.
        ("name:*O’Brien", ["P002"]),
        # Options typed as -- arrive as an em dash and are still options, not criteria.
        ("industry:retail —expand-companies", ["C001", "P001"]),
        ("NOT industry:retail", ["C002", "P002"]),
        ("created:&gt;=today-30d", ["C001", "P001"]),
        ("interacted:today-1m..today OR job:buyer", ["C002", "P001"]),
    ],
)
def test_slack_escaped_criteria_select_the_contacts_the_user_meant(
    contacts: Session, workspace: Workspace, slack_text: str, nos: list[str]
) -> None:
    assert select_nos(contacts, workspace.id, slack_text) == nos


@pytest.mark.parametrize(
    ("slack_text", "position", "marked"),
    [
        ("profile.revenue:&gt;=1000000 industy:retail", 29, "industy"),
        ("name:“Acme &amp; Sons” ciy:berlin", 23, "ciy"),
        ("city:berlin OR —expand-companies", 15, "—expand-companies"),
        ("name:“Acme", 5, "“Acme"),
    ],
)
def test_error_positions_point_into_the_text_slack_sent(slack_text: str, position: int, marked: str) -> None:
    with pytest.raises(CriteriaError) as caught:
        parse_criteria(slack_text)
    assert caught.value.position == position
    assert slack_text[position:].startswith(marked)
