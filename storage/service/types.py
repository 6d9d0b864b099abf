"""Values the service returns: frozen, plain, and free of ORM state, so they cross layers safely."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from storage.criteria.ast import Expr, from_json, to_json

_Row = TypeVar("_Row")

ADD = "add"
REDUCE = "reduce"
REFINE = "refine"
INCLUDE = "include"
REMOVE = "remove"
REUSE = "reuse"
REFRESH = "refresh"
ACTION_KINDS = (ADD, REDUCE, REFINE, INCLUDE, REMOVE, REUSE, REFRESH)
# Replays that can move contacts in and out at once; their previews page each direction apart.
TWO_WAY_KINDS = (REUSE, REFRESH)
# A follow-up segment is journalled as an include of "the contacts of logged segment X", the way
# Business Central records its criteria as a filter on the interaction log.
LOGGED_SEGMENT_OPTION = "logged_segment"


@dataclass(frozen=True)
class ActionOptions:
    """Business Central's action options; ``OPTIONS_OF`` says which change takes which."""

    expand_companies: bool = False
    related_companies: bool = False
    ignore_exclusion: bool = False
    entire_companies: bool = False


# Add Contacts widens by companies (report 5198); Reduce and Refine can act on whole companies.
OPTIONS_OF: dict[str, tuple[str, ...]] = {
    ADD: ("expand_companies", "related_companies", "ignore_exclusion"),
    REDUCE: ("entire_companies",),
    REFINE: ("entire_companies",),
}


@dataclass(frozen=True)
class Step:
    """One journalled action, as stored in the journal, in saved criteria and in a reuse."""

    kind: str
    criteria: Expr | None = None
    options: dict[str, Any] = field(default_factory=dict)
    contact_nos: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "criteria": to_json(self.criteria) if self.criteria is not None else None,
            "options": dict(self.options),
            "contact_nos": list(self.contact_nos) if self.contact_nos is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Step:
        criteria = data.get("criteria")
        nos = data.get("contact_nos")
        return cls(
            kind=data["kind"],
            criteria=from_json(criteria) if criteria else None,
            options=dict(data.get("options") or {}),
            contact_nos=tuple(nos) if nos is not None else None,
        )


@dataclass(frozen=True)
class ChangeSource:
    """Where a change's contacts came from when not its own criteria or contact numbers.

    A reuse: the code of the saved criteria and the steps it replays; an include of a logged
    segment's contacts (a follow-up segment): that logged segment. commands/ spells them out.
    """

    saved_code: str | None = None
    steps: tuple[Step, ...] = ()
    logged_segment_no: str | None = None


@dataclass(frozen=True)
class Preview:
    """What an action would change, captured exactly; ``pending_id`` confirms or cancels it."""

    pending_id: str
    segment_no: str
    kind: str
    criteria_text: str | None
    added: int
    removed: int
    size_before: int
    first_page: Page
    options: ActionOptions = field(default_factory=ActionOptions)
    source: ChangeSource = ChangeSource()
    # For TWO_WAY_KINDS: the first page of who would enter and of who would leave.
    entering: Page | None = None
    leaving: Page | None = None


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    kind: str
    criteria_text: str | None
    options: ActionOptions
    contact_nos: tuple[str, ...]
    added: int
    removed: int
    size_after: int
    user_id: str
    created_at: datetime
    source: ChangeSource = ChangeSource()


@dataclass(frozen=True)
class ActionResult:
    segment_no: str
    kind: str
    added: int
    removed: int
    size_after: int
    seq: int | None = None


@dataclass(frozen=True)
class _Paged(Generic[_Row]):
    """One page of rows out of ``total``; ``page`` counts from 1."""

    rows: tuple[_Row, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class ContactRow:
    """A contact as a list shows it."""

    no: str
    name: str
    type: str
    company_name: str | None
    city: str | None
    email: str | None


class Page(_Paged[ContactRow]):
    """One page of contacts out of ``total``; ``page`` counts from 1."""


@dataclass(frozen=True)
class SegmentInfo:
    """A segment's header and size, as lists and cards show it."""

    no: str
    description: str
    owner_user_id: str
    size: int
    created: date
    updated_at: datetime
    version: int
    interaction_template_code: str | None
    # The rest of Business Central's segment header (see storage.service.header).
    campaign_no: str | None
    salesperson: str | None
    segment_date: date | None
    language: str | None
    subject: str | None


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    size_a: int
    size_b: int
    overlap: int
    only_a: int
    only_b: int


@dataclass(frozen=True)
class LoggedSegmentInfo:
    """A logged segment, as Business Central's Logged Segments page lists it."""

    no: str
    segment_no: str
    template_code: str
    interactions: int
    canceled: bool
    follow_up_segment_no: str | None = None
    description: str = ""
    user_id: str = ""
    interaction_date: date | None = None
    campaign_no: str | None = None
    campaign_entries: int = 0
    created_at: datetime | None = None
    # True when Confirm was pressed again: the segment had already been logged from that preview.
    already_logged: bool = False


@dataclass(frozen=True)
class LogPlan:
    """What logging a segment will write, for the preview; Confirm logs exactly this or refuses."""

    segment_no: str
    description: str
    template_code: str
    interaction_date: date
    campaign_no: str | None
    subject: str | None
    salesperson: str | None
    interactions: int
    segment_version: int
    follow_up: bool
    # The segment's earlier logged segments that are not canceled, the latest last.
    logged_before: tuple[LoggedSegmentInfo, ...] = ()


@dataclass(frozen=True)
class InteractionRow:
    """One interaction of a logged segment, as its page lists it."""

    contact_no: str
    contact_name: str
    template_code: str
    date: date
    description: str
    evaluation: str | None
    campaign_no: str | None
    canceled: bool


class InteractionPage(_Paged[InteractionRow]):
    """One page of interactions out of ``total``; ``page`` counts from 1."""


@dataclass(frozen=True)
class RefreshResult:
    """A refresh as applied: sizes around it, who entered and who left (first page of each)."""

    segment_no: str
    size_before: int
    size_after: int
    entered: Page
    left: Page
    seq: int | None = None
