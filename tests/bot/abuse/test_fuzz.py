"""The fuzz of tests/bot/test_bad_input_fuzz.py, for requests Slack did not sign or that are too large.

Whatever the body (bytes, forms, deeply nested JSON, over 1 MiB) and whatever the signature (none,
garbage, another body's, five minutes old), the app answers 401, 413 or 400, never 5xx, and nothing
changes in the database.
"""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlencode, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.http import MAX_BODY_BYTES
from segbot_testing.slack_harness import SIGNING_SECRET, TEAM_ID
from storage.models import PendingAction, Segment, SegmentAction, SegmentLine
from tests.bot.conftest import RunningBot
from tests.factories import add_contact

OWNER = "U0OWNER"

bodies = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=300).map(lambda t: urlencode({"payload": t}).encode()),
    st.builds(
        lambda text: urlencode(
            {"team_id": TEAM_ID, "user_id": OWNER, "command": "/segment", "text": text}
        ).encode(),
        st.sampled_from(["delete SEG00001", "add SEG00001 city:paris", "undo SEG00001", ""]),
    ),
    st.integers(1, 300_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 100_000).map(lambda n: json.dumps({"type": "event_callback", "x": "y" * n}).encode()),
    st.integers(MAX_BODY_BYTES + 1, MAX_BODY_BYTES + 300_000).map(lambda n: b"payload=" + b"A" * (n - 8)),
)
signatures = st.sampled_from(["none", "garbage", "other body", "stale", "bad timestamp", "not ascii"])
content_types = st.sampled_from(["application/x-www-form-urlencoded", "application/json", "text/plain", ""])


def _headers(body: bytes, how: str, content_type: str) -> dict[str, str]:
    headers = {"Content-Type": content_type} if content_type else {}
    verifier = SignatureVerifier(SIGNING_SECRET)
    now = str(int(time.time()))
    if how == "garbage":
        headers.update({"X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=" + "ab" * 32})
    elif how == "other body":
        other = verifier.generate_signature(timestamp=now, body="payload=%7B%7D")
        headers.update({"X-Slack-Request-Timestamp": now, "X-Slack-Signature": other})
    elif how == "stale":
        old = str(int(time.time()) - 6 * 60)
        stale = verifier.generate_signature(timestamp=old, body=body.decode("latin-1"))
        headers.update({"X-Slack-Request-Timestamp": old, "X-Slack-Signature": stale})
    elif how == "not ascii":
        headers.update({"X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=\xe9\xff" + "0" * 62})
    elif how == "bad timestamp":
        headers.update({"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=00"})
    return headers


def _post(url: str, body: bytes, headers: dict[str, str]) -> int | None:
    """The status, or None when the server closed the connection while an oversize body was sent."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=20)
    try:
        connection.request("POST", parts.path, body=body, headers=headers)
        return connection.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        return None
    finally:
        connection.close()


def _snapshot(bot: RunningBot) -> tuple[int, ...]:
    with bot.session_factory() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Segment, SegmentLine, SegmentAction, PendingAction)
        )


def test_unsigned_and_oversize_requests_never_fail_the_server_nor_change_anything(slack: RunningBot) -> None:
    with slack.session_factory.begin() as s:
        from storage.service import changes, segments
        from storage.service.workspaces import ensure_workspace
        from tests.storage.service.conftest import crit

        ws = ensure_workspace(s, TEAM_ID)
        add_contact(s, ws, "CT0001", name="Acme", city="Berlin")
        add_contact(s, ws, "CT0002", name="Banque", city="Paris")
        seg = segments.create_segment(s, ws, description="Owned", owner_user_id=OWNER).no
        changes.apply_action(s, ws, seg, "add", criteria=crit("city", "berlin"), user_id=OWNER)
    before = _snapshot(slack)

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=bodies, how=signatures, content_type=content_types)
    def _one(body: bytes, how: str, content_type: str) -> None:
        status = _post(slack.sim.events_url, body, _headers(body, how, content_type))
        if len(body) > MAX_BODY_BYTES:
            assert status in (413, None), status
        else:
            assert status == 401, (status, how, body[:100])

    _one()
    time.sleep(0.3)
    assert _snapshot(slack) == before
    assert slack.fake.calls_to("response_url") == []
