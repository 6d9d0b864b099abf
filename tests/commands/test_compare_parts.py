"""`compare` buttons: Both / Only in A / Only in B list those contacts; New segment from this previews one."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from commands.context import CommandContext
from commands.registry import Registry
from storage.db import unit_of_work
from storage.models import Workspace
from storage.service import segments
from tests.commands.conftest import assert_within_block_kit_limits, buttons, press, rendered


def _two_segments(registry: Registry, ctx: CommandContext) -> None:
    # Retail (the two Berlin companies and their persons, 6 contacts) and everyone in Berlin or Paris.
    press(registry, registry.dispatch('new "Retail" industry:retail', ctx), "Confirm", ctx)
    press(registry, registry.dispatch('new "Persons" type:person', ctx), "Confirm", ctx)


def test_the_parts_list_the_right_contacts(registry: Registry, ctx: CommandContext, crm: None) -> None:
    _two_segments(registry, ctx)
    comparison = registry.dispatch("compare SEG00001 SEG00002", ctx)
    assert set(buttons(comparison)) >= {"Both", "Only in SEG00001", "Only in SEG00002"}

    both = rendered(press(registry, comparison, "Both", ctx))
    only_retail = rendered(press(registry, comparison, "Only in SEG00001", ctx))
    only_persons = rendered(press(registry, comparison, "Only in SEG00002", ctx))

    assert all(no in both for no in ("CT0002", "CT0003", "CT0005", "CT0006"))
    assert "CT0001" not in both and "CT0008" not in both
    assert "CT0001" in only_retail and "CT0004" in only_retail and "CT0002" not in only_retail
    # Eve Roux is excluded from segments, so the Add of persons left her out.
    assert "CT0008" not in only_persons and "CT0002" not in only_persons


def test_new_segment_from_this_previews_the_part_by_its_criteria(
    registry: Registry,
    ctx: CommandContext,
    crm: None,
    session_factory: sessionmaker[Session],
    workspace: Workspace,
) -> None:
    _two_segments(registry, ctx)
    comparison = registry.dispatch("compare SEG00001 SEG00002", ctx)
    part = press(registry, comparison, "Only in SEG00001", ctx)

    preview = press(registry, part, "New segment from this", ctx)
    assert_within_block_kit_limits(preview)
    assert "segment:SEG00001 -segment:SEG00002" in rendered(preview)
    assert "2 contacts" in rendered(preview)
    press(registry, preview, "Confirm", ctx)

    with unit_of_work(session_factory) as session:
        made = segments.get_segment(session, workspace.id, "SEG00003")
    assert made.size == 2
    assert made.description == "Only in SEG00001, not in SEG00002"


def test_a_long_part_pages_with_next_and_previous(registry: Registry, ctx: CommandContext, crm: None) -> None:
    small = CommandContext(**{**ctx.__dict__, "page_size": 2})
    _two_segments(registry, small)
    both = press(registry, registry.dispatch("compare SEG00001 SEG00002", small), "Both", small)
    assert "page 1 of 2" in rendered(both)
    second = press(registry, both, "Next", small)
    assert second.replace_original and "page 2 of 2" in rendered(second)
    assert "Previous" in buttons(second)
