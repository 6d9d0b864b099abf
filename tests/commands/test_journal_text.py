"""How a reuse and a follow-up's include read in their preview and in the segment's journal."""

from __future__ import annotations

import dataclasses

from sqlalchemy import update

from commands.context import CommandContext
from commands.registry import Registry
from storage.models import SegmentAction
from tests.commands.conftest import press, rendered

REUSE_TEXT = "RETAIL: add industry:RETAIL --expand-companies; refine city:berlin"


def _reuse_retail_on_a_new_segment(registry: Registry, ctx: CommandContext) -> str:
    """SEG00001 built by an Add with an option and a Refine, saved as RETAIL, reused on SEG00002."""
    press(registry, registry.dispatch("new Retail industry:retail --expand-companies", ctx), "Confirm", ctx)
    press(registry, registry.dispatch("refine SEG00001 city:berlin", ctx), "Confirm", ctx)
    registry.dispatch("save SEG00001 retail Retail", ctx)
    registry.dispatch("new Copy", ctx)
    preview = registry.dispatch("reuse RETAIL SEG00002", ctx)
    press(registry, preview, "Confirm", ctx)
    return rendered(preview)


def test_a_reuse_lists_its_steps_with_their_flags_in_the_preview_and_the_journal(
    registry: Registry, ctx, crm
) -> None:
    preview = _reuse_retail_on_a_new_segment(registry, ctx)

    assert f"`{REUSE_TEXT}`" in preview
    assert f"*Reuse* `{REUSE_TEXT}`: +6" in rendered(registry.dispatch("criteria SEG00002", ctx))


def test_a_reuse_journalled_with_its_text_spelled_out_reads_the_same(
    registry: Registry, ctx, crm, session_factory
) -> None:
    _reuse_retail_on_a_new_segment(registry, ctx)
    before = rendered(registry.dispatch("criteria SEG00002", ctx))

    # Reuses were once journalled with their text spelled out in the row itself.
    with session_factory.begin() as s:
        s.execute(update(SegmentAction).where(SegmentAction.kind == "reuse").values(criteria_text=REUSE_TEXT))

    assert rendered(registry.dispatch("criteria SEG00002", ctx)) == before


def test_a_follow_up_segment_journals_the_contacts_of_its_logged_segment(
    registry: Registry, ctx, crm
) -> None:
    press(registry, registry.dispatch("new Berlin city:berlin", ctx), "Confirm", ctx)
    press(registry, registry.dispatch("log SEG00001 template:CALL --follow-up", ctx), "Confirm", ctx)

    assert "*Include* `contacts of LSEG00001`: +6" in rendered(registry.dispatch("criteria SEG00002", ctx))
    italian = rendered(registry.dispatch("criteria SEG00002", dataclasses.replace(ctx, locale="it")))
    assert "`contatti di LSEG00001`" in italian
