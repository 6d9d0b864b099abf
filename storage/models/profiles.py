"""Profile questionnaires: a question per workspace and each contact's answer to it."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ProfileQuestion(Base):
    __tablename__ = "profile_questions"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(200), default="")


class ContactProfileAnswer(Base):
    __tablename__ = "contact_profile_answers"
    __table_args__ = (
        Index("ix_profile_answers_ws_q_lower", "workspace_id", "question", "answer_lower"),
        Index("ix_profile_answers_ws_q_number", "workspace_id", "question", "answer_number"),
    )

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    question: Mapped[str] = mapped_column(String(60), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(200))
    # The answer lower-cased, so case-insensitive criteria can use the index.
    answer_lower: Mapped[str] = mapped_column(String(200))
    # Set when the answer reads as a number, for comparisons such as profile.revenue:>=1000000.
    answer_number: Mapped[float | None] = mapped_column(Float)
