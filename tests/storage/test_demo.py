"""Demo data: believable, linked, deterministic per seed, and the same through a CSV file."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from storage.campaigns_import import import_campaigns
from storage.contacts_import import import_contacts
from storage.csv_format import COUNTRY_CODES
from storage.db import unit_of_work
from storage.demo import generate_demo, write_demo_csv
from storage.interactions_import import import_interactions
from storage.models import Campaign, Contact, ContactProfileAnswer, InteractionLogEntry, Workspace

TODAY = date(2026, 6, 15)


def new_workspace(factory: sessionmaker[Session], team: str) -> int:
    with unit_of_work(factory) as session:
        workspace = Workspace(team_id=team)
        session.add(workspace)
        session.flush()
        return workspace.id


def generate(factory: sessionmaker[Session], workspace_id: int, *, count: int, seed: int) -> int:
    with unit_of_work(factory) as session:
        return generate_demo(session, workspace_id, count=count, seed=seed, today=TODAY)


def contents(factory: sessionmaker[Session], workspace_id: int) -> dict[str, Any]:
    """Everything a user could see of a workspace's contacts, keyed by numbers rather than ids."""
    with factory() as session:
        contacts = session.scalars(select(Contact).where(Contact.workspace_id == workspace_id)).all()
        no_of = {c.id: c.no for c in contacts}
        columns = [c.name for c in Contact.__table__.columns if c.name not in ("id", "workspace_id")]
        rows = {
            c.no: tuple(no_of.get(v, v) if k == "company_id" else v for k in columns for v in [getattr(c, k)])
            for c in contacts
        }
        links = {}
        for table in (
            "contact_industry_groups",
            "contact_business_relations",
            "contact_mailing_groups",
            "contact_job_responsibilities",
        ):
            result = session.execute(
                text(f"SELECT contact_id, code FROM {table} WHERE workspace_id = :w"), {"w": workspace_id}
            )
            links[table] = sorted((no_of[contact_id], code) for contact_id, code in result)
        answers = sorted(
            (no_of[a.contact_id], a.question, a.answer, a.answer_number)
            for a in session.scalars(
                select(ContactProfileAnswer).where(ContactProfileAnswer.workspace_id == workspace_id)
            )
        )
        interactions = sorted(
            (no_of[e.contact_id], e.template_code, e.date, e.description, e.evaluation or "")
            for e in session.scalars(
                select(InteractionLogEntry).where(InteractionLogEntry.workspace_id == workspace_id)
            )
        )
    return {"contacts": rows, "links": links, "answers": answers, "interactions": interactions}


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(
    session_factory: sessionmaker[Session],
) -> None:
    first, second, third = (new_workspace(session_factory, team) for team in ("TA", "TB", "TC"))

    assert generate(session_factory, first, count=300, seed=7) == 300
    generate(session_factory, second, count=300, seed=7)
    generate(session_factory, third, count=300, seed=8)

    assert contents(session_factory, first) == contents(session_factory, second)
    assert contents(session_factory, first)["contacts"] != contents(session_factory, third)["contacts"]


def test_demo_contacts_are_companies_with_their_persons(session_factory: sessionmaker[Session]) -> None:
    workspace_id = new_workspace(session_factory, "TA")
    generate(session_factory, workspace_id, count=500, seed=1)

    data = contents(session_factory, workspace_id)
    contacts = data["contacts"]
    companies = {no for no, row in contacts.items() if row[1] == "company"}
    persons = {no: row for no, row in contacts.items() if row[1] == "person"}
    assert len(contacts) == 500
    # About one company to four persons.
    assert 0.12 < len(companies) / len(contacts) < 0.3
    columns = [c.name for c in Contact.__table__.columns if c.name not in ("id", "workspace_id")]
    at = {name: columns.index(name) for name in columns}
    for no in companies:
        assert contacts[no][at["company_no"]] == no and contacts[no][at["company_id"]] == no
    for row in persons.values():
        if row[at["company_no"]] is not None:
            assert row[at["company_id"]] == row[at["company_no"]] and row[at["company_no"]] in companies
            # A person lives where its company is.
            company = contacts[row[at["company_no"]]]
            assert (row[at["country"]], row[at["city"]]) == (company[at["country"]], company[at["city"]])
    assert {row[at["country"]] for row in contacts.values()} <= COUNTRY_CODES
    assert len({row[at["country"]] for row in contacts.values()}) >= 5
    assert len({row[at["salesperson"]] for row in contacts.values()}) >= 4
    assert 0 < sum(row[at["exclude_from_segment"]] for row in contacts.values()) < 50
    assert all(row[at["created"]] <= TODAY for row in contacts.values())


def test_demo_contacts_are_classified_profiled_and_have_a_few_interactions(
    session_factory: sessionmaker[Session],
) -> None:
    workspace_id = new_workspace(session_factory, "TA")
    generate(session_factory, workspace_id, count=500, seed=1)

    data = contents(session_factory, workspace_id)
    types = {no: row[1] for no, row in data["contacts"].items()}
    industries = data["links"]["contact_industry_groups"]
    jobs = data["links"]["contact_job_responsibilities"]
    # As in Business Central: industries and relations for companies, jobs for persons.
    assert industries and all(types[no] == "company" for no, _ in industries)
    assert all(types[no] == "company" for no, _ in data["links"]["contact_business_relations"])
    assert jobs and all(types[no] == "person" for no, _ in jobs)
    assert len({code for _, code in industries}) >= 8
    assert data["links"]["contact_mailing_groups"]
    ratings = {answer for _, question, answer, _ in data["answers"] if question == "rating"}
    assert ratings == {"A", "B", "C"}
    revenues = [number for _, question, _, number in data["answers"] if question == "revenue"]
    assert revenues and all(number is not None and number >= 10_000 for number in revenues)
    interactions = data["interactions"]
    assert 20 < len(interactions) < 500
    assert {template for _, template, *_ in interactions} >= {"MEETING", "EMAIL", "CALL"}
    assert all(TODAY - timedelta(days=365) < on <= TODAY for _, _, on, *_ in interactions)


def test_generating_again_adds_contacts_after_the_existing_ones(
    session_factory: sessionmaker[Session],
) -> None:
    workspace_id = new_workspace(session_factory, "TA")
    generate(session_factory, workspace_id, count=50, seed=1)
    generate(session_factory, workspace_id, count=30, seed=1)

    with session_factory() as session:
        numbers = sorted(session.scalars(select(Contact.no).where(Contact.workspace_id == workspace_id)))
    assert numbers == [f"CT{n:06d}" for n in range(1, 81)]


def test_the_demo_csv_imports_to_the_same_contacts(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    generated, imported = new_workspace(session_factory, "TA"), new_workspace(session_factory, "TB")
    generate(session_factory, generated, count=120, seed=3)
    path = tmp_path / "demo.csv"
    assert write_demo_csv(path, count=120, seed=3, today=TODAY) == 120

    with unit_of_work(session_factory) as session:
        import_contacts(session, imported, path)

    expected, actual = contents(session_factory, generated), contents(session_factory, imported)
    assert actual["contacts"] == expected["contacts"]
    assert actual["links"] == expected["links"]
    assert actual["answers"] == expected["answers"]
    with session_factory() as session:
        assert (
            session.scalar(select(func.count()).select_from(Contact).where(Contact.workspace_id == imported))
            == 120
        )


def test_demo_data_has_campaigns_a_default_template_and_interactions_in_campaigns(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    workspace_id = new_workspace(session_factory, "TA")
    generate(session_factory, workspace_id, count=500, seed=1)

    with session_factory() as session:
        campaigns = {
            c.no: c for c in session.scalars(select(Campaign).where(Campaign.workspace_id == workspace_id))
        }
        assert set(campaigns) == {"CP0001", "CP0002", "CP0003", "CP0004"}
        running = campaigns["CP0004"]
        assert running.starting_date is not None and running.ending_date is not None
        assert running.starting_date <= TODAY <= running.ending_date
        assert session.get(Workspace, workspace_id).default_interaction_template == "EMAIL"  # type: ignore[union-attr]
        entries = session.scalars(
            select(InteractionLogEntry).where(InteractionLogEntry.workspace_id == workspace_id)
        ).all()
    in_campaigns = [e for e in entries if e.campaign_no]
    assert 0 < len(in_campaigns) < len(entries)
    for entry in in_campaigns:
        campaign = campaigns[entry.campaign_no]  # type: ignore[index]
        assert campaign.starting_date <= entry.date <= campaign.ending_date  # type: ignore[operator]
    assert {e.information_flow for e in entries} == {"outbound", "inbound"}
    assert all((e.information_flow == "inbound") == (e.initiated_by == "them") for e in entries)
    assert len({e.salesperson for e in entries}) >= 4

    # The CSV files import the same way: campaigns first, then the interactions that name them.
    imported = new_workspace(session_factory, "TB")
    paths = {name: tmp_path / f"{name}.csv" for name in ("contacts", "campaigns", "interactions")}
    write_demo_csv(
        paths["contacts"],
        count=500,
        seed=1,
        today=TODAY,
        interactions=paths["interactions"],
        campaigns=paths["campaigns"],
    )
    with unit_of_work(session_factory) as session:
        import_contacts(session, imported, paths["contacts"])
        import_campaigns(session, imported, paths["campaigns"])
        assert import_interactions(session, imported, paths["interactions"]) == len(entries)
