"""A small Business Central world for the service tests: companies, their persons, exclusions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from storage.criteria.ast import Expr, Match, Text
from storage.models import Workspace
from storage.service import changes, segments
from storage.service.types import ActionOptions, ActionResult
from tests.factories import add_contact

TODAY = date(2025, 6, 15)


@dataclass(frozen=True)
class World:
    workspace_id: int


def crit(field: str, *values: str) -> Expr:
    """``field:v1,v2`` as an AST, so these tests do not depend on the text parser."""
    return Match(field, tuple(Text(v) for v in values))


@pytest.fixture
def world(session: Session, workspace: Workspace) -> World:
    """Three companies with persons, one excluded company, one excluded person, one person without company.

    ACME (RETAIL, DK): CT010 Ana (DK), CT011 Bo (DK, excluded), CT012 Cy (US)
    GLOBEX (MFG, US):  CT020 Di (US)
    INITECH (RETAIL, DK, excluded): CT030 Ed (DK)
    CT040 Flo (DK), no company
    """
    ws = workspace.id
    acme = add_contact(session, ws, "CT001", name="Acme", industries=("RETAIL",), country="DK")
    add_contact(session, ws, "CT010", name="Ana", company=acme, country="DK", jobs=("BUYER",))
    add_contact(session, ws, "CT011", name="Bo", company=acme, country="DK", exclude_from_segment=True)
    add_contact(session, ws, "CT012", name="Cy", company=acme, country="US")
    globex = add_contact(session, ws, "CT002", name="Globex", industries=("MFG",), country="US")
    add_contact(session, ws, "CT020", name="Di", company=globex, country="US")
    initech = add_contact(
        session, ws, "CT003", name="Initech", industries=("RETAIL",), country="DK", exclude_from_segment=True
    )
    add_contact(session, ws, "CT030", name="Ed", company=initech, country="DK")
    add_contact(session, ws, "CT040", name="Flo", person=True, country="DK")
    session.flush()
    return World(workspace_id=ws)


def new_segment(session: Session, world: World, description: str = "Test", owner: str = "U1") -> str:
    return segments.create_segment(
        session, world.workspace_id, description=description, owner_user_id=owner, today=TODAY
    ).no


def apply(
    session: Session,
    world: World,
    seg: str,
    kind: str,
    expr: Expr | None = None,
    *,
    user: str = "U1",
    today: date = TODAY,
    **kw: Any,
) -> ActionResult:
    """One segment action applied at once; its options (``expand_companies=True``...) are keywords too."""
    options = ActionOptions(**{k: kw.pop(k) for k in list(kw) if k in ActionOptions.__dataclass_fields__})
    return changes.apply_action(
        session,
        world.workspace_id,
        seg,
        kind,
        criteria=expr,
        options=options,
        user_id=user,
        today=today,
        **kw,
    )


def members(session: Session, world: World, segment_no: str) -> set[str]:
    """The contact numbers in a segment, read through the service's own paging."""
    first = segments.segment_page(session, world.workspace_id, segment_no, page=1, page_size=1000)
    return {row.no for row in first.rows}


def previews_are_deferred(session: Session) -> bool:
    """PostgreSQL computes a preview of criteria at Confirm; SQLite captures it (see changes._deferred)."""
    return session.get_bind().dialect.name == "postgresql"


def require_deferred_previews(session: Session) -> None:
    """Skip a test of what only a deferred preview does (go stale, be shown again)."""
    if not previews_are_deferred(session):
        pytest.skip("SQLite captures previews, so they never go stale")
