"""The builder's live count: what an Add into a new segment would bring, and the first names."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from storage.service import matches
from storage.service.types import ActionOptions
from tests.storage.service.conftest import TODAY, World, crit


@pytest.mark.parametrize(
    ("country", "options", "expected"),
    [
        # Acme and Initech widened to their persons, Flo as she is; Bo and Initech are excluded.
        pytest.param(
            "DK",
            ActionOptions(expand_companies=True),
            matches.MatchCount(total=5, first_names=("Acme", "Ana", "Cy")),
            id="expand-companies-names-the-first-contacts-of-the-widened-set-by-number",
        ),
        pytest.param(
            "US",
            ActionOptions(related_companies=True),
            matches.MatchCount(total=4, first_names=("Acme", "Globex", "Cy")),
            id="related-companies-names-the-companies-it-brings-in-number-order",
        ),
    ],
)
def test_a_widened_count_names_its_first_contacts(
    session: Session, world: World, country: str, options: ActionOptions, expected: matches.MatchCount
) -> None:
    counted = matches.count_matches(
        session, world.workspace_id, crit("country", country), options, today=TODAY
    )

    assert counted == expected


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
