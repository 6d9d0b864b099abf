"""The project's errors: one base class so the Slack and CLI layers can catch them in one place."""

from __future__ import annotations


def N_(template: str) -> str:
    """Mark an error template written apart from its error, so the catalogs still find it."""
    return template


class SegbotError(Exception):
    """Base class of every error a user can cause and should be told about.

    ``message`` is an English template with ``{name}`` placeholders filled from ``params``; it doubles
    as the stable key under which the Slack layer finds its translation, so storage needs no locale.
    """

    def __init__(self, message: str = "", /, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message.format(**params) if params else message)


class NotFoundError(SegbotError):
    """A segment, contact, saved criteria or logged segment does not exist in this workspace."""


class ValidationError(SegbotError):
    """Input that cannot be accepted (bad CSV row, bad option, bad schedule...)."""


class NotAllowedError(SegbotError):
    """The caller may not do this (not the owner, not an admin)."""


class ConflictError(SegbotError):
    """The action lost a race or was already done (confirm twice, stale preview)."""


class StalePreviewError(ConflictError):
    """The contacts changed since a preview computed from criteria, so Confirm would apply another set."""


class StatementTimeoutError(SegbotError):
    """A database statement ran past SEGBOT_STATEMENT_TIMEOUT and was stopped; nothing was changed."""


class TooLongError(ValidationError):
    """A text is longer than the column that would keep it."""
