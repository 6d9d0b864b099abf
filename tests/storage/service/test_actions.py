"""Business Central's segment actions: Add, Reduce, Refine, include/remove, with their options."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from storage.errors import NotFoundError, ValidationError
from storage.service import changes
from tests.storage.service.conftest import World, apply, crit, members, new_segment


def _everyone(session: Session, world: World) -> str:
    seg = new_segment(session, world)
    apply(session, world, seg, "add", crit("country", "DK", "US"), ignore_exclusion=True)
    return seg


# (criteria, options, the segment afterwards), in the world described in conftest.py.
ADDS = {
    "skips-excluded-contacts-and-persons-match-their-companys-industry": (
        crit("industry", "RETAIL"),
        {},
        {"CT001", "CT010", "CT012", "CT030"},
    ),
    "ignore-exclusion-adds-excluded-contacts-too": (
        crit("country", "DK"),
        {"ignore_exclusion": True},
        {"CT001", "CT010", "CT011", "CT003", "CT030", "CT040"},
    ),
    "expand-companies-adds-the-persons-of-a-matched-company-except-excluded-ones": (
        crit("no", "CT001"),
        {"expand_companies": True},
        {"CT001", "CT010", "CT012"},
    ),
    # Bo (CT011) is flagged exclude_from_segment: widening happens first, the exclusion last.
    "expand-companies-brings-a-matched-persons-company-and-colleagues": (
        crit("no", "CT012"),
        {"expand_companies": True},
        {"CT001", "CT010", "CT012"},
    ),
    "expand-companies-widens-an-excluded-match-to-its-company-before-dropping-it": (
        crit("no", "CT011"),
        {"expand_companies": True},
        {"CT001", "CT010", "CT012"},
    ),
    "related-companies-adds-the-company-of-an-excluded-person-but-not-the-person": (
        crit("no", "CT011"),
        {"related_companies": True},
        {"CT001"},
    ),
    # Initech is excluded, and Flo has no company.
    "related-companies-adds-the-company-of-a-matched-person": (
        crit("no", "CT020", "CT030", "CT040"),
        {"related_companies": True},
        {"CT020", "CT002", "CT030", "CT040"},
    ),
}


@pytest.mark.parametrize(("criteria", "options", "expected"), ADDS.values(), ids=ADDS.keys())
def test_add_puts_the_matching_contacts_in_the_segment(session, world, criteria, options, expected):
    seg = new_segment(session, world)
    apply(session, world, seg, "add", criteria, **options)
    assert members(session, world, seg) == expected


# Starting from everyone in DK and US, exclusions ignored.
REDUCES = {
    "removes-only-the-matching-lines": (
        crit("no", "CT010", "CT040"),
        {},
        {"CT001", "CT011", "CT012", "CT002", "CT020", "CT003", "CT030"},
    ),
    "entire-companies-removes-the-whole-company-of-a-matched-person": (
        crit("no", "CT010", "CT002", "CT040"),
        {"entire_companies": True},
        {"CT003", "CT030"},
    ),
}


@pytest.mark.parametrize(("criteria", "options", "expected"), REDUCES.values(), ids=REDUCES.keys())
def test_reduce_takes_the_matching_contacts_out_of_the_segment(session, world, criteria, options, expected):
    seg = _everyone(session, world)
    apply(session, world, seg, "reduce", criteria, **options)
    assert members(session, world, seg) == expected


def test_add_skips_contacts_already_in_the_segment(session, world):
    seg = new_segment(session, world)
    apply(session, world, seg, "add", crit("no", "CT001"))
    result = apply(session, world, seg, "add", crit("no", "CT001", "CT002"))
    assert (result.added, result.size_after) == (1, 2)


def test_an_excluded_company_still_brings_its_persons_who_are_not_excluded(session, world):
    seg = new_segment(session, world)
    apply(session, world, seg, "add", crit("no", "CT003"), expand_companies=True)
    assert members(session, world, seg) == {"CT030"}
    apply(session, world, seg, "add", crit("no", "CT003"), expand_companies=True, ignore_exclusion=True)
    assert members(session, world, seg) == {"CT003", "CT030"}


def test_expand_companies_skips_contacts_already_in_the_segment(session, world):
    seg = new_segment(session, world)
    apply(session, world, seg, "add", crit("no", "CT010"))
    result = apply(session, world, seg, "add", crit("no", "CT003"), expand_companies=True)
    assert (result.added, result.size_after) == (1, 2)


def test_reduce_with_entire_companies_removes_every_person_of_a_matched_company(session, world):
    seg = _everyone(session, world)
    apply(session, world, seg, "reduce", crit("industry", "MFG"), entire_companies=True)
    assert "CT002" not in members(session, world, seg)
    assert "CT020" not in members(session, world, seg)
    assert len(members(session, world, seg)) == 7


def test_refine_keeps_only_the_matching_lines(session, world):
    seg = _everyone(session, world)
    apply(session, world, seg, "refine", crit("country", "US"))
    assert members(session, world, seg) == {"CT012", "CT002", "CT020"}


def test_refine_with_entire_companies_keeps_every_contact_of_a_matched_company(session, world):
    seg = _everyone(session, world)
    apply(session, world, seg, "refine", crit("no", "CT012", "CT002"), entire_companies=True)
    assert members(session, world, seg) == {"CT001", "CT010", "CT011", "CT012", "CT002", "CT020"}


def test_include_and_remove_named_contacts_case_insensitively(session, world):
    seg = new_segment(session, world)
    included = changes.apply_action(
        session, world.workspace_id, seg, "include", contact_nos=["ct011", "CT040"], user_id="U1"
    )
    assert included.added == 2  # an explicitly named contact is included even when excluded
    removed = changes.apply_action(
        session, world.workspace_id, seg, "remove", contact_nos=["CT040"], user_id="U1"
    )
    assert (removed.removed, removed.size_after) == (1, 1)
    assert members(session, world, seg) == {"CT011"}


def test_include_names_every_unknown_contact_number(session, world):
    seg = new_segment(session, world)
    with pytest.raises(NotFoundError, match="CT998, CT999"):
        changes.apply_action(
            session, world.workspace_id, seg, "include", contact_nos=["CT001", "CT998", "CT999"], user_id="U1"
        )


def test_an_option_that_does_not_belong_to_the_action_is_refused(session, world):
    seg = new_segment(session, world)
    with pytest.raises(ValidationError, match="entire_companies cannot be used with add"):
        apply(session, world, seg, "add", crit("no", "CT001"), entire_companies=True)


def test_criteria_actions_need_criteria(session, world):
    seg = new_segment(session, world)
    with pytest.raises(ValidationError, match="needs criteria"):
        apply(session, world, seg, "refine")


def test_undo_goes_back_one_action_at_a_time_to_the_empty_segment(session, world):
    seg = new_segment(session, world)
    apply(session, world, seg, "add", crit("country", "DK"))
    apply(session, world, seg, "add", crit("country", "US"))
    apply(session, world, seg, "refine", crit("industry", "RETAIL"), entire_companies=True)
    after_refine = members(session, world, seg)
    apply(session, world, seg, "reduce", crit("no", "CT010"))
    assert members(session, world, seg) == after_refine - {"CT010"}

    undone = changes.undo_last(session, world.workspace_id, seg, user_id="U1")
    assert (undone.kind, undone.added, undone.removed) == ("reduce", 1, 0)
    assert members(session, world, seg) == after_refine
    changes.undo_last(session, world.workspace_id, seg, user_id="U1")
    assert members(session, world, seg) == {"CT001", "CT010", "CT012", "CT002", "CT020", "CT030", "CT040"}
    changes.undo_last(session, world.workspace_id, seg, user_id="U1")
    assert members(session, world, seg) == {"CT001", "CT010", "CT030", "CT040"}
    last = changes.undo_last(session, world.workspace_id, seg, user_id="U1")
    assert last.size_after == 0
    with pytest.raises(ValidationError, match="no action left to undo"):
        changes.undo_last(session, world.workspace_id, seg, user_id="U1")


def test_an_action_after_an_undo_is_journalled_after_the_undone_one(session, world):
    seg = new_segment(session, world)
    apply(session, world, seg, "add", crit("no", "CT001"))
    changes.undo_last(session, world.workspace_id, seg, user_id="U1")
    result = apply(session, world, seg, "add", crit("no", "CT002"))
    assert result.seq == 2
    assert members(session, world, seg) == {"CT002"}


def test_who_an_action_added_pages_by_contact_number(session, world):
    seg = new_segment(session, world)
    result = apply(session, world, seg, "add", crit("country", "DK"))
    assert result.seq is not None
    second = changes.action_changes_page(
        session, world.workspace_id, seg, result.seq, change=1, page=2, page_size=3
    )
    assert [row.no for row in second.rows] == ["CT040"]
    assert (second.total, second.pages) == (4, 2)
