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


class CodeTable(CodeRow, Base):
    """A table of codes that classify contacts (industry groups, business relations...)."""

    __abstract__ = True


class LinkTable(Base):
    """Links contacts to the codes of one ``CodeTable``; indexed for "which contacts have code X"."""

    __abstract__ = True

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[WorkspaceKey]

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index]:
        return (Index(f"ix_{cls.__tablename__}_ws_code", "workspace_id", "code", "contact_id"),)


def _tables(name: str, tablename: str) -> tuple[type[CodeTable], type[LinkTable]]:
    """The code table ``tablename`` (model ``name``) and ``contact_<tablename>``, its links to contacts."""
    codes = type(name, (CodeTable,), {"__tablename__": tablename, "__module__": __name__})
    links = type(
        f"Contact{name}", (LinkTable,), {"__tablename__": f"contact_{tablename}", "__module__": __name__}
    )
    return cast(type[CodeTable], codes), cast(type[LinkTable], links)


# The four are alike, so each is one line: a code table and the links from contacts to it.
IndustryGroup, ContactIndustryGroup = _tables("IndustryGroup", "industry_groups")
BusinessRelation, ContactBusinessRelation = _tables("BusinessRelation", "business_relations")
MailingGroup, ContactMailingGroup = _tables("MailingGroup", "mailing_groups")
JobResponsibility, ContactJobResponsibility = _tables("JobResponsibility", "job_responsibilities")


@dataclass(frozen=True)
class Classification:
    """One of the four classifications: its criteria field, its code table and its contacts' links."""

    field: str
    codes: type[CodeTable]
    links: type[LinkTable]
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
