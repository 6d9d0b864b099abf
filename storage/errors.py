"""The project's errors: one base class so the Slack and CLI layers can catch them in one place."""

from __future__ import annotations


class SegbotError(Exception):
    """Base class of every error a user can cause and should be told about."""


class NotFoundError(SegbotError):
    """A segment, contact, saved criteria or logged segment does not exist in this workspace."""


class ValidationError(SegbotError):
    """Input that cannot be accepted (bad CSV row, bad option, bad schedule...)."""


class NotAllowedError(SegbotError):
    """The caller may not do this (not the owner, not an admin)."""


class ConflictError(SegbotError):
    """The action lost a race or was already done (confirm twice, stale preview)."""
