"""Items 4, 8 and 9: texts for Slack are escaped, leftovers purged, failures around the work contained."""

from __future__ import annotations

import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.clients import make_web_client
from bot.runtime import SlackUser, UserDirectory
from bot.scheduler import SchedulerRuntime, install_runtime
from bot.scheduler.runs import run_scheduled_refresh
from bot.settings import load_settings
from commands.context import CommandContext
from commands.registry import load_registry
from segbot_testing.slack_api import FakeSlackApi
from storage.bulk import trusted_references
from storage.errors import ConflictError
from storage.models import Contact, Workspace, slack_oauth_states
from storage.models.pending import PendingAction, PendingActionContact
from storage.service import changes, segments
from storage.service._common import utc_now
from storage.service.changes import PENDING_TTL
from storage.service.types import ADD
from tests.bot.conftest import RunningBot
from tests.factories import add_contact
from tests.storage.service.conftest import crit

OWNER = "U0OWNER"
PING = "<!channel> <@U0BOSS> deals"


@pytest.fixture
def pinging(session_factory: sessionmaker[Session], workspace: Workspace) -> str:
    """A segment whose description tries to ping the channel and a user, scheduled into #news."""
    with session_factory.begin() as s:
        add_contact(s, workspace.id, "CT0001", name="Acme", city="Berlin")
        add_contact(s, workspace.id, "CT0002", name="Banque", city="Paris")
        no = segments.create_segment(s, workspace.id, description=PING, owner_user_id=OWNER).no
        changes.apply_action(s, workspace.id, no, ADD, criteria=crit("city", "Berlin"), user_id=OWNER)
    ctx = CommandContext(
        session_factory=session_factory, team_id=workspace.team_id, user_id=OWNER, channel_id="C0"
    )
    load_registry().dispatch(f"schedule {no} hourly <#C0NEWS|news>", ctx)
    return no


@pytest.fixture
def scheduler(fake_slack: FakeSlackApi, session_factory: sessionmaker[Session]) -> Iterator[None]:
    settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=fake_slack.api_url)
    install_runtime(
        SchedulerRuntime(
            session_factory=session_factory,
            client_for_team=lambda _team: make_web_client(settings),
            page_size=5,
        )
    )
    yield
    install_runtime(None)


# --- 4. fallback texts ----------------------------------------------------------------------------


def test_the_scheduled_notification_text_cannot_ping_the_channel(
    scheduler: None,
    fake_slack: FakeSlackApi,
    pinging: str,
    workspace: Workspace,
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as s:
        s.scalars(select(Contact).where(Contact.no == "CT0002")).one().city = "Berlin"

    run_scheduled_refresh(workspace.id, pinging)

    [call] = fake_slack.calls_to("chat.postMessage")
    assert "&lt;!channel&gt; &lt;@U0BOSS&gt; deals" in call.params["text"]
    assert "<!" not in call.params["text"] and "<@" not in call.params["text"]


def test_the_fallback_texts_of_show_history_and_new_are_escaped(
    pinging: str, workspace: Workspace, session_factory: sessionmaker[Session]
) -> None:
    registry = load_registry()
    ctx = CommandContext(
        session_factory=session_factory, team_id=workspace.team_id, user_id=OWNER, channel_id="C0"
    )

    for typed in (f"show {pinging}", f"history {pinging}", 'new "<!here> hot leads"'):
        reply = registry.dispatch(typed, ctx)
        assert "<!channel>" not in reply.text and "<!here>" not in reply.text, (typed, reply.text)
        assert "<@U0BOSS>" not in reply.text, (typed, reply.text)
        assert "&lt;!" in reply.text, (typed, reply.text)


# --- 8. OAuth states ------------------------------------------------------------------------------


def test_expired_oauth_states_of_anonymous_install_visits_are_purged(
    start_bot: Callable[..., RunningBot], engine: Engine
) -> None:
    bot = start_bot(
        slack_bot_token=None,
        slack_client_id="1234.5678",
        slack_client_secret="client-secret",
        segbot_encryption_key=Fernet.generate_key().decode(),
    )
    for _ in range(50):
        with urllib.request.urlopen(f"{bot.base_url}/slack/install", timeout=10) as response:
            assert response.status == 200
    with engine.begin() as conn:
        assert conn.scalar(select(func.count()).select_from(slack_oauth_states)) == 50
        # Ten minutes later, as far as the states can tell.
        conn.execute(
            update(slack_oauth_states).values(expire_at=slack_oauth_states.c.expire_at - timedelta(hours=1))
        )

    with urllib.request.urlopen(f"{bot.base_url}/slack/install", timeout=10) as response:
        assert response.status == 200

    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(slack_oauth_states)) == 1


# --- 9. failures around the work ------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_user_lookup_that_cannot_reach_slack_falls_back_to_the_defaults_and_asks_again_later() -> None:
    client = WebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{_closed_port()}/", timeout=2)
    directory = UserDirectory()

    user = directory.lookup(client, "T0001", "U0001")

    assert user == SlackUser()
    assert directory.known_locale("T0001", "U0001") is None  # nothing cached: the next command asks again


def test_an_error_inside_trusted_references_is_the_error_raised_not_the_cleanup_failure(
    session: Session,
) -> None:
    with pytest.raises(DBAPIError) as caught, trusted_references(session):
        session.execute(text("SELECT 1 / (SELECT count(*) FROM contacts WHERE no = 'none')"))
        if session.get_bind().dialect.name == "sqlite":
            # SQLite answers NULL for a division by zero; fail the same way PostgreSQL did.
            session.execute(text("SELECT * FROM no_such_table"))

    assert "InFailedSqlTransaction" not in type(caught.value.orig).__name__
    assert "current transaction is aborted" not in str(caught.value)


def test_a_confirm_racing_the_purge_of_its_day_old_preview_applies_nothing(
    session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    with session_factory.begin() as s:
        add_contact(s, workspace.id, "CT0001", name="Acme", city="Berlin")
        no = segments.create_segment(s, workspace.id, description="Berlin", owner_user_id=OWNER).no
        preview = changes.preview_action(
            s, workspace.id, no, ADD, criteria=crit("city", "Berlin"), user_id=OWNER
        )
    assert preview.added == 1
    # Another process, its clock a little ahead, purged the preview a moment before it turned a day old here.
    with session_factory.begin() as s:
        s.execute(
            update(PendingAction)
            .where(PendingAction.id == preview.pending_id)
            .values(created_at=utc_now() - PENDING_TTL + timedelta(seconds=5), resolved_at=utc_now())
        )
        s.execute(delete(PendingActionContact).where(PendingActionContact.pending_id == preview.pending_id))

    with pytest.raises(ConflictError, match="expired"), session_factory.begin() as s:
        changes.confirm_pending(s, workspace.id, preview.pending_id, user_id=OWNER)

    with session_factory() as s:
        assert segments.get_segment(s, workspace.id, no).size == 0
        assert s.get_one(PendingAction, preview.pending_id).applied_action_id is None


def test_a_submission_slower_than_the_ack_is_acknowledged_in_time_and_answered_when_ready(
    start_bot: Callable[..., RunningBot],
) -> None:
    from commands.registry import Registry
    from commands.reply import Reply

    def slow(values: dict[str, object], ctx: CommandContext) -> Reply:
        time.sleep(3.5)
        return Reply(text="slow form done")

    registry = Registry()
    registry.register_view("segbot:slow", slow)
    bot = start_bot(registry=registry)

    answer = bot.sim.submit_view(
        {"type": "modal", "callback_id": "segbot:slow", "private_metadata": "C0001"}, {}
    )

    assert answer.status == 200 and answer.seconds < 3
    posted = bot.fake.wait_for("chat.postEphemeral", timeout=15)[0]
    assert posted.params["text"] == "slow form done"
