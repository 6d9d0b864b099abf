"""Campaigns, as in Business Central: a number, a period and a salesperson that interactions refer to."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, WorkspaceRow


class Campaign(WorkspaceRow, Base):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("workspace_id", "no"),)

    no: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200), default="")
    starting_date: Mapped[date | None] = mapped_column(Date)
    ending_date: Mapped[date | None] = mapped_column(Date)
    salesperson: Mapped[str | None] = mapped_column(String(40))
