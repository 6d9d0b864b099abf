"""Small builders for test data, going through the real models (no mocks of our own code)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from storage import models
from storage.criteria import ast as A
from storage.models import COMPANY, PERSON, Contact, ContactProfileAnswer, InteractionLogEntry
from storage.service import changes, segments
from storage.service.types import ADD

# The code tables a contact links to, by the name of the field in the criteria language and breakdowns.
LINK_TABLES = {
    "industry": models.ContactIndustryGroup,
    "relation": models.ContactBusinessRelation,
    "mailing": models.ContactMailingGroup,
    "job": models.ContactJobResponsibility,
}


def add_contact(
    session: Session,
    workspace_id: int,
    no: str,
    *,
    person: bool = False,
    name: str | None = None,
    company: Contact | None = None,
    industries: tuple[str, ...] = (),
    relations: tuple[str, ...] = (),
    mailing: tuple[str, ...] = (),
    jobs: tuple[str, ...] = (),
    profile: dict[str, str] | None = None,
    **columns: Any,
) -> Contact:
    """Add a company (the default) or, with ``company=`` or ``person=True``, a person, and flush."""
    is_person = person or company is not None
    contact = Contact(
        workspace_id=workspace_id,
        no=no,
        type=PERSON if is_person else COMPANY,
        name=name or f"Contact {no}",
        exclude_from_segment=columns.pop("exclude_from_segment", False),
        created=columns.pop("created", date(2024, 1, 1)),
        **columns,
    )
    session.add(contact)
    session.flush()
    if is_person:
        contact.company_id = company.id if company else None
        contact.company_no = company.no if company else None
    else:
        # A company is its own company, as in Business Central.
        contact.company_id = contact.id
        contact.company_no = contact.no
    codes_by_field = {"industry": industries, "relation": relations, "mailing": mailing, "job": jobs}
    for field, codes in codes_by_field.items():
        link = LINK_TABLES[field]
        for code in codes:
            session.add(link(workspace_id=workspace_id, contact_id=contact.id, code=code.upper()))
    for question, answer in (profile or {}).items():
        try:
            number: float | None = float(answer)
        except ValueError:
            number = None
        session.add(
            ContactProfileAnswer(
                workspace_id=workspace_id,
                contact_id=contact.id,
                question=question.lower(),
                answer=answer,
                answer_lower=answer.lower(),
                answer_number=number,
            )
        )
    session.flush()
    return contact


def add_numbered_companies(
    session: Session, workspace_id: int, prefix: str, count: int, *, name: str, **columns: Any
) -> list[Contact]:
    """Companies PREFIX001, PREFIX002...; ``name`` is formatted with each one's number as ``n``."""
    return [
        add_contact(session, workspace_id, f"{prefix}{n:03d}", name=name.format(n=n), **columns)
        for n in range(1, count + 1)
    ]


def add_interaction(
    session: Session, workspace_id: int, contact: Contact, template: str, on: date, **columns: Any
) -> InteractionLogEntry:
    """Log ``template`` with ``contact`` on day ``on`` (not canceled unless said), and flush."""
    entry = InteractionLogEntry(
        workspace_id=workspace_id,
        contact_id=contact.id,
        template_code=template.upper(),
        date=on,
        canceled=columns.pop("canceled", False),
        **columns,
    )
    session.add(entry)
    session.flush()
    return entry


def add_berlin_segment(session: Session, workspace_id: int, *, owner: str) -> str:
    """SEG00001 "Berlin" = CT0001 Acme and its person CT0002 Ana Berg; CT0003 Banque Sud is in Paris."""
    acme = add_contact(session, workspace_id, "CT0001", name="Acme", city="Berlin")
    add_contact(session, workspace_id, "CT0002", name="Ana Berg", company=acme, city="Berlin")
    add_contact(session, workspace_id, "CT0003", name="Banque Sud", city="Paris")
    info = segments.create_segment(session, workspace_id, description="Berlin", owner_user_id=owner)
    berlin = A.Match("city", (A.Text("Berlin"),))
    changes.apply_action(session, workspace_id, info.no, ADD, criteria=berlin, user_id=owner)
    return info.no
