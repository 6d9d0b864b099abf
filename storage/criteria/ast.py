"""The criteria AST: frozen values that cross from the parser to the compiler and into the journal.

Relative dates stay relative (``Today(-30, "d")``), so a saved or journalled criterion means
"the last 30 days" whenever it is replayed. ``to_json``/``from_json`` store an AST in the journal;
``to_text`` prints the canonical text, which parses back to the same AST.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Generic, Literal, TypeAlias, TypeVar

Unit = Literal["d", "w", "m", "y"]
Op = Literal["<", "<=", ">", ">="]
_V = TypeVar("_V")


@dataclass(frozen=True)
class _Single(Generic[_V]):
    value: _V


class Text(_Single[str]):
    """A text value; ``*`` in it is a wildcard."""


class Number(_Single[Decimal]):
    """A number, kept exact: profile answers compare as numbers (``profile.revenue:>=1000000``)."""


class Day(_Single[date]):
    """An absolute date."""


@dataclass(frozen=True)
class Today:
    """A date relative to the day the criteria are evaluated: ``today-30d`` is ``Today(-30, "d")``."""

    offset: int = 0
    unit: Unit = "d"


Value: TypeAlias = Text | Number | Day | Today


@dataclass(frozen=True)
class Match:
    """``field:a,b``: the field equals (or, with ``*``, matches) any of the values."""

    field: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Present:
    """``field:*``: the field has a value."""

    field: str


@dataclass(frozen=True)
class Compare:
    """``field:>=N``."""

    field: str
    op: Op
    value: Number | Day | Today


# A range's end: any value; text ends compare as text.
Bound: TypeAlias = Value


@dataclass(frozen=True)
class Range:
    """``field:A..B``, both ends included; an open end (``A..``, ``..B``) is None.

    Text bounds (``no:CT000100..CT000200``) compare as text, case-insensitively.
    """

    field: str
    low: Bound | None
    high: Bound | None


@dataclass(frozen=True)
class Interaction:
    """``interaction:(template:MEETING date:>=today-30d)``: one non-canceled interaction meets ``expr``.

    The fields inside are those of ``storage.criteria.fields.INTERACTION_FIELDS``.
    """

    expr: Expr


@dataclass(frozen=True)
class Not:
    """``-expr``: the contacts that ``expr`` does not match."""

    expr: Expr


@dataclass(frozen=True)
class _Combined:
    items: tuple[Expr, ...]


class And(_Combined):
    """``a b``: every item matches."""


class Or(_Combined):
    """``a OR b``: any item matches."""


Expr: TypeAlias = Match | Present | Compare | Range | Interaction | Not | And | Or


# --- JSON (journal, saved criteria, pending previews) -------------------------------------------


def _value_to_json(value: Value) -> dict[str, Any]:
    if isinstance(value, Text):
        return {"t": value.value}
    if isinstance(value, Number):
        return {"n": str(value.value)}
    if isinstance(value, Day):
        return {"d": value.value.isoformat()}
    return {"today": value.offset, "unit": value.unit}


def _value_from_json(data: dict[str, Any]) -> Value:
    if "t" in data:
        return Text(data["t"])
    if "n" in data:
        return Number(Decimal(data["n"]))
    if "d" in data:
        return Day(date.fromisoformat(data["d"]))
    return Today(int(data["today"]), data["unit"])


def _bound_to_json(value: Bound | None) -> dict[str, Any] | None:
    return None if value is None else _value_to_json(value)


def _bound_from_json(data: dict[str, Any] | None) -> Bound | None:
    return None if data is None else _value_from_json(data)


def to_json(expr: Expr) -> dict[str, Any]:
    """A JSON-ready dict for ``expr``."""
    if isinstance(expr, Match):
        return {"match": expr.field, "values": [_value_to_json(v) for v in expr.values]}
    if isinstance(expr, Present):
        return {"present": expr.field}
    if isinstance(expr, Compare):
        return {"compare": expr.field, "op": expr.op, "value": _value_to_json(expr.value)}
    if isinstance(expr, Range):
        return {"range": expr.field, "low": _bound_to_json(expr.low), "high": _bound_to_json(expr.high)}
    if isinstance(expr, Interaction):
        return {"interaction": to_json(expr.expr)}
    if isinstance(expr, Not):
        return {"not": to_json(expr.expr)}
    if isinstance(expr, And):
        return {"and": [to_json(e) for e in expr.items]}
    return {"or": [to_json(e) for e in expr.items]}


def from_json(data: dict[str, Any]) -> Expr:
    """The AST that ``to_json`` produced ``data`` from."""
    if "match" in data:
        return Match(data["match"], tuple(_value_from_json(v) for v in data["values"]))
    if "present" in data:
        return Present(data["present"])
    if "compare" in data:
        return Compare(data["compare"], data["op"], _value_from_json(data["value"]))  # type: ignore[arg-type]
    if "range" in data:
        return Range(data["range"], _bound_from_json(data["low"]), _bound_from_json(data["high"]))
    if "interaction" in data:
        return Interaction(from_json(data["interaction"]))
    if "not" in data:
        return Not(from_json(data["not"]))
    if "and" in data:
        return And(tuple(from_json(e) for e in data["and"]))
    if "or" in data:
        return Or(tuple(from_json(e) for e in data["or"]))
    raise ValueError(f"not a criteria AST: {data!r}")


# --- canonical text ---------------------------------------------------------------------------

# A text value is printed bare only when the parser reads it back as the same literal text: no
# separators, no opening quote, nothing the parser gives a meaning to (an operator, a range, a lone
# ``*``, a keyword).
_NEEDS_QUOTES = re.compile(r"[\s,()]|^[\"'“”‘’<>]|\.\.|^\*$|^(?:or|and|not)$", re.IGNORECASE)
# On a profile question a bare number is a Number, so text that starts like one is quoted.
_NUMBER_LIKE = re.compile(r"^[+-]?\.?\d")
# Slack escapes & < > as entities and the parser decodes them, so an entity-looking run in a
# value is written with its ampersand escaped.
_ENTITY = re.compile(r"&(?=(?:amp|lt|gt);)")
_QUOTED_SPECIALS = re.compile(r'(["“”\\])')


def _value_text(value: Value, field: str) -> str:
    if isinstance(value, Text):
        text = _ENTITY.sub("&amp;", value.value)
        profile = field.startswith("profile.")
        if text == "" or _NEEDS_QUOTES.search(text) or (profile and _NUMBER_LIKE.match(text)):
            return '"' + _QUOTED_SPECIALS.sub(r"\\\1", text) + '"'
        return text
    if isinstance(value, Number):
        return format(value.value, "f")
    if isinstance(value, Day):
        return value.value.isoformat()
    if value.offset == 0 and value.unit == "d":
        return "today"
    return f"today{value.offset:+d}{value.unit}"


def _bound_text(value: Bound | None, field: str) -> str:
    if value is None:
        return ""
    # The ends of a range are read as one bare word, never quoted, so text is printed as it is.
    if isinstance(value, Text):
        return _ENTITY.sub("&amp;", value.value)
    return _value_text(value, field)


def to_text(expr: Expr) -> str:
    """Canonical criteria text for ``expr``; parsing it gives ``expr`` back."""
    return _to_text(expr, parent=None)


def _to_text(expr: Expr, parent: type | None) -> str:
    if isinstance(expr, Match):
        return f"{expr.field}:" + ",".join(_value_text(v, expr.field) for v in expr.values)
    if isinstance(expr, Present):
        return f"{expr.field}:*"
    if isinstance(expr, Compare):
        return f"{expr.field}:{expr.op}{_value_text(expr.value, expr.field)}"
    if isinstance(expr, Range):
        return f"{expr.field}:{_bound_text(expr.low, expr.field)}..{_bound_text(expr.high, expr.field)}"
    if isinstance(expr, Interaction):
        return f"interaction:({_to_text(expr.expr, None)})"
    if isinstance(expr, Not):
        inner = _to_text(expr.expr, Not)
        # "--" would read as an option, so a double negation spells the outer one out.
        return f"NOT {inner}" if isinstance(expr.expr, Not) else f"-{inner}"
    if isinstance(expr, And):
        text = " ".join(_to_text(e, And) for e in expr.items)
        return f"({text})" if parent in (Not, And) else text
    text = " OR ".join(_to_text(e, Or) for e in expr.items)
    return f"({text})" if parent in (Not, And, Or) else text


def field_names(expr: Expr) -> set[str]:
    """Every field the criteria name, lower-case (``segment``, ``city``, ``profile.rating``...).

    An ``interaction:(...)`` group counts as the field ``interaction``.
    """
    if isinstance(expr, Interaction):
        return {"interaction"}
    if isinstance(expr, Not):
        return field_names(expr.expr)
    if isinstance(expr, And | Or):
        return set().union(*(field_names(item) for item in expr.items))
    return {expr.field.lower()}
