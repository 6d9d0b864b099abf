"""Every help example of every verb, and every ``/segment`` example in README.md, typed into the console.

The workspace is what a user has after ``segbot contacts demo`` and a few minutes of work: demo
contacts (companies with persons, profile answers, interactions), SEG00001 "Retail" and SEG00002
"Customers", saved criteria RETAIL, the logged segment LSEG00001, a schedule, and SEG00003 and
SEG00004 built on other segments. Each verb's examples run in order (``cancel LSEG00001`` before
``cancel LSEG00001 --undo``) inside a savepoint rolled back afterwards, so every verb starts from the
same workspace. A reply that offers Confirm is confirmed too.

An example fails on an apology, a traceback or logged error, a ``:warning:`` (how every error reply
starts) or "unknown command". Verbs registered later join automatically; a help example must run on
this workspace, so examples name SEG00001, SEG00002, LSEG00001, RETAIL and demo contact numbers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.console import CONSOLE_CHANNEL, CONSOLE_USER, Console
from bot.delivery import GENERIC_FAILURE
from commands.context import CommandContext
from commands.i18n import translator
from commands.registry import load_registry
from storage.db import unit_of_work
from storage.demo import generate_demo
from storage.service import workspaces

TEAM = "TDEMO"
TODAY = date(2026, 11, 30)
README = Path(__file__).resolve().parents[2] / "README.md"
REGISTRY = load_registry()

# The workspace, built with the same commands a user would type; each reply is checked like an example's.
SETUP = (
    'new "Retail" industry:retail',
    'new "Customers" relation:cust',
    'save SEG00001 RETAIL "Retail"',
    "log SEG00001 template:MEETING",
    "log SEG00002 template:MEETING",
    "cancel LSEG00002",
    "schedule SEG00001 weekdays 08:30",
    "live SEG00001",
    'new "Customers without e-mail" segment:SEG00002 -email:*',
    'new "Reachable customers" segment:SEG00002 -segment:SEG00003',
)
# The apology in every language segbot speaks, and the marks of an error reply.
_FAILURES = (
    *{translator(locale)._(GENERIC_FAILURE).lower() for locale in ("en", "it")},
    "went wrong",
    "traceback",
    "unknown command",
)
# An error reply opens with this; a preview may carry a notice with it further down.
_ERROR_MARK = ":warning:"


def readme_examples(text: str) -> list[str]:
    """The ``/segment`` commands README.md shows: lines of its code blocks and inline code spans.

    In a code block the command ends where two spaces start its explanation. A span holding a
    placeholder (``<criteria>``, ``[en|it]``) is a usage, not an example.
    """
    found: list[str] = []
    in_block = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = not in_block
            continue
        if in_block and line.startswith("/segment "):
            found.append(re.split(r"\s{2,}", line.removeprefix("/segment "))[0].strip())
        elif not in_block:
            found.extend(span.strip() for span in re.findall(r"`/segment ([^`]*)`", line))
    return [example for example in dict.fromkeys(found) if not re.search(r"[<\[]", example)]


@dataclass
class DemoWorkspace:
    connection: Connection
    factory: sessionmaker[Session]

    def console(self, files: Path) -> Console:
        # The console's own user and channel, an admin as the console's user always is.
        ctx = CommandContext(self.factory, TEAM, CONSOLE_USER, CONSOLE_CHANNEL, is_admin=True, today=TODAY)
        return Console(REGISTRY, ctx, files_dir=files)


def _type(console: Console, text: str, caplog: pytest.LogCaptureFixture) -> list[str]:
    """Type ``text``, confirm when offered; the replies, after failing on any sign of an error."""
    caplog.clear()
    replies = [console.handle(text)]
    if "[Confirm]" in replies[0]:
        replies.append(console.handle("Confirm"))
    for reply in replies:
        shown = reply.lower()
        bad = [sign for sign in _FAILURES if sign in shown]
        if shown.lstrip().startswith(_ERROR_MARK):
            bad.append(_ERROR_MARK)
        assert not bad, f"/segment {text}\n{reply}"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, f"/segment {text} logged: {errors[0].getMessage()}"
    return replies


@pytest.fixture(scope="module")
def demo(database: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWorkspace]:
    # One transaction for the whole module: the commands' own commits become savepoints in it, so
    # each verb's examples can be rolled back and nothing is left for the other tests.
    connection = database.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        with unit_of_work(factory) as session:
            workspace_id = workspaces.ensure_workspace(session, TEAM, name="Demo")
            generate_demo(session, workspace_id, count=1000, seed=1, today=TODAY)
        workspace = DemoWorkspace(connection, factory)
        console = workspace.console(tmp_path_factory.mktemp("setup"))
        for text in SETUP:
            reply = console.handle(text)
            if "[Confirm]" in reply:
                reply = console.handle("Confirm")
            assert not [sign for sign in _FAILURES if sign in reply.lower()], f"setup: {text}\n{reply}"
        yield workspace
    finally:
        outer.rollback()
        connection.close()


def _run_in_savepoint(
    demo: DemoWorkspace, examples: tuple[str, ...], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scope = demo.connection.begin_nested()
    try:
        console = demo.console(tmp_path)
        for example in examples:
            _type(console, example, caplog)
    finally:
        scope.rollback()


@pytest.mark.parametrize("verb", [verb.name for verb in REGISTRY.verbs])
def test_every_help_example_of_every_verb_runs_on_the_demo_workspace(
    demo: DemoWorkspace, verb: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    found = REGISTRY.verb(verb)
    assert found is not None
    _run_in_savepoint(demo, ("help " + verb, *found.examples), tmp_path, caplog)


@pytest.mark.parametrize("example", readme_examples(README.read_text(encoding="utf-8")))
def test_every_segment_example_in_the_readme_runs_on_the_demo_workspace(
    demo: DemoWorkspace, example: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _run_in_savepoint(demo, (example,), tmp_path, caplog)


def test_the_readme_examples_are_found() -> None:
    examples = readme_examples(README.read_text(encoding="utf-8"))

    assert 'new "Berlin retail" industry:retail city:berlin' in examples
    assert "reduce SEG00001 -email:*" in examples
    assert "language it" in examples
    assert all(not example.startswith("/") for example in examples)


def test_an_example_that_fails_is_reported(demo: DemoWorkspace, tmp_path: Path, caplog) -> None:
    with pytest.raises(AssertionError, match="add SEG00001 industry:retial"):
        _run_in_savepoint(demo, ("add SEG00001 industry:retial",), tmp_path, caplog)
    with pytest.raises(AssertionError, match="unknown command"):
        _run_in_savepoint(demo, ("frobnicate SEG00001",), tmp_path, caplog)
