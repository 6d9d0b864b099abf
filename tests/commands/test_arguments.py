"""Reading /segment arguments as Slack delivers them (docs/user-guide.md)."""

from __future__ import annotations

import pytest

from commands.arguments import (
    ChannelRef,
    extract_options,
    parse_channel,
    parse_user,
    split_new_arguments,
    tokenize,
    unescape_slack,
)
from storage.errors import ValidationError

ACTION_OPTIONS = ("--expand-companies", "--related-companies", "--ignore-exclusion")


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        pytest.param("profile.revenue:&gt;=1000000", "profile.revenue:>=1000000", id="comparison"),
        pytest.param("name:&lt;acme&gt; &amp; co", "name:<acme> & co", id="angle brackets and ampersand"),
        pytest.param("name:&amp;lt;", "name:&lt;", id="an escape typed on purpose"),
        pytest.param("name:“two words”", 'name:"two words"', id="curly double quotes"),
        pytest.param("name:‘two words’", "name:'two words'", id="curly single quotes"),
        pytest.param(
            "add SEG00001 industry:x —expand-companies",
            "add SEG00001 industry:x --expand-companies",
            id="long dash before an option",
        ),
        pytest.param("plain text", "plain text", id="nothing to undo"),
    ],
)
def test_slack_escaping_and_typography_are_undone(sent: str, typed: str) -> None:
    assert unescape_slack(sent) == typed


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("show SEG00001 page 2", ["show", "SEG00001", "page", "2"]),
        ('save SEG00001 VIP "Key accounts"', ["save", "SEG00001", "VIP", "Key accounts"]),
        ("save SEG00001 VIP “Key accounts”", ["save", "SEG00001", "VIP", "Key accounts"]),
        ('schedule SEG00001 "0 9 * * 1-5" #sales', ["schedule", "SEG00001", "0 9 * * 1-5", "#sales"]),
        ('name:"two words" city:x', ["name:two words", "city:x"]),
        ("include SEG00001 O’Brien O'Neil", ["include", "SEG00001", "O’Brien", "O'Neil"]),
        (r'say "a \"b\" c"', ["say", 'a "b" c']),
        ('""', [""]),
        ("  \t ", []),
    ],
)
def test_tokenize_splits_words_and_keeps_quoted_words_together(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_tokenize_reports_a_quote_that_is_never_closed() -> None:
    with pytest.raises(ValidationError, match="never closed"):
        tokenize('save SEG00001 VIP "Key accounts')


def test_options_are_taken_out_and_returned_as_spelt_in_allowed() -> None:
    rest, found = extract_options("industry:retail --expand-companies --ignore-exclusion", ACTION_OPTIONS)
    assert rest == "industry:retail"
    assert found == frozenset({"--expand-companies", "--ignore-exclusion"})


def test_options_match_whatever_dash_case_or_underscore_the_user_typed() -> None:
    rest, found = extract_options("city:x —Expand_Companies –related-companies", ACTION_OPTIONS)
    assert rest == "city:x"
    assert found == frozenset({"--expand-companies", "--related-companies"})


def test_options_may_be_listed_without_dashes() -> None:
    _, found = extract_options("city:x --entire-companies", ["entire-companies"])
    assert found == frozenset({"entire-companies"})


def test_options_in_the_middle_leave_criteria_positions_unchanged() -> None:
    text = "city:x --expand-companies industy:y"
    rest, _ = extract_options(text, ACTION_OPTIONS)
    assert rest.index("industy") == text.index("industy")


def test_quoted_text_that_looks_like_an_option_is_left_alone() -> None:
    rest, found = extract_options('name:"--expand-companies" "--x"', ACTION_OPTIONS)
    assert rest == 'name:"--expand-companies" "--x"'
    assert found == frozenset()


def test_negated_criteria_are_not_options() -> None:
    rest, found = extract_options("-email:* NOT city:x", ACTION_OPTIONS)
    assert (rest, found) == ("-email:* NOT city:x", frozenset())


def test_a_dash_on_its_own_is_punctuation_not_an_option() -> None:
    text = "Q3 — key accounts -- north industry:x"
    assert extract_options(text, ACTION_OPTIONS) == (text, frozenset())


def test_an_unknown_option_is_named_with_the_allowed_ones() -> None:
    with pytest.raises(ValidationError) as caught:
        extract_options("city:x --expand-company", ["--entire-companies"])
    assert str(caught.value) == "unknown option '--expand-company' - allowed here: --entire-companies"


def test_an_option_where_none_is_allowed_says_so() -> None:
    with pytest.raises(ValidationError, match="allowed here: none"):
        extract_options("SEG00001 --force", [])


@pytest.mark.parametrize(
    ("token", "channel"),
    [
        ("<#C123ABC|sales>", ChannelRef(id="C123ABC", name="sales")),
        ("<#C123ABC>", ChannelRef(id="C123ABC", name=None)),
        ("<#C123ABC|>", ChannelRef(id="C123ABC", name=None)),
        ("<#G42|private-team>", ChannelRef(id="G42", name="private-team")),
        ("&lt;#C1|x&gt;", ChannelRef(id="C1", name="x")),
        ("#sales", ChannelRef(id=None, name="sales")),
        ("#Sales-EU", ChannelRef(id=None, name="sales-eu")),
    ],
)
def test_channels_are_read_from_slack_mentions_and_plain_names(token: str, channel: ChannelRef) -> None:
    assert parse_channel(token) == channel


@pytest.mark.parametrize("token", ["sales", "#", "<@U123|ana>", "<#C1|sales", "# sales"])
def test_anything_else_is_not_a_channel(token: str) -> None:
    with pytest.raises(ValidationError, match="expected one like #sales"):
        parse_channel(token)


@pytest.mark.parametrize(
    ("token", "user"),
    [
        ("<@U123ABC|ana>", "U123ABC"),
        ("<@U123ABC>", "U123ABC"),
        ("<@W99>", "W99"),
        ("&lt;@U1|ana&gt;", "U1"),
        ("@ana", None),
        ("<#C123|sales>", None),
        ("U123", None),
    ],
)
def test_users_are_read_from_slack_mentions_only(token: str, user: str | None) -> None:
    assert parse_user(token) == user


@pytest.mark.parametrize(
    ("text", "description", "criteria"),
    [
        ('"Big customers" industry:retail', "Big customers", "industry:retail"),
        ("“Big: customers” industry:retail", "Big: customers", "industry:retail"),
        ("Big customers industry:retail city:berlin", "Big customers", "industry:retail city:berlin"),
        ("Danes   in retail country:dk", "Danes in retail", "country:dk"),
        ("Q3 leads (city:a OR city:b)", "Q3 leads", "(city:a OR city:b)"),
        ("No email -email:*", "No email", "-email:*"),
        ("Not yet contacted NOT interacted:*", "Not yet contacted", "NOT interacted:*"),
        ('Named name:"two words"', "Named", 'name:"two words"'),
        ("Just a description", "Just a description", ""),
        ('"Quoted only"', "Quoted only", ""),
        ("'90s leads -email:*", "'90s leads", "-email:*"),
        ("industry:retail", "", "industry:retail"),
        ("Q3 — key accounts - north -city:oslo", "Q3 — key accounts - north", "-city:oslo"),
        ("-(city:a OR city:b)", "", "-(city:a OR city:b)"),
        ("", "", ""),
    ],
)
def test_new_splits_its_description_from_its_criteria(text: str, description: str, criteria: str) -> None:
    assert split_new_arguments(text) == (description, criteria)
