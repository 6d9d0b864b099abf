"""Which segments are built on which: ``segment:`` criteria in journals and in saved criteria.

A segment depends on every segment its journal (still in force, reused steps included) names
with ``segment:SEG…``. The graph is small (one entry per journalled action), so it is read whole
from the journal when needed rather than kept in a table that could drift from it. Wildcards
(``segment:SEG0001*``, ``segment:*``) name no segment in particular and make no dependency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.criteria.ast import And, Expr, Match, Not, Or, Text, from_json
from storage.errors import ConflictError, NotFoundError, ValidationError
from storage.models import SavedCriteria, Segment, SegmentAction
from storage.service._algebra import Step
from storage.service.types import REFRESH, REUSE

_SEGMENT_FIELD = "segment"


@dataclass(frozen=True)
class Dependents:
    """What refers to a segment: other segments' journals and saved criteria (their codes)."""

    segments: tuple[str, ...]
    saved: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.segments or self.saved)


def segment_refs(expr: Expr | None) -> set[str]:
    """The segment numbers the criteria name exactly, upper-case."""
    if expr is None:
        return set()
    if isinstance(expr, Not):
        return segment_refs(expr.expr)
    if isinstance(expr, And | Or):
        return set().union(*(segment_refs(item) for item in expr.items))
    if isinstance(expr, Match) and expr.field.lower() == _SEGMENT_FIELD:
        return {
            value.value.strip().upper()
            for value in expr.values
            if isinstance(value, Text) and "*" not in value.value
        }
    return set()


def step_refs(steps: Iterable[Step]) -> set[str]:
    """The segment numbers a list of journal steps names."""
    return set().union(*(segment_refs(step.criteria) for step in steps))


def dependency_graph(session: Session, workspace_id: int) -> dict[str, set[str]]:
    """Every segment of the workspace and the segments its journal in force names (itself included)."""
    graph: dict[str, set[str]] = {
        no: set() for no in session.scalars(select(Segment.no).where(Segment.workspace_id == workspace_id))
    }
    rows = session.execute(
        select(Segment.no, SegmentAction.kind, SegmentAction.criteria, SegmentAction.options)
        .join(Segment, Segment.id == SegmentAction.segment_id)
        .where(SegmentAction.workspace_id == workspace_id, SegmentAction.undone.is_(False))
    )
    for no, kind, criteria, options in rows:
        graph[no] |= _action_refs(kind, criteria, options)
    return graph


def dependents_of(session: Session, workspace_id: int, segment_no: str) -> Dependents:
    """The other segments and the saved criteria that name ``segment_no``."""
    no = segment_no.strip().upper()
    graph = dependency_graph(session, workspace_id)
    segments = sorted(other for other, refs in graph.items() if no in refs and other != no)
    saved_rows = session.execute(
        select(SavedCriteria.code, SavedCriteria.actions).where(SavedCriteria.workspace_id == workspace_id)
    )
    saved = sorted(
        code for code, actions in saved_rows if no in step_refs(Step.from_json(s) for s in actions or [])
    )
    return Dependents(segments=tuple(segments), saved=tuple(saved))


def check_deletable(session: Session, workspace_id: int, segment_no: str) -> None:
    """ConflictError naming every segment and saved criteria built on ``segment_no``, if any."""
    dependents = dependents_of(session, workspace_id, segment_no)
    if not dependents:
        return
    params = {
        "segment_no": segment_no.strip().upper(),
        "segments": ", ".join(dependents.segments),
        "saved": ", ".join(dependents.saved),
    }
    if dependents.segments and dependents.saved:
        raise ConflictError(
            "{segment_no} cannot be deleted while other segments ({segments}) and saved criteria ({saved}) "
            "refer to it; change or delete them first",
            **params,
        )
    if dependents.segments:
        raise ConflictError(
            "{segment_no} cannot be deleted while other segments are built on it: {segments}; "
            "change or delete them first",
            **params,
        )
    raise ConflictError(
        "{segment_no} cannot be deleted while saved criteria refer to it: {saved}; delete them first",
        **params,
    )


def check_no_cycle(session: Session, workspace_id: int, segment_no: str, refs: Iterable[str]) -> None:
    """ValidationError naming the cycle when ``segment_no`` naming ``refs`` would depend on itself."""
    no = segment_no.strip().upper()
    refs = sorted(set(refs))
    if not refs:
        return
    graph = dependency_graph(session, workspace_id)
    for ref in refs:
        path = _path(graph, ref, no)
        if path is not None:
            raise ValidationError(
                "segment:{ref} would make {segment_no} depend on itself ({cycle}); "
                "a segment cannot be built on itself",
                ref=ref,
                segment_no=no,
                cycle=" → ".join([no, *path]),
            )


def check_refs_exist(session: Session, workspace_id: int, segment_no: str, steps: Iterable[Step]) -> None:
    """NotFoundError, before anything changes, when the steps name a segment that no longer exists."""
    refs = step_refs(steps)
    if not refs:
        return
    existing = set(
        session.scalars(select(Segment.no).where(Segment.workspace_id == workspace_id, Segment.no.in_(refs)))
    )
    missing = sorted(refs - existing)
    if missing:
        raise NotFoundError(
            "{segment_no} is built on {missing}, which no longer exists; nothing was changed. "
            "Change its criteria (undo the action naming it) first",
            segment_no=segment_no.strip().upper(),
            missing=", ".join(missing),
        )


def dependency_order(graph: Mapping[str, set[str]], segment_nos: Iterable[str]) -> list[str]:
    """``segment_nos`` with every segment after those it depends on (directly or through others)."""
    wanted = set(segment_nos)
    ordered: list[str] = []
    done: set[str] = set()

    def visit(no: str, on_path: set[str]) -> None:
        if no in done or no in on_path:
            return
        on_path.add(no)
        for ref in sorted(graph.get(no, ())):
            visit(ref, on_path)
        on_path.discard(no)
        done.add(no)
        if no in wanted:
            ordered.append(no)

    for no in sorted(wanted):
        visit(no, set())
    return ordered


def _path(graph: Mapping[str, set[str]], start: str, goal: str) -> list[str] | None:
    """The segments from ``start`` to ``goal`` along dependencies, both included, or None."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        for ref in sorted(graph.get(node, ()), reverse=True):
            stack.append((ref, [*path, ref]))
    return None


def _action_refs(kind: str, criteria: dict[str, Any] | None, options: dict[str, Any] | None) -> set[str]:
    if kind == REFRESH:
        return set()
    if kind == REUSE:
        return step_refs(Step.from_json(step) for step in (options or {}).get("steps", []))
    return segment_refs(from_json(criteria)) if criteria else set()
