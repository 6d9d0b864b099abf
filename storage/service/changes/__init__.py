"""Changing a segment's lines: preview, confirm exactly once, cancel, undo, reuse and refresh.

A reader looks in ``previews`` (capturing what a change would do, paging through it),
``confirm`` (applying or canceling a preview), ``undo``, ``refresh`` and
``shares`` (the one-line summary of what an Add adds); ``_deferred`` holds
PostgreSQL's previews computed at Confirm, ``_replay`` the journal replay of a refresh or reuse,
``_purge`` the cleanup of day-old previews, and ``_pending`` what they all share.
"""

from storage.service.changes._pending import PENDING_TTL
from storage.service.changes._shared import forget_shared_previews
from storage.service.changes.confirm import (
    apply_action,
    cancel_pending,
    confirm_pending,
    include_logged_segment,
)
from storage.service.changes.previews import pending_additions, pending_page, preview_action, renew_preview
from storage.service.changes.refresh import refresh_segment
from storage.service.changes.shares import Shares, addition_shares
from storage.service.changes.undo import undo_last
from storage.service.journal import action_changes_page

__all__ = [
    "PENDING_TTL",
    "Shares",
    "action_changes_page",
    "addition_shares",
    "apply_action",
    "cancel_pending",
    "confirm_pending",
    "forget_shared_previews",
    "include_logged_segment",
    "pending_additions",
    "pending_page",
    "preview_action",
    "refresh_segment",
    "renew_preview",
    "undo_last",
]
