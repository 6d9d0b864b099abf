"""Interaction templates and the interaction log, as in Business Central."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CodeRow, WorkspaceRow


class InteractionTemplate(CodeRow, Base):
    __tablename__ = "interaction_templates"


class InteractionLogEntry(WorkspaceRow, Base):
    __tablename__ = "interaction_log_entries"
    __table_args__ = (
        Index("ix_interactions_contact", "contact_id", "canceled", "template_code", "date"),
        Index("ix_interactions_ws_template", "workspace_id", "template_code", "canceled"),
        Index("ix_interactions_logged_segment", "logged_segment_id"),
    )

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    template_code: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(200), default="")
    segment_no: Mapped[str | None] = mapped_column(String(20))
    evaluation: Mapped[str | None] = mapped_column(String(20))
    canceled: Mapped[bool] = mapped_column(Boolean, default=False)
    logged_segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("logged_segments.id", ondelete="SET NULL")
    )
    campaign_no: Mapped[str | None] = mapped_column(String(20))
    salesperson: Mapped[str | None] = mapped_column(String(40))
    # Business Central's Information Flow (outbound/inbound) and Initiated By (us/them).
    information_flow: Mapped[str | None] = mapped_column(String(10))
    initiated_by: Mapped[str | None] = mapped_column(String(10))
