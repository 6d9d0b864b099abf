"""The workspace's interaction templates and campaigns: what a header or a log may name.

An unknown code is an error naming the known ones, closest first, so a typo is fixed at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import N_, NotFoundError
from storage.models import Campaign, InteractionTemplate, Workspace

# Enough to recognise the one meant; a workspace may have hundreds of campaigns.
_KNOWN_SHOWN = 10

_UNKNOWN_TEMPLATE = N_("no interaction template {template} in this workspace; the known ones: {known}")
_NO_TEMPLATE_YET = N_(
    "no interaction template {template} in this workspace, which has none yet; "
    "importing interactions adds their templates"
)
_UNKNOWN_CAMPAIGN = N_("no campaign {campaign_no} in this workspace; the known ones: {known}")
_NO_CAMPAIGN_YET = N_("no campaign {campaign_no} in this workspace, which has no campaigns yet")


def known_list(wanted: str, known: Sequence[str]) -> str:
    """Up to ten of ``known``, the ones closest to ``wanted`` first, as ``A, B, C``."""
    close = difflib.get_close_matches(wanted, known, n=_KNOWN_SHOWN, cutoff=0.4)
    rest = [code for code in known if code not in close]
    shown = [*close, *rest][:_KNOWN_SHOWN]
    more = len(known) - len(shown)
    return ", ".join(shown) + (f" (+{more})" if more > 0 else "")


def template_codes(session: Session, workspace_id: int) -> list[str]:
    """The workspace's interaction template codes, sorted."""
    return list(
        session.scalars(
            select(InteractionTemplate.code)
            .where(InteractionTemplate.workspace_id == workspace_id)
            .order_by(InteractionTemplate.code)
        )
    )


def check_template(session: Session, workspace_id: int, code: str) -> str:
    """``code`` upper-cased when the workspace has that template, else NotFoundError naming the known ones."""
    known = template_codes(session, workspace_id)
    return _check_code(code, known, param="template", unknown=_UNKNOWN_TEMPLATE, none_yet=_NO_TEMPLATE_YET)


def default_template(session: Session, workspace_id: int) -> str | None:
    """The template a new segment starts with (Business Central's Interaction Template Setup)."""
    return session.scalar(select(Workspace.default_interaction_template).where(Workspace.id == workspace_id))


def set_default_template(session: Session, workspace_id: int, code: str | None) -> None:
    """Make ``code`` (an existing template, or None) the template new segments start with."""
    checked = check_template(session, workspace_id, code) if code else None
    workspace = session.get(Workspace, workspace_id)
    if workspace is not None:
        workspace.default_interaction_template = checked
        session.flush()


def campaign_codes(session: Session, workspace_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Campaign.no).where(Campaign.workspace_id == workspace_id).order_by(Campaign.no)
        )
    )


def check_campaign(session: Session, workspace_id: int, no: str) -> str:
    """``no`` upper-cased when the workspace has that campaign, else NotFoundError naming the known ones."""
    known = campaign_codes(session, workspace_id)
    return _check_code(no, known, param="campaign_no", unknown=_UNKNOWN_CAMPAIGN, none_yet=_NO_CAMPAIGN_YET)


def _check_code(code: str, known: list[str], *, param: str, unknown: str, none_yet: str) -> str:
    """``code`` upper-cased when it is one of ``known``, else NotFoundError with ``code`` as ``param``:
    ``unknown`` naming the known ones, or ``none_yet`` when there are none."""
    code = code.strip().upper()
    if code in known:
        return code
    if not known:
        raise NotFoundError(none_yet, **{param: code})
    raise NotFoundError(unknown, **{param: code}, known=known_list(code, known))
