"""Sales people's sessions through the real HTTP path: signed Slack requests in, what they would see out."""

from __future__ import annotations

import json
import re
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from segbot_testing.slack_api import RecordedCall, message_text
from segbot_testing.slack_harness import CHANNEL_ID, USER_ID, button_labels, new_segment_form
from storage.contacts_import import import_contacts
from storage.db import unit_of_work
from storage.models import InteractionTemplate, SegmentLine, Workspace
from tests.bot.conftest import RunningBot
from tests.factories import add_contact, add_numbered_companies

RETAILERS = 12


@pytest.fixture
def crm(session_factory: sessionmaker[Session], workspace: Workspace) -> Workspace:
    """Twelve retail companies in Berlin (three pages of five) and three banks in Rome."""
    with session_factory.begin() as session:
        for n in range(1, RETAILERS + 1):
            add_contact(
                session,
                workspace.id,
                f"R{n:03d}",
                name=f"Retailer {n:02d}",
                city="Berlin",
                industries=("RETAIL",),
                created=date(2024, 1, n),
            )
        add_numbered_companies(
            session, workspace.id, "B", 3, name="Bank {n}", city="Rome", industries=("BANK",)
        )
        session.add(InteractionTemplate(workspace_id=workspace.id, code="EMAIL"))
    return workspace


def _segment_size(session_factory: sessionmaker[Session], workspace: Workspace) -> int:
    with session_factory() as session:
        return (
            session.scalar(
                select(func.count()).select_from(SegmentLine).where(SegmentLine.workspace_id == workspace.id)
            )
            or 0
        )


def _preview(slack: RunningBot, criteria: str = "industry:retail") -> RecordedCall:
    return slack.sim.reply_to(f'new "Berlin retail" {criteria}')


def test_new_with_criteria_previews_the_add_with_confirm_and_cancel_to_the_caller_only(
    slack: RunningBot, crm: Workspace
) -> None:
    preview = _preview(slack)

    assert preview.params["response_type"] == "ephemeral"
    assert "12 contacts" in message_text(preview)
    assert "Retailer 01" in message_text(preview)
    assert "Bank 1" not in message_text(preview)
    assert {"Confirm", "Cancel"} <= set(button_labels(preview))


def test_confirm_replaces_the_preview_with_the_outcome_and_tells_the_channel(
    slack: RunningBot, crm: Workspace, session_factory: sessionmaker[Session]
) -> None:
    preview = _preview(slack)

    replaced, announced = slack.sim.press_and_wait(preview, "Confirm", count=2)

    assert replaced.params["replace_original"] is True
    assert "12" in message_text(replaced)
    assert "Confirm" not in button_labels(replaced)
    assert announced.params["response_type"] == "in_channel"
    assert "New size: 12" in re.sub(r"\*", "", message_text(announced))
    assert _segment_size(session_factory, crm) == RETAILERS


def test_confirm_pressed_twice_applies_once_and_says_so(
    slack: RunningBot, crm: Workspace, session_factory: sessionmaker[Session]
) -> None:
    preview = _preview(slack)
    slack.sim.press_and_wait(preview, "Confirm", count=2)

    second = slack.sim.press_and_wait(preview, "Confirm")[0]

    assert "already" in message_text(second).lower()
    assert second.params["response_type"] == "ephemeral"
    assert _segment_size(session_factory, crm) == RETAILERS


def test_cancel_changes_nothing_and_a_later_confirm_is_refused(
    slack: RunningBot, crm: Workspace, session_factory: sessionmaker[Session]
) -> None:
    preview = _preview(slack)

    canceled = slack.sim.press_and_wait(preview, "Cancel")[0]
    late = slack.sim.press_and_wait(preview, "Confirm")[0]

    assert "cancel" in message_text(canceled).lower()
    assert "cancel" in message_text(late).lower()
    assert _segment_size(session_factory, crm) == 0


def test_confirm_after_an_import_never_applies_contacts_that_were_not_previewed(
    slack: RunningBot, crm: Workspace, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    preview = _preview(slack)
    csv = tmp_path / "late.csv"
    csv.write_text("no,type,name,city,industry_groups\nR099,company,Late Retailer,Berlin,RETAIL\n")
    with unit_of_work(session_factory) as session:
        import_contacts(session, crm.id, csv)

    if session_factory.kw["bind"].dialect.name != "postgresql":
        # SQLite captures previews: Confirm applies the twelve that were shown.
        slack.sim.press_and_wait(preview, "Confirm", count=2)
        assert _segment_size(session_factory, crm) == RETAILERS
        return
    again = slack.sim.press_and_wait(preview, "Confirm")[0]

    assert again.params["replace_original"] is True
    assert "nothing was applied" in message_text(again)
    assert "13 contacts" in message_text(again)
    assert _segment_size(session_factory, crm) == 0
    outcome = slack.sim.press_and_wait(again, "Confirm", count=2)[0]
    assert "13" in message_text(outcome)
    assert _segment_size(session_factory, crm) == RETAILERS + 1


def test_next_and_previous_page_through_the_preview(slack: RunningBot, crm: Workspace) -> None:
    preview = _preview(slack)
    assert "Retailer 06" not in message_text(preview)

    page2 = slack.sim.press_and_wait(preview, "Next")[0]
    page1 = slack.sim.press_and_wait(page2, "Previous")[0]

    assert "Retailer 06" in message_text(page2)
    assert "Retailer 01" not in message_text(page2)
    assert page2.params.get("replace_original") is True
    assert "Retailer 01" in message_text(page1)
    assert {"Confirm", "Cancel"} <= set(button_labels(page2))


def test_bad_criteria_get_an_ephemeral_error_with_the_position_and_change_nothing(
    slack: RunningBot, crm: Workspace, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.sim.reply_to("new Retail industy:retail")

    text = message_text(reply)
    assert reply.params["response_type"] == "ephemeral"
    assert "industy" in text
    assert "industry" in text
    assert re.search(r"\bat \d+", text) or "^" in text
    assert _segment_size(session_factory, crm) == 0


def test_slack_escaped_comparisons_mean_what_the_user_typed(slack: RunningBot, crm: Workspace) -> None:
    preview = _preview(slack, "created:&gt;=2024-01-11")

    assert "2 contacts" in message_text(preview)
    assert "Retailer 11" in message_text(preview)


def test_an_unknown_segment_is_an_ephemeral_error(slack: RunningBot, crm: Workspace) -> None:
    reply = slack.sim.reply_to("show SEG00099")

    assert reply.params["response_type"] == "ephemeral"
    assert "SEG00099" in message_text(reply)


def test_new_without_arguments_opens_the_modal_and_its_submission_previews(
    slack: RunningBot, crm: Workspace
) -> None:
    answer, _ = slack.sim.command("new")
    assert answer.status == 200
    opened = slack.fake.wait_for("views.open")[0]
    assert opened.params["trigger_id"].startswith("trigger.")
    view = opened.params["view"]
    values = new_segment_form("Berlin retail", "industry:retail")

    submitted = slack.sim.submit_view(view, values)

    assert submitted.status == 200
    posted = slack.fake.wait_for("chat.postEphemeral")[0]
    assert posted.params["channel"] == CHANNEL_ID
    assert posted.params["user"] == USER_ID
    assert "12 contacts" in message_text(posted)
    assert {"Confirm", "Cancel"} <= set(button_labels(posted))


def test_invalid_criteria_in_the_modal_are_shown_under_the_field(slack: RunningBot, crm: Workspace) -> None:
    slack.sim.command("new")
    view = slack.fake.wait_for("views.open")[0].params["view"]
    values = new_segment_form("Berlin retail", "industy:retail")

    submitted = slack.sim.submit_view(view, values)

    answer = json.loads(submitted.body)
    assert answer["response_action"] == "errors"
    assert "industry" in answer["errors"]["criteria"]


def test_opening_the_app_home_publishes_the_users_segments(slack: RunningBot, crm: Workspace) -> None:
    slack.sim.press_and_wait(_preview(slack), "Confirm", count=2)

    answer = slack.sim.event({"type": "app_home_opened", "user": USER_ID, "channel": "D0001", "tab": "home"})

    assert answer.status == 200
    published = slack.fake.wait_for("views.publish")[0]
    assert published.params["user_id"] == USER_ID
    home_text = json.dumps(published.params["view"])
    assert "SEG00001" in home_text
    assert "Berlin retail" in home_text


def test_export_uploads_the_segment_as_csv_to_the_channel(
    slack: RunningBot, crm: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    slack.sim.press_and_wait(_preview(slack), "Confirm", count=2)

    slack.sim.command("export SEG00001")

    completed = slack.fake.wait_for("files.completeUploadExternal")[0]
    uploaded = slack.fake.calls_to("upload")[0].body.decode()
    assert completed.params["channel_id"] == CHANNEL_ID
    assert uploaded.splitlines()[0].startswith("no,")
    assert len(uploaded.strip().splitlines()) == RETAILERS + 1
    assert "R001" in uploaded
    # The temporary file the export was written to is deleted right after the upload returns.
    deadline = time.monotonic() + 5
    while list(tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert list(tmp_path.iterdir()) == []


def test_compare_shows_both_sizes_the_overlap_and_the_differences(slack: RunningBot, crm: Workspace) -> None:
    slack.sim.press_and_wait(_preview(slack), "Confirm", count=2)
    slack.sim.press_and_wait(
        slack.sim.reply_to('new "All Berlin" city:berlin OR city:rome'), "Confirm", count=2
    )

    reply = slack.sim.reply_to("compare SEG00001 SEG00002")

    text = re.sub(r"\*", "", message_text(reply))
    assert "12" in text
    assert "15" in text
    assert "3" in text


def test_delete_asks_for_confirmation_before_deleting(
    slack: RunningBot, crm: Workspace, session_factory: sessionmaker[Session]
) -> None:
    slack.sim.press_and_wait(_preview(slack), "Confirm", count=2)

    question = slack.sim.reply_to("delete SEG00001")
    assert {"Confirm", "Cancel"} <= set(button_labels(question))
    assert _segment_size(session_factory, crm) == RETAILERS
    slack.sim.press_and_wait(question, "Confirm")

    gone = slack.sim.reply_to("show SEG00001")
    assert "SEG00001" in message_text(gone)
    assert _segment_size(session_factory, crm) == 0


def test_a_429_on_the_response_url_is_retried_and_the_reply_arrives_once(
    slack: RunningBot, crm: Workspace
) -> None:
    slack.fake.rate_limit("response_url", 1, retry_after=0)

    reply = slack.sim.reply_to("list")

    assert len(slack.fake.calls_to("response_url#429")) == 1
    assert len(slack.fake.calls_to("response_url")) == 1
    assert reply.params["response_type"] == "ephemeral"


def test_a_workspace_admin_may_delete_another_users_segment_but_a_colleague_may_not(
    slack: RunningBot, crm: Workspace, session_factory: sessionmaker[Session]
) -> None:
    slack.fake.users["UADMIN"] = {"tz": "UTC", "is_admin": True}
    slack.fake.users["UCOLLEAGUE"] = {"tz": "UTC", "is_admin": False}
    slack.sim.press_and_wait(_preview(slack), "Confirm", count=2)

    refused = slack.sim.reply_to("delete SEG00001", user="UCOLLEAGUE")
    question = slack.sim.reply_to("delete SEG00001", user="UADMIN")
    deleted = slack.fake.wait_for("response_url", url=slack.sim.press(question, "Confirm", user="UADMIN"))[0]

    assert "Confirm" not in button_labels(refused)
    assert "SEG00001" in message_text(refused)
    assert "SEG00001" in message_text(deleted)
    gone = slack.sim.reply_to("show SEG00001")
    assert "Retailer 01" not in message_text(gone)
    assert _segment_size(session_factory, crm) == 0


def test_a_schedule_is_read_in_the_callers_slack_time_zone(slack: RunningBot, crm: Workspace) -> None:
    slack.fake.users[USER_ID] = {"tz": "Europe/Rome", "is_admin": False}
    slack.sim.press_and_wait(_preview(slack), "Confirm", count=2)

    reply = slack.sim.reply_to("schedule SEG00001 daily 09:00")

    assert "Europe/Rome" in message_text(reply)


def _size_in(call: RecordedCall) -> int:
    found = re.findall(r"[Nn]ew size:?\s*\**(\d[\d,]*)", message_text(call))
    assert found, message_text(call)
    return int(found[-1].replace(",", ""))


def _apply(slack: RunningBot, text: str) -> RecordedCall:
    """Type ``text``, Confirm its preview, and return the outcome the channel reads."""
    preview = slack.sim.reply_to(text)
    assert "Confirm" in button_labels(preview), message_text(preview)
    return slack.sim.press_and_wait(preview, "Confirm", count=2)[-1]


def test_a_days_work_with_every_segment_verb_through_slack(slack: RunningBot, crm: Workspace) -> None:
    assert _size_in(_apply(slack, 'new "Berlin retail" industry:retail')) == 12
    assert _size_in(_apply(slack, "reduce SEG00001 no:R001")) == 11
    assert _size_in(_apply(slack, "refine SEG00001 created:&lt;=2024-01-10")) == 9
    assert _size_in(_apply(slack, "include SEG00001 B001")) == 10
    assert _size_in(_apply(slack, "remove SEG00001 B001")) == 9
    assert _size_in(_apply(slack, "add SEG00001 city:rome")) == 12

    undone = slack.sim.reply_to("undo SEG00001")
    if "Confirm" in button_labels(undone):
        undone = slack.sim.press_and_wait(undone, "Confirm", count=2)[-1]
    assert "9" in message_text(undone)

    journal = message_text(slack.sim.reply_to("criteria SEG00001"))
    assert "industry:RETAIL" in journal
    assert "R001" in journal

    assert "NINE" in message_text(slack.sim.reply_to('save SEG00001 NINE "nine retailers"')).upper()
    slack.sim.reply_to('new "Copy"')
    assert _size_in(_apply(slack, "reuse NINE SEG00002")) == 9

    refreshed = slack.sim.reply_to("refresh SEG00001")
    assert "SEG00001" in message_text(refreshed)

    logged = message_text(_apply(slack, "log SEG00001 template:EMAIL"))
    assert "LSEG00001" in logged
    assert "9" in logged
    canceled = message_text(slack.sim.reply_to("cancel LSEG00001"))
    assert "LSEG00001" in canceled
    assert "cancel" in canceled.lower()

    listed = message_text(slack.sim.reply_to("list"))
    assert "SEG00001" in listed
    assert "SEG00002" in listed
