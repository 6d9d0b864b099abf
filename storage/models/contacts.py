"""Contacts: companies and persons, as in Business Central's Contact table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Index, Integer, String, UniqueConstraint, func, or_
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, WorkspaceRow

COMPANY = "company"
PERSON = "person"


class Contact(WorkspaceRow, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "no"),
        # On PostgreSQL both carry the columns criteria filter on besides their key, and the id,
        # so counting or reading the matches of `industry:retail country:de,fr` or `name:a*
        # country:us` reads the index alone once vacuum has marked the table's pages all-visible
        # (docs/performance.md, "Indexes"). SQLite has no INCLUDE and ignores it.
        Index(
            "ix_contacts_company",
            "workspace_id",
            "company_id",
            postgresql_include=["country", "created", "exclude_from_segment", "id"],
        ),
        Index(
            "ix_contacts_ws_country",
            "workspace_id",
            "country",
            postgresql_include=["company_id", "exclude_from_segment", "name", "id"],
        ),
        Index("ix_contacts_ws_salesperson", "workspace_id", "salesperson"),
        Index("ix_contacts_ws_created", "workspace_id", "created"),
    )

    no: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    # As in Business Central, a company's company_no/company_id is its own; a person's is its
    # company's. Criteria on company attributes (industry, relation) then join on company_id alone.
    company_no: Mapped[str | None] = mapped_column(String(40))
    company_id: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(60))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    post_code: Mapped[str | None] = mapped_column(String(20))
    territory: Mapped[str | None] = mapped_column(String(40))
    salesperson: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(10))
    exclude_from_segment: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[date | None] = mapped_column(Date)


# Criteria compare cities case-insensitively, as lower(city), so that is what the index holds.
# PostgreSQL only: SQLite's lower() is a function of ours (it folds more than ASCII), and a tool
# opening the file without it would maintain such an index with a different one.
Index("ix_contacts_ws_lower_city", Contact.workspace_id, func.lower(Contact.city)).ddl_if(
    dialect="postgresql"
)
# Contacts by id with the short columns that breakdowns group by and criteria on linked tables
# (profile answers, mailing groups) test: both read these narrow index pages instead of the wide
# rows (docs/performance.md, "Breakdowns" and "Cost curve"). SQLite finds a contact by its rowid,
# which an index cannot beat, so it has none.
Index(
    "ix_contacts_id_covering",
    Contact.id,
    postgresql_include=["workspace_id", "company_id", "country", "exclude_from_segment"],
).ddl_if(dialect="postgresql")
# Contacts without an e-mail address (`-email:*`, whom a mailing cannot reach): usually few, so
# a partial index finds them without reading every contact, and costs an import almost nothing.
# PostgreSQL rewrites the criteria's NOT (email IS NOT NULL AND email <> '') into this predicate;
# SQLite does not, and keeps the index only so both databases have the same schema.
_WITHOUT_EMAIL = or_(Contact.email.is_(None), Contact.email == "")
Index(
    "ix_contacts_ws_without_email",
    Contact.workspace_id,
    postgresql_where=_WITHOUT_EMAIL,
    sqlite_where=_WITHOUT_EMAIL,
)
