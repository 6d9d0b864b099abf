"""The offline console: the same registry and replies as Slack, rendered as text, buttons pressed by label."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.console import Console
from commands.context import CommandContext
from commands.registry import Registry, Verb
from commands.reply import FileUpload, Reply
from storage.errors import ConflictError
from storage.models import Workspace


def _ctx(session_factory: sessionmaker[Session]) -> CommandContext:
    return CommandContext(session_factory=session_factory, team_id="T0001", user_id="UCONSOLE")


def _counter_registry() -> Registry:
    """A plugin verb with a preview and Confirm/Cancel, confirming once like the real previews."""
    registry = Registry()
    applied: list[str] = []

    def preview(text: str, ctx: CommandContext) -> Reply:
        return Reply(
            text="Add will add 3 contacts",
            blocks=(
                HeaderBlock(text="SEG00001 Retail"),
                SectionBlock(text="Add will add *3* contacts", fields=[MarkdownTextObject(text="*Size* 0")]),
                ContextBlock(elements=[MarkdownTextObject(text="industry:retail &amp; more")]),
                ActionsBlock(
                    elements=[
                        ButtonElement(text="Confirm", action_id="segbot:confirm", value="p1"),
                        ButtonElement(text="Cancel", action_id="segbot:cancel", value="p1"),
                    ]
                ),
            ),
        )

    def confirm(value: str, ctx: CommandContext) -> Reply:
        if value in applied:
            raise ConflictError("This preview was already applied; nothing changed.")
        applied.append(value)
        return Reply(text="Added 3 contacts; SEG00001 now has 3.", replace_original=True, announce=True)

    registry.add(Verb(name="preview", aliases=(), usage="preview", summary="test preview", run=preview))
    registry.register_action("segbot:confirm", confirm)
    registry.register_action("segbot:cancel", lambda value, ctx: Reply(text="Canceled; nothing changed."))
    return registry


def test_a_preview_is_rendered_as_text_with_its_buttons_in_brackets(
    session_factory: sessionmaker[Session],
) -> None:
    console = Console(_counter_registry(), _ctx(session_factory))

    shown = console.handle("/segment preview")

    assert shown.splitlines()[0] == "SEG00001 Retail"
    assert "Add will add 3 contacts" in shown
    assert "  Size 0" in shown
    assert "industry:retail & more" in shown
    assert "[Confirm] [Cancel]" in shown


def test_typing_a_button_label_presses_it_and_a_second_press_says_already_applied(
    session_factory: sessionmaker[Session],
) -> None:
    console = Console(_counter_registry(), _ctx(session_factory))
    console.handle("preview")

    first = console.handle("Confirm")
    console.handle("preview")
    second = console.handle("confirm")

    assert first == "(posted in the channel)\nAdded 3 contacts; SEG00001 now has 3."
    assert "already applied" in second


def test_a_word_that_is_no_button_is_a_command(session_factory: sessionmaker[Session]) -> None:
    console = Console(_counter_registry(), _ctx(session_factory))

    shown = console.handle("Frobnicate")

    assert "unknown command 'Frobnicate'" in shown


def test_confirm_or_cancel_with_no_preview_waiting_says_so_instead_of_running_a_verb(
    session_factory: sessionmaker[Session],
) -> None:
    registry = _counter_registry()
    ran: list[str] = []
    registry.add(
        Verb(
            "cancel",
            (),
            "cancel LSEG",
            "cancels",
            run=lambda text, ctx: ran.append(text) or Reply(text="ran"),
        )
    )
    console = Console(registry, _ctx(session_factory))

    assert console.handle("Cancel") == "Nothing to cancel: no preview is waiting."
    assert console.handle("confirm") == "Nothing to confirm: no preview is waiting."
    assert console.handle("Next") == "There is no [Next] button in the last reply."
    console.handle("preview")
    console.handle("Confirm")
    assert console.handle("Confirm") == "Nothing to confirm: no preview is waiting."
    assert ran == []
    assert console.handle("cancel LSEG00001") == "ran"


def test_code_spans_keep_their_stars_while_bold_is_undone(session_factory: sessionmaker[Session]) -> None:
    console = Console(Registry(), _ctx(session_factory))
    reply = Reply(
        text="x",
        blocks=(SectionBlock(text="*SEG00001*: `email:*@*.de` runs `0 9 * * 1-5` and ```a*b*c```"),),
    )

    shown = console.render(reply)

    assert shown == "SEG00001: `email:*@*.de` runs `0 9 * * 1-5` and ```a*b*c```"


def test_stars_around_spaces_are_no_bold_and_stay(session_factory: sessionmaker[Session]) -> None:
    console = Console(Registry(), _ctx(session_factory))
    reply = Reply(text="x", blocks=(SectionBlock(text="Scheduled *SEG00001*: 0 9 * * 1-5 and *a*"),))

    assert console.render(reply) == "Scheduled SEG00001: 0 9 * * 1-5 and a"


def test_buttons_with_the_same_label_are_numbered(session_factory: sessionmaker[Session]) -> None:
    registry = Registry()
    registry.add(
        Verb(
            name="home",
            aliases=(),
            usage="home",
            summary="segments",
            run=lambda text, ctx: Reply(
                text="yours",
                blocks=tuple(
                    SectionBlock(
                        text=no, accessory=ButtonElement(text="Show", action_id="segbot:show", value=no)
                    )
                    for no in ("SEG00001", "SEG00002")
                ),
            ),
        )
    )
    registry.register_action("segbot:show", lambda value, ctx: Reply(text=f"showing {value}"))
    console = Console(registry, _ctx(session_factory))

    shown = console.handle("home")

    assert shown.splitlines() == ["SEG00001  [Show 1]", "SEG00002  [Show 2]"]
    assert console.handle("show 2") == "showing SEG00002"


def test_an_export_is_saved_as_a_file(session_factory: sessionmaker[Session], tmp_path: Path) -> None:
    registry = Registry()
    upload = FileUpload(filename="SEG00001.csv", content=b"no,name\nCT1,Ana\n", title="SEG00001")
    registry.add(
        Verb("export", (), "export", "csv", run=lambda text, ctx: Reply(text="Exported", upload=upload))
    )
    console = Console(registry, _ctx(session_factory), files_dir=tmp_path)

    shown = console.handle("export")

    assert (tmp_path / "SEG00001.csv").read_bytes() == b"no,name\nCT1,Ana\n"
    assert f"saved to {tmp_path / 'SEG00001.csv'}" in shown


def test_an_export_written_to_a_temporary_file_is_moved_into_the_files_folder(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    written = tmp_path / "segbot-export-1.csv"
    written.write_bytes(b"no,name\nCT1,Ana\n")
    registry = Registry()
    upload = FileUpload(filename="SEG00001.csv", title="SEG00001", path=written)
    registry.add(
        Verb("export", (), "export", "csv", run=lambda text, ctx: Reply(text="Exported", upload=upload))
    )
    saved = tmp_path / "files"
    saved.mkdir()
    console = Console(registry, _ctx(session_factory), files_dir=saved)

    console.handle("export")

    assert (saved / "SEG00001.csv").read_bytes() == b"no,name\nCT1,Ana\n"
    assert not written.exists()


def test_run_reads_piped_lines_until_quit(session_factory: sessionmaker[Session]) -> None:
    console = Console(_counter_registry(), _ctx(session_factory))
    out = io.StringIO()

    console.run(["preview", "", "Cancel", "quit", "preview"], out)

    assert out.getvalue().count("Add will add") == 1
    assert "Canceled; nothing changed." in out.getvalue()


def test_segbot_console_answers_piped_help_with_the_real_verbs(tmp_path: Path) -> None:
    from storage.db import make_engine, make_session_factory
    from storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'segbot.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine).begin() as session:
        session.add(Workspace(team_id="T0001", name="Acme"))
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = url

    done = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "console"],
        input="/segment help\nlist\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert "new" in done.stdout
    assert "compare" in done.stdout
    assert "segbot>" not in done.stdout
