"""Signed but malformed Slack requests posted to the running HTTP app (hypothesis).

Whatever arrives (fields missing, huge text, odd Unicode, SQL-looking criteria, forged button values),
the app never answers 5xx, never changes the segment another user owns, and whenever Slack gave it a
response_url it says something a user can act on, never the generic "something went wrong".
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.delivery import GENERIC_FAILURE
from segbot_testing.slack_api import message_text
from segbot_testing.slack_harness import SIGNING_SECRET, TEAM_ID
from storage.models import PendingAction, Segment, SegmentAction, SegmentLine
from storage.models.pending import PENDING
from tests.bot.conftest import RunningBot
from tests.factories import add_contact

OWNER = "U0OWNER"
STRANGER = "U0001"

VERBS = [
    "add SEG00001",
    "reduce SEG00001",
    "refine SEG00001",
    "include SEG00001",
    "remove SEG00001",
    "undo SEG00001",
    "show SEG00001 page",
    "compare SEG00001",
    "criteria",
    "delete SEG00001",
    "log SEG00001",
    "cancel",
    "schedule SEG00001",
    "reuse",
    "export",
    "",
]
NASTY = [
    "name:'; DROP TABLE contacts; --",
    'email:" OR 1=1 --',
    "city:x') UNION SELECT * FROM slack_installations --",
    "profile.revenue:&gt;=1e309",
    "created:9999-99-99..today-99999y",
    "((((((((((((((((((((industry:retail",
    "NOT NOT NOT -(-(-(",
    "segment:SEG00001 OR segment:SEG99999",
    "no:%_\\%",
    "<@U123|ana> <#C999|sales> &amp;&lt;&gt;",
    "“unterminated",
    "\x00\u202e\ufeff\U0001f600",
]
ACTION_IDS = [
    "segbot:confirm",
    "segbot:cancel",
    "segbot:page",
    "segbot:page:next",
    "segbot:undo",
    "segbot:delete",
    "segbot:show",
    "segbot:nope",
    "other:thing",
]

texts = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda v, n, t: f"{v} {n} {t}", st.sampled_from(VERBS), st.sampled_from(NASTY), st.text(max_size=40)
    ),
    st.builds(lambda v, n: f"{v} " + n * 400, st.sampled_from(VERBS), st.sampled_from(NASTY)),
)
values = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        ["", "0" * 32, "SEG00001", "SEG00001:1", '{"s":"SEG00001","p":-1}', '{"k":"x"}', "null", "[]"]
    ),
    st.builds(
        lambda d: json.dumps(d), st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=20))
    ),
)


def _signed_post(url: str, body: str) -> int:
    ts = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    request = urllib.request.Request(
        url,
        data=body.encode("utf-8", "surrogatepass"),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _snapshot(bot: RunningBot) -> tuple[int, ...]:
    with bot.session_factory() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Segment, SegmentLine, SegmentAction)
        )


def test_malformed_signed_requests_never_fail_the_server_nor_change_anything(slack: RunningBot) -> None:
    with slack.session_factory.begin() as s:
        from storage.service import changes, segments
        from storage.service.workspaces import ensure_workspace
        from tests.storage.service.conftest import crit

        ws = ensure_workspace(s, TEAM_ID)
        add_contact(s, ws, "CT0001", name="Acme", city="Berlin")
        seg = segments.create_segment(s, ws, description="Owned", owner_user_id=OWNER).no
        changes.apply_action(s, ws, seg, "add", criteria=crit("city", "berlin"), user_id=OWNER)
    before = _snapshot(slack)
    url = slack.sim.events_url
    counter = iter(range(10**6))

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        text=texts,
        drop=st.sets(
            st.sampled_from(["user_id", "team_id", "text", "response_url", "trigger_id", "channel_id"])
        ),
        action_id=st.sampled_from(ACTION_IDS),
        value=values,
        as_button=st.booleans(),
    )
    def _one(text: str, drop: set[str], action_id: str, value: str, as_button: bool) -> None:
        n = next(counter)
        response_url = slack.fake.response_url(f"fuzz{n}")
        if as_button:
            payload = {
                "type": "block_actions",
                "team": {"id": TEAM_ID},
                "user": {"id": STRANGER, "team_id": TEAM_ID},
                "trigger_id": f"fuzz.{n}",
                "response_url": response_url,
                "channel": {"id": "C0001"},
                "actions": [{"type": "button", "action_id": action_id, "value": value}],
            }
            for name in drop & {"response_url", "trigger_id"}:
                payload.pop(name)
            body = urlencode({"payload": json.dumps(payload)})
        else:
            fields = {
                "team_id": TEAM_ID,
                "user_id": STRANGER,
                "channel_id": "C0001",
                "command": "/segment",
                "text": text,
                "response_url": response_url,
                "trigger_id": f"fuzz.{n}",
            }
            body = urlencode(
                {k: v for k, v in fields.items() if k not in drop}, encoding="utf-8", errors="replace"
            )
        status = _signed_post(url, body)
        assert status < 500, (status, body[:300])
        answered = (
            "response_url" not in drop
            and status == 200
            and (as_button or {"user_id", "team_id"}.isdisjoint(drop))
        )
        if answered and (not as_button or action_id.startswith("segbot:")):
            reply = slack.fake.wait_for("response_url", url=response_url, timeout=15)[0]
            said = message_text(reply)
            assert said.strip() and GENERIC_FAILURE not in said, (said, body[:300])

    _one()
    time.sleep(0.5)
    assert _snapshot(slack) == before
    with slack.session_factory() as s:
        assert s.scalar(select(func.count()).where(PendingAction.status == PENDING)) == 0
