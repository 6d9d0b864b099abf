"""The layers hold: bot/ -> commands/ -> storage/, and storage/ knows nothing of Slack or the scheduler."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What each layer must never import (the top-level package of the import).
FORBIDDEN = {
    "storage": {"bot", "commands", "slack_sdk", "slack_bolt", "apscheduler"},
    "commands": {"bot", "slack_bolt", "apscheduler"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value.split(".")[0])
    return found


def _modules(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_module_imports_a_layer_above_it_or_a_forbidden_package(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_packages(path) & FORBIDDEN[layer])
        for path in _modules(layer)
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_the_import_reader_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import slack_sdk.web\nfrom bot.app import create_app\nfrom . import sibling\n")
    assert _imported_packages(module) == {"slack_sdk", "bot"}


def _private_storage_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    names |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    return {n for n in names if n.startswith("storage.") and any(p.startswith("_") for p in n.split("."))}


@pytest.mark.parametrize("layer", ["bot", "commands"])
def test_the_layers_above_storage_use_only_its_public_modules(layer: str) -> None:
    offenders = {str(path.relative_to(ROOT)): _private_storage_imports(path) for path in _modules(layer)}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


@pytest.mark.parametrize("package", ["bench", "segbot_testing"])
def test_the_benchmarks_and_the_shared_stand_ins_import_nothing_from_the_tests(package: str) -> None:
    offenders = [str(p.relative_to(ROOT)) for p in _modules(package) if "tests" in _imported_packages(p)]
    assert offenders == []
