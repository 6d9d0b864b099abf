"""Reading the arguments of a ``/segment`` command as Slack delivers them.

Slack sends ``& < >`` typed by the user as ``&amp; &lt; &gt;``, wraps channel and user mentions as
``<#C123|sales>`` and ``<@U123|ana>``, and its clients replace straight quotes with ``“ ” ‘ ’`` and
``--`` with an em dash. These helpers undo all of that so the verbs can read plain words, and check the
words a verb takes (a segment number, nothing more) with errors that show the verb's usage.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from commands.i18n import N_
from commands.slack_text import QUOTES, decode_entities, is_logged_segment_no, is_segment_no, quote_family
from storage.errors import ValidationError

_TYPOGRAPHY = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "--"})
# An option is a word of two dashes, or the dash a Slack client made of them, and a name. A dash
# on its own is punctuation ("Q3 — key accounts").
_OPTION = re.compile(r"(?:--|[—–])[A-Za-z][\w-]*")
_CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL_NAME = re.compile(r"#([\w\-.]{1,80})")
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class ChannelRef:
    """A channel named in a command: its id when Slack escaped the mention, else just its name."""

    id: str | None
    name: str | None


def unescape_slack(text: str) -> str:
    """``text`` as the user typed it: entities decoded, typographic quotes straight, ``—`` as ``--``."""
    plain = decode_entities(text)
    return plain.translate(_TYPOGRAPHY)


def tokenize(text: str) -> list[str]:
    """Whitespace-separated words; quotes (straight or typographic) group words and are removed.

    Inside quotes a backslash keeps the next character, as in the criteria language:
    ``save SEG00001 VIP "Key accounts"`` gives ``["save", "SEG00001", "VIP", "Key accounts"]``.
    """
    tokens: list[str] = []
    current: list[str] = []
    in_token = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            if in_token:
                tokens.append("".join(current))
                current, in_token = [], False
            i += 1
            continue
        in_token = True
        if ch in QUOTES:
            # A quote only opens at the start of a word or after '=' / ':' (name:"two words"); in
            # the middle of a word it is an apostrophe, as in O’Brien.
            if current and current[-1] not in ":=":
                current.append(ch)
                i += 1
                continue
            closing = _closing_quote(text, i)
            current.extend(_unquote(text[i + 1 : closing]))
            i = closing + 1
            continue
        current.append(ch)
        i += 1
    if in_token:
        tokens.append("".join(current))
    return tokens


def _closing_quote(text: str, start: int) -> int:
    family = quote_family(text[start])
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in family:
            return i
        i += 1
    raise ValidationError("the quote at {opened} is never closed", opened=start)


def _unquote(inner: str) -> str:
    return re.sub(r"\\(.)", r"\1", inner, flags=re.DOTALL)


def extract_options(text: str, allowed: Collection[str]) -> tuple[str, frozenset[str]]:
    """Take ``--option`` words out of ``text``: the rest and the options found, spelt as in ``allowed``.

    Options match case-insensitively, with ``_`` for ``-`` and whatever dashes Slack made of ``--``.
    Quoted text is left alone. Each option is blanked with spaces rather than cut out, so positions
    in the rest still point at the same characters of ``text`` (criteria errors name positions).
    An option not in ``allowed`` is a ValidationError naming it and the allowed ones.
    """
    by_key = {_option_key(option): option for option in allowed}
    found: set[str] = set()
    chars = list(text)
    for start, word in _unquoted_words(text):
        if not _OPTION.fullmatch(word):
            continue
        option = by_key.get(_option_key(word))
        if option is None:
            listed = ", ".join("--" + _option_key(o) for o in sorted(allowed)) or "none"
            raise ValidationError(
                "unknown option '{word}' - allowed here: {listed}", word=word, listed=listed
            )
        found.add(option)
        chars[start : start + len(word)] = " " * len(word)
    return "".join(chars).rstrip(), frozenset(found)


def _option_key(option: str) -> str:
    return option.lstrip("-—–").replace("_", "-").lower()


def _unquoted_words(text: str) -> list[tuple[int, str]]:
    """Each whitespace-separated word of ``text`` that does not start inside quotes, with its index."""
    words: list[tuple[int, str]] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        start = i
        while i < len(text) and not text[i].isspace():
            is_opening = text[i] in QUOTES and (i == start or text[i - 1] in ":=")
            if is_opening:
                # An unclosed quote is an apostrophe here; the criteria parser reports it if it matters.
                with contextlib.suppress(ValidationError):
                    i = _closing_quote(text, i)
            i += 1
        words.append((start, text[start:i]))
    return words


def parse_channel(token: str) -> ChannelRef:
    """The channel in ``<#C123|sales>``, ``<#C123>`` or ``#sales``; anything else is a ValidationError."""
    plain = decode_entities(token.strip())
    mention = _CHANNEL_MENTION.fullmatch(plain)
    if mention:
        return ChannelRef(id=mention.group(1), name=mention.group(2) or None)
    named = _CHANNEL_NAME.fullmatch(plain)
    if named:
        return ChannelRef(id=None, name=named.group(1).lower())
    raise ValidationError("'{token}' is not a channel - expected one like #sales", token=token)


def parse_user(token: str) -> str | None:
    """The user id in a mention such as ``<@U123|ana>`` or ``<@U123>``, or None when it is not one."""
    plain = decode_entities(token.strip())
    mention = _USER_MENTION.fullmatch(plain)
    return mention.group(1) if mention else None


def split_new_arguments(text: str) -> tuple[str, str]:
    """``new``'s arguments as (description, criteria text).

    The description is the quoted text at the start, or else the words before the first word that
    begins a criterion: one holding ``:``, starting with ``(`` or ``-`` (not a dash on its own), or
    the keyword ``NOT`` (upper-case only, so "Not yet contacted" stays a description). The criteria
    text is returned exactly as it appears in ``text``.
    """
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    if stripped and stripped[0] in QUOTES:
        try:
            closing = _closing_quote(text, offset)
        except ValidationError:
            closing = -1  # a lone apostrophe, as in "'90s leads": plain words after all
        if closing >= 0:
            return _unquote(text[offset + 1 : closing]).strip(), text[closing + 1 :].strip()
    for start, word in _unquoted_words(text):
        if ":" in word or word[0] == "(" or word == "NOT" or _is_negation(word):
            return " ".join(text[:start].split()), text[start:].strip()
    return " ".join(text.split()), ""


def _is_negation(word: str) -> bool:
    """``-email:*`` or ``-(...)``; a lone dash or a long one is punctuation in a description."""
    return len(word) > 1 and word[0] == "-" and word[1] not in "-—–"


def segment_no(token: str | None, *, usage: str) -> str:
    """``token`` as a segment number (``seg00001`` is ``SEG00001``), or a ValidationError with the usage."""
    return _checked_no(token, usage, is_segment_no, _SEGMENT_NO_ERRORS)


def logged_segment_no(token: str | None, *, usage: str) -> str:
    """``token`` as a logged segment number (``LSEG00001``), or a ValidationError with the usage."""
    return _checked_no(token, usage, is_logged_segment_no, _LOGGED_SEGMENT_NO_ERRORS)


# What is said when the number is missing, and when the word is not one.
_SEGMENT_NO_ERRORS = (
    N_("a segment number is missing. Usage: /segment {usage}"),
    N_("'{token}' is not a segment number (like SEG00001). Usage: /segment {usage}"),
)
_LOGGED_SEGMENT_NO_ERRORS = (
    N_("a logged segment number is missing. Usage: /segment {usage}"),
    N_("'{token}' is not a logged segment number (like LSEG00001). Usage: /segment {usage}"),
)


def _checked_no(
    token: str | None, usage: str, is_valid: Callable[[str], bool], errors: tuple[str, str]
) -> str:
    missing, malformed = errors
    if not token:
        raise ValidationError(missing, usage=usage)
    if not is_valid(token):
        raise ValidationError(malformed, token=token, usage=usage)
    return token.upper()


def split_first(text: str) -> tuple[str, str]:
    """The first whitespace-separated word of ``text`` and the rest, stripped."""
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def reject_extra(extra: str, *, usage: str) -> None:
    """A ValidationError naming ``extra``, the words a verb does not take, when there are any."""
    if extra:
        raise ValidationError("unexpected '{extra}'. Usage: /segment {usage}", extra=extra, usage=usage)


def only_segment_no(text: str, *, usage: str) -> str:
    """The segment number that is all of ``text``, for verbs that take nothing else."""
    token, extra = split_first(text)
    no = segment_no(token, usage=usage)
    reject_extra(extra, usage=usage)
    return no
