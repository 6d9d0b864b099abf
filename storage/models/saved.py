"""Saved segment criteria: a journal kept under a code, to be replayed on other segments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class SavedCriteria(Base):
    __tablename__ = "saved_criteria"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(200), default="")
    # [{"kind": ..., "criteria": <AST JSON>, "options": {...}, "contact_nos": [...]}, ...]
    actions: Mapped[list] = mapped_column(JSON)
    user_id: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
