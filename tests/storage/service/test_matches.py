"""The builder's live count: what an Add into a new segment would bring, and the first names."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.service import matches
from storage.service.types import ActionOptions
from tests.storage.service.conftest import TODAY, World, crit


def test_a_count_with_expand_companies_names_the_first_contacts_of_the_widened_set_by_number(
    session: Session, world: World
) -> None:
    options = ActionOptions(expand_companies=True)

    counted = matches.count_matches(session, world.workspace_id, crit("country", "DK"), options, today=TODAY)

    # Acme and Initech widened to their persons, Flo as she is; Bo and Initech are excluded.
    assert counted == matches.MatchCount(total=5, first_names=("Acme", "Ana", "Cy"))


def test_a_count_with_related_companies_names_the_companies_it_brings_in_number_order(
    session: Session, world: World
) -> None:
    options = ActionOptions(related_companies=True)

    counted = matches.count_matches(session, world.workspace_id, crit("country", "US"), options, today=TODAY)

    assert counted == matches.MatchCount(total=4, first_names=("Acme", "Globex", "Cy"))


def test_a_widened_count_without_a_sample_still_counts_and_an_empty_one_is_zero(
    session: Session, world: World
) -> None:
    options = ActionOptions(expand_companies=True, ignore_exclusion=True)
    ws = world.workspace_id

    assert matches.count_matches(session, ws, crit("country", "DK"), options, today=TODAY, sample=0) == (
        matches.MatchCount(total=7, first_names=())
    )
    assert matches.count_matches(session, ws, crit("no", "CT999"), options, today=TODAY) == (
        matches.MatchCount(total=0, first_names=())
    )
