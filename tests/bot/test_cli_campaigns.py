"""``segbot campaigns import`` and the interactions CSV's campaign columns, as a user runs them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage.db import make_engine, make_session_factory
from storage.models import Campaign, InteractionLogEntry
from tests.bot.test_cli_contacts import CONTACTS, count, database, segbot

__all__ = ["database"]

CAMPAIGNS = (
    "no,description,starting_date,ending_date,salesperson\n"
    "cp01,Spring fair,2025-03-01,2025-03-31,ah\n"
    "CP02,Webinars,,,\n"
)


def test_campaigns_import_inserts_then_updates_by_number(database: str, tmp_path: Path) -> None:
    (tmp_path / "campaigns.csv").write_text(CAMPAIGNS)
    code, output, _ = segbot("campaigns", "import", "campaigns.csv", "--team", "T1")
    assert code == 0 and output.startswith("imported 2 campaigns into T1 (2 new, 0 updated)")
    (tmp_path / "again.csv").write_text("no,description\nCP01,Spring trade fair\n")
    code, output, _ = segbot("campaigns", "import", "again.csv")
    assert code == 0 and output.startswith("imported 1 campaigns into T1 (0 new, 1 updated)")
    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        spring = session.scalars(select(Campaign).where(Campaign.no == "CP01")).one()
        assert (spring.description, str(spring.starting_date), spring.salesperson) == (
            "Spring trade fair",
            "2025-03-01",
            "AH",
        )
    engine.dispose()


def test_one_bad_campaign_row_rejects_the_file_naming_line_and_column(database: str, tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text(CAMPAIGNS + "CP03,Late,2025-05-01,2025-04-01,\n")
    code, _, error = segbot("campaigns", "import", "bad.csv", "--team", "T1")
    assert code != 0
    assert str(error) == "line 4, column ending_date: 2025-04-01 is before the starting date 2025-05-01"
    (tmp_path / "twice.csv").write_text(CAMPAIGNS + "CP01,Again,,,\n")
    code, _, error = segbot("campaigns", "import", "twice.csv", "--team", "T1")
    assert str(error) == "line 4, column no: campaign 'CP01' already appears on line 2"
    assert count(database, Campaign) == 0


def test_interactions_carry_campaign_salesperson_flow_and_initiator(database: str, tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_text(CONTACTS)
    (tmp_path / "campaigns.csv").write_text(CAMPAIGNS)
    header = "contact_no,template,date,campaign_no,salesperson,information_flow,initiated_by\n"
    (tmp_path / "interactions.csv").write_text(header + "P1,call,2025-03-02,cp01,ah,Inbound,them\n")
    (tmp_path / "unknown.csv").write_text(header + "P1,call,2025-03-02,CP01,,,\nC1,call,2025-03-02,CP09,,,\n")
    (tmp_path / "flow.csv").write_text(header + "P1,call,2025-03-02,,,sideways,\n")
    segbot("contacts", "import", "contacts.csv", "--team", "T1")
    segbot("campaigns", "import", "campaigns.csv")

    code, _, error = segbot("interactions", "import", "unknown.csv")
    assert code != 0
    assert (
        str(error)
        == "line 3, column campaign_no: no campaign 'CP09' in the workspace; import campaigns first"
    )
    code, _, error = segbot("interactions", "import", "flow.csv")
    assert str(error) == "line 2, column information_flow: 'sideways' is not one of outbound, inbound"
    assert count(database, InteractionLogEntry) == 0

    code, output, _ = segbot("interactions", "import", "interactions.csv")
    assert code == 0, output
    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        entry = session.scalars(select(InteractionLogEntry)).one()
        assert (entry.campaign_no, entry.salesperson, entry.information_flow, entry.initiated_by) == (
            "CP01",
            "AH",
            "inbound",
            "them",
        )
    engine.dispose()
