"""No message breaks a Block Kit limit, whatever the segment's size or the length of its data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from commands.blocks.segments import build_list_blocks
from commands.home import build_home_view
from commands.registry import Registry
from commands.reply import Reply, error_reply
from storage.errors import ValidationError
from storage.models import Contact, Workspace
from storage.service import segments
from storage.service.types import SegmentInfo
from tests.commands.conftest import OWNER, assert_within_block_kit_limits, buttons, press, rendered

HUGE = 10_000
LONG = "Ж" + "x" * 199  # 200 characters, the longest a name may be, starting outside ASCII


@pytest.fixture
def huge_crm(session_factory: sessionmaker[Session], workspace: Workspace) -> None:
    """10,000 persons with names, cities and e-mails as long as the columns allow."""
    rows = [
        {
            "workspace_id": workspace.id,
            "no": f"P{i:07d}",
            "type": "person",
            "name": f"{LONG[:-8]}{i:08d}",
            "city": "C" * 100,
            "email": f"{'e' * 180}{i:08d}@example.com",
            "exclude_from_segment": False,
            "created": date(2024, 1, 1),
        }
        for i in range(HUGE)
    ]
    with session_factory.begin() as s:
        s.execute(insert(Contact), rows)


def test_a_preview_of_ten_thousand_long_named_contacts_fits(registry: Registry, ctx, huge_crm) -> None:
    preview = registry.dispatch(f'new "{LONG}" type:person', ctx)

    assert "Add will add 10,000 contacts" in preview.text
    assert_within_block_kit_limits(preview)
    assert set(buttons(preview)) == {"Next", "Confirm", "Cancel"}

    page_two = press(registry, preview, "Next", ctx)
    assert_within_block_kit_limits(page_two)
    assert "Contacts 11-20 of 10,000" in rendered(page_two)

    outcome = press(registry, page_two, "Confirm", ctx)
    assert_within_block_kit_limits(outcome)
    assert "New size: *10,000*" in outcome.text


def test_show_list_and_journal_of_a_huge_segment_fit(registry: Registry, ctx, huge_crm) -> None:
    press(registry, registry.dispatch(f'new "{LONG}" type:person', ctx), "Confirm", ctx)

    last = registry.dispatch("show SEG00001 page 1000", ctx)
    for reply in (
        registry.dispatch("show SEG00001", ctx),
        last,
        registry.dispatch("list", ctx),
        registry.dispatch("criteria SEG00001", ctx),
        registry.dispatch("delete SEG00001", ctx),
    ):
        assert_within_block_kit_limits(reply)
    assert "Contacts 9,991-10,000 of 10,000" in rendered(last)
    assert set(buttons(last)) == {"Previous"}


def test_a_page_size_larger_than_a_message_holds_is_capped(registry: Registry, ctx, huge_crm) -> None:
    greedy = replace(ctx, page_size=500)

    preview = registry.dispatch("new Everyone type:person", greedy)
    shown = press(registry, preview, "Confirm", greedy)
    show = registry.dispatch("show SEG00001", greedy)

    for reply in (preview, shown, show):
        assert_within_block_kit_limits(reply)
    assert "Contacts 1-50 of 10,000" in rendered(show)


def test_many_segments_with_long_descriptions_fit_the_list_and_app_home(
    registry: Registry, ctx, session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    with session_factory.begin() as s:
        for i in range(130):
            segments.create_segment(s, workspace.id, description=f"{LONG[:-4]}{i:04d}", owner_user_id=OWNER)

    listing = registry.dispatch("list", ctx)
    home = build_home_view(session_factory, workspace.team_id, OWNER)

    assert_within_block_kit_limits(listing)
    assert len(home.blocks) <= 100
    home.to_dict()
    assert "*SEG00001*" in rendered(listing) and "*SEG00130*" in rendered(listing)
    assert "older segments not shown" in str(home.to_dict())


def test_a_criteria_error_in_very_long_criteria_fits(registry: Registry, ctx) -> None:
    # Near the limits of criteria: about 3,800 characters in 190 terms.
    criteria = " ".join(["city:berlin-mitte-ost"] * 172) + " industy:retail"
    assert 3500 < len(criteria) < 4000
    with pytest.raises(ValidationError) as caught:
        registry.dispatch(f"new Long {criteria}", ctx)

    reply = error_reply(caught.value)

    assert_within_block_kit_limits(reply)
    assert "industy:retail\n" in rendered(reply)


def test_a_workspace_with_thousands_of_segments_lists_what_fits_and_counts_the_rest() -> None:
    infos = [
        SegmentInfo(
            no=f"SEG{i:05d}",
            description=LONG,
            owner_user_id=OWNER,
            size=i * 1000,
            created=date(2026, 1, 1),
            updated_at=datetime(2026, 1, 1, tzinfo=UTC),
            version=1,
            # A segment with no header filled in, as most are.
            **dict.fromkeys(
                (
                    "interaction_template_code",
                    "campaign_no",
                    "salesperson",
                    "segment_date",
                    "language",
                    "subject",
                )
            ),
        )
        for i in range(1, 3001)
    ]

    reply = Reply(text="list", blocks=tuple(build_list_blocks(infos, mine=False)))

    assert_within_block_kit_limits(reply)
    shown = rendered(reply)
    listed = shown.count("*SEG")
    assert 0 < listed < 3000
    assert f"{3000 - listed:,} more not shown" in shown


def test_a_preview_of_very_long_criteria_pages_with_short_button_values(registry: Registry, ctx, crm) -> None:
    small = replace(ctx, page_size=2)
    criteria = " OR ".join([f"name:{'z' * 150}{i}" for i in range(22)] + ["city:berlin"])

    preview = registry.dispatch(f"new Long {criteria}", small)
    page_two = press(registry, preview, "Next", small)

    assert "Add will add 6 contacts" in preview.text
    for reply in (preview, page_two):
        assert_within_block_kit_limits(reply)
    assert "Contacts 3-4 of 6" in rendered(page_two)
    assert "name:zzz" in rendered(page_two)
