"""``segbot run``: migrate, then serve Slack over Socket Mode or HTTP, or the console when offline."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.common import DEMO_TEAM
from bot.settings import Settings, SettingsError, load_settings
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.migrate import upgrade
from storage.service import workspaces

log = logging.getLogger(__name__)

DEMO_CONTACTS = 500
OFFLINE_HINT = (
    "No Slack credentials found, so segbot runs offline on demo data.\n"
    "To connect Slack set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode), or SLACK_BOT_TOKEN and\n"
    "SLACK_SIGNING_SECRET with --http (see README, 'Connecting Slack').\n"
)


def run(
    http: bool = typer.Option(False, "--http", help="Serve Slack's requests over HTTP (also SEGBOT_HTTP=1)."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="HTTP mode: interface to listen on (behind a reverse proxy, see README)."
    ),
    port: int = typer.Option(3000, "--port", help="HTTP mode: port to listen on."),
    check: bool = typer.Option(
        False, "--check", help="Check the database and the Socket Mode connection, then exit."
    ),
) -> None:
    """Run the bot: Socket Mode with SLACK_APP_TOKEN, HTTP with --http, the console without Slack."""
    settings = load_settings()
    engine = _engine(settings)
    if check:
        check_connections(settings, engine)
        return
    upgrade(engine)
    session_factory = make_session_factory(engine)
    http = http or settings.segbot_http
    if not settings.has_slack_credentials and not http:
        from bot.cli.console import run_console

        team = ensure_demo_workspace(session_factory)
        typer.echo(OFFLINE_HINT, err=True)
        run_console(settings, session_factory, team)
        return
    serve_slack(settings, engine, session_factory, http=http, host=host, port=port)


def serve_slack(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    *,
    http: bool,
    host: str,
    port: int,
) -> None:
    """Connect to Slack and serve until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from slack_bolt.error import BoltError

    from bot.app import create_app
    from commands.registry import load_registry

    if http and settings.slack_signing_secret is None:
        raise SettingsError(
            "SLACK_SIGNING_SECRET is required in HTTP mode: it proves a request comes from Slack"
        )
    if not http and settings.slack_app_token is None:
        raise SettingsError("set SLACK_APP_TOKEN for Socket Mode, or run with --http (SEGBOT_HTTP=1)")
    try:
        app = create_app(settings, session_factory, load_registry())
    except BoltError as exc:
        # Bolt's message names the failing auth.test; never the token itself.
        raise SettingsError(f"Slack refused SLACK_BOT_TOKEN: {exc}") from None
    from bot.scheduler import start_refresh_scheduler

    # Every process starts one; on PostgreSQL only the advisory-lock leader runs the jobs.
    start_refresh_scheduler(settings, engine, session_factory)
    # A stop request (docker stop, systemd) exits like Ctrl-C: atexit hooks run and listener threads
    # finish the replies they are working on.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if http:
        from bot.http import make_wsgi_app, serve_http

        serve_http(make_wsgi_app(app, engine), host=host, port=port)
    else:
        from bot.socket_mode import connect_app

        assert settings.slack_app_token is not None
        connector = connect_app(app, settings.slack_app_token.get_secret_value())
        try:
            threading.Event().wait()
        finally:
            # A clean close handshake tells Slack at once to send to the bot's other connections.
            connector.close()


def check_connections(settings: Settings, engine: Engine) -> None:
    """``run --check``: one line per connection the bot needs; exit status 1 when one fails."""
    from bot.http import is_database_up

    database_up = is_database_up(engine)
    typer.echo("database: ok" if database_up else "database: not answering")
    socket_ok = True
    if settings.slack_app_token is not None:
        from bot.clients import make_web_client
        from bot.socket_mode import check_connection

        try:
            line = check_connection(make_web_client(settings), settings.slack_app_token.get_secret_value())
        except Exception as exc:
            socket_ok = False
            line = f"Socket Mode not connected: {_reason(exc)}"
        typer.echo(line)
    if not (database_up and socket_ok):
        raise typer.Exit(1)


def _reason(exc: Exception) -> str:
    # slack_sdk's errors carry the API's answer (e.g. invalid_auth), never the token.
    from slack_sdk.errors import SlackApiError

    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "Slack refused the app token")
    return str(exc) or type(exc).__name__


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    sys.exit(0)


def ensure_demo_workspace(
    session_factory: sessionmaker[Session], *, count: int = DEMO_CONTACTS
) -> str | None:
    """The team to show offline: the only workspace, or a demo one filled with generated contacts."""
    from storage.demo import generate_demo

    with unit_of_work(session_factory) as session:
        teams = workspaces.team_ids(session)
        if len(teams) > 1:
            return None  # the console asks for --team; `segbot console --team T` picks one
        team_id = teams[0] if teams else DEMO_TEAM
        workspace_id = workspaces.ensure_workspace(session, team_id, name="Demo")
        if not workspaces.has_contacts(session, workspace_id):
            generate_demo(session, workspace_id, count=count, seed=1)
        return team_id


def _engine(settings: Settings) -> Engine:
    kwargs: dict[str, Any] = {}
    if settings.database_url.startswith("postgresql"):
        # One connection per busy listener thread, so a burst of commands does not queue on the pool.
        kwargs.update(pool_size=20, max_overflow=20)
    return make_engine(settings.database_url, statement_timeout=settings.segbot_statement_timeout, **kwargs)
