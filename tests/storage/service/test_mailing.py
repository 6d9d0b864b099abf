"""Apply Mailing Group: set-based, owner or admin only, applied once per preview."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.data_version import data_version
from storage.errors import NotAllowedError, NotFoundError, StalePreviewError, ValidationError
from storage.models import Contact, ContactMailingGroup, MailingGroup
from storage.service import mailing
from tests.storage.service.conftest import World, crit, new_segment
from tests.storage.service.test_journal import _apply


def _with_group(session: Session, world: World, code: str) -> set[str]:
    rows = session.scalars(
        select(Contact.no)
        .join(ContactMailingGroup, ContactMailingGroup.contact_id == Contact.id)
        .where(ContactMailingGroup.workspace_id == world.workspace_id, ContactMailingGroup.code == code)
    )
    return set(rows)


def _preview(session: Session, world: World, seg: str, code: str, *, replace: bool = False, user: str = "U7"):
    return mailing.preview_mailing_group(
        session, world.workspace_id, seg, code, replace=replace, user_id=user, is_admin=False
    )


def _apply_tag(session: Session, world: World, preview: mailing.MailingChange, *, user: str = "U7"):
    return mailing.apply_mailing_group(
        session,
        world.workspace_id,
        preview.segment_no,
        preview.code,
        replace=preview.replace,
        expected_version=preview.data_version,
        user_id=user,
        is_admin=False,
    )


@pytest.fixture
def danish(session: Session, world: World) -> str:
    """The Danish contacts Add takes: CT001, CT010, CT030 (its company is excluded, not it), CT040."""
    seg = new_segment(session, world, owner="U7")
    _apply(session, world, seg, "add", crit("country", "DK"))
    return seg


def test_the_preview_counts_who_gains_the_group_and_changes_nothing(session, world, danish):
    # CT010 already has the group; CT020 has it but is outside the segment.
    session.add_all(
        ContactMailingGroup(contact_id=cid, code="NEWS", workspace_id=world.workspace_id)
        for cid in session.scalars(select(Contact.id).where(Contact.no.in_(["CT010", "CT020"])))
    )
    session.flush()
    preview = _preview(session, world, danish, "news")
    assert (preview.code, preview.gain, preview.already, preview.lose) == ("NEWS", 3, 1, 0)
    assert preview.is_new_group
    assert _with_group(session, world, "NEWS") == {"CT010", "CT020"}


def test_confirm_gives_every_contact_of_the_segment_the_group_and_keeps_others(session, world, danish):
    session.add(
        ContactMailingGroup(contact_id=_id(session, "CT020"), code="NEWS", workspace_id=world.workspace_id)
    )
    session.flush()
    result = _apply_tag(session, world, _preview(session, world, danish, "NEWS"))
    assert (result.gain, result.lose) == (4, 0)
    assert _with_group(session, world, "NEWS") == {"CT001", "CT010", "CT030", "CT040", "CT020"}
    assert (
        session.scalar(select(MailingGroup.code).where(MailingGroup.workspace_id == world.workspace_id))
        == "NEWS"
    )


def test_replace_takes_the_group_from_everyone_outside_the_segment(session, world, danish):
    for no in ("CT010", "CT020", "CT012"):
        session.add(
            ContactMailingGroup(contact_id=_id(session, no), code="NEWS", workspace_id=world.workspace_id)
        )
    session.add(
        ContactMailingGroup(contact_id=_id(session, "CT020"), code="OTHER", workspace_id=world.workspace_id)
    )
    session.flush()
    preview = _preview(session, world, danish, "NEWS", replace=True)
    assert (preview.gain, preview.already, preview.lose) == (3, 1, 2)
    result = _apply_tag(session, world, preview)
    assert (result.gain, result.lose) == (3, 2)
    assert _with_group(session, world, "NEWS") == {"CT001", "CT010", "CT030", "CT040"}
    assert _with_group(session, world, "OTHER") == {"CT020"}


def test_a_second_confirm_of_the_same_preview_applies_nothing(session, world, danish):
    preview = _preview(session, world, danish, "NEWS")
    _apply_tag(session, world, preview)
    version = data_version(session, world.workspace_id)
    with pytest.raises(StalePreviewError, match="applied already"):
        _apply_tag(session, world, preview)
    assert data_version(session, world.workspace_id) == version
    assert _with_group(session, world, "NEWS") == {"CT001", "CT010", "CT030", "CT040"}


def test_applying_the_group_moves_the_data_version_so_older_previews_go_stale(session, world, danish):
    before = data_version(session, world.workspace_id)
    _apply_tag(session, world, _preview(session, world, danish, "NEWS"))
    assert data_version(session, world.workspace_id) == before + 1


def test_only_the_owner_or_an_admin_may_tag_a_segment(session, world, danish):
    with pytest.raises(NotAllowedError, match="owner"):
        _preview(session, world, danish, "NEWS", user="U9")
    preview = _preview(session, world, danish, "NEWS")
    with pytest.raises(NotAllowedError):
        _apply_tag(session, world, preview, user="U9")
    assert _with_group(session, world, "NEWS") == set()
    admin = mailing.preview_mailing_group(
        session, world.workspace_id, danish, "NEWS", replace=False, user_id="U9", is_admin=True
    )
    assert admin.gain == 4


def test_a_bad_code_or_an_unknown_segment_is_refused(session, world, danish):
    with pytest.raises(ValidationError, match="one word"):
        _preview(session, world, danish, "NEWS*")
    with pytest.raises(ValidationError, match="one word"):
        _preview(session, world, danish, "X" * 41)
    with pytest.raises(NotFoundError, match="SEG00099"):
        _preview(session, world, "SEG00099", "NEWS")


def _id(session: Session, no: str) -> int:
    return session.scalar(select(Contact.id).where(Contact.no == no))
