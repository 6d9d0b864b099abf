"""Texts the database would refuse or misread, refused first with an error that names them.

PostgreSQL refuses a NUL byte in text and a value longer than its column; SQLite accepts both and
then misreads them (a NUL ends a LIKE pattern, so ``name:*\\x00*`` matched every contact). Both
databases get the same answer here, before any statement runs.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session

from storage.errors import TooLongError, ValidationError

# C0 and C1 control characters and DEL; tab and line breaks are ordinary white space in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def find_control_character(text: str) -> int | None:
    """The index of the first control character other than tab and line breaks, or None."""
    match = _CONTROL.search(text)
    return match.start() if match else None


def control_code(text: str, at: int) -> str:
    """``U+0000``: how an error names the control character at ``at``."""
    return f"U+{ord(text[at]):04X}"


def check_text(field: str, value: str, limit: int | None) -> None:
    """Refuse ``value`` for ``field`` when it holds a control character or is longer than ``limit``."""
    at = find_control_character(value)
    if at is not None:
        raise ValidationError(
            "{field} holds control character {code} at position {position}; it is not allowed.",
            field=field,
            code=control_code(value, at),
            position=at,
        )
    if limit is not None and len(value) > limit:
        raise TooLongError(
            "{field} is limited to {limit} characters; this one has {length}.",
            field=field,
            limit=limit,
            length=len(value),
        )


@event.listens_for(Session, "before_flush")
def _check_texts(session: Session, _context: Any, _instances: Any) -> None:
    """Every text an object brings to the database fits its column and has no control characters."""
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            column = attr.columns[0]
            if not isinstance(column.type, String):
                continue
            value = state.dict.get(attr.key)
            if isinstance(value, str):
                check_text(_field_name(attr.key), value, column.type.length)


def _field_name(key: str) -> str:
    # The attribute as users know it: "template_code" is the template they typed.
    return key.removesuffix("_code").replace("_", " ") if key.endswith("_code") else key.replace("_", " ")
