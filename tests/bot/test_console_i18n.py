"""The offline console speaks the workspace's default language, or the one asked for with --language."""

from __future__ import annotations

import io

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.console import console_context
from bot.console import Console
from bot.settings import load_settings
from commands.registry import load_registry
from storage.models import Workspace
from tests.factories import add_contact


def _console(session_factory: sessionmaker[Session], *, language: str | None = None) -> Console:
    settings = load_settings(slack_bot_token=None, slack_signing_secret=None, slack_app_token=None)
    ctx = console_context(settings, session_factory, "T0001", language=language)
    return Console(load_registry(), ctx)


def test_the_console_follows_the_workspace_default_language(
    session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    with session_factory.begin() as session:
        session.execute(update(Workspace).where(Workspace.id == workspace.id).values(default_locale="it"))
        add_contact(session, workspace.id, "R001", name="Negozio Uno", city="Milano", industries=("RETAIL",))
    console = _console(session_factory)

    preview = console.handle('/segment new "Retail Milano" industry:retail')
    assert "[Conferma] [Annulla]" in preview
    assert "Aggiungi contatti: 1 contatto da aggiungere" in preview

    outcome = console.handle("Conferma")
    assert outcome.startswith("(pubblicato nel canale)")
    assert "Nuova dimensione: 1" in outcome
    assert "nessun segmento SEG00009" in console.handle("show SEG00009")


def test_language_chosen_for_the_console_wins_over_the_workspace_default(
    session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    console = _console(session_factory, language="it")
    out = io.StringIO()

    console.run(["new"], out, interactive=True)

    assert "console di segbot" in out.getvalue()
    assert "In Slack si apre il modulo 'Nuovo segmento'" in out.getvalue()
    assert "[Confirm]" not in _console(session_factory, language="en").handle("help")
