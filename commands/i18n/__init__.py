"""Replies in the caller's language: gettext catalogs (Babel) per locale, and locale-aware numbers and dates.

Every verb builds a :class:`Translator` for ``ctx.locale`` and passes it down to the ``build_*``
functions; nothing here keeps a "current language", so concurrent requests in different languages
never see each other's. Messages use ``{name}`` placeholders filled after translation, so a
translation may reorder them. Integers among the parameters are formatted for the locale
("1,234" in English, "1.234" in Italian).

Catalogs live in ``commands/locale/<lang>/LC_MESSAGES/segbot.po`` and are compiled to ``.mo``
next to them (see the README's "Translations" section for the extract/update/compile commands).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from storage.errors import SegbotError

DOMAIN = "segbot"
LOCALE_DIR = Path(__file__).parent.parent / "locale"
DEFAULT_LOCALE = "en"
# The languages with a catalog; the first is the fallback.
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "it")
LANGUAGE_NAMES = {"en": "English", "it": "Italiano"}


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet (module-level texts, help summaries)."""
    return message


@contextmanager
def reader_locale(locale: str | None) -> Iterator[None]:
    """Tag a SegbotError leaving the block with the language of whoever will read it.

    The one place in ``bot/`` that reports errors only sees the exception; the tag lets
    ``commands.reply.error_reply`` explain it in the caller's language.
    """
    try:
        yield
    except SegbotError as exc:
        if getattr(exc, "reader_locale", None) is None:
            exc.reader_locale = locale  # type: ignore[attr-defined]
        raise


def locale_of(exc: SegbotError) -> str | None:
    """The language ``exc`` was tagged with by :func:`reader_locale`, if any."""
    locale = getattr(exc, "reader_locale", None)
    return locale if isinstance(locale, str) else None


def supported_locale(value: str | None) -> str | None:
    """The supported language of a Slack locale such as ``it-IT`` or ``en_US``, or None."""
    if not value:
        return None
    language = value.replace("_", "-").split("-")[0].strip().lower()
    return language if language in SUPPORTED_LOCALES else None


def reply_locale(user_locale: str | None, workspace_locale: str | None) -> str:
    """The language of a reply: the user's own when segbot has its catalog, else the workspace's default."""
    return supported_locale(user_locale) or supported_locale(workspace_locale) or DEFAULT_LOCALE


@dataclass(frozen=True)
class Translator:
    """The texts, numbers and dates of one locale; immutable, so one instance serves every thread."""

    locale: str
    translations: NullTranslations

    def _(self, message: str, /, **params: object) -> str:
        """``message`` translated, with its ``{placeholders}`` filled in (integers formatted)."""
        text = self.translations.gettext(message)
        return self._fill(text, message, params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """The singular or plural form for ``n`` (the locale's plural rule); ``{n}`` is ``n`` formatted."""
        text = self.translations.ngettext(singular, plural, n)
        return self._fill(text, singular if n == 1 else plural, {"n": n, **params})

    def number(self, value: int | float) -> str:
        """``value`` with the locale's grouping and decimal signs: 1,234.5 or 1.234,5."""
        return format_decimal(value, locale=self.locale)

    def date(self, value: date, *, form: str = "medium") -> str:
        """``value`` as the locale writes dates (``medium``: Jan 31, 2025 / 31 gen 2025)."""
        return format_date(value, format=form, locale=self.locale)

    def moment(self, value: datetime, *, form: str = "medium") -> str:
        """``value`` as the locale writes a moment, in ``value``'s own time zone (CLDR pattern or width)."""
        return format_datetime(value, format=form, tzinfo=value.tzinfo, locale=self.locale)

    def error(self, exc: SegbotError) -> str:
        """The message of a project error in this language (English text when it has no translation)."""
        detail = getattr(exc, "detail", None)
        if isinstance(detail, str):
            # Criteria errors are "at N: <detail>", the detail itself being a translatable message.
            inner = self._(detail, **getattr(exc, "detail_params", {}))
            return self._("at {position}: {detail}", position=getattr(exc, "position", 0), detail=inner)
        if not exc.message:
            return str(exc)
        # Storage names users by their Slack id; in a reply they are mentions.
        params = {k: f"<@{v}>" if k in _USER_PARAMS else v for k, v in exc.params.items()}
        if "options" in params:
            # Storage names options by their field; a user knows them as the flags they type.
            from commands.options import flags_of_fields  # here: commands.options imports N_ from this module

            params["options"] = flags_of_fields(str(params["options"]))
        return self._(exc.message, **params)

    def _fill(self, text: str, original: str, params: dict[str, object]) -> str:
        shown = {
            k: self.number(v) if isinstance(v, int) and not isinstance(v, bool) else v
            for k, v in params.items()
        }
        try:
            return text.format(**shown)
        except (KeyError, IndexError, ValueError):
            # A broken translation must not break a reply: fall back to the English message.
            return original.format(**shown)


# Parameters of storage errors that hold a Slack user id.
_USER_PARAMS = frozenset({"owner"})


@lru_cache(maxsize=8)
def translator(locale: str | None = None) -> Translator:
    """The translator of ``locale`` (e.g. ``it``, ``it-IT``); unsupported or missing locales get English."""
    language = supported_locale(locale) or DEFAULT_LOCALE
    try:
        Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        language = DEFAULT_LOCALE
    translations = Translations.load(str(LOCALE_DIR), [language], domain=DOMAIN)
    return Translator(locale=language, translations=translations)


ENGLISH = translator(DEFAULT_LOCALE)
