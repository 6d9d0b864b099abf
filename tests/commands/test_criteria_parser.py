"""The criteria language of docs/user-guide.md: text in, AST or a positioned error out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from commands.criteria_parser import MAX_DEPTH, CriteriaError, parse_criteria
from storage.criteria import ast as A
from storage.errors import ValidationError


def m(field: str, *values: str) -> A.Match:
    return A.Match(field, tuple(A.Text(v) for v in values))


PARSES: list[tuple[str, A.Expr]] = [
    # field:value, quoting, lists, wildcards
    ("city:berlin", m("city", "berlin")),
    ("City:Berlin", m("city", "Berlin")),
    ('name:"two words"', m("name", "two words")),
    (r'name:"say \"hi\""', m("name", 'say "hi"')),
    ("name:O’Brien", m("name", "O’Brien")),
    ("name:O'Brien", m("name", "O'Brien")),
    ("country:dk,se,no", m("country", "DK", "SE", "NO")),
    ('city:berlin,"new york"', m("city", "berlin", "new york")),
    ("name:acme*", m("name", "acme*")),
    ("email:*@acme.com", m("email", "*@acme.com")),
    ("email:*", A.Present("email")),
    ('email:"*"', m("email", "*")),
    ("-email:*", A.Not(A.Present("email"))),
    ("url:x:y".replace("url", "name"), m("name", "x:y")),
    # codes are stored upper-case, profile questions lower-case, segments like SEG00001
    ("industry:retail", m("industry", "RETAIL")),
    ("Industry:Retail*", m("industry", "RETAIL*")),
    ("segment:seg00001", m("segment", "SEG00001")),
    ("type:Company", m("type", "company")),
    ("type:person", m("type", "person")),
    ("profile.Rating:A", m("profile.rating", "A")),
    ("PROFILE.Revenue:1000", A.Match("profile.revenue", (A.Number(Decimal(1000)),))),
    ("profile.zip:007", A.Match("profile.zip", (A.Number(Decimal(7)),))),
    ('profile.zip:"007"', m("profile.zip", "007")),
    ("profile.score:-1.5", A.Match("profile.score", (A.Number(Decimal("-1.5")),))),
    ("profile.size:10,big", A.Match("profile.size", (A.Number(Decimal(10)), A.Text("big")))),
    # comparisons and ranges
    ("profile.revenue:>=1000000", A.Compare("profile.revenue", ">=", A.Number(Decimal(1000000)))),
    ("profile.revenue:&gt;=1000000", A.Compare("profile.revenue", ">=", A.Number(Decimal(1000000)))),
    ("profile.revenue:&lt;5", A.Compare("profile.revenue", "<", A.Number(Decimal(5)))),
    ("profile.revenue:<=5", A.Compare("profile.revenue", "<=", A.Number(Decimal(5)))),
    ("profile.revenue:>5", A.Compare("profile.revenue", ">", A.Number(Decimal(5)))),
    ("profile.revenue:10..20", A.Range("profile.revenue", A.Number(Decimal(10)), A.Number(Decimal(20)))),
    ("profile.revenue:-5..0.5", A.Range("profile.revenue", A.Number(Decimal(-5)), A.Number(Decimal("0.5")))),
    ("created:2024-01-31", A.Match("created", (A.Day(date(2024, 1, 31)),))),
    ("created:2024-01-31,today", A.Match("created", (A.Day(date(2024, 1, 31)), A.Today()))),
    ("created:>=today-30d", A.Compare("created", ">=", A.Today(-30, "d"))),
    ("created:<TODAY+2W", A.Compare("created", "<", A.Today(2, "w"))),
    ("created:today-1y..today", A.Range("created", A.Today(-1, "y"), A.Today())),
    (
        "interacted:2024-01-01..2024-03-31",
        A.Range("interacted", A.Day(date(2024, 1, 1)), A.Day(date(2024, 3, 31))),
    ),
    ("interacted:>today-6m", A.Compare("interacted", ">", A.Today(-6, "m"))),
    ("interaction:meeting", m("interaction", "MEETING")),
    # ranges on every field; text compares as text, either end may be open
    ("no:CT000100..CT000200", A.Range("no", A.Text("CT000100"), A.Text("CT000200"))),
    ("post_code:20100..20199", A.Range("post_code", A.Text("20100"), A.Text("20199"))),
    ("country:de..fr", A.Range("country", A.Text("DE"), A.Text("FR"))),
    ("segment:seg00001..seg00003", A.Range("segment", A.Text("SEG00001"), A.Text("SEG00003"))),
    ("created:2025-01-01..", A.Range("created", A.Day(date(2025, 1, 1)), None)),
    ("profile.revenue:..50000", A.Range("profile.revenue", None, A.Number(Decimal(50000)))),
    ("profile.rating:a..c", A.Range("profile.rating", A.Text("a"), A.Text("c"))),
    ("name:..M", A.Range("name", None, A.Text("M"))),
    # one interaction meets every condition inside interaction:(...)
    (
        "interaction:(template:meeting date:>=today-30d evaluation:positive campaign:c1 salesperson:ah)",
        A.Interaction(
            A.And(
                (
                    m("template", "MEETING"),
                    A.Compare("date", ">=", A.Today(-30, "d")),
                    m("evaluation", "positive"),
                    m("campaign", "C1"),
                    m("salesperson", "AH"),
                )
            )
        ),
    ),
    (
        "-interaction:( template:call OR -date:2026-01-01..today ) city:a",
        A.And(
            (
                A.Not(
                    A.Interaction(
                        A.Or(
                            (
                                m("template", "CALL"),
                                A.Not(A.Range("date", A.Day(date(2026, 1, 1)), A.Today())),
                            )
                        )
                    )
                ),
                m("city", "a"),
            )
        ),
    ),
    # AND, OR, NOT, parentheses and precedence
    ("city:a city:b", A.And((m("city", "a"), m("city", "b")))),
    ("city:a AND city:b", A.And((m("city", "a"), m("city", "b")))),
    ("city:a OR city:b", A.Or((m("city", "a"), m("city", "b")))),
    ("city:a or city:b", A.Or((m("city", "a"), m("city", "b")))),
    ("city:a city:b OR city:c", A.Or((A.And((m("city", "a"), m("city", "b"))), m("city", "c")))),
    ("city:a OR city:b city:c", A.Or((m("city", "a"), A.And((m("city", "b"), m("city", "c")))))),
    ("(city:a OR city:b) city:c", A.And((A.Or((m("city", "a"), m("city", "b"))), m("city", "c")))),
    ("NOT city:a city:b", A.And((A.Not(m("city", "a")), m("city", "b")))),
    ("not city:a OR city:b", A.Or((A.Not(m("city", "a")), m("city", "b")))),
    ("-(city:a OR city:b)", A.Not(A.Or((m("city", "a"), m("city", "b"))))),
    ("NOT(city:a)", A.Not(m("city", "a"))),
    ("-(-city:a)", A.Not(A.Not(m("city", "a")))),
    ("((city:a))", m("city", "a")),
    ("  city:a  ", m("city", "a")),
    ("city:a (city:b city:c)", A.And((m("city", "a"), A.And((m("city", "b"), m("city", "c")))))),
    # keywords and operators are only keywords where they stand alone
    ("city:or", m("city", "or")),
    ("name:a..b".replace("a..b", '"a..b"'), m("name", "a..b")),
    ('name:">5"', m("name", ">5")),
]


@pytest.mark.parametrize(("text", "expected"), PARSES)
def test_criteria_text_parses_to_the_expected_tree(text: str, expected: A.Expr) -> None:
    assert parse_criteria(text) == expected


@pytest.mark.parametrize(
    "quoted", ["“two words”", "‘two words’", "'two words'"], ids=["curly-double", "curly-single", "single"]
)
def test_curly_and_single_quotes_quote_a_value_like_straight_double_quotes(quoted: str) -> None:
    assert parse_criteria(f"name:{quoted}") == m("name", "two words")


@pytest.mark.parametrize(("text", "expected"), PARSES)
def test_the_printed_form_of_each_parsed_criteria_parses_to_the_same_tree(
    text: str, expected: A.Expr
) -> None:
    assert parse_criteria(A.to_text(expected)) == expected


# (text, position, expected, a phrase the message contains)
ERRORS: list[tuple[str, int, str, str]] = [
    ("", 0, "a criterion", "expected a criterion"),
    ("   ", 3, "a criterion", "expected a criterion"),
    ("industy:retail", 0, "a field name", "unknown field 'industy' - did you mean 'industry'?"),
    ("city:x industy:retail", 7, "a field name", "did you mean 'industry'?"),
    ("profle.rating:a", 0, "a field name", "did you mean 'profile.rating'?"),
    ("profile:a", 0, "a field name", "profile.rating"),
    ("profile.:a", 0, "a field name", "expected a question after 'profile.'"),
    ("zzzz:a", 0, "a field name", "known fields:"),
    ("acme", 0, "field:value", "expected field:value, found 'acme'"),
    ("industry retail", 8, "':'", "expected ':' and a value after 'industry'"),
    (":x", 0, "a field name", "before ':'"),
    ('"acme"', 0, "a field name", 'like name:"two words"'),
    ("city:", 5, "a value", "expected a value after 'city:'"),
    ("city: berlin", 5, "a value", "expected a value after 'city:'"),
    ('city:""', 5, "a value", "not an empty one"),
    ("city:a,", 7, "a value", "after ','"),
    ("city:a, b", 7, "a value", "no space"),
    ("city:,a", 5, "a value", "before ','"),
    ('city:"berlin', 5, "a closing quote", "the quote at 5 is never closed"),
    ('city:"a"b', 8, "a space", "after the closing quote"),
    ("city:a(b)", 6, "a space", "before '('"),
    ("(city:a", 7, "')'", "expected ')' to close the '(' at 0"),
    ("city:a OR (city:b city:c", 24, "')'", "the '(' at 10"),
    ("city:a)", 6, "a criterion", "unexpected ')'"),
    (")", 0, "a criterion", "unexpected ')'"),
    ("()", 1, "a criterion", "inside the parentheses"),
    ("city:a OR", 9, "a criterion", "after 'OR'"),
    ("city:a OR )", 10, "a criterion", "after 'OR'"),
    ("OR city:a", 0, "a criterion", "before 'OR'"),
    ("city:a OR OR city:b", 10, "a criterion", "before 'OR'"),
    ("city:a AND", 10, "a criterion", "after 'AND'"),
    ("city:a AND OR city:b", 11, "a criterion", "after 'AND'"),
    ("NOT", 3, "a criterion", "to negate"),
    ("city:a -", 8, "a criterion", "to negate"),
    ("city:a ,", 7, "a criterion", "unexpected ','"),
    ("city:a --expand-companies", 7, "a criterion", "unexpected option '--expand-companies'"),
    ("city:a —expand-companies", 7, "a criterion", "unexpected option"),
    ("name:>5", 5, "a value", "comparisons ('>') work only on dates"),
    ("profile.rating:>A", 16, "a number", "expected a number, found 'A'"),
    ("city:..", 5, "a value", "before or after '..'"),
    ("city:a..b..c", 9, "a value", "one '..'"),
    ("name:a*..b", 5, "a value", "wildcard"),
    ("no:CT000200..CT000100", 3, "a range", "CT000200..CT000100 is empty: CT000200 comes after CT000100"),
    ("post_code:B..a", 10, "a range", "is empty"),
    ("profile.rating:5..1", 15, "a range", "is empty"),
    ("profile.rating:1..today", 18, "a number", "found 'today'"),
    ("profile.rating:1..2,3", 15, "a value", "cannot be part of a list"),
    ("profile.rating:>", 16, "a value", "after '>'"),
    ("created:yesterday", 8, "a date", "expected a date like 2024-01-31, today or today-30d"),
    ("created:2024-02-30", 8, "a valid date", "2024-02-30 is not a valid date"),
    ("created:today-30", 8, "a relative date", "like today-30d"),
    ("created:>today-999999y", 9, "a smaller offset", "too far from today"),
    ("created:2024*", 8, "a date", "expected a date"),
    ("created:2024-01-01..2023-01-01", 8, "a range", "is empty"),
    ("created:today..today-30d", 8, "a range", "is empty"),
    ("interaction:()", 13, "a condition on the interaction", "inside the parentheses"),
    ("interaction:(template:a", 23, "')'", "to close the '(' at 12"),
    ("interaction:(templte:a)", 13, "an interaction field", "did you mean 'template'?"),
    ("interaction:(city:a)", 13, "an interaction field", "known: template, date"),
    ("interaction:(template:a)city:b", 24, "a space", "after ')'"),
    ("interaction:(date:>x)", 19, "a date", "expected a date"),
    ("type:org", 5, "company or person", "type is company or person, not 'org'"),
    ("segment:42", 8, "a segment number", "like SEG00001"),
    ("profile.a b:1", 9, "':'", "expected ':' and a value after 'profile.a'"),
    # positions count in the text as Slack sent it, entities and all
    ("profile.x:&gt;=1 industy:a", 17, "a field name", "did you mean 'industry'?"),
    ("name:&amp; industy:a", 11, "a field name", "did you mean 'industry'?"),
]


@pytest.mark.parametrize(("text", "position", "expected", "phrase"), ERRORS)
def test_mistakes_name_the_position_and_what_was_expected(
    text: str, position: int, expected: str, phrase: str
) -> None:
    with pytest.raises(CriteriaError) as caught:
        parse_criteria(text)
    error = caught.value
    assert (error.position, error.expected) == (position, expected)
    assert phrase in str(error)
    assert str(error).startswith(f"at {position}: ")
    assert error.text == text


def test_the_unknown_field_message_reads_as_the_contract_example() -> None:
    with pytest.raises(CriteriaError) as caught:
        parse_criteria("country:dk industy:retail")
    assert str(caught.value) == "at 11: unknown field 'industy' - did you mean 'industry'?"


def test_criteria_errors_are_validation_errors_so_the_bot_reports_them_in_one_place() -> None:
    with pytest.raises(ValidationError):
        parse_criteria("city:")


def test_nesting_beyond_the_limit_is_a_criteria_error_not_a_crash() -> None:
    deep = "(" * 500 + "city:a" + ")" * 500
    with pytest.raises(CriteriaError, match="nest too deeply"):
        parse_criteria(deep)
    negations = "-" + "NOT " * 500 + "city:a"
    with pytest.raises(CriteriaError, match="nest too deeply"):
        parse_criteria(negations)


def test_nesting_within_the_limit_parses() -> None:
    depth = MAX_DEPTH - 1
    expr = parse_criteria("(" * depth + "city:a" + ")" * depth)
    assert expr == m("city", "a")


def test_a_double_negation_prints_without_reading_as_an_option_or_nesting_deeper() -> None:
    expr = A.Not(A.Not(A.Not(m("city", "a"))))
    assert A.to_text(expr) == "NOT NOT -city:a"
    assert parse_criteria(A.to_text(expr)) == expr
    deepest = "NOT " * (MAX_DEPTH - 1) + "city:a"
    assert parse_criteria(A.to_text(parse_criteria(deepest))) == parse_criteria(deepest)


def test_relative_dates_stay_relative_in_the_tree() -> None:
    expr = parse_criteria("interacted:>=today-30d")
    assert expr == A.Compare("interacted", ">=", A.Today(-30, "d"))
    assert A.to_text(expr) == "interacted:>=today-30d"


def test_printing_quotes_values_the_parser_would_otherwise_reinterpret() -> None:
    expr = A.And(
        (
            m("name", "a b"),
            m("profile.zip", "007"),
            m("city", "or"),
            m("name", "*"),
            m("name", "&gt;"),
            m("name", 'say "hi"'),
        )
    )
    text = A.to_text(expr)
    assert text == r'name:"a b" profile.zip:"007" city:"or" name:"*" name:&amp;gt; name:"say \"hi\""'
    assert parse_criteria(text) == expr
