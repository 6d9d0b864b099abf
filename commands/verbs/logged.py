"""`log SEG [template:CODE] [--follow-up]` and `cancel LOGGED [--undo]`: logged segments.

As in Business Central, logging a segment records one interaction per contact and a logged
segment (LSEG00001); canceling it cancels those interactions, and `--undo` also takes back
the logging itself.
"""

from __future__ import annotations

from commands.arguments import extract_options
from commands.blocks.segments import logged_text
from commands.common import logged_segment_no, segment_no, split_first, workspace_session
from commands.context import CommandContext
from commands.i18n import N_, translator
from commands.registry import Registry, Verb
from commands.reply import Reply
from storage.errors import ValidationError
from storage.service import logging as logged_segments

LOG_USAGE = "log SEG [template:CODE] [--follow-up]"
CANCEL_USAGE = "cancel LOGGED [--undo]"


def log(text: str, ctx: CommandContext) -> Reply:
    """Log one interaction per contact of the segment."""
    rest, flags = extract_options(text, ("--follow-up",))
    token, extra = split_first(rest)
    no = segment_no(token, usage=LOG_USAGE)
    template: str | None = None
    for word in extra.split():
        key, sep, value = word.partition(":")
        if key.lower() != "template" or not sep or not value:
            raise ValidationError(
                "unexpected '{extra}'. Usage: /segment {usage}", extra=word, usage=LOG_USAGE
            )
        template = value.upper()
    with workspace_session(ctx) as (session, workspace_id):
        info = logged_segments.log_segment(
            session,
            workspace_id,
            no,
            template_code=template,
            follow_up=bool(flags),
            user_id=ctx.user_id,
            is_admin=ctx.is_admin,
            today=ctx.today,
        )
    text_out = logged_text(info, tr=translator(ctx.locale))
    return Reply(text=text_out, visibility="channel")


def cancel(text: str, ctx: CommandContext) -> Reply:
    """Cancel a logged segment's interactions (and with `--undo` the logging itself)."""
    rest, flags = extract_options(text, ("--undo",))
    token, extra = split_first(rest)
    no = logged_segment_no(token, usage=CANCEL_USAGE)
    if extra:
        raise ValidationError(
            "unexpected '{extra}'. Usage: /segment {usage}", extra=extra, usage=CANCEL_USAGE
        )
    with workspace_session(ctx) as (session, workspace_id):
        info = logged_segments.cancel_logged_segment(
            session, workspace_id, no, undo=bool(flags), user_id=ctx.user_id, is_admin=ctx.is_admin
        )
    return Reply(text=logged_text(info, tr=translator(ctx.locale)), visibility="channel")


def register(registry: Registry) -> None:
    registry.add(
        Verb(
            name="log",
            aliases=(),
            usage=LOG_USAGE,
            summary=N_("logs one interaction per contact and records a logged segment"),
            run=log,
            examples=("log SEG00001 template:MEETING --follow-up",),
        )
    )
    registry.add(
        Verb(
            name="cancel",
            aliases=(),
            usage=CANCEL_USAGE,
            summary=N_("cancels a logged segment and its interactions"),
            run=cancel,
            examples=("cancel LSEG00001", "cancel LSEG00001 --undo"),
        )
    )
