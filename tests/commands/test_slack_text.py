from __future__ import annotations

import pytest

from commands.slack_text import (
    decode_entities,
    decode_entities_keeping_positions,
    is_logged_segment_no,
    is_segment_no,
    quote_family,
)


def test_entities_are_decoded_and_each_character_keeps_its_position_in_what_slack_sent() -> None:
    text, origin = decode_entities_keeping_positions("a&gt;=5 &amp; b")

    assert text == "a>=5 & b"
    assert decode_entities("a&gt;=5 &amp; b") == text
    # ">" came from "&gt;" at 1; "=" from 5; "&" from "&amp;" at 8; the end is one past the text.
    assert [origin[0], origin[1], origin[2], origin[5], origin[-1]] == [0, 1, 5, 8, 15]


def test_a_typographic_quote_is_closed_by_either_quote_of_its_family() -> None:
    assert set('“”"') <= set(quote_family("“"))
    assert "'" in quote_family("‘") and '"' not in quote_family("’")


@pytest.mark.parametrize(
    ("token", "segment", "logged"),
    [
        ("SEG00001", True, False),
        ("seg1", True, False),
        ("LSEG00001", False, True),
        ("SEG", False, False),
        ("SEG00001x", False, False),
        ("SEG٠٠١", False, False),  # Arabic-Indic digits are not a number the database holds
    ],
)
def test_segment_numbers_are_told_from_logged_ones(token: str, segment: bool, logged: bool) -> None:
    assert (is_segment_no(token), is_logged_segment_no(token)) == (segment, logged)
