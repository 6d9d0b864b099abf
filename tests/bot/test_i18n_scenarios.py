"""Replies in the user's Slack language, through the real HTTP path: Italian for a sales team in Milan."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from segbot_testing.slack_api import message_text
from segbot_testing.slack_harness import USER_ID, button_labels
from storage.models import Workspace
from tests.bot.conftest import RunningBot
from tests.factories import add_numbered_companies

RETAILERS = 7


@pytest.fixture
def crm(session_factory: sessionmaker[Session], workspace: Workspace) -> Workspace:
    """Seven retail companies in Milan: two pages of five."""
    with session_factory.begin() as session:
        add_numbered_companies(
            session, workspace.id, "R", RETAILERS, name="Negozio {n}", city="Milano", industries=("RETAIL",)
        )
    return workspace


def _speaks(slack: RunningBot, locale: str, user: str = USER_ID) -> None:
    slack.fake.users[user] = {"tz": "Europe/Rome", "is_admin": False, "locale": locale}


def test_an_italian_user_gets_an_italian_preview_with_conferma_and_annulla(
    slack: RunningBot, crm: Workspace
) -> None:
    _speaks(slack, "it-IT")

    preview = slack.sim.reply_to('new "Retail Milano" industry:retail')

    assert button_labels(preview) == ["Avanti", "Conferma", "Annulla"]
    shown = message_text(preview)
    assert "Aggiungi contatti: 7 contatti da aggiungere" in shown
    assert "Contatti 1-5 di 7 · pagina 1 di 2" in shown
    users_info = slack.fake.wait_for("users.info")[-1]
    assert users_info.params.get("include_locale") in (True, "true", "1")

    second_page = slack.sim.press_and_wait(preview, "Avanti")[0]
    assert button_labels(second_page) == ["Indietro", "Conferma", "Annulla"]

    outcome = slack.sim.press_and_wait(second_page, "Conferma", count=2)
    assert all("Nuova dimensione: *7*" in message_text(call) for call in outcome)


def test_an_english_user_keeps_confirm_cancel_next_and_previous(slack: RunningBot, crm: Workspace) -> None:
    _speaks(slack, "en-US")

    preview = slack.sim.reply_to('new "Retail Milan" industry:retail')
    assert button_labels(preview) == ["Next", "Confirm", "Cancel"]
    assert "Add will add 7 contacts" in message_text(preview)

    second_page = slack.sim.press_and_wait(preview, "Next")[0]
    assert button_labels(second_page) == ["Previous", "Confirm", "Cancel"]


def test_an_italian_user_is_told_a_criteria_mistake_in_italian(slack: RunningBot, crm: Workspace) -> None:
    _speaks(slack, "it-IT")
    slack.sim.reply_to('new "Retail Milano"')

    reply = slack.sim.reply_to("add SEG00001 industy:retail")

    assert "campo 'industy' sconosciuto: forse intendevi 'industry'?" in message_text(reply)


def test_a_user_whose_language_has_no_catalog_gets_the_workspace_default(
    slack: RunningBot, crm: Workspace, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        session.execute(update(Workspace).where(Workspace.id == crm.id).values(default_locale="it"))
    _speaks(slack, "de-DE")

    preview = slack.sim.reply_to('new "Retail Milano" industry:retail')

    assert button_labels(preview) == ["Avanti", "Conferma", "Annulla"]


def test_an_italian_user_s_app_home_is_in_italian(slack: RunningBot, crm: Workspace) -> None:
    _speaks(slack, "it-IT")
    preview = slack.sim.reply_to('new "Retail Milano" industry:retail')
    slack.sim.press_and_wait(preview, "Conferma", count=2)

    answer = slack.sim.event({"type": "app_home_opened", "user": USER_ID, "channel": "D0001", "tab": "home"})

    assert answer.status == 200
    home = json.dumps(slack.fake.wait_for("views.publish")[0].params["view"], ensure_ascii=False)
    assert "I tuoi segmenti" in home
    assert "7 contatti" in home
    assert '"Mostra"' in home
