"""Campaigns, as in Business Central: a number, a period and a salesperson that interactions refer to."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("workspace_id", "no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    no: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200), default="")
    starting_date: Mapped[date | None] = mapped_column(Date)
    ending_date: Mapped[date | None] = mapped_column(Date)
    salesperson: Mapped[str | None] = mapped_column(String(40))
