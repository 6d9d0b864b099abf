"""Code tables that classify contacts, and the links from contacts to them.

Business Central keeps four: industry groups and business relations (which belong to
companies), mailing groups, and job responsibilities (which belong to persons).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from storage.models.base import Base, CodeRow, WorkspaceKey


class _ContactLink:
    """Links a contact to a code; indexed for "which contacts have code X" lookups."""

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[WorkspaceKey]

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index]:
        return (Index(f"ix_{cls.__tablename__}_ws_code", "workspace_id", "code", "contact_id"),)  # type: ignore[attr-defined]


class IndustryGroup(CodeRow, Base):
    __tablename__ = "industry_groups"


class BusinessRelation(CodeRow, Base):
    __tablename__ = "business_relations"


class MailingGroup(CodeRow, Base):
    __tablename__ = "mailing_groups"


class JobResponsibility(CodeRow, Base):
    __tablename__ = "job_responsibilities"


class ContactIndustryGroup(_ContactLink, Base):
    __tablename__ = "contact_industry_groups"


class ContactBusinessRelation(_ContactLink, Base):
    __tablename__ = "contact_business_relations"


class ContactMailingGroup(_ContactLink, Base):
    __tablename__ = "contact_mailing_groups"


class ContactJobResponsibility(_ContactLink, Base):
    __tablename__ = "contact_job_responsibilities"


@dataclass(frozen=True)
class Classification:
    """One of the four classifications: its criteria field, its code table and its contacts' links."""

    field: str
    codes: type[Base]
    links: type[Base]
    # Industry groups and business relations belong to companies: a person has its company's.
    of_company: bool

    @property
    def column(self) -> str:
        """The column of contact files and exports that lists a contact's codes (``industry_groups``)."""
        return self.code_table.name

    @property
    def code_table(self) -> Table:
        return cast(Table, self.codes.__table__)

    @property
    def link_table(self) -> Table:
        return cast(Table, self.links.__table__)


CLASSIFICATIONS = (
    Classification("industry", IndustryGroup, ContactIndustryGroup, of_company=True),
    Classification("relation", BusinessRelation, ContactBusinessRelation, of_company=True),
    Classification("mailing", MailingGroup, ContactMailingGroup, of_company=False),
    Classification("job", JobResponsibility, ContactJobResponsibility, of_company=False),
)
