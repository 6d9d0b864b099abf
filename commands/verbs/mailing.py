"""`tag SEG MAILING [--replace]`: Business Central's Apply Mailing Group, previewed first.

Confirm gives every contact of the segment the mailing group; with `--replace` the group is first
taken away from the workspace's contacts outside the segment (Business Central's "Delete Old
Assignments"), so `mailing:MAILING` then finds exactly the segment. Only the segment's owner or a
workspace admin may, as for every change a segment drives.
"""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock, SectionBlock

from commands.arguments import extract_options, reject_extra, segment_no, split_first
from commands.blocks.limits import clip_header, clip_section, escape_mrkdwn
from commands.blocks.preview import contacts_count
from commands.common import workspace_session
from commands.context import CommandContext
from commands.i18n import ENGLISH, Translator, translator
from commands.registry import VerbGroup
from commands.reply import Reply, announced
from storage.errors import ValidationError
from storage.service import mailing, segments
from storage.service.mailing import MailingChange

USAGE = "tag SEG MAILING [--replace]"
TAG_ACTION = "segbot:tag"
TAG_CANCEL_ACTION = "segbot:tag-cancel"
_REPLACE = "--replace"

verbs = VerbGroup()
register = verbs.register


@verbs.verb(USAGE, examples=("tag SEG00001 NEWSLETTER", "tag SEG00001 NEWSLETTER --replace"))
def tag(text: str, ctx: CommandContext) -> Reply:
    """gives every contact of the segment a mailing group (Apply Mailing Group); --replace first takes it from
    everyone else

    Preview giving the segment's contacts a mailing group, with Confirm/Cancel.
    """
    rest, flags = extract_options(text, (_REPLACE,))
    token, extra = split_first(rest)
    no = segment_no(token, usage=USAGE)
    code, extra = split_first(extra)
    if not code:
        raise ValidationError("a mailing group code is missing. Usage: /segment {usage}", usage=USAGE)
    reject_extra(extra, usage=USAGE)
    with workspace_session(ctx) as (session, workspace_id):
        change = mailing.preview_mailing_group(
            session, workspace_id, no, code, replace=bool(flags), **ctx.caller
        )
        info = segments.get_segment(session, workspace_id, no)
    tr = translator(ctx.locale)
    summary = preview_text(change, tr=tr)
    blocks = build_tag_preview_blocks(change, title=f"{info.no} {info.description}", tr=tr)
    return Reply(text=summary, blocks=tuple(blocks))


def preview_text(change: MailingChange, *, tr: Translator = ENGLISH) -> str:
    """``Apply Mailing Group NEWS to SEG00001: 12 contacts gain it, 3 already have it; 4 lose it.``"""
    text = tr._(
        "*Apply Mailing Group {code}* to {segment_no}: {gain} will gain it, {already} already have it.",
        code=escape_mrkdwn(change.code),
        segment_no=change.segment_no,
        gain=contacts_count(change.gain, tr=tr),
        already=contacts_count(change.already, tr=tr),
    )
    if change.replace:
        text += " " + tr._(
            "Delete Old Assignments: {lose} outside the segment will lose it.",
            lose=contacts_count(change.lose, tr=tr),
        )
    if change.is_new_group:
        new_group = tr._("{code} is a new mailing group in this workspace.", code=escape_mrkdwn(change.code))
        text += " " + new_group
    return text


def build_tag_preview_blocks(change: MailingChange, *, title: str, tr: Translator = ENGLISH) -> list[Block]:
    """What Apply Mailing Group would change, then Confirm/Cancel carrying the preview's data version."""
    value = f"{change.segment_no}:{change.code}:{int(change.replace)}:{change.data_version}"
    return [
        HeaderBlock(text=clip_header(title)),
        SectionBlock(text=clip_section(preview_text(change, tr=tr))),
        ActionsBlock(
            block_id="decision",
            elements=[
                ButtonElement(text=tr._("Confirm"), action_id=TAG_ACTION, value=value, style="primary"),
                ButtonElement(text=tr._("Cancel"), action_id=TAG_CANCEL_ACTION, value=change.segment_no),
            ],
        ),
    ]


@verbs.action(TAG_ACTION)
def confirm_tag(value: str, ctx: CommandContext) -> Reply:
    """Apply the previewed mailing group, once: a second press finds the data version moved on."""
    parts = value.split(":")
    if len(parts) != 4 or parts[2] not in ("0", "1") or not parts[3].isdigit():
        raise ValidationError("This Confirm button is broken; run `/segment tag SEG MAILING` again.")
    no = segment_no(parts[0], usage=USAGE)
    with workspace_session(ctx) as (session, workspace_id):
        change = mailing.apply_mailing_group(
            session,
            workspace_id,
            no,
            parts[1],
            replace=parts[2] == "1",
            expected_version=int(parts[3]),
            **ctx.caller,
        )
    tr = translator(ctx.locale)
    text = tr._(
        "<@{user}> applied mailing group *{code}* to {segment_no}: {gain} gained it.",
        user=ctx.user_id,
        code=escape_mrkdwn(change.code),
        segment_no=change.segment_no,
        gain=contacts_count(change.gain, tr=tr),
    )
    if change.replace:
        text += " " + tr._("{lose} outside the segment lost it.", lose=contacts_count(change.lose, tr=tr))
    return announced(text, blocks=(SectionBlock(text=clip_section(text)),))


@verbs.action(TAG_CANCEL_ACTION)
def cancel_tag(value: str, ctx: CommandContext) -> Reply:
    """The Cancel button of the preview."""
    text = translator(ctx.locale)._(
        "Canceled: no mailing group was applied to {segment_no}.", segment_no=value[:20]
    )
    return Reply(text=text, replace_original=True)
