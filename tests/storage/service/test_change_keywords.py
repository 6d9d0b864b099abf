"""preview_action and apply_action share their keywords (ChangeKeywords) and still refuse unknown ones."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import PendingAction
from storage.service import changes
from tests.storage.service.conftest import TODAY, World, crit, members, new_segment


@pytest.mark.parametrize("change", [changes.preview_action, changes.apply_action])
def test_a_misspelt_keyword_is_refused_and_nothing_is_written(session: Session, world: World, change) -> None:
    seg = new_segment(session, world, owner="U1")

    with pytest.raises(TypeError, match="contact_no"):
        change(session, world.workspace_id, seg, "include", contact_no=["CT001"], user_id="U1", today=TODAY)

    assert session.scalar(select(func.count()).select_from(PendingAction)) == 0
    assert members(session, world, seg) == set()


def test_apply_action_takes_the_same_keywords_as_a_preview(session: Session, world: World) -> None:
    seg = new_segment(session, world, owner="U1")
    keywords = {"criteria": crit("country", "DK"), "user_id": "U1", "today": TODAY}

    preview = changes.preview_action(session, world.workspace_id, seg, "add", **keywords)
    changes.cancel_pending(session, world.workspace_id, preview.pending_id, user_id="U1")
    applied = changes.apply_action(session, world.workspace_id, seg, "add", **keywords)

    assert applied.added == preview.added > 0
    assert len(members(session, world, seg)) == preview.added
