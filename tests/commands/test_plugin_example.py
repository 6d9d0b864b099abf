"""examples/plugin, installed as a package (`make test` installs it), adds its verb by entry point."""

from __future__ import annotations

from importlib import metadata

from sqlalchemy.orm import Session

from commands.context import CommandContext
from commands.registry import ENTRY_POINT_GROUP, load_registry
from storage.errors import ValidationError
from storage.models import Workspace
from storage.service import changes, segments
from tests.commands.conftest import OWNER, rendered


def test_the_example_plugin_is_installed_under_segbots_entry_point_group() -> None:
    names = {point.name: point.value for point in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    assert names.get("largest") == "segbot_largest:register"


def test_the_example_plugins_verb_lists_the_largest_segments_and_shows_in_help(
    session: Session, workspace: Workspace, ctx: CommandContext, crm: None
) -> None:
    registry = load_registry()
    empty = segments.create_segment(session, workspace.id, description="Empty", owner_user_id=OWNER)
    small = segments.create_segment(session, workspace.id, description="Small", owner_user_id=OWNER)
    changes.apply_action(session, workspace.id, small.no, "include", contact_nos=["CT0001"], user_id=OWNER)
    session.commit()

    assert "/segment largest [N]" in rendered(registry.dispatch("help", ctx))
    assert registry.dispatch("largest 1", ctx).text == f"{small.no} Small: 1 contact"
    assert registry.dispatch("largest", ctx).text.splitlines()[1].startswith(empty.no)
    try:
        registry.dispatch("largest lots", ctx)
    except ValidationError as exc:
        assert exc.params["text"] == "lots"
    else:
        raise AssertionError("a bad count must be refused")
