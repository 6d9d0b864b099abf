"""Lexing text as Slack delivers it: HTML entities, typographic quotes, segment numbers.

Slack sends ``& < >`` typed by the user as ``&amp; &lt; &gt;``, and its clients replace straight
quotes with ``“ ” ‘ ’``. The argument reader (``commands.arguments``) and the criteria parser
(``commands.criteria_parser``) both read through these definitions.
"""

from __future__ import annotations

import re

ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITY_CHARS = {"amp": "&", "lt": "<", "gt": ">"}
DOUBLE_QUOTES = '"“”'
SINGLE_QUOTES = "'‘’"
QUOTES = DOUBLE_QUOTES + SINGLE_QUOTES
SEGMENT_NO = re.compile(r"SEG[0-9]{1,10}", re.IGNORECASE)
LOGGED_SEGMENT_NO = re.compile(r"LSEG[0-9]{1,10}", re.IGNORECASE)


def decode_entities(text: str) -> str:
    """``text`` with Slack's ``&amp; &lt; &gt;`` read as ``& < >``."""
    return ENTITY.sub(lambda m: _ENTITY_CHARS[m.group(1)], text)


def decode_entities_keeping_positions(text: str) -> tuple[str, list[int]]:
    """``text`` with Slack's entities decoded, and for each character its index in ``text``.

    The list has one more entry, ``len(text)``, so an error at the end points past the last character.
    """
    chars: list[str] = []
    origin: list[int] = []
    last = 0
    for match in ENTITY.finditer(text):
        chars.extend(text[last : match.start()])
        origin.extend(range(last, match.start()))
        chars.append(_ENTITY_CHARS[match.group(1)])
        origin.append(match.start())
        last = match.end()
    chars.extend(text[last:])
    origin.extend(range(last, len(text)))
    origin.append(len(text))
    return "".join(chars), origin


def quote_family(quote: str) -> str:
    """The quotes that may close one opened by ``quote`` (Slack may send “ and close with ”)."""
    return DOUBLE_QUOTES if quote in DOUBLE_QUOTES else SINGLE_QUOTES


def is_segment_no(token: str) -> bool:
    """``SEG00001`` in any case; not a logged segment's ``LSEG…``."""
    return SEGMENT_NO.fullmatch(token) is not None


def is_logged_segment_no(token: str) -> bool:
    return LOGGED_SEGMENT_NO.fullmatch(token) is not None
