"""``live SEG [#channel]`` / ``live SEG off`` / ``live``: segments that stay right by themselves.

A live segment is refreshed after every change to the workspace's data (an import, a logged
segment, an undo of those), in the order segments are built on one another, and each change that
moves contacts is posted to the channel (the current one by default) as a scheduled run's is.
"""

from __future__ import annotations

from slack_sdk.models.blocks import SectionBlock

from commands.arguments import parse_channel, reject_extra, segment_no, split_first, unescape_slack
from commands.blocks.limits import clip_section, escape_mrkdwn
from commands.common import workspace_session
from commands.context import CommandContext
from commands.i18n import translator
from commands.registry import VerbGroup
from commands.reply import Reply
from storage.errors import ValidationError
from storage.service import live
from storage.service.live import LiveInfo

USAGE = "live [SEG [#channel | off]]"
OFF = "off"

verbs = VerbGroup()
register = verbs.register


@verbs.verb(USAGE, examples=("live SEG00001 #sales", "live", "live SEG00001 off"))
def run_live(text: str, ctx: CommandContext) -> Reply:
    """refresh the segment after every data change and post who entered and left

    Make a segment live, stop it, or list the live segments (no arguments).
    """
    token, rest = split_first(unescape_slack(text))
    if not token:
        return _list_live(ctx)
    number = segment_no(token, usage=USAGE)
    words = rest.split()
    if len(words) > 1:
        reject_extra(rest, usage=USAGE)
    tr = translator(ctx.locale)
    if words and words[0].lower() == OFF:
        with workspace_session(ctx) as (session, workspace_id):
            info = live.unset_live(session, workspace_id, number, **ctx.caller)
        message = tr._("{segment_no} is no longer live.", segment_no=info.segment_no)
        return Reply(text=message, visibility="channel")
    if words:
        channel = parse_channel(words[0])
        channel_id, channel_name = channel.id, channel.name
    elif ctx.channel_id:
        channel_id, channel_name = ctx.channel_id, None
    else:
        raise ValidationError(
            "say which channel gets the live segment's changes. Usage: /segment {usage}", usage=USAGE
        )
    with workspace_session(ctx) as (session, workspace_id):
        info = live.set_live(
            session,
            workspace_id,
            number,
            channel_id=channel_id,
            channel_name=channel_name,
            # The channel's posts are written in the language of whoever made the segment live.
            locale=tr.locale,
            **ctx.caller,
        )
    message = tr._(
        "*{segment_no}* {description} is live: after every change to the contacts or interactions "
        "it is refreshed, and who entered and left is posted to {channel}.",
        segment_no=escape_mrkdwn(info.segment_no),
        description=escape_mrkdwn(info.segment_description),
        channel=channel_label(info),
    )
    blocks = (SectionBlock(text=clip_section(message)),)
    return Reply(text=message.replace("*", ""), blocks=blocks, visibility="channel")


def channel_label(info: LiveInfo) -> str:
    """How Slack should show the channel: a link when its id is known."""
    if info.channel_id:
        return f"<#{info.channel_id}>"
    return f"#{info.channel_name}" if info.channel_name else "-"


def _list_live(ctx: CommandContext) -> Reply:
    with workspace_session(ctx) as (session, workspace_id):
        listed = live.list_live(session, workspace_id)
    tr = translator(ctx.locale)
    if not listed:
        return Reply(text=tr._("No live segments. Make one with `/segment live SEG00001 #channel`."))
    lines = [
        f"*{escape_mrkdwn(i.segment_no)}* {escape_mrkdwn(i.segment_description)} → {channel_label(i)}"
        for i in listed
    ]
    heading = tr._("Live segments")
    return Reply(
        text=heading + "\n" + "\n".join(lines).replace("*", ""),
        blocks=(SectionBlock(text=clip_section(f"*{heading}*\n" + "\n".join(lines))),),
    )
