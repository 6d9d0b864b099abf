"""The registry: generated help, unknown verbs, plugins from the segbot.commands entry-point group."""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata

import pytest

from commands import registry as registry_module
from commands.context import CommandContext
from commands.registry import Registry, Verb, VerbGroup, load_registry
from commands.reply import Reply
from storage.errors import ValidationError
from tests.commands.conftest import assert_within_block_kit_limits, rendered

DOCUMENTED_VERBS = (
    "new",
    "list",
    "show",
    "add",
    "reduce",
    "refine",
    "include",
    "remove",
    "undo",
    "criteria",
    "save",
    "reuse",
    "refresh",
    "compare",
    "export",
    "log",
    "cancel",
    "delete",
)


def test_help_lists_every_verb_with_usage_and_examples(registry: Registry, ctx) -> None:
    for text in ("", "help", "  "):
        reply = registry.dispatch(text, ctx)
        shown = rendered(reply)
        for name in DOCUMENTED_VERBS:
            assert f"/segment {name}" in shown
        assert "For example" in shown
        assert_within_block_kit_limits(reply)


def test_help_for_one_verb_shows_its_examples(registry: Registry, ctx) -> None:
    reply = registry.dispatch("help add", ctx)

    assert "/segment add SEG &lt;criteria&gt;" in rendered(reply)
    assert "--expand-companies" in rendered(reply)


def test_an_unknown_verb_names_the_closest_one(registry: Registry, ctx) -> None:
    with pytest.raises(ValidationError, match="did you mean 'refine'"):
        registry.dispatch("refin SEG00001 city:berlin", ctx)


def test_an_unknown_button_is_a_clear_error(registry: Registry, ctx) -> None:
    with pytest.raises(ValidationError, match="no longer supported"):
        registry.handle_action("segbot:teleport", "x", ctx)


def _hello(text: str, ctx: CommandContext) -> Reply:
    return Reply(text=f"hello {text} from {ctx.user_id}")


def register_hello(registry: Registry) -> None:
    """A third-party plugin's register function."""
    registry.add(Verb(name="hello", aliases=("hi",), usage="hello NAME", summary="greets", run=_hello))


def register_new(registry: Registry) -> None:
    """A plugin trying to replace a built-in verb."""
    registry.add(Verb(name="new", aliases=(), usage="new", summary="hijacked", run=_hello))


def _fake_entry_points(*points: metadata.EntryPoint) -> Callable[..., metadata.EntryPoints]:
    def entry_points(*, group: str) -> metadata.EntryPoints:
        assert group == "segbot.commands"
        return metadata.EntryPoints(points)

    return entry_points


def _entry_point(name: str, value: str) -> metadata.EntryPoint:
    return metadata.EntryPoint(name=name, value=value, group="segbot.commands")


def test_plugins_installed_under_the_entry_point_group_add_verbs_and_help(monkeypatch, ctx) -> None:
    point = _entry_point("hello", "tests.commands.test_registry:register_hello")
    monkeypatch.setattr(registry_module.metadata, "entry_points", _fake_entry_points(point))

    plugged = load_registry()

    assert plugged.dispatch("hi ana", ctx).text == "hello ana from U0OWNER"
    assert "/segment hello NAME" in rendered(plugged.dispatch("help", ctx))
    assert plugged.verb("new") is not None


def test_a_broken_plugin_does_not_take_the_built_in_verbs_down(monkeypatch, ctx) -> None:
    missing = _entry_point("broken", "tests.commands.no_such_module:register")
    usurper = _entry_point("usurper", "tests.commands.test_registry:register_new")
    monkeypatch.setattr(registry_module.metadata, "entry_points", _fake_entry_points(missing, usurper))

    plugged = load_registry()

    assert {v.name for v in plugged.verbs} >= set(DOCUMENTED_VERBS)
    assert "Opening the new segment form" in plugged.dispatch("new", ctx).text


def test_a_verb_name_cannot_be_registered_twice() -> None:
    plugged = Registry()
    register_hello(plugged)
    with pytest.raises(ValueError, match="already registered"):
        register_hello(plugged)


def test_a_button_goes_to_the_handler_with_the_longest_matching_prefix(ctx) -> None:
    routed = Registry()
    routed.register_action("segbot:page", lambda value, ctx: Reply(text=f"page {value}"))
    routed.register_action("segbot:page:run", lambda value, ctx: Reply(text=f"run {value}"))

    assert routed.handle_action("segbot:page:next", "2", ctx).text == "page 2"
    assert routed.handle_action("segbot:page:run:entered:next", "3", ctx).text == "run 3"
    with pytest.raises(ValidationError):
        routed.handle_action("segbot:pager", "1", ctx)


def test_a_declared_verb_shows_its_docstrings_first_paragraph_in_help_and_answers_its_button(ctx) -> None:
    verbs = VerbGroup()

    @verbs.verb("wave NAME", aliases=("hey",), examples=("wave ana",))
    def wave(text: str, ctx: CommandContext) -> Reply:
        """waves at
        someone

        What the code does, for its readers only.
        """
        return Reply(text=f"waving at {text}")

    @verbs.action("segbot:wave")
    def wave_back(value: str, ctx: CommandContext) -> Reply:
        return Reply(text=f"{value} waves back")

    routed = Registry()
    verbs.register(routed)

    shown = rendered(routed.dispatch("help wave", ctx))
    assert "waves at someone" in shown
    assert "wave ana" in shown
    assert "for its readers" not in shown
    assert routed.dispatch("hey ana", ctx).text == "waving at ana"
    assert routed.handle_action("segbot:wave", "ana", ctx).text == "ana waves back"


def test_a_verb_without_a_docstring_is_refused_when_declared() -> None:
    def silent(text: str, ctx: CommandContext) -> Reply:
        return Reply(text="")

    with pytest.raises(ValueError, match="needs a docstring"):
        VerbGroup().verb("silent")(silent)
