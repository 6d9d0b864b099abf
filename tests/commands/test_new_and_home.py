"""`new` without arguments opens a modal; App Home lists the user's segments with Show buttons;
refresh notifications page who entered and who left."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from commands.blocks.contacts import build_pager
from commands.blocks.modal import NEW_SEGMENT_CALLBACK
from commands.home import build_home_view
from commands.registry import Registry
from commands.reply import Reply
from commands.verbs.paging import change_set_target
from storage.errors import ConflictError, NotFoundError
from storage.models import Workspace
from storage.service import changes
from tests.commands.conftest import OWNER, as_user, assert_within_block_kit_limits, buttons, press, rendered
from tests.factories import add_contact


def submission(description: str, criteria: str | None, *options: str) -> dict[str, Any]:
    """The ``view.state.values`` Slack sends when the modal is submitted."""
    return {
        "description": {"value": {"type": "plain_text_input", "value": description}},
        "criteria": {"value": {"type": "plain_text_input", "value": criteria}},
        "options": {
            "value": {"type": "checkboxes", "selected_options": [{"value": o, "text": {}} for o in options]}
        },
    }


def test_new_without_arguments_opens_the_form(registry: Registry, ctx) -> None:
    reply = registry.dispatch("new", ctx)

    assert reply.modal is not None
    form = reply.modal.to_dict()
    assert form["callback_id"] == NEW_SEGMENT_CALLBACK
    assert form["private_metadata"] == "C0SALES"
    # An empty workspace has no codes to pick from; the pickers searched as typed are always there.
    assert [b["block_id"] for b in form["blocks"]] == [
        "description",
        *["pick:country", "pick:city", "pick:salesperson", "pick:territory"],
        *["criteria", "options", "count"],
        # No campaigns or templates to name yet: the header asks for neither.
        *["header_divider", "header_intro"],
        *["header:salesperson", "header:date", "header:language", "header:subject"],
    ]
    assert_within_block_kit_limits(reply)


def test_submitting_bad_criteria_shows_the_error_in_the_field_and_creates_nothing(
    registry: Registry, ctx, crm
) -> None:
    errors = registry.handle_view_submission(NEW_SEGMENT_CALLBACK, submission("Oops", "citi:berlin"), ctx)

    assert isinstance(errors, dict)
    assert set(errors) == {"criteria"}
    assert "did you mean 'city'" in errors["criteria"]
    assert "No segments yet" in registry.dispatch("list", ctx).text


def test_submitting_a_code_nobody_carries_shows_the_closest_in_the_field_and_creates_nothing(
    registry: Registry, ctx, crm
) -> None:
    errors = registry.handle_view_submission(NEW_SEGMENT_CALLBACK, submission("Oops", "industry:retial"), ctx)

    assert isinstance(errors, dict)
    assert errors["criteria"] == "no industry code RETIAL in this workspace - did you mean RETAIL?"
    assert "No segments yet" in registry.dispatch("list", ctx).text


def test_submitting_without_a_description_asks_for_one(registry: Registry, ctx) -> None:
    errors = registry.handle_view_submission(NEW_SEGMENT_CALLBACK, submission("  ", None), ctx)

    assert errors == {"description": "Please describe the segment."}


def test_submitting_the_form_previews_the_add_with_its_options(registry: Registry, ctx, crm) -> None:
    reply = registry.handle_view_submission(
        NEW_SEGMENT_CALLBACK, submission("Paris", "city:paris", "ignore_exclusion"), ctx
    )

    assert isinstance(reply, Reply)
    assert "Add will add 2 contacts" in reply.text
    assert "--ignore-exclusion" in rendered(reply)
    assert set(buttons(reply)) == {"Confirm", "Cancel"}


def test_app_home_lists_the_users_segments_with_a_show_button_each(
    registry: Registry, ctx, crm, session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    press(registry, registry.dispatch("new Berlin city:berlin", ctx), "Confirm", ctx)
    registry.dispatch("new Theirs", as_user(ctx, "U0OTHER"))

    home = build_home_view(session_factory, workspace.team_id, OWNER)
    shown = str(home.to_dict())

    assert home.type == "home"
    assert "SEG00001" in shown and "6 contacts" in shown and "changed <!date^" in shown
    assert "SEG00002" not in shown
    show = Reply(text="home", blocks=tuple(home.blocks))
    opened = press(registry, show, "Show", ctx)
    assert "Berlin" in rendered(opened) and "Ana Berg" in rendered(opened)


def test_app_home_of_a_new_user_says_there_are_no_segments(session_factory, workspace: Workspace) -> None:
    home = build_home_view(session_factory, workspace.team_id, "U0NEW")

    assert "You have no segments yet." in str(home.to_dict())


def test_who_entered_and_who_left_a_refresh_page_with_next(
    registry: Registry, ctx, crm, session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    press(registry, registry.dispatch("new Retail industry:retail", ctx), "Confirm", ctx)
    with session_factory.begin() as s:
        for i in range(12):
            add_contact(s, workspace.id, f"CT1{i:03d}", name=f"Newcomer {i}", industries=("RETAIL",))
        result = changes.refresh_segment(s, workspace.id, "SEG00001", user_id=OWNER, today=ctx.today)
    assert result.seq is not None
    notification = Reply(
        text="refreshed",
        blocks=tuple(build_pager(change_set_target("SEG00001", result.seq, 1), result.entered)),
    )

    second = press(registry, notification, "Next", ctx)

    assert "Who entered SEG00001" in rendered(second)
    assert "Contacts 11-12 of 12" in rendered(second)
    assert set(buttons(second)) == {"Previous"}


def test_cancelling_the_preview_of_new_leaves_no_segment_behind(registry: Registry, ctx, crm) -> None:
    preview = registry.dispatch('new "Berlin retail" industry:retail', ctx)
    canceled = press(registry, preview, "Cancel", ctx)

    assert "nothing was changed" in canceled.text
    assert "No segments yet" in registry.dispatch("list", ctx).text
    with pytest.raises(NotFoundError, match="canceled"):
        press(registry, preview, "Confirm", ctx)
    assert "No segments yet" in registry.dispatch("list", ctx).text
    # The number went back: the next segment is SEG00001, not SEG00002.
    press(registry, registry.dispatch('new "Retail" industry:retail', ctx), "Confirm", ctx)
    assert "SEG00001" in registry.dispatch("list", ctx).text


def test_cancelling_a_later_preview_keeps_a_segment_made_by_new(registry: Registry, ctx, crm) -> None:
    registry.dispatch('new "Berlin retail"', ctx)
    preview = registry.dispatch("add SEG00001 industry:retail", ctx)
    press(registry, preview, "Cancel", ctx)
    confirmed = registry.dispatch('new "Banks" industry:bank', ctx)
    press(registry, confirmed, "Confirm", ctx)
    with pytest.raises(ConflictError):
        press(registry, confirmed, "Cancel", ctx)

    listed = registry.dispatch("list", ctx).text
    assert "SEG00001" in listed and "Banks" in listed
