"""Declarative base shared by every table, with a naming convention Alembic can diff reliably."""

from __future__ import annotations

from typing import Annotated

from sqlalchemy import ForeignKey, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The keys that many tables share, as annotated column types: ``workspace_id: Mapped[WorkspaceKey]``.
WorkspaceKey = Annotated[int, mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))]
SegmentKey = Annotated[int, mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WorkspaceRow:
    """A row of one workspace under its own integer key; deleting the workspace deletes the row."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[WorkspaceKey]


class CodeRow(WorkspaceRow):
    """A code and its description, unique per workspace, as Business Central's code tables are."""

    code: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(200), default="")

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint]:
        return (UniqueConstraint("workspace_id", "code"),)
