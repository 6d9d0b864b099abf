"""The fields criteria may name, with the kind of value each takes.

The parser (in ``commands/``) validates names against this catalogue and types values by kind;
the compiler maps each field to SQL. One list, so the two can never disagree.
"""

from __future__ import annotations

from enum import Enum


class FieldKind(Enum):
    TEXT = "text"  # a contact column, case-insensitive, wildcards allowed
    CODE = "code"  # a code (upper-cased on import), wildcards allowed
    DATE = "date"  # comparisons, ranges and relative dates allowed
    PROFILE = "profile"  # profile.<QUESTION>: text or number
    SEGMENT = "segment"  # member of another segment (SEG00001)


FIELDS: dict[str, FieldKind] = {
    "no": FieldKind.TEXT,
    "type": FieldKind.TEXT,
    "name": FieldKind.TEXT,
    "company": FieldKind.TEXT,
    "company_no": FieldKind.TEXT,
    "city": FieldKind.TEXT,
    "country": FieldKind.CODE,
    "post_code": FieldKind.TEXT,
    "territory": FieldKind.CODE,
    "salesperson": FieldKind.CODE,
    "language": FieldKind.CODE,
    "email": FieldKind.TEXT,
    "phone": FieldKind.TEXT,
    "created": FieldKind.DATE,
    "industry": FieldKind.CODE,
    "relation": FieldKind.CODE,
    "mailing": FieldKind.CODE,
    "job": FieldKind.CODE,
    "interaction": FieldKind.CODE,
    "interacted": FieldKind.DATE,
    "segment": FieldKind.SEGMENT,
}

PROFILE_PREFIX = "profile."

# Inside ``interaction:(...)`` the fields are those of one interaction log entry, and every
# condition must hold for the same entry (Business Central's filters on the Interaction Log Entry).
INTERACTION_GROUP = "interaction"
INTERACTION_FIELDS: dict[str, FieldKind] = {
    "template": FieldKind.CODE,
    "date": FieldKind.DATE,
    "evaluation": FieldKind.TEXT,
    "campaign": FieldKind.CODE,
    "salesperson": FieldKind.CODE,
    "description": FieldKind.TEXT,
    "segment": FieldKind.CODE,
}


def field_kind(name: str) -> FieldKind | None:
    """The kind of a (lower-case) field name, or None when no such field exists."""
    if name.startswith(PROFILE_PREFIX) and len(name) > len(PROFILE_PREFIX):
        return FieldKind.PROFILE
    return FIELDS.get(name)


def interaction_field_kind(name: str) -> FieldKind | None:
    """The kind of a (lower-case) field of one interaction, inside ``interaction:(...)``."""
    return INTERACTION_FIELDS.get(name)


def known_field_names() -> list[str]:
    """Every field name, for "did you mean" suggestions (``profile.`` stands for all profile fields)."""
    return [*FIELDS, PROFILE_PREFIX]
