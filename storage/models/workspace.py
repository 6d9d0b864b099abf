"""A Slack workspace (team): every other row belongs to exactly one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    default_locale: Mapped[str] = mapped_column(String(16), default="en")
    # Numbers SEG00001, LSEG00001 and interaction entry numbers are handed out per workspace
    # with an atomic UPDATE ... RETURNING on these counters, so concurrent creators never collide.
    segment_seq: Mapped[int] = mapped_column(Integer, default=0)
    logged_segment_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Moves on whenever what criteria can match changes (imports, demo data, logged interactions):
    # a preview computed from criteria rather than captured is only confirmed at the version it saw.
    data_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A new segment's interaction template, as Business Central's Interaction Template Setup gives one.
    default_interaction_template: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
