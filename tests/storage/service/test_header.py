"""The segment header: each field set, checked against the workspace's codes, owner or admin only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from storage.errors import NotAllowedError, NotFoundError, ValidationError
from storage.models import Campaign, InteractionTemplate
from storage.service import codes, header, segments
from tests.storage.service.conftest import World, new_segment


@pytest.fixture
def coded(session: Session, world: World) -> World:
    ws = world.workspace_id
    session.add_all(InteractionTemplate(workspace_id=ws, code=c) for c in ("CALL", "MEETING"))
    session.add(Campaign(workspace_id=ws, no="CP01", description="Spring", salesperson="AH"))
    session.flush()
    return world


def test_every_header_field_is_set_and_shown(session, coded):
    seg = new_segment(session, coded)
    for field, value in (
        ("description", "  Danish   buyers "),
        ("salesperson", "ah"),
        ("date", date(2025, 7, 1)),
        ("campaign", "cp01"),
        ("template", "meeting"),
        ("subject", "Summer invitation"),
    ):
        header.set_header_field(session, coded.workspace_id, seg, field, value, user_id="U1")
    info = segments.get_segment(session, coded.workspace_id, seg)
    assert (info.description, info.salesperson, info.segment_date, info.campaign_no) == (
        "Danish buyers",
        "AH",
        date(2025, 7, 1),
        "CP01",
    )
    assert (info.interaction_template_code, info.subject) == ("MEETING", "Summer invitation")
    cleared = header.set_header_field(session, coded.workspace_id, seg, "campaign", None, user_id="U1")
    assert cleared.campaign_no is None


def test_unknown_campaigns_and_templates_are_errors_naming_the_known_ones(session, coded):
    seg = new_segment(session, coded)
    with pytest.raises(NotFoundError, match="no campaign CP02 in this workspace; the known ones: CP01"):
        header.set_header_field(session, coded.workspace_id, seg, "campaign", "CP02", user_id="U1")
    with pytest.raises(
        NotFoundError, match="no interaction template MEET in this workspace; the known ones: MEETING"
    ):
        header.set_header_field(session, coded.workspace_id, seg, "template", "meet", user_id="U1")
    with pytest.raises(NotFoundError, match="no salesperson ZZ in this workspace; the known ones: AH"):
        header.set_header_field(session, coded.workspace_id, seg, "salesperson", "zz", user_id="U1")
    with pytest.raises(ValidationError, match="unknown field 'colour'"):
        header.set_header_field(session, coded.workspace_id, seg, "colour", "red", user_id="U1")
    with pytest.raises(ValidationError, match="needs a description"):
        header.set_header_field(session, coded.workspace_id, seg, "description", None, user_id="U1")
    assert segments.get_segment(session, coded.workspace_id, seg).campaign_no is None


def test_only_the_owner_or_an_admin_sets_the_header(session, coded):
    seg = new_segment(session, coded, owner="U1")
    with pytest.raises(NotAllowedError):
        header.set_header_field(session, coded.workspace_id, seg, "subject", "Hi", user_id="U2")
    info = header.set_header_field(
        session, coded.workspace_id, seg, "subject", "Hi", user_id="U2", is_admin=True
    )
    assert info.subject == "Hi"


def test_a_new_segment_starts_with_the_workspaces_default_template(session, coded):
    codes.set_default_template(session, coded.workspace_id, "call")
    seg = new_segment(session, coded)
    assert segments.get_segment(session, coded.workspace_id, seg).interaction_template_code == "CALL"
    with pytest.raises(NotFoundError, match="known ones: CALL, MEETING"):
        codes.set_default_template(session, coded.workspace_id, "LETTER")
