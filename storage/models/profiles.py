"""Profile questionnaires: a question per workspace and each contact's answer to it."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CodeRow, WorkspaceKey


class ProfileQuestion(CodeRow, Base):
    __tablename__ = "profile_questions"

    # Longer than other codes: a question's code is often its text.
    code: Mapped[str] = mapped_column(String(60))


class ContactProfileAnswer(Base):
    __tablename__ = "contact_profile_answers"
    __table_args__ = (
        Index("ix_profile_answers_ws_q_lower", "workspace_id", "question", "answer_lower"),
        Index("ix_profile_answers_ws_q_number", "workspace_id", "question", "answer_number"),
    )

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    question: Mapped[str] = mapped_column(String(60), primary_key=True)
    workspace_id: Mapped[WorkspaceKey]
    answer: Mapped[str] = mapped_column(String(200))
    # The answer lower-cased, so case-insensitive criteria can use the index.
    answer_lower: Mapped[str] = mapped_column(String(200))
    # Set when the answer reads as a number, for comparisons such as profile.revenue:>=1000000.
    answer_number: Mapped[float | None] = mapped_column(Float)
