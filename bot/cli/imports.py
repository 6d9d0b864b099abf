"""One CSV import run from the command line: the file checked, one unit of work, a progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import typer
from sqlalchemy.orm import Session

from bot.cli.common import TEAM_HELP, open_database, resolve_workspace
from bot.cli.progress import file_progress
from storage.csv_format import ProgressCallback
from storage.db import unit_of_work
from storage.errors import ValidationError

_Result = TypeVar("_Result")
_Reported = TypeVar("_Reported", covariant=True)


class Loader(Protocol[_Reported]):
    """An import of storage/: ``import_contacts``, ``import_interactions``, ``import_campaigns``."""

    def __call__(
        self, session: Session, workspace_id: int, path: Path, *, progress: ProgressCallback | None = None
    ) -> _Reported: ...


@dataclass(frozen=True)
class ImportRun(Generic[_Result]):
    """What an import reported, into which workspace, and how long it took."""

    result: _Result
    team_id: str
    seconds: float


def require_file(path: Path) -> None:
    """Refuse a path that is not a readable file, in one line rather than a usage screen."""
    if not path.is_file():
        # Command-line only, so English and not in the Slack catalogs.
        message = f"no such file: {path}"
        raise ValidationError(message)


def run_import(
    file: Path, team: str | None, load: Loader[_Result], *, create_workspace: bool
) -> ImportRun[_Result]:
    """Import ``file`` into the ``--team`` workspace, all or nothing, with a progress bar on a terminal.

    ``create_workspace`` makes an unknown team: importing contacts is how a workspace starts offline.
    """
    require_file(file)
    factory = open_database()
    started = time.perf_counter()
    with file_progress(file.name) as progress, unit_of_work(factory) as session:
        workspace = resolve_workspace(session, team, create=create_workspace)
        result = load(session, workspace.id, file, progress=progress)
    return ImportRun(result=result, team_id=workspace.team_id, seconds=time.perf_counter() - started)


@dataclass(frozen=True)
class ImportNoun(Generic[_Result]):
    """A noun of the command line whose rows come from CSV: its help, and what its ``import`` does.

    ``create_workspace``: see ``run_import``.
    """

    help: str
    load: Loader[_Result]
    import_help: str
    file_help: str
    summary: Callable[[ImportRun[_Result]], str]
    create_workspace: bool = True

    def typer_app(self) -> typer.Typer:
        """The noun's sub-app with its ``import FILE [--team T]``: ``run_import``, then the summary."""
        app = typer.Typer(no_args_is_help=True, help=self.help)

        def import_command(
            file: Path = typer.Argument(..., help=self.file_help),
            team: str | None = typer.Option(None, "--team", help=TEAM_HELP),
        ) -> None:
            typer.echo(
                self.summary(run_import(file, team, self.load, create_workspace=self.create_workspace))
            )

        app.command("import", help=self.import_help)(import_command)
        return app
