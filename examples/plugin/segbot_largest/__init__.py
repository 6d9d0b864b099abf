"""`/segment largest [N]`: the workspace's largest segments, an example of a segbot plugin verb."""

from __future__ import annotations

from commands.common import workspace_session
from commands.context import CommandContext
from commands.registry import VerbGroup
from commands.reply import Reply
from storage.errors import ValidationError
from storage.service import segments

USAGE = "largest [N]"
DEFAULT_COUNT = 5
MAX_COUNT = 50

verbs = VerbGroup()


@verbs.verb(USAGE, examples=("largest", "largest 3"))
def largest(text: str, ctx: CommandContext) -> Reply:
    """the workspace's largest segments, biggest first

    The first paragraph is the summary ``/segment help`` shows; the rest is for readers of the code.
    """
    count = _count(text.strip())
    with workspace_session(ctx) as (session, workspace_id):
        found = segments.list_segments(session, workspace_id)
    biggest = sorted(found, key=lambda s: (-s.size, s.no))[:count]
    if not biggest:
        return Reply(text="No segments yet.")
    lines = [f"{s.no} {s.description}: {s.size:,} contact{'' if s.size == 1 else 's'}" for s in biggest]
    return Reply(text="\n".join(lines))


def _count(text: str) -> int:
    if not text:
        return DEFAULT_COUNT
    if not text.isdigit() or not 1 <= int(text) <= MAX_COUNT:
        raise ValidationError(
            "'{text}' is not a number from 1 to {most}. Usage: /segment {usage}",
            text=text,
            most=MAX_COUNT,
            usage=USAGE,
        )
    return int(text)


# The entry point of the ``segbot.commands`` group: segbot calls it with its registry at start-up.
register = verbs.register
