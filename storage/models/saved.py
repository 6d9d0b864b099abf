"""Saved segment criteria: a journal kept under a code, to be replayed on other segments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CodeRow


class SavedCriteria(CodeRow, Base):
    __tablename__ = "saved_criteria"

    # [{"kind": ..., "criteria": <AST JSON>, "options": {...}, "contact_nos": [...]}, ...]
    actions: Mapped[list] = mapped_column(JSON)
    user_id: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
