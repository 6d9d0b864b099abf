"""Criteria on one interaction, ranges, tag, the contact card and saved criteria, through signed requests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from segbot_testing.slack_api import RecordedCall, message_text
from segbot_testing.slack_harness import button_labels
from storage.models import Contact, ContactMailingGroup, Workspace
from tests.bot.conftest import RunningBot
from tests.factories import add_contact, add_interaction


@pytest.fixture
def crm(session_factory: sessionmaker[Session], workspace: Workspace) -> Workspace:
    """Retailers R001..R006 in Berlin; R001 met us 60 days ago and called last week, R002 met us last week."""
    today = date.today()
    with session_factory.begin() as session:
        retailers = [
            add_contact(
                session, workspace.id, f"R{n:03d}", name=f"Retailer {n}", city="Berlin", post_code=f"1011{n}"
            )
            for n in range(1, 7)
        ]
        add_contact(session, workspace.id, "P001", name="Pia Rossi", company=retailers[0], city="Berlin")
        add_interaction(session, workspace.id, retailers[0], "MEETING", today - timedelta(days=60))
        add_interaction(session, workspace.id, retailers[0], "CALL", today - timedelta(days=7))
        add_interaction(
            session, workspace.id, retailers[1], "MEETING", today - timedelta(days=7), evaluation="Positive"
        )
    return workspace


def _apply(slack: RunningBot, text: str, *, user: str | None = None) -> RecordedCall:
    preview = slack.sim.reply_to(text) if user is None else slack.sim.reply_to(text, user=user)
    assert "Confirm" in button_labels(preview), message_text(preview)
    return slack.sim.press_and_wait(preview, "Confirm", count=2)[-1]


def _preview_of_new(slack: RunningBot, criteria: str) -> str:
    """What the preview of a new segment with ``criteria`` says."""
    return message_text(slack.sim.reply_to(f'new "Some" {criteria}'))


def test_grouped_interaction_criteria_hold_for_one_interaction_unlike_two_side_by_side(
    slack: RunningBot, crm: Workspace
) -> None:
    apart = _preview_of_new(slack, "interaction:meeting interacted:&gt;=today-30d")
    together = _preview_of_new(slack, "interaction:(template:meeting date:&gt;=today-30d)")

    assert "2 contacts" in apart
    assert "1 contact" in together
    assert "Retailer 2" in together
    assert "Retailer 1" not in together


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        pytest.param(
            "add SEG00001 interaction:(templat:meeting)",
            ["did you mean 'template'"],
            id="an-unknown-field-inside-the-group-points-at-it",
        ),
        pytest.param(
            'new "Wrong" no:R004..R002',
            ["R004..R002", "R004 comes after R002"],
            id="a-backwards-range-names-both-bounds",
        ),
    ],
)
def test_a_mistake_in_the_criteria_is_an_error_naming_it_without_a_confirm(
    slack: RunningBot, crm: Workspace, text: str, phrases: list[str]
) -> None:
    reply = slack.sim.reply_to(text)

    for phrase in phrases:
        assert phrase in message_text(reply)
    assert "Confirm" not in button_labels(reply)


def test_ranges_on_numbers_and_post_codes_select_what_lies_between_their_bounds(
    slack: RunningBot, crm: Workspace
) -> None:
    assert "3 contacts" in _preview_of_new(slack, "no:r002..R004")
    assert "4 contacts" in _preview_of_new(slack, "post_code:10113..")


def _mailing(session_factory: sessionmaker[Session], code: str) -> set[str]:
    with session_factory() as session:
        return set(
            session.scalars(
                select(Contact.no)
                .join(ContactMailingGroup, ContactMailingGroup.contact_id == Contact.id)
                .where(ContactMailingGroup.code == code)
            )
        )


def test_tag_previews_then_confirm_gives_the_segment_the_mailing_group_once(
    slack: RunningBot, crm: Workspace, session_factory: sessionmaker[Session]
) -> None:
    _apply(slack, 'new "Two" no:R001..R002')
    preview = slack.sim.reply_to("tag SEG00001 newsletter")
    assert "2 contacts will gain it" in message_text(preview).replace("*", "")
    assert _mailing(session_factory, "NEWSLETTER") == set()

    _, announced = slack.sim.press_and_wait(preview, "Confirm", count=2)
    again = slack.sim.press_and_wait(preview, "Confirm")[0]
    found = slack.sim.reply_to('new "Readers" mailing:newsletter')

    assert announced.params["response_type"] == "in_channel"
    assert "2 contacts gained it" in message_text(announced).replace("*", "")
    assert "applied already" in message_text(again)
    assert _mailing(session_factory, "NEWSLETTER") == {"R001", "R002"}
    assert "2 contacts" in message_text(found)


def test_tag_replace_previews_and_takes_the_group_from_everyone_outside_the_segment(
    slack: RunningBot, crm: Workspace, session_factory: sessionmaker[Session]
) -> None:
    _apply(slack, 'new "One" no:R001')
    _apply(slack, 'new "Three" no:R004..R006')
    slack.sim.press_and_wait(slack.sim.reply_to("tag SEG00002 EVENTS"), "Confirm", count=2)

    preview = slack.sim.reply_to("tag SEG00001 events --replace")
    slack.sim.press_and_wait(preview, "Confirm", count=2)

    assert "3 contacts outside the segment will lose it" in message_text(preview)
    assert _mailing(session_factory, "EVENTS") == {"R001"}


def test_tag_by_someone_who_does_not_own_the_segment_is_refused_and_changes_nothing(
    slack: RunningBot, crm: Workspace, session_factory: sessionmaker[Session]
) -> None:
    slack.fake.users["UCOLLEAGUE"] = {"tz": "UTC", "is_admin": False}
    _apply(slack, 'new "Two" no:R001..R002')

    refused = slack.sim.reply_to("tag SEG00001 NEWSLETTER", user="UCOLLEAGUE")

    assert "owner of SEG00001" in message_text(refused)
    assert "Confirm" not in button_labels(refused)
    assert _mailing(session_factory, "NEWSLETTER") == set()


def test_the_contact_card_shows_company_segments_with_show_buttons_and_interactions(
    slack: RunningBot, crm: Workspace
) -> None:
    _apply(slack, 'new "Berlin" city:berlin')

    card = slack.sim.reply_to("contact r001")
    shown = slack.sim.press_and_wait(card, "Show")[0]

    text = message_text(card)
    assert "Retailer 1" in text
    assert "P001 Pia Rossi" in text
    assert "SEG00001" in text and "Berlin" in text
    assert "MEETING" in text and "CALL" in text
    assert "SEG00001" in message_text(shown)


def test_an_unknown_contact_number_names_the_closest(slack: RunningBot, crm: Workspace) -> None:
    reply = slack.sim.reply_to("contact R0001")

    assert "unknown contact number: R0001" in message_text(reply)
    assert "R001" in message_text(reply)


def test_saved_criteria_are_listed_shown_and_deleted_unless_a_schedule_reuses_them(
    slack: RunningBot, crm: Workspace
) -> None:
    _apply(slack, 'new "Berlin" city:berlin')
    slack.sim.reply_to('save SEG00001 BERLIN "Everyone in Berlin"')
    listed = slack.sim.reply_to("saved")
    shown = slack.sim.reply_to("saved show berlin")

    assert "BERLIN" in message_text(listed) and "Everyone in Berlin" in message_text(listed)
    assert "1 step" in message_text(listed)
    assert "city:berlin" in message_text(shown)

    slack.sim.reply_to('new "Copy"')
    _apply(slack, "reuse BERLIN SEG00002")
    slack.sim.reply_to("schedule SEG00002 daily 09:00")
    refused = slack.sim.reply_to("saved delete BERLIN")
    assert "SEG00002" in message_text(refused)

    slack.sim.reply_to("unschedule SEG00002")
    deleted = slack.sim.reply_to("saved delete berlin")
    assert "Deleted the saved criteria BERLIN" in message_text(deleted)
    assert "No saved criteria yet" in message_text(slack.sim.reply_to("saved"))
