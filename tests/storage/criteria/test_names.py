"""Criteria naming segments, codes or profile questions the workspace does not have are errors."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.criteria.ast import And, Compare, Expr, Interaction, Match, Not, Number, Or, Present, Text
from storage.criteria.names import UnknownNameError, check_names
from storage.models import ContactMailingGroup, IndustryGroup, InteractionTemplate, ProfileQuestion, Workspace
from storage.service import changes, segments
from tests.factories import add_contact, add_interaction


def _m(field: str, *values: str) -> Match:
    return Match(field, tuple(Text(v) for v in values))


@pytest.fixture
def ws(session: Session, workspace: Workspace) -> int:
    """A retail company in Denmark with a newsletter reader who was met and rated."""
    ws = workspace.id
    acme = add_contact(
        session, ws, "CT001", name="Acme", industries=("RETAIL",), relations=("CUST",), country="DK",
        territory="NORTH", salesperson="JR", language="DA",
    )  # fmt: skip
    ana = add_contact(
        session, ws, "CT010", name="Ana", company=acme, mailing=("NEWSLETTER",), jobs=("BUYER",),
        profile={"rating": "A", "employees": "250"},
    )  # fmt: skip
    add_interaction(session, ws, ana, "MEETING", date(2025, 1, 10))
    segments.create_segment(session, ws, description="Danes", owner_user_id="U1")
    return ws


def _error(session: Session, ws: int, expr: Expr) -> UnknownNameError:
    with pytest.raises(UnknownNameError) as caught:
        check_names(session, ws, expr)
    return caught.value


@pytest.mark.parametrize(
    ("expr", "field", "value", "close"),
    [
        (_m("industry", "RETIAL"), "industry", "RETIAL", "RETAIL"),
        (_m("relation", "CUTS"), "relation", "CUTS", "CUST"),
        (_m("mailing", "NEWSLETER"), "mailing", "NEWSLETER", "NEWSLETTER"),
        (_m("job", "BUYR"), "job", "BUYR", "BUYER"),
        (_m("interaction", "MEETNG"), "interaction", "MEETNG", "MEETING"),
        (_m("salesperson", "JRR"), "salesperson", "JRR", "JR"),
        (_m("territory", "NORTHH"), "territory", "NORTHH", "NORTH"),
        (_m("country", "DK", "DKK"), "country", "DKK", "DK"),
        (_m("language", "DAA"), "language", "DAA", "DA"),
        (_m("segment", "SEG1"), "segment", "SEG1", "SEG00001"),
        (
            Interaction(And((_m("template", "MEETNG"), _m("evaluation", "x")))),
            "template",
            "MEETNG",
            "MEETING",
        ),
    ],
)
def test_a_code_no_contact_carries_is_an_error_naming_the_closest(session, ws, expr, field, value, close):
    error = _error(session, ws, expr)

    assert (error.field, error.value) == (field, value)
    assert error.params["close"] == close
    assert "did you mean" in str(error)


def test_an_unknown_name_is_found_under_not_and_or(session, ws):
    error = _error(
        session, ws, And((_m("industry", "RETAIL"), Or((Not(_m("mailing", "NEWS")), _m("job", "BUYER")))))
    )

    assert (error.field, error.value) == ("mailing", "NEWS")


def test_far_from_every_known_code_the_error_lists_the_known_ones(session, ws):
    error = _error(session, ws, _m("industry", "ZZZZZZ"))

    assert str(error) == "no industry code ZZZZZZ in this workspace; the codes are RETAIL"


def test_a_missing_segment_is_an_error_listing_the_segments(session, ws):
    error = _error(session, ws, _m("segment", "SEG09999"))

    assert str(error) == "there is no segment SEG09999; the segments are SEG00001"


@pytest.mark.parametrize(
    "expr",
    [
        Match("profile.ratng", (Text("a"),)),
        Present("profile.ratng"),
        Compare("profile.ratng", ">=", Number(1)),
    ],
)
def test_a_profile_question_no_contact_answers_is_an_error_whatever_the_term(session, ws, expr):
    error = _error(session, ws, expr)

    assert (error.field, error.value) == ("profile.ratng", "ratng")
    assert error.params["close"] == "profile.rating"


@pytest.mark.parametrize(
    "expr",
    [
        _m("industry", "RETAIL"),
        _m("industry", "RET*"),
        _m("industry", "*"),
        Present("industry"),
        _m("country", "DK"),
        _m("segment", "SEG00001"),
        Match("profile.rating", (Text("z"),)),
        Not(_m("interaction", "MEETING")),
        _m("city", "Nowhere"),
        _m("name", "Zed"),
    ],
)
def test_known_names_wildcards_and_free_text_pass(session, ws, expr):
    check_names(session, ws, expr)


def test_a_declared_code_no_contact_carries_yet_matches_nothing_without_error(session, ws):
    session.add_all(
        [
            IndustryGroup(workspace_id=ws, code="BANK", description="Banks"),
            InteractionTemplate(workspace_id=ws, code="WEBINAR", description="Webinar"),
            ProfileQuestion(workspace_id=ws, code="Budget", description="Budget"),
        ]
    )
    session.flush()

    check_names(session, ws, And((_m("industry", "BANK"), _m("interaction", "WEBINAR"))))
    check_names(session, ws, Present("profile.budget"))


def test_codes_of_another_workspace_do_not_count(session, ws):
    other = Workspace(team_id="T0002", name="Other")
    session.add(other)
    session.flush()
    add_contact(session, other.id, "X1", industries=("BANK",))

    error = _error(session, ws, _m("industry", "BANK"))

    assert error.value == "BANK"


def test_an_add_with_a_misspelt_code_is_refused_and_changes_nothing(session, ws):
    with pytest.raises(UnknownNameError):
        changes.preview_action(
            session, ws, "SEG00001", "add", criteria=_m("industry", "RETIAL"), user_id="U1"
        )


def test_a_refresh_replays_a_code_that_has_disappeared_since_as_matching_nothing(session, ws):
    changes.apply_action(
        session,
        ws,
        "SEG00001",
        "add",
        criteria=_m("mailing", "NEWSLETTER"),
        user_id="U1",
        today=date(2025, 2, 1),
    )
    session.execute(delete(ContactMailingGroup).where(ContactMailingGroup.workspace_id == ws))

    result = changes.refresh_segment(session, ws, "SEG00001", user_id="U1", today=date(2025, 2, 2))

    assert (result.size_before, result.size_after) == (1, 0)


def test_inside_an_interaction_group_a_known_template_passes_and_free_text_is_not_checked(session, ws):
    check_names(session, ws, Interaction(And((_m("template", "MEETING"), _m("description", "anything")))))


def test_an_unknown_campaign_inside_an_interaction_group_is_an_error(session, ws):
    error = _error(session, ws, Not(Interaction(_m("campaign", "CP9"))))
    assert (error.field, error.value) == ("campaign", "CP9")
