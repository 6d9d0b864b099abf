"""``segbot contacts import|demo`` and ``segbot interactions import`` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import app
from storage.db import make_engine, make_session_factory
from storage.models import Contact, InteractionLogEntry, Workspace
from tests.bot.conftest import run_segbot_script

CONTACTS = "no,type,name,company_no,country\nC1,company,Acme,,GB\nP1,person,Ann,C1,GB\n"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite file as DATABASE_URL, run from a directory without a ``.env``."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def segbot(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output, result.exception


def count(url: str, model: type, team: str | None = None) -> int:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        query = select(func.count()).select_from(model)
        if team is not None:
            query = query.join(Workspace, Workspace.id == model.workspace_id).where(Workspace.team_id == team)
        result = session.scalar(query) or 0
    engine.dispose()
    return result


def test_import_creates_the_workspace_and_says_what_it_did(database: str, tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_text(CONTACTS)

    code, output, _ = segbot("contacts", "import", "contacts.csv", "--team", "T1")

    assert code == 0
    assert output.startswith("imported 2 contacts: 2 inserted, 0 updated into T1 in ")
    assert count(database, Contact, "T1") == 2


def test_team_may_be_left_out_when_the_database_holds_one_workspace(database: str, tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_text(CONTACTS)
    (tmp_path / "interactions.csv").write_text("contact_no,template,date\nP1,call,2025-05-01\n")
    segbot("contacts", "import", "contacts.csv", "--team", "T1")

    assert segbot("contacts", "import", "contacts.csv")[1].startswith(
        "imported 2 contacts: 0 inserted, 2 updated"
    )
    code, output, _ = segbot("interactions", "import", "interactions.csv")
    assert code == 0 and output.startswith("imported 1 interactions into T1")
    code, output, _ = segbot("contacts", "demo", "--count", "40", "--seed", "5")
    assert code == 0 and output.startswith("created 40 demo contacts in T1 (seed 5)")
    assert count(database, Contact, "T1") == 42
    assert count(database, InteractionLogEntry, "T1") >= 1


def test_team_is_required_when_the_database_holds_several_workspaces(database: str) -> None:
    segbot("contacts", "demo", "--team", "T1", "--count", "5")
    segbot("contacts", "demo", "--team", "T2", "--count", "5")

    code, _, error = segbot("contacts", "demo", "--count", "5")

    assert code != 0
    assert str(error) == "--team is required: the database holds 2 workspaces"
    assert count(database, Contact) == 10


def test_a_bad_file_fails_with_one_line_on_stderr_and_imports_nothing(database: str, tmp_path: Path) -> None:
    (tmp_path / "good.csv").write_text(CONTACTS)
    (tmp_path / "bad.csv").write_text(
        "no,type,name,created\nX1,company,X,2024-01-01\nX2,company,Y,31.12.2024\n"
    )
    segbot("contacts", "import", "good.csv", "--team", "T1")

    # The installed console script, so the error handling of main() is what is tested.
    result = run_segbot_script(
        "contacts", "import", "bad.csv", "--team", "T1", database_url=database, cwd=tmp_path
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        result.stderr == "segbot: line 3, column created: '31.12.2024' is not a date; expected YYYY-MM-DD\n"
    )
    assert count(database, Contact) == 2


def test_a_missing_file_is_one_clear_error(database: str) -> None:
    code, _, error = segbot("contacts", "import", "nowhere.csv", "--team", "T1")

    assert code != 0
    assert str(error) == "no such file: nowhere.csv"


def test_demo_on_a_fresh_database_needs_no_team_and_the_console_then_finds_it(database: str) -> None:
    code, output, exception = segbot("contacts", "demo", "--count", "40")

    assert code == 0, (output, exception)
    assert output.startswith("created 40 demo contacts in TDEMO ")
    assert count(database, Contact, "TDEMO") == 40
    code, output, _ = segbot("console")
    assert code == 0
    assert "--team is required" not in output


def test_the_console_on_a_fresh_database_opens_the_offline_workspace(database: str) -> None:
    code, output, exception = segbot("console")

    assert code == 0, (output, exception)
    assert count(database, Workspace) == 1
