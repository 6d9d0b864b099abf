"""The user guide and the help agree: every verb documented with its examples, every documented verb real."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from commands.registry import Registry
from commands.verbs import BUILTIN_MODULES

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")


def _builtin_registry() -> Registry:
    registry = Registry()
    for name in BUILTIN_MODULES:
        importlib.import_module(name).register(registry)
    return registry


REGISTRY = _builtin_registry()
VERBS = REGISTRY.verbs
_COMMAND_LINE = re.compile(r"^/segment (\S+)", re.MULTILINE)


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: v.name)
def test_every_verb_has_a_section_in_the_user_guide(verb) -> None:
    headings = re.findall(r"^###+ .*$", GUIDE, re.MULTILINE)
    assert any(f"`{verb.name}`" in heading for heading in headings), f"no heading names `{verb.name}`"


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: v.name)
def test_every_help_example_is_in_the_user_guide(verb) -> None:
    missing = [example for example in verb.examples if f"/segment {example}" not in GUIDE]
    assert missing == []


def test_every_command_in_the_user_guide_names_a_verb_that_exists() -> None:
    named = set(_COMMAND_LINE.findall(GUIDE))
    unknown = sorted(word for word in named if REGISTRY.verb(word) is None and word != "help")
    assert named and unknown == []


def test_the_docs_are_the_reference_not_an_outside_document() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("bot", "commands", "storage", "tests", "bench", "docs", "examples")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in (".py", ".md", ".po", ".pot")
        and path != Path(__file__)
        and "CONTRACT" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
