"""requirements.lock pins what pyproject.toml asks for, and it is what this environment runs."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _PIN.match(stripped)
        assert match, f"requirements.lock line is not an exact pin: {line!r}"
        pins[_name(match.group(1))] = match.group(2)
    return pins


def _declared() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    declared: dict[str, str] = {}
    for requirement in requirements:
        match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)$", requirement)
        assert match, f"pyproject.toml requirement is not pinned with ==: {requirement!r}"
        declared[_name(match.group(1))] = match.group(2)
    return declared


def test_every_dependency_of_pyproject_is_locked_at_the_version_it_pins() -> None:
    locked = _locked()
    assert {name: locked.get(name) for name in _declared()} == _declared()


def test_the_installed_packages_are_the_locked_versions() -> None:
    installed = {name: metadata.version(name) for name in _locked()}
    assert installed == _locked()
