"""Business Central's segment actions: Add, Reduce, Refine, include/remove, with their options."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from storage.errors import NotFoundError, ValidationError
from storage.service import changes
from storage.service.types import ActionOptions
from tests.storage.service.conftest import TODAY, World, crit, members, new_segment


def _apply(session: Session, world: World, seg: str, kind: str, expr=None, **options: bool) -> None:
    changes.apply_action(
        session,
        world.workspace_id,
        seg,
        kind,
        criteria=expr,
        options=ActionOptions(**options),
        user_id="U1",
        today=TODAY,
    )


def _everyone(session: Session, world: World) -> str:
    seg = new_segment(session, world)
    _apply(session, world, seg, "add", crit("country", "DK", "US"), ignore_exclusion=True)
    return seg


def test_add_skips_excluded_contacts_and_persons_match_their_companys_industry(session, world):
    seg = new_segment(session, world)
    _apply(session, world, seg, "add", crit("industry", "RETAIL"))
    assert members(session, world, seg) == {"CT001", "CT010", "CT012", "CT030"}


def test_add_with_ignore_exclusion_adds_excluded_contacts_too(session, world):
    seg = new_segment(session, world)
    _apply(session, world, seg, "add", crit("country", "DK"), ignore_exclusion=True)
    assert members(session, world, seg) == {"CT001", "CT010", "CT011", "CT003", "CT030", "CT040"}


def test_add_skips_contacts_already_in_the_segment(session, world):
    seg = new_segment(session, world)
    _apply(session, world, seg, "add", crit("no", "CT001"))
    result = changes.apply_action(
        session,
        world.workspace_id,
        seg,
        "add",
        criteria=crit("no", "CT001", "CT002"),
        user_id="U1",
        today=TODAY,
    )
    assert (result.added, result.size_after) == (1, 2)


def test_add_with_expand_companies_adds_the_persons_of_a_matched_company_except_excluded_ones(session, world):
    seg = new_segment(session, world)
    _apply(session, world, seg, "add", crit("no", "CT001"), expand_companies=True)
    assert members(session, world, seg) == {"CT001", "CT010", "CT012"}


def test_an_excluded_company_still_brings_its_persons_who_are_not_excluded(session, world):
    seg = new_segment(session, world)
    _apply(session, world, seg, "add", crit("no", "CT003"), expand_companies=True)
    assert members(session, world, seg) == {"CT030"}
    _apply(session, world, seg, "add", crit("no", "CT003"), expand_companies=True, ignore_exclusion=True)
    assert members(session, world, seg) == {"CT003", "CT030"}


def test_a_matched_person_brings_its_company_and_colleagues_with_expand_companies(session, world):
    seg = new_segment(session, world)
    _apply(session, world, seg, "add", crit("no", "CT012"), expand_companies=True)
    # Bo (CT011) is flagged exclude_from_segment: widening happens first, the exclusion last.
    assert members(session, world, seg) == {"CT001", "CT010", "CT012"}


def test_an_excluded_match_still_widens_to_its_company_before_being_dropped(session, world):
    seg = new_segment(session, world)
    _apply(session, world, seg, "add", crit("no", "CT011"), expand_companies=True)
    assert members(session, world, seg) == {"CT001", "CT010", "CT012"}


def test_related_companies_adds_the_company_of_an_excluded_person_but_not_the_person(session, world):
    seg = new_segment(session, world)
    _apply(session, world, seg, "add", crit("no", "CT011"), related_companies=True)
    assert members(session, world, seg) == {"CT001"}


def test_expand_companies_skips_contacts_already_in_the_segment(session, world):
    seg = new_segment(session, world)
    _apply(session, world, seg, "add", crit("no", "CT010"))
    result = changes.apply_action(
        session,
        world.workspace_id,
        seg,
        "add",
        criteria=crit("no", "CT003"),
        options=ActionOptions(expand_companies=True),
        user_id="U1",
        today=TODAY,
    )
    assert (result.added, result.size_after) == (1, 2)


def test_add_with_related_companies_adds_the_company_of_a_matched_person(session, world):
    seg = new_segment(session, world)
    _apply(session, world, seg, "add", crit("no", "CT020", "CT030", "CT040"), related_companies=True)
    # Initech is excluded, and Flo has no company.
    assert members(session, world, seg) == {"CT020", "CT002", "CT030", "CT040"}


def test_reduce_removes_only_the_matching_lines(session, world):
    seg = _everyone(session, world)
    _apply(session, world, seg, "reduce", crit("no", "CT010", "CT040"))
    assert members(session, world, seg) == {"CT001", "CT011", "CT012", "CT002", "CT020", "CT003", "CT030"}


def test_reduce_with_entire_companies_removes_the_whole_company_of_a_matched_person(session, world):
    seg = _everyone(session, world)
    _apply(session, world, seg, "reduce", crit("no", "CT010", "CT002", "CT040"), entire_companies=True)
    assert members(session, world, seg) == {"CT003", "CT030"}


def test_reduce_with_entire_companies_removes_every_person_of_a_matched_company(session, world):
    seg = _everyone(session, world)
    _apply(session, world, seg, "reduce", crit("industry", "MFG"), entire_companies=True)
    assert "CT002" not in members(session, world, seg)
    assert "CT020" not in members(session, world, seg)
    assert len(members(session, world, seg)) == 7


def test_refine_keeps_only_the_matching_lines(session, world):
    seg = _everyone(session, world)
    _apply(session, world, seg, "refine", crit("country", "US"))
    assert members(session, world, seg) == {"CT012", "CT002", "CT020"}


def test_refine_with_entire_companies_keeps_every_contact_of_a_matched_company(session, world):
    seg = _everyone(session, world)
    _apply(session, world, seg, "refine", crit("no", "CT012", "CT002"), entire_companies=True)
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
        _apply(session, world, seg, "add", crit("no", "CT001"), entire_companies=True)


def test_criteria_actions_need_criteria(session, world):
    seg = new_segment(session, world)
    with pytest.raises(ValidationError, match="needs criteria"):
        _apply(session, world, seg, "refine")


def test_undo_goes_back_one_action_at_a_time_to_the_empty_segment(session, world):
    seg = new_segment(session, world)
    _apply(session, world, seg, "add", crit("country", "DK"))
    _apply(session, world, seg, "add", crit("country", "US"))
    _apply(session, world, seg, "refine", crit("industry", "RETAIL"), entire_companies=True)
    after_refine = members(session, world, seg)
    _apply(session, world, seg, "reduce", crit("no", "CT010"))
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
    _apply(session, world, seg, "add", crit("no", "CT001"))
    changes.undo_last(session, world.workspace_id, seg, user_id="U1")
    result = changes.apply_action(
        session, world.workspace_id, seg, "add", criteria=crit("no", "CT002"), user_id="U1", today=TODAY
    )
    assert result.seq == 2
    assert members(session, world, seg) == {"CT002"}


def test_who_an_action_added_pages_by_contact_number(session, world):
    seg = new_segment(session, world)
    result = changes.apply_action(
        session, world.workspace_id, seg, "add", criteria=crit("country", "DK"), user_id="U1", today=TODAY
    )
    assert result.seq is not None
    second = changes.action_changes_page(
        session, world.workspace_id, seg, result.seq, change=1, page=2, page_size=3
    )
    assert [row.no for row in second.rows] == ["CT040"]
    assert (second.total, second.pages) == (4, 2)
