"""Segment headers and their lines (the contacts currently in each segment)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, WorkspaceRow


class Segment(WorkspaceRow, Base):
    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("workspace_id", "no"),)

    no: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200))
    owner_user_id: Mapped[str] = mapped_column(String(32))
    created: Mapped[date] = mapped_column(Date)
    campaign_no: Mapped[str | None] = mapped_column(String(20))
    interaction_template_code: Mapped[str | None] = mapped_column(String(40))
    # The rest of Business Central's segment header: defaults for the interactions logged from it.
    salesperson: Mapped[str | None] = mapped_column(String(40))
    segment_date: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str | None] = mapped_column(String(10))
    subject: Mapped[str | None] = mapped_column(String(200))
    # Bumped by every change to the lines: previews remember it, and writers compare-and-swap on it
    # so two confirms racing on one segment serialize instead of interleaving.
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SegmentLine(Base):
    __tablename__ = "segment_lines"
    __table_args__ = (Index("ix_segment_lines_contact", "contact_id"),)

    # No foreign keys: each would add a constraint trigger per inserted line on PostgreSQL, most of
    # the time of applying a million-contact action. Deleting a segment deletes its lines; a trigger
    # on contacts (migration 0010) removes a deleted contact from every segment, once per statement.
    segment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer)
