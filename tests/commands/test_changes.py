"""Previews, Confirm/Cancel and the set verbs, as a user in Slack reads them."""

from __future__ import annotations

import pytest

from commands.context import CommandContext
from commands.registry import Registry
from commands.reply import Reply, error_reply
from storage.errors import ConflictError, NotFoundError, ValidationError
from storage.service import saved as saved_criteria
from tests.commands.conftest import buttons, press, rendered
from tests.factories import add_contact


def size_of(registry: Registry, ctx: CommandContext, no: str = "SEG00001") -> str:
    return registry.dispatch(f"show {no}", ctx).text


def assert_confirm_refused(
    registry: Registry, preview: Reply, ctx: CommandContext, match: str | None = None
) -> None:
    """Pressing Confirm on ``preview`` is refused: it was applied, canceled, or overtaken."""
    with pytest.raises(ConflictError, match=match):
        press(registry, preview, "Confirm", ctx)


def test_new_with_criteria_previews_the_add_with_confirm_and_cancel(registry: Registry, ctx, crm) -> None:
    reply = registry.dispatch('new "Berlin retail" industry:retail type:company', ctx)

    assert reply.visibility == "ephemeral"
    text = rendered(reply)
    assert "SEG00001 Berlin retail" in text
    assert "Add will add 2 contacts" in text
    assert "industry:retail" in text.lower()
    assert "Acme Retail" in text and "Shop &amp; Co" in text
    assert set(buttons(reply)) == {"Confirm", "Cancel"}


def test_confirm_applies_the_preview_once_and_announces_the_new_size(registry: Registry, ctx, crm) -> None:
    preview = registry.dispatch("new Berlin city:berlin", ctx)

    outcome = press(registry, preview, "Confirm", ctx)

    assert outcome.replace_original and outcome.announce and outcome.visibility == "channel"
    assert "added 6 contacts" in outcome.text
    assert "New size: *6*" in outcome.text
    assert_confirm_refused(registry, preview, ctx)
    assert size_of(registry, ctx).endswith("6 contacts")


def test_cancel_changes_nothing_and_a_later_confirm_is_refused(registry: Registry, ctx, crm) -> None:
    registry.dispatch("new Empty", ctx)
    preview = registry.dispatch("add SEG00001 city:paris --ignore-exclusion", ctx)
    assert "Add will add 2 contacts" in preview.text

    canceled = press(registry, preview, "Cancel", ctx)

    assert canceled.replace_original and "nothing was changed" in canceled.text
    assert_confirm_refused(registry, preview, ctx)
    assert size_of(registry, ctx).endswith(": 0 contacts")


def test_add_skips_excluded_contacts_unless_asked(registry: Registry, ctx, crm) -> None:
    registry.dispatch("new Paris", ctx)

    plain = registry.dispatch("add SEG00001 city:paris", ctx)
    ignoring = registry.dispatch("add SEG00001 city:paris --ignore-exclusion", ctx)

    assert plain.text == "SEG00001: Add will add 1 contact"
    assert "Add will add 2 contacts" in rendered(ignoring)
    assert "--ignore-exclusion" in rendered(ignoring)


def test_reduce_with_entire_companies_removes_their_persons(registry: Registry, ctx, crm) -> None:
    press(registry, registry.dispatch("new Berlin city:berlin", ctx), "Confirm", ctx)

    preview = registry.dispatch("reduce SEG00001 name:acme* --entire-companies", ctx)
    outcome = press(registry, preview, "Confirm", ctx)

    assert "Reduce will remove 3 contacts" in preview.text
    assert "New size: *3*" in outcome.text


def test_refine_keeps_only_the_matching_lines(registry: Registry, ctx, crm) -> None:
    press(registry, registry.dispatch("new Berlin city:berlin", ctx), "Confirm", ctx)

    preview = registry.dispatch("refine SEG00001 email:*", ctx)

    assert "Refine will remove 4 contacts" in preview.text


def test_include_and_remove_name_contacts(registry: Registry, ctx, crm) -> None:
    registry.dispatch("new Hand-picked", ctx)
    included = press(registry, registry.dispatch("include SEG00001 CT0002 CT0005", ctx), "Confirm", ctx)
    removed = press(registry, registry.dispatch("remove SEG00001 CT0002", ctx), "Confirm", ctx)

    assert "New size: *2*" in included.text
    assert "New size: *1*" in removed.text
    assert "Cara Lind" in rendered(registry.dispatch("show SEG00001", ctx))


def test_undo_previews_then_reverts_the_last_action_and_is_repeatable(registry: Registry, ctx, crm) -> None:
    press(registry, registry.dispatch("new Berlin city:berlin", ctx), "Confirm", ctx)
    press(registry, registry.dispatch("reduce SEG00001 -email:*", ctx), "Confirm", ctx)

    preview = registry.dispatch("undo SEG00001", ctx)
    assert "Undo will add 4 contacts" in preview.text
    assert "Ben Kurz" in rendered(preview) and "2. *Reduce*" in rendered(preview)
    assert set(buttons(preview)) == {"Confirm", "Cancel"}
    assert size_of(registry, ctx).endswith(": 2 contacts")

    first = press(registry, preview, "Confirm", ctx)
    assert_confirm_refused(registry, preview, ctx)
    second = press(registry, registry.dispatch("undo SEG00001", ctx), "Confirm", ctx)

    assert first.announce and "New size: *6*" in first.text
    assert "took out 6 contacts" in second.text and "New size: *0*" in second.text
    with pytest.raises(ValidationError, match="no action left"):
        registry.dispatch("undo SEG00001", ctx)


def test_a_stale_undo_preview_undoes_nothing(registry: Registry, ctx, crm) -> None:
    press(registry, registry.dispatch("new Berlin city:berlin", ctx), "Confirm", ctx)
    preview = registry.dispatch("undo SEG00001", ctx)
    press(registry, registry.dispatch("include SEG00001 CT0007", ctx), "Confirm", ctx)

    assert_confirm_refused(registry, preview, ctx, match="no longer the last")
    canceled = press(registry, preview, "Cancel", ctx)

    assert "nothing was undone" in canceled.text
    assert size_of(registry, ctx).endswith(": 7 contacts")


def test_refresh_previews_what_todays_data_changes(
    registry: Registry, ctx, crm, session_factory, workspace
) -> None:
    press(registry, registry.dispatch("new Retail industry:retail", ctx), "Confirm", ctx)

    with session_factory.begin() as s:
        add_contact(s, workspace.id, "CT0009", name="New Retail", industries=("RETAIL",))

    preview = registry.dispatch("refresh SEG00001", ctx)

    assert "Refresh will add 1 contact" in preview.text
    assert "New Retail" in rendered(preview)


def test_save_and_reuse_replay_criteria_on_another_segment(
    registry: Registry, ctx, crm, session_factory, workspace
) -> None:
    press(registry, registry.dispatch("new Retail industry:retail", ctx), "Confirm", ctx)
    saved = registry.dispatch("save SEG00001 retail “Retail &amp; co”", ctx)
    registry.dispatch("new Copy", ctx)

    preview = registry.dispatch("reuse RETAIL SEG00002", ctx)

    assert "RETAIL" in saved.text
    with session_factory() as s:
        assert saved_criteria.list_saved_criteria(s, workspace.id) == [("RETAIL", "Retail & co", 1)]
    assert "will add 6 contacts" in preview.text


def test_bad_criteria_are_reported_at_their_position_and_create_nothing(registry: Registry, ctx, crm) -> None:
    with pytest.raises(ValidationError) as caught:
        registry.dispatch("new Oops industy:retail", ctx)

    reply = error_reply(caught.value)
    assert reply.visibility == "ephemeral"
    assert "industry" in reply.text  # the closest known field
    assert "```industy:retail\n^```" in rendered(reply)
    assert "No segments yet" in registry.dispatch("list", ctx).text


def test_escaped_comparisons_from_slack_mean_the_same(registry: Registry, ctx, crm) -> None:
    registry.dispatch("new All", ctx)

    reply = registry.dispatch("add SEG00001 created:&gt;=2024-01-01", ctx)

    assert "Add will add 7 contacts" in reply.text


def test_an_unknown_segment_or_option_is_an_error(registry: Registry, ctx, crm) -> None:
    with pytest.raises(NotFoundError):
        registry.dispatch("add SEG00042 city:berlin", ctx)
    registry.dispatch("new One", ctx)
    with pytest.raises(ValidationError, match="--entire-companies"):
        registry.dispatch("add SEG00001 city:berlin --entire-companies", ctx)
    with pytest.raises(ValidationError, match="Usage"):
        registry.dispatch("add SEG00001", ctx)


def test_new_with_a_description_only_creates_an_empty_segment(registry: Registry, ctx) -> None:
    reply = registry.dispatch("new Shop &amp; Co leads", ctx)

    # Slack shows the escaped "&amp;" as "&", and a description "<!channel>" cannot ping anyone.
    assert reply.text.startswith("Created SEG00001 Shop &amp; Co leads.")
    assert size_of(registry, ctx) == "SEG00001 Shop &amp; Co leads: 0 contacts"
    with pytest.raises(ValidationError, match="no criteria"):
        registry.dispatch("new Other --expand-companies", ctx)
