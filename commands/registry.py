"""The verbs of ``/segment`` as plugins: built-ins plus third-party ``segbot.commands`` entry points.

Each plugin module exposes ``register(registry)``, most often a ``VerbGroup``'s; the registry routes a
slash command's text to a verb, a button press to an action handler by ``action_id`` prefix, and a
modal submission to a view handler by ``callback_id``. ``help`` is generated from what is registered,
so a plugin's verbs show up there without anyone editing a list.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from slack_sdk.models.blocks import Option
from slack_sdk.models.views import View

from commands.blocks.help import build_help_blocks, build_verb_help_blocks
from commands.context import CommandContext
from commands.i18n import ENGLISH, Translator, reader_locale, translator
from commands.reply import Reply
from storage.errors import ValidationError
from storage.limits import find_control_character

ENTRY_POINT_GROUP = "segbot.commands"
ACTION_PREFIX = "segbot:"

log = logging.getLogger(__name__)

VerbRunner = Callable[[str, CommandContext], Reply]
ActionHandler = Callable[[str, CommandContext], Reply]
ViewHandler = Callable[[dict[str, Any], CommandContext], "Reply | dict[str, str]"]
ViewChangeHandler = Callable[[dict[str, Any], CommandContext], View]
OptionsHandler = Callable[[str, str, CommandContext], list[Option]]


@dataclass(frozen=True)
class Verb:
    """One verb: ``run(text_after_the_verb, ctx)`` answers it; the rest is help text."""

    name: str
    aliases: tuple[str, ...]
    usage: str
    summary: str
    run: VerbRunner
    examples: tuple[str, ...] = ()


class Registry:
    """Verbs, button handlers and modal handlers, looked up by name."""

    def __init__(self) -> None:
        self._verbs: dict[str, Verb] = {}
        self._names: dict[str, Verb] = {}
        self._actions: dict[str, ActionHandler] = {}
        self._views: dict[str, ViewHandler] = {}
        self._view_changes: dict[str, ViewChangeHandler] = {}
        self._options: dict[str, OptionsHandler] = {}

    @property
    def verbs(self) -> list[Verb]:
        """The registered verbs in registration order."""
        return list(self._verbs.values())

    def add(self, verb: Verb) -> None:
        """Register ``verb``; a name or alias already taken is a programming error."""
        for name in (verb.name, *verb.aliases):
            key = name.lower()
            if key in self._names or key == "help":
                raise ValueError(f"verb name {name!r} is already registered")
        self._verbs[verb.name.lower()] = verb
        for name in (verb.name, *verb.aliases):
            self._names[name.lower()] = verb

    def verb(self, name: str) -> Verb | None:
        return self._names.get(name.lower())

    def register_action(self, prefix: str, handler: ActionHandler) -> None:
        """Route button presses whose ``action_id`` starts with ``prefix`` (e.g. ``segbot:confirm``)."""
        _add_once(self._actions, prefix, handler, what="action prefix")

    def register_view(self, callback_id: str, handler: ViewHandler) -> None:
        """Route modal submissions with ``callback_id`` to ``handler(state_values, ctx)``."""
        _add_once(self._views, callback_id, handler, what="view callback")

    def register_view_change(self, callback_id: str, handler: ViewChangeHandler) -> None:
        """Route changes to a modal's inputs (``dispatch_action``) to ``handler(view, ctx)``, which
        answers with the modal as it should look now."""
        _add_once(self._view_changes, callback_id, handler, what="view change callback")

    def register_options(self, callback_id: str, handler: OptionsHandler) -> None:
        """Route a modal's external selects to ``handler(block_id, typed_text, ctx)``."""
        _add_once(self._options, callback_id, handler, what="options callback")

    def dispatch(self, text: str, ctx: CommandContext) -> Reply:
        """Answer the text of ``/segment``; SegbotError propagates to the one place that reports it.

        Errors leave tagged with the caller's language, so that place can explain them in it.
        """
        with reader_locale(ctx.locale):
            return self._dispatch(text, ctx)

    def _dispatch(self, text: str, ctx: CommandContext) -> Reply:
        control = find_control_character(text)
        if control is not None:
            raise ValidationError(
                "The command holds control character {code} at position {position}; type it without.",
                code=f"U+{ord(text[control]):04X}",
                position=control,
            )
        stripped = text.strip()
        tr = translator(ctx.locale)
        if not stripped:
            return self.help_reply(tr=tr)
        name, _, rest = stripped.partition(" ")
        if name.lower() == "help":
            return self.help_reply(rest.strip() or None, tr=tr)
        verb = self.verb(name)
        if verb is None:
            raise self._unknown_verb(name)
        return verb.run(rest.strip(), ctx)

    def handle_action(self, action_id: str, value: str, ctx: CommandContext) -> Reply:
        """Answer a button press; the longest registered prefix of ``action_id`` wins."""
        matches = [p for p in self._actions if action_id == p or action_id.startswith(p + ":")]
        with reader_locale(ctx.locale):
            if not matches:
                raise ValidationError(
                    "This button ({action_id}) is no longer supported.", action_id=action_id
                )
            return self._actions[max(matches, key=len)](value, ctx)

    def handle_view_submission(
        self, callback_id: str, values: dict[str, Any], ctx: CommandContext
    ) -> Reply | dict[str, str]:
        """Answer a modal submission: a Reply, or field errors ``{block_id: message}`` for the modal."""
        handler = self._views.get(callback_id)
        with reader_locale(ctx.locale):
            if handler is None:
                raise ValidationError(
                    "This form ({callback_id}) is no longer supported.", callback_id=callback_id
                )
            return handler(values, ctx)

    def handles_view_changes(self, callback_id: str) -> bool:
        return callback_id in self._view_changes

    def handle_view_change(self, callback_id: str, view: dict[str, Any], ctx: CommandContext) -> View:
        """The modal ``view`` (as Slack sent it, with its state) as it should look after the change."""
        with reader_locale(ctx.locale):
            return self._view_changes[callback_id](view, ctx)

    def handle_options(
        self, callback_id: str, block_id: str, query: str, ctx: CommandContext
    ) -> list[Option]:
        """The options of an external select in modal ``callback_id``; none for an unknown modal."""
        handler = self._options.get(callback_id)
        if handler is None:
            return []
        with reader_locale(ctx.locale):
            return handler(block_id, query, ctx)

    def help_reply(self, topic: str | None = None, *, tr: Translator = ENGLISH) -> Reply:
        """Usage of every verb, or of one verb with its examples, in the reader's language."""
        if topic:
            verb = self.verb(topic.split()[0])
            if verb is None:
                raise self._unknown_verb(topic.split()[0])
            blocks = build_verb_help_blocks(verb, tr=tr)
            return Reply(text=f"/segment {verb.usage} - {tr._(verb.summary)}", blocks=tuple(blocks))
        blocks = build_help_blocks(self.verbs, tr=tr)
        lines = [f"/segment {v.usage} - {tr._(v.summary)}" for v in self.verbs]
        return Reply(text="\n".join(lines)[:3000], blocks=tuple(blocks))

    def _unknown_verb(self, name: str) -> ValidationError:
        close = difflib.get_close_matches(name.lower(), [*self._names, "help"], n=1, cutoff=0.5)
        if close:
            return ValidationError(
                "unknown command '{name}' - did you mean '{close}'? Type `/segment help` for the list.",
                name=name,
                close=close[0],
            )
        return ValidationError("unknown command '{name}'. Type `/segment help` for the list.", name=name)


def help_summary(run: VerbRunner) -> str:
    """The first paragraph of ``run``'s docstring on one line: a verb's summary in ``help``."""
    if not run.__doc__:
        raise ValueError(f"verb {run.__qualname__} needs a docstring: its first paragraph is its help")
    return " ".join(inspect.cleandoc(run.__doc__).split("\n\n")[0].split())


def _add_once(routes: dict[str, Any], key: str, handler: Any, *, what: str) -> None:
    if key in routes:
        raise ValueError(f"{what} {key!r} is already registered")
    routes[key] = handler


class VerbGroup:
    """A module's verbs and button handlers, declared by decorators where they are defined.

    ``verbs = VerbGroup()``, then ``@verbs.verb(usage)`` on a verb's function and
    ``@verbs.action(prefix)`` on a button handler; the module's ``register = verbs.register`` adds
    them all to a registry, verbs in the order they were declared (the order of ``help``).
    """

    def __init__(self) -> None:
        self._steps: list[Callable[[Registry], None]] = []

    def verb(
        self, usage: str, *, aliases: tuple[str, ...] = (), examples: tuple[str, ...] = ()
    ) -> Callable[[VerbRunner], VerbRunner]:
        """Declare the decorated function as the verb named by the first word of ``usage``.

        The first paragraph of its docstring is the summary ``help`` shows, as click does: user text,
        translated like every message (``commands.i18n.catalogs`` extracts it).
        """

        def declare(run: VerbRunner) -> VerbRunner:
            verb = Verb(usage.split()[0], aliases, usage, help_summary(run), run, examples)
            self._steps.append(lambda registry: registry.add(verb))
            return run

        return declare

    def action(self, prefix: str) -> Callable[[ActionHandler], ActionHandler]:
        """Declare the decorated function as what answers buttons whose ``action_id`` starts ``prefix``."""

        def declare(handler: ActionHandler) -> ActionHandler:
            self._steps.append(lambda registry: registry.register_action(prefix, handler))
            return handler

        return declare

    def register(self, registry: Registry) -> None:
        """Add everything declared to ``registry``."""
        for step in self._steps:
            step(registry)


def load_registry() -> Registry:
    """The built-in verbs plus every plugin installed under the ``segbot.commands`` entry-point group."""
    from commands.verbs import BUILTIN_MODULES

    registry = Registry()
    for module_name in BUILTIN_MODULES:
        importlib.import_module(module_name).register(registry)
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        # A broken third-party plugin must not take the built-in verbs down with it.
        try:
            register = entry_point.load()
            register(registry)
        except Exception:
            log.exception("could not load segbot command plugin %s", entry_point.name)
    return registry
