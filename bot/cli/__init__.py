"""The ``segbot`` command line (docs/admin-guide.md, Command line): one Typer sub-app per noun, wired here."""

from __future__ import annotations

import sys
from typing import Any

import typer

from bot.cli import console, contacts, db, run, segments
from bot.cli.imports import ImportNoun
from storage.campaigns_import import import_campaigns
from storage.contacts_import import import_contacts
from storage.errors import SegbotError
from storage.interactions_import import import_interactions

# The nouns whose rows come from CSV, in the order `segbot --help` lists them. Each gives, in order
# (see ImportNoun): its help, its loader, the help of its import, of the file, and the summary line.
IMPORT_NOUNS: dict[str, ImportNoun[Any]] = {
    "contacts": ImportNoun(
        "Contacts: import a CSV file or generate demo data.",
        import_contacts,
        "Insert or update contacts by `no`; one bad row rejects the whole file and nothing is imported.",
        "Contacts CSV (see docs/admin-guide.md), UTF-8 with a header row.",
        lambda done: f"{done.result} into {done.team_id} in {done.seconds:.1f} s",
    ),
    "interactions": ImportNoun(
        "Interactions: import the interaction log from CSV.",
        import_interactions,
        "Add interaction log entries for existing contacts; one bad row rejects the whole file.",
        "Interactions CSV: contact_no, template, date, optional others.",
        lambda done: f"imported {done.result} interactions into {done.team_id} in {done.seconds:.1f} s",
        # Interactions name existing contacts, so their workspace must exist already.
        create_workspace=False,
    ),
    "campaigns": ImportNoun(
        "Campaigns: import campaigns from CSV.",
        import_campaigns,
        "Insert or update campaigns by `no`; one bad row rejects the whole file and nothing is imported.",
        "Campaigns CSV: no, and optional description, starting_date, ending_date, salesperson.",
        lambda done: (
            f"imported {done.result.inserted + done.result.updated} campaigns into {done.team_id} "
            f"({done.result.inserted} new, {done.result.updated} updated) in {done.seconds:.1f} s"
        ),
    ),
}
_noun_apps = {noun: csv_import.typer_app() for noun, csv_import in IMPORT_NOUNS.items()}
_noun_apps["contacts"].command("demo")(contacts.demo_command)

app = typer.Typer(no_args_is_help=True, add_completion=False, help="segbot: contact segments in Slack.")
app.add_typer(db.app, name="db")
for noun, noun_app in _noun_apps.items():
    app.add_typer(noun_app, name=noun)
app.add_typer(segments.app, name="segments")
app.command("run")(run.run)
app.command("console")(console.console)


def main() -> None:
    """Entry point of the ``segbot`` console script: project errors become one line on stderr."""
    try:
        app(standalone_mode=True)
    except SegbotError as exc:
        typer.echo(f"segbot: {exc}", err=True)
        sys.exit(1)
