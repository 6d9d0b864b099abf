"""Properties of the criteria parser and printer that no table covers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.criteria_parser import CriteriaError, parse_criteria
from storage.criteria import ast as A
from storage.criteria.fields import FIELDS, FieldKind

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces of the language, so generated texts reach deep into the parser rather than failing at 0.
FRAGMENTS = [
    "city:",
    "industry:",
    "profile.revenue:",
    "created:",
    "segment:",
    "type:",
    "email:*",
    "industy:",
    "profile.",
    "name:",
    "(",
    ")",
    " ",
    " OR ",
    " or ",
    "AND ",
    "NOT ",
    "-",
    "--",
    "—",
    ",",
    "..",
    ":",
    ">",
    ">=",
    "<",
    "<=",
    "&gt;",
    "&lt;",
    "&amp;",
    "&",
    "*",
    '"',
    "“",
    "”",
    "‘",
    "’",
    "'",
    "\\",
    "today",
    "today-30d",
    "today+1w",
    "today-0y",
    "2024-01-31",
    "2024-02-30",
    "9999-12-31",
    "10",
    "-1.5",
    ".5",
    "1e5",
    "acme",
    "SEG00001",
    "company",
    "person",
    "\t",
    "\n",
    "\x00",
    "é",
]

fragment_texts = st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join)


@SETTINGS
@given(st.one_of(st.text(max_size=60), fragment_texts))
def test_no_text_makes_the_parser_raise_anything_but_a_criteria_error(text: str) -> None:
    try:
        parse_criteria(text)
    except CriteriaError as error:
        assert 0 <= error.position <= len(text)
        assert str(error).startswith(f"at {error.position}: ")


# --- generated trees: what the parser can produce -----------------------------------------------

_TEXT_FIELDS = [f for f, k in FIELDS.items() if k is FieldKind.TEXT and f != "type"]
_CODE_FIELDS = [f for f, k in FIELDS.items() if k is FieldKind.CODE]
_DATE_FIELDS = [f for f, k in FIELDS.items() if k is FieldKind.DATE]

# Control characters cannot be typed into criteria (they are refused), so no tree holds one.
words = st.text(st.characters(blacklist_categories=("Cc",)), min_size=1, max_size=12).filter(
    lambda s: s.strip() != ""
)
questions = st.from_regex(r"profile\.[a-z][a-z0-9_]{0,8}", fullmatch=True)
numbers = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False).map(A.Number)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(A.Day)
todays = st.builds(A.Today, st.integers(-400, 400), st.sampled_from(["d", "w", "m", "y"]))
dates = st.one_of(days, todays)
ops = st.sampled_from(["<", "<=", ">", ">="])


def _ordered_range(field: str, low: A.Number | A.Day | A.Today, high: A.Number | A.Day | A.Today) -> A.Range:
    """A range the parser accepts: ends in order wherever their order is known without a today."""
    if isinstance(low, A.Today) and isinstance(high, A.Today):
        ends_in_order = low.unit != high.unit or low.offset <= high.offset
    elif isinstance(low, A.Today) or isinstance(high, A.Today):
        ends_in_order = True
    else:
        ends_in_order = low.value <= high.value  # type: ignore[operator]
    if not ends_in_order:
        low, high = high, low
    return A.Range(field, low, high)


def _upper_words() -> st.SearchStrategy[A.Text]:
    return words.map(str.upper).filter(lambda s: s.upper() == s).map(A.Text)


def _lists(values: st.SearchStrategy) -> st.SearchStrategy[tuple]:  # type: ignore[type-arg]
    return st.lists(values, min_size=1, max_size=3).map(tuple)


# The ends of a text range are bare words: no spaces, quotes, commas, parentheses or "..".
_bare_words = st.from_regex(r"[A-Za-z0-9_@][A-Za-z0-9_@\-]{0,9}", fullmatch=True)


def _text_range(field: str, low: str | None, high: str | None) -> A.Range:
    """A text range the parser accepts: codes upper-case, ends in case-insensitive order, one end at least."""
    fold = str.upper if field in _CODE_FIELDS or field == "segment" else str
    low_text, high_text = (fold(low) if low else None), (fold(high) if high else None)
    if low_text is None and high_text is None:
        low_text = "A"
    if low_text is not None and high_text is not None and low_text.lower() > high_text.lower():
        low_text, high_text = high_text, low_text
    return A.Range(field, A.Text(low_text) if low_text else None, A.Text(high_text) if high_text else None)


def _open_range(field: str, value: A.Number | A.Day | A.Today, open_low: bool) -> A.Range:
    return A.Range(field, None, value) if open_low else A.Range(field, value, None)


_INTERACTION_LEAVES: st.SearchStrategy[A.Expr] = st.one_of(
    st.builds(
        A.Match,
        st.sampled_from(["template", "campaign", "salesperson"]),
        _lists(_bare_words.map(str.upper).map(A.Text)),
    ),
    st.builds(A.Match, st.just("evaluation"), _lists(words.map(A.Text))),
    st.builds(A.Compare, st.just("date"), ops, dates),
    st.builds(_ordered_range, st.just("date"), days, days),
    st.builds(A.Present, st.sampled_from(["campaign", "evaluation"])),
)
_interaction_groups = st.recursive(
    _INTERACTION_LEAVES,
    lambda children: st.one_of(
        st.builds(A.Not, children),
        st.lists(children, min_size=2, max_size=3).map(lambda items: A.And(tuple(items))),
    ),
    max_leaves=4,
).map(A.Interaction)

leaves: st.SearchStrategy[A.Expr] = st.one_of(
    st.builds(A.Match, st.sampled_from(_TEXT_FIELDS), _lists(words.map(A.Text))),
    st.builds(A.Match, st.just("type"), _lists(st.sampled_from(["company", "person"]).map(A.Text))),
    st.builds(A.Match, st.sampled_from(_CODE_FIELDS), _lists(_upper_words())),
    st.builds(
        A.Match, st.just("segment"), _lists(st.integers(1, 99999).map(lambda n: A.Text(f"SEG{n:05d}")))
    ),
    st.builds(A.Match, st.sampled_from(_DATE_FIELDS), _lists(dates)),
    st.builds(A.Match, questions, _lists(st.one_of(numbers, words.map(A.Text)))),
    st.builds(A.Present, st.sampled_from([*FIELDS, "profile.rating"])),
    st.builds(A.Compare, st.sampled_from(_DATE_FIELDS), ops, dates),
    st.builds(A.Compare, questions, ops, numbers),
    st.builds(_ordered_range, st.sampled_from(_DATE_FIELDS), days, days),
    st.builds(_ordered_range, st.sampled_from(_DATE_FIELDS), todays, dates),
    st.builds(_ordered_range, questions, numbers, numbers),
    st.builds(
        _text_range,
        st.sampled_from([*_TEXT_FIELDS, *_CODE_FIELDS, "segment"]),
        st.none() | _bare_words,
        st.none() | _bare_words,
    ),
    st.builds(_open_range, st.sampled_from(_DATE_FIELDS), dates, st.booleans()),
    st.builds(_open_range, questions, numbers, st.booleans()),
    _interaction_groups,
)

trees: st.SearchStrategy[A.Expr] = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.builds(A.Not, children),
        st.lists(children, min_size=2, max_size=3).map(lambda items: A.And(tuple(items))),
        st.lists(children, min_size=2, max_size=3).map(lambda items: A.Or(tuple(items))),
    ),
    max_leaves=8,
)


@SETTINGS
@given(trees)
def test_any_tree_prints_to_text_that_parses_back_to_it(expr: A.Expr) -> None:
    assert parse_criteria(A.to_text(expr)) == expr


@SETTINGS
@given(trees)
def test_any_tree_survives_the_journal_json(expr: A.Expr) -> None:
    assert A.from_json(A.to_json(expr)) == expr


def test_a_profile_number_equals_the_same_number_written_with_trailing_zeros() -> None:
    assert parse_criteria("profile.x:1.50") == A.Match("profile.x", (A.Number(Decimal("1.5")),))


# --- texts as people type them: the canonical text in other spellings ---------------------------

_SPELLINGS = [
    (" OR ", " or "),
    (" OR ", "  Or\t"),
    (" ", " AND "),
    ("-", "NOT "),
    ('"', "“"),
    (">", "&gt;"),
    ("<", "&lt;"),
    ("(", "( "),
    (")", " )"),
    ("today", "TODAY"),
    ("city:", "City:"),
    ("profile.", "Profile."),
]


@st.composite
def typed_texts(draw: st.DrawFn) -> str:
    """A tree's canonical text, respelt with keywords in other cases, Slack entities, curly quotes..."""
    text = A.to_text(draw(trees))
    for old, new in draw(st.lists(st.sampled_from(_SPELLINGS), max_size=4, unique=True)):
        text = text.replace(old, new)
    return text


@SETTINGS
@given(st.one_of(typed_texts(), fragment_texts))
def test_criteria_that_parse_print_to_text_that_parses_the_same(text: str) -> None:
    try:
        expr = parse_criteria(text)
    except CriteriaError:
        return
    assert parse_criteria(A.to_text(expr)) == expr
