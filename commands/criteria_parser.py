"""The criteria language (docs/user-guide.md) parsed into the AST of ``storage.criteria.ast``.

Grammar, NOT binding tightest, then AND (juxtaposition or the keyword), then OR::

    criteria := any ( OR any )*
    any      := unary ( [AND] unary )*
    unary    := "-" unary | NOT unary | "(" criteria ")" | term
    term     := field ":" ( "*" | value ("," value)* | op value | [value] ".." [value] )
              | "interaction:(" criteria ")"      (fields of one interaction inside)

Values are typed by the field's kind (``storage.criteria.fields``): dates become ``Day``/``Today``
(relative dates stay relative), numeric profile answers ``Number``, codes are upper-cased. A quoted
value is always literal text for profile questions, so ``profile.zip:"007"`` can match text.

The parser takes the text as Slack sends it: ``&amp; &lt; &gt;`` are read as ``& < >`` and
typographic quotes work as quotes; every error position is an index into that same text.

Ranges work on every field: dates and numbers compare as such, text and codes as text,
case-insensitively (``no:CT000100..CT000200``); either end may be left open (``created:2025-01-01..``).
``interaction:(template:MEETING date:>=today-30d)`` holds when one and the same interaction meets every
condition inside, unlike ``interaction:MEETING interacted:>=today-30d``, two independent conditions.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import cast

from commands.i18n import N_
from commands.slack_text import QUOTES, decode_entities_keeping_positions, is_segment_no, quote_family
from storage.criteria import ast
from storage.criteria.fields import (
    FIELDS,
    INTERACTION_FIELDS,
    INTERACTION_GROUP,
    PROFILE_PREFIX,
    FieldKind,
    field_kind,
    interaction_field_kind,
)
from storage.errors import ValidationError
from storage.limits import find_control_character

# Parentheses and negations nest at most this deep: far beyond what anyone types, and well
# inside Python's recursion limit for the parser, the printer and the SQL compiler.
MAX_DEPTH = 64
# Bounds on what one criteria text may cost the database: SQLite refuses expression trees past about
# a thousand values, and PostgreSQL's planning time grows with the square of the negated terms.
MAX_CRITERIA_CHARS = 4000
# Terms, each value of a comma list counting as one.
MAX_CRITERIA_TERMS = 200

# Slack clients turn a typed "--" into an em dash (some into an en dash).
_LONG_DASHES = "—–"
_OPERATORS: tuple[ast.Op, ...] = (">=", "<=", ">", "<")

_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TODAY = re.compile(r"today(?:([+-])([0-9]{1,6})([dwmy]))?", re.IGNORECASE)
_QUESTION = re.compile(r"[\w.\-]+")
_TYPES = ("company", "person")
# The largest offset per unit, about a thousand years, keeps every relative date a real date.
_MAX_OFFSET: dict[str, int] = {"d": 365_000, "w": 52_000, "m": 12_000, "y": 1_000}


class CriteriaError(ValidationError):
    """Criteria text that does not parse.

    ``position`` is the 0-based index in the text given to :func:`parse_criteria`, ``expected``
    what the parser wanted there, and ``text`` that text, so a reply can point at the spot.
    """

    def __init__(
        self, position: int, expected: str, message: str | None = None, *, text: str = "", **params: object
    ) -> None:
        self.position = position
        self.expected = expected
        self.text = text
        # ``detail`` is an English template, the key under which the Slack layer finds its translation.
        self.detail = message or N_("expected {expected}")
        self.detail_params: dict[str, object] = params if message else {"expected": expected}
        super().__init__(f"at {position}: {self.detail.format(**self.detail_params)}")


def parse_criteria(text: str) -> ast.Expr:
    """The AST of criteria ``text``; a :class:`CriteriaError` saying where and what when it is wrong.

    Texts longer than :data:`MAX_CRITERIA_CHARS`, with more than :data:`MAX_CRITERIA_TERMS` terms, or
    holding control characters are refused before they reach the database.
    """
    if len(text) > MAX_CRITERIA_CHARS:
        raise CriteriaError(
            MAX_CRITERIA_CHARS,
            "shorter criteria",
            N_("criteria are limited to {limit} characters, these have {length}"),
            text=text,
            limit=MAX_CRITERIA_CHARS,
            length=len(text),
        )
    control = find_control_character(text)
    if control is not None:
        raise CriteriaError(
            control,
            "a printable character",
            N_("control character {code} is not allowed"),
            text=text,
            code=f"U+{ord(text[control]):04X}",
        )
    return _Parser(text).parse()


def term_position(text: str, field: str, value: str) -> int | None:
    """Where in criteria ``text`` the term on ``field`` names ``value`` (a profile question: the term
    itself), for pointing at a name the workspace does not have; None when the text has no such term."""
    parser = _Parser(text)
    try:
        parser.parse()
    except CriteriaError:
        return None
    field = field.lower()
    for name, named, at in parser.named:
        if name == field and (field.startswith(PROFILE_PREFIX) or named.upper() == value.upper()):
            return at
    return None


def _ends_bare_word(ch: str) -> bool:
    return ch.isspace() or ch in ",()"


class _Parser:
    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.s, self.origin = decode_entities_keeping_positions(raw)
        self.i = 0
        self.terms = 0
        # (field, value as typed, position): each term's field (value "") and each of its values.
        self.named: list[tuple[str, str, int]] = []
        # Inside interaction:(...) the fields are those of one interaction log entry.
        self.in_interaction = False

    # --- helpers --------------------------------------------------------------------------------

    def error(self, at: int, expected: str, message: str | None = None, **params: object) -> CriteriaError:
        return CriteriaError(self.origin[at], expected, message, text=self.raw, **params)

    def at_end(self) -> bool:
        return self.i >= len(self.s)

    def peek(self, offset: int = 0) -> str:
        j = self.i + offset
        return self.s[j] if j < len(self.s) else ""

    def skip_space(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def at_keyword(self, word: str) -> bool:
        end = self.i + len(word)
        if self.s[self.i : end].lower() != word:
            return False
        return end >= len(self.s) or self.s[end].isspace() or self.s[end] in "()"

    def at_group_end(self) -> bool:
        return self.at_end() or self.peek() == ")"

    def count_term(self, at: int) -> None:
        self.terms += 1
        if self.terms > MAX_CRITERIA_TERMS:
            raise self.error(
                at,
                "fewer terms",
                "criteria are limited to {limit} terms (each value of a list counts)",
                limit=MAX_CRITERIA_TERMS,
            )

    # --- expressions ----------------------------------------------------------------------------

    def parse(self) -> ast.Expr:
        self.skip_space()
        if self.at_end():
            raise self.error(self.i, "a criterion", "expected a criterion, e.g. industry:retail city:berlin")
        expr = self.any_of(depth=0)
        self.skip_space()
        if not self.at_end():
            raise self.error(self.i, "a criterion", "unexpected ')' without a matching '('")
        return expr

    def any_of(self, depth: int) -> ast.Expr:
        items = [self.all_of(depth)]
        while True:
            self.skip_space()
            if not self.at_keyword("or"):
                break
            at = self.i
            self.i += 2
            self.skip_space()
            if self.at_group_end():
                raise self.error(
                    self.i, "a criterion", "expected a criterion after '{word}'", word=self.s[at : at + 2]
                )
            items.append(self.all_of(depth))
        return items[0] if len(items) == 1 else ast.Or(tuple(items))

    def all_of(self, depth: int) -> ast.Expr:
        items = [self.unary(depth)]
        while True:
            self.skip_space()
            if self.at_group_end() or self.at_keyword("or"):
                break
            if self.at_keyword("and"):
                at = self.i
                self.i += 3
                self.skip_space()
                if self.at_group_end() or self.at_keyword("or"):
                    raise self.error(
                        self.i, "a criterion", "expected a criterion after '{word}'", word=self.s[at : at + 3]
                    )
            items.append(self.unary(depth))
        return items[0] if len(items) == 1 else ast.And(tuple(items))

    def unary(self, depth: int) -> ast.Expr:
        self.skip_space()
        if depth >= MAX_DEPTH:
            raise self.error(
                self.i, "less nesting", "criteria nest too deeply (at most {depth} levels)", depth=MAX_DEPTH
            )
        if self.at_end():
            raise self.error(self.i, "a criterion", "expected a criterion")
        ch = self.peek()
        if ch in _LONG_DASHES or (ch == "-" and self.peek(1) != "" and self.peek(1) in "-" + _LONG_DASHES):
            start = self.i
            word = self.read_while(lambda c: not c.isspace())
            raise self.error(
                start, "a criterion", "unexpected option '{word}' - expected a criterion", word=word
            )
        if ch == "-" or self.at_keyword("not"):
            self.i += 1 if ch == "-" else 3
            self.skip_space()
            if self.at_group_end():
                raise self.error(self.i, "a criterion", "expected a criterion to negate")
            return ast.Not(self.unary(depth + 1))
        for keyword in ("or", "and"):
            if self.at_keyword(keyword):
                found = self.s[self.i : self.i + len(keyword)]
                raise self.error(self.i, "a criterion", "expected a criterion before '{found}'", found=found)
        if ch == "(":
            opened = self.i
            self.i += 1
            self.skip_space()
            if self.at_group_end():
                raise self.error(self.i, "a criterion", "expected a criterion inside the parentheses")
            expr = self.any_of(depth + 1)
            self.skip_space()
            if self.peek() != ")":
                raise self.error(
                    self.i, "')'", "expected ')' to close the '(' at {opened}", opened=self.origin[opened]
                )
            self.i += 1
            return expr
        if ch == ")":
            raise self.error(self.i, "a criterion", "unexpected ')' without a matching '('")
        if ch == ",":
            raise self.error(self.i, "a criterion", "unexpected ',' - expected a criterion")
        return self.term(depth)

    def read_while(self, keep: Callable[[str], bool]) -> str:
        start = self.i
        while self.i < len(self.s) and keep(self.s[self.i]):
            self.i += 1
        return self.s[start : self.i]

    # --- terms ----------------------------------------------------------------------------------

    def term(self, depth: int) -> ast.Expr:
        start = self.i
        self.count_term(start)
        if self.peek() in QUOTES:
            raise self.error(
                start, "a field name", 'expected a field before the quoted text, like name:"two words"'
            )
        word = self.read_while(lambda c: not (c.isspace() or c in ":(),"))
        if self.peek() != ":":
            if self.kind_of(word.lower()) is not None:
                raise self.error(self.i, "':'", "expected ':' and a value after '{word}'", word=word)
            raise self.error(start, "field:value", "expected field:value, found '{word}'", word=word)
        if not word:
            raise self.error(start, "a field name", "expected a field name before ':'")
        name = word.lower()
        kind = self.field(name, start)
        self.named.append((name, "", self.origin[start]))
        self.i += 1
        if name == INTERACTION_GROUP and not self.in_interaction and self.peek() == "(":
            return self.interaction_group(depth)
        return self.condition(name, kind)

    def kind_of(self, name: str) -> FieldKind | None:
        return interaction_field_kind(name) if self.in_interaction else field_kind(name)

    def interaction_group(self, depth: int) -> ast.Interaction:
        """``interaction:(...)``: the conditions inside hold for one and the same interaction."""
        opened = self.i
        self.i += 1
        self.skip_space()
        if self.at_group_end():
            raise self.error(
                self.i,
                "a condition on the interaction",
                "expected conditions on one interaction inside the parentheses, "
                "e.g. interaction:(template:MEETING date:>=today-30d)",
            )
        self.in_interaction = True
        try:
            expr = self.any_of(depth + 1)
        finally:
            self.in_interaction = False
        self.skip_space()
        if self.peek() != ")":
            raise self.error(
                self.i, "')'", "expected ')' to close the '(' at {opened}", opened=self.origin[opened]
            )
        self.i += 1
        if self.peek() and not _ends_bare_word(self.peek()):
            raise self.error(self.i, "a space", "expected a space after ')'")
        return ast.Interaction(expr)

    def field(self, name: str, at: int) -> FieldKind:
        if self.in_interaction:
            return self.interaction_field(name, at)
        kind = field_kind(name)
        if kind is FieldKind.PROFILE and not _QUESTION.fullmatch(name[len(PROFILE_PREFIX) :]):
            raise self.error(at, "a profile question", "'{name}' is not a profile question code", name=name)
        if kind is not None:
            return kind
        if name == PROFILE_PREFIX.rstrip(".") or name == PROFILE_PREFIX:
            raise self.error(at, "a field name", "expected a question after 'profile.', like profile.rating")
        close = _suggestion(name)
        if close:
            raise self.error(
                at, "a field name", "unknown field '{name}' - did you mean '{close}'?", name=name, close=close
            )
        known = ", ".join([*FIELDS, "profile.<question>"])
        raise self.error(
            at, "a field name", "unknown field '{name}' - known fields: {known}", name=name, known=known
        )

    def interaction_field(self, name: str, at: int) -> FieldKind:
        kind = interaction_field_kind(name)
        if kind is not None:
            return kind
        known = ", ".join(INTERACTION_FIELDS)
        close = difflib.get_close_matches(name, list(INTERACTION_FIELDS), n=1, cutoff=0.6)
        if close:
            message = N_("unknown field '{name}' of an interaction - did you mean '{close}'? Known: {known}")
            raise self.error(at, "an interaction field", message, name=name, close=close[0], known=known)
        message = N_("unknown field '{name}' of an interaction - known: {known}")
        raise self.error(at, "an interaction field", message, name=name, known=known)

    def condition(self, name: str, kind: FieldKind) -> ast.Expr:
        value_at = self.i
        ch = self.peek()
        if not ch or ch.isspace() or ch in "()":
            raise self.error(value_at, "a value", "expected a value after '{name}:'", name=name)
        if ch == ",":
            raise self.error(value_at, "a value", "expected a value before ','")
        op = next((o for o in _OPERATORS if self.s.startswith(o, self.i)), None)
        if op is not None:
            self.i += len(op)
            self.require_ordered(name, kind, value_at, op)
            text, at, _ = self.scalar()
            if not text:
                raise self.error(at, "a value", "expected a value after '{op}'", op=op)
            self.finish_term()
            return ast.Compare(name, op, self.ordered(kind, text, at))
        values = [self.scalar()]
        while self.peek() == ",":
            self.i += 1
            if not self.peek() or _ends_bare_word(self.peek()):
                raise self.error(self.i, "a value", "expected a value after ',' (no space)")
            self.count_term(self.i)
            values.append(self.scalar())
        self.finish_term()
        if len(values) == 1 and values[0] == ("*", value_at, False):
            return ast.Present(name)
        for text, at, quoted in values:
            if not quoted and ".." in text:
                if len(values) > 1:
                    raise self.error(at, "a value", "a range cannot be part of a list of values")
                return self.range(name, kind, text, at)
        return ast.Match(name, tuple(self.typed(name, kind, text, at, quoted) for text, at, quoted in values))

    def finish_term(self) -> None:
        if self.peek() == "(":
            raise self.error(
                self.i, "a space", "expected a space before '(' (put a value holding '(' in quotes)"
            )

    def scalar(self) -> tuple[str, int, bool]:
        """One value: quoted (backslash escapes the next character) or a bare word."""
        start = self.i
        quote = self.peek()
        if not quote or quote not in QUOTES:
            return self.read_while(lambda c: not _ends_bare_word(c)), start, False
        family = quote_family(quote)
        self.i += 1
        chars: list[str] = []
        while True:
            if self.at_end():
                opened = self.origin[start]
                raise self.error(
                    start, "a closing quote", "the quote at {opened} is never closed", opened=opened
                )
            ch = self.s[self.i]
            if ch == "\\" and self.i + 1 < len(self.s):
                chars.append(self.s[self.i + 1])
                self.i += 2
                continue
            self.i += 1
            if ch in family:
                break
            chars.append(ch)
        if self.peek() and not _ends_bare_word(self.peek()):
            raise self.error(self.i, "a space", "expected a space after the closing quote")
        return "".join(chars), start, True

    # --- values ---------------------------------------------------------------------------------

    def require_ordered(self, name: str, kind: FieldKind, at: int, op: str) -> None:
        if kind not in (FieldKind.DATE, FieldKind.PROFILE):
            dates = ", ".join(f for f, k in FIELDS.items() if k is FieldKind.DATE)
            message = N_(
                "comparisons ('{op}') work only on dates ({dates}) and numeric profile answers, "
                "not on '{name}'; a range such as {name}:A..B works on every field"
            )
            raise self.error(at, "a value", message, op=op, dates=dates, name=name)

    def range(self, name: str, kind: FieldKind, text: str, at: int) -> ast.Range:
        low_text, _, high_text = text.partition("..")
        high_at = at + len(low_text) + 2
        if not low_text and not high_text:
            raise self.error(at, "a value", "expected a value before or after '..'")
        if ".." in high_text:
            raise self.error(high_at + high_text.index(".."), "a value", "a range has one '..'")
        # A profile answer ranges over numbers when a bound is a number, else over text.
        numeric = kind is FieldKind.PROFILE and any(
            _number(t) is not None for t in (low_text, high_text) if t
        )
        low = self.bound(name, kind, low_text, at, numeric=numeric) if low_text else None
        high = self.bound(name, kind, high_text, high_at, numeric=numeric) if high_text else None
        if low is not None and high is not None and _is_empty_range(low, high):
            raise self.error(
                at,
                "a range",
                "the range {low}..{high} is empty: {low} comes after {high} (write {high}..{low})",
                low=low_text,
                high=high_text,
            )
        return ast.Range(name, low, high)

    def bound(self, name: str, kind: FieldKind, text: str, at: int, *, numeric: bool) -> ast.Bound:
        """One end of a range: a date, a number, or text compared case-insensitively."""
        if kind is FieldKind.DATE or numeric:
            return self.ordered(kind, text, at)
        if "*" in text:
            raise self.error(at, "a value", "a range cannot hold the wildcard '*'")
        if kind is FieldKind.CODE or kind is FieldKind.SEGMENT:
            return ast.Text(text.upper())
        return ast.Text(text.lower() if name == "type" else text)

    def ordered(self, kind: FieldKind, text: str, at: int) -> ast.Number | ast.Day | ast.Today:
        """A comparison operand or range end: a date for date fields, a number for profile answers."""
        if kind is FieldKind.DATE:
            return self.date_value(text, at)
        number = _number(text)
        if number is None:
            raise self.error(at, "a number", "expected a number, found '{found}'", found=text)
        return number

    def typed(self, name: str, kind: FieldKind, text: str, at: int, quoted: bool) -> ast.Value:
        self.named.append((name, text, self.origin[at]))
        if not text.strip():
            raise self.error(at, "a value", "expected a value after '{name}:', not an empty one", name=name)
        if kind is FieldKind.DATE:
            return self.date_value(text, at)
        if kind is FieldKind.CODE:
            return ast.Text(text.upper())
        if kind is FieldKind.PROFILE:
            number = None if quoted else _number(text)
            return number if number is not None else ast.Text(text)
        if kind is FieldKind.SEGMENT:
            if not is_segment_no(text):
                message = N_("expected a segment number like SEG00001, found '{found}'")
                raise self.error(at, "a segment number", message, found=text)
            return ast.Text(text.upper())
        if name == "type":
            if text.lower() not in _TYPES:
                raise self.error(
                    at, "company or person", "type is company or person, not '{found}'", found=text
                )
            return ast.Text(text.lower())
        return ast.Text(text)

    def date_value(self, text: str, at: int) -> ast.Day | ast.Today:
        if _DATE.fullmatch(text):
            try:
                return ast.Day(date.fromisoformat(text))
            except ValueError:
                raise self.error(at, "a valid date", "{found} is not a valid date", found=text) from None
        relative = _TODAY.fullmatch(text)
        if relative is None:
            if text.lower().startswith("today"):
                message = N_("expected a relative date like today-30d, found '{found}'")
                raise self.error(at, "a relative date", message, found=text)
            message = N_("expected a date like 2024-01-31, today or today-30d, found '{found}'")
            raise self.error(at, "a date", message, found=text)
        sign, amount, unit = relative.groups()
        if amount is None:
            return ast.Today()
        offset = int(amount) * (-1 if sign == "-" else 1)
        unit_key = cast(ast.Unit, unit.lower())
        if abs(offset) > _MAX_OFFSET[unit_key]:
            raise self.error(at, "a smaller offset", "'{found}' is too far from today", found=text)
        return ast.Today(offset, unit_key)


def _number(text: str) -> ast.Number | None:
    # The pattern rather than Decimal() decides: Decimal also reads "1e5", "NaN" and "Infinity".
    return ast.Number(Decimal(text)) if _NUMBER.fullmatch(text) else None


def _is_empty_range(low: ast.Bound, high: ast.Bound) -> bool:
    if isinstance(low, ast.Text) and isinstance(high, ast.Text):
        return low.value.lower() > high.value.lower()
    if isinstance(low, ast.Number) and isinstance(high, ast.Number):
        return low.value > high.value
    if isinstance(low, ast.Day) and isinstance(high, ast.Day):
        return low.value > high.value
    if isinstance(low, ast.Today) and isinstance(high, ast.Today) and low.unit == high.unit:
        return low.offset > high.offset
    return False


def _suggestion(name: str) -> str | None:
    """The known field closest to an unknown ``name``, if any is close."""
    prefix, dot, rest = name.partition(".")
    if dot and difflib.get_close_matches(prefix, ["profile"], n=1, cutoff=0.6):
        return f"{PROFILE_PREFIX}{rest}"
    close = difflib.get_close_matches(name, list(FIELDS), n=1, cutoff=0.6)
    if close:
        return close[0]
    if difflib.get_close_matches(name, ["profile"], n=1, cutoff=0.6):
        return "profile.<question>"
    return None
