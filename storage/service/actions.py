"""The segment-change entry points under the name their callers import (see ``storage.service.changes``)."""

from storage.service.changes import (
    PENDING_TTL,
    action_changes_page,
    apply_action,
    cancel_pending,
    confirm_pending,
    include_logged_segment,
    pending_additions,
    pending_page,
    preview_action,
    refresh_segment,
    renew_preview,
    undo_last,
)

__all__ = [
    "PENDING_TTL",
    "action_changes_page",
    "apply_action",
    "cancel_pending",
    "confirm_pending",
    "include_logged_segment",
    "pending_additions",
    "pending_page",
    "preview_action",
    "refresh_segment",
    "renew_preview",
    "undo_last",
]
