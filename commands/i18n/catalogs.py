"""Maintaining the catalogs: extract the messages, merge them into each language, compile the ``.mo``.

``python -m commands.i18n.catalogs update`` extracts every message of ``bot/``, ``commands/`` and
``storage/`` (as ``babel.cfg`` maps them) into ``commands/locale/segbot.pot`` and merges it into each
``segbot.po``: English is the source language, so its translations are the messages themselves;
other languages get new messages untranslated, for a translator to fill in. ``compile`` writes the
``.mo`` files the bot loads. ``check`` fails when a message lacks a translation or is fuzzy, or when
a ``.mo`` is older than its ``.po`` content (the tests run the same checks).
"""

from __future__ import annotations

import importlib
import inspect
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from commands.i18n import DEFAULT_LOCALE, DOMAIN, LOCALE_DIR, SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[2]
MAPPING_FILE = ROOT / "babel.cfg"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"

# The project's error classes take an English template as their first argument (storage/errors.py);
# the criteria parser's ``self.error(at, expected, message)`` its third.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "SegbotError": None,
    "ValidationError": None,
    "NotFoundError": None,
    "NotAllowedError": None,
    "ConflictError": None,
    "StalePreviewError": None,
    "StatementTimeoutError": None,
    "TooLongError": None,
    "BusyError": None,
    "UnknownNameError": None,
    "error": (3,),
}


def po_path(locale: str, *, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str, *, locale_dir: Path = LOCALE_DIR) -> Path:
    return po_path(locale, locale_dir=locale_dir).with_suffix(".mo")


def extract_template() -> Catalog:
    """Every translatable message in the source tree, as a catalog template."""
    with MAPPING_FILE.open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    template = Catalog(project="segbot", domain=DOMAIN, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    for filename, lineno, summary in _verb_summaries():
        template.add(summary, None, [(filename, lineno)])
    return template


def _verb_summaries() -> Iterator[tuple[str, int, str]]:
    """The built-in verbs' ``help`` summaries, which are docstrings (``VerbGroup.verb``), not calls."""
    from commands.registry import Registry, help_summary
    from commands.verbs import BUILTIN_MODULES

    registry = Registry()
    for module_name in BUILTIN_MODULES:
        importlib.import_module(module_name).register(registry)
    for verb in registry.verbs:
        source = Path(inspect.getsourcefile(verb.run) or "").relative_to(ROOT)
        yield str(source), verb.run.__code__.co_firstlineno, help_summary(verb.run)


def read_catalog(path: Path, locale: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def update() -> None:
    """Write the template and merge it into every language's ``.po``."""
    _write_po(TEMPLATE, extract_template())
    for locale in SUPPORTED_LOCALES:
        # A fresh template per language: Catalog.update shares its Message objects with the template.
        with TEMPLATE.open("rb") as handle:
            template = read_po(handle, domain=DOMAIN)
        path = po_path(locale)
        if path.exists():
            catalog = read_catalog(path, locale)
            catalog.update(template, no_fuzzy_matching=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=locale, project="segbot", domain=DOMAIN, fuzzy=False)
            catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if locale == DEFAULT_LOCALE:
            for message in catalog:
                if message.id and not _is_translated(message):
                    message.string = message.id
        _write_po(path, catalog)


def compiled(locale: str, *, locale_dir: Path = LOCALE_DIR) -> bytes:
    """The ``.mo`` bytes of a language's current ``.po``."""
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(po_path(locale, locale_dir=locale_dir), locale))
    return buffer.getvalue()


def compile_all() -> None:
    for locale in SUPPORTED_LOCALES:
        mo_path(locale).write_bytes(compiled(locale))


def problems(*, locale_dir: Path = LOCALE_DIR) -> list[str]:
    """What is wrong with the catalogs: missing, empty or fuzzy translations, stale ``.mo`` files."""
    found: list[str] = []
    wanted = {_key(m) for m in extract_template() if m.id}
    for locale in SUPPORTED_LOCALES:
        catalog = read_catalog(po_path(locale, locale_dir=locale_dir), locale)
        have = {_key(m): m for m in catalog if m.id}
        for key in sorted(wanted - have.keys(), key=str):
            found.append(f"{locale}: missing {key[0]!r}")
        for key, message in have.items():
            if message.fuzzy:
                found.append(f"{locale}: fuzzy {key[0]!r}")
            elif not _is_translated(message):
                found.append(f"{locale}: untranslated {key[0]!r}")
        mo = mo_path(locale, locale_dir=locale_dir)
        if not mo.exists() or mo.read_bytes() != compiled(locale, locale_dir=locale_dir):
            found.append(f"{locale}: {mo.name} is not compiled from the current .po")
    return found


def _key(message: Message) -> tuple[str, ...]:
    return tuple(str(part) for part in _as_tuple(message.id))


def _is_translated(message: Message) -> bool:
    return all(bool(s) for s in _as_tuple(message.string))


def _as_tuple(value: object) -> tuple[object, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _write_po(path: Path, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    # No line numbers: they would change the catalogs at every unrelated edit.
    write_po(buffer, catalog, omit_header=False, sort_output=True, include_lineno=False, width=100)
    path.write_bytes(buffer.getvalue())


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        issues = problems()
        for issue in issues:
            print(issue, file=sys.stderr)
        return 1 if issues else 0
    else:
        print("usage: python -m commands.i18n.catalogs update|compile|check", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
