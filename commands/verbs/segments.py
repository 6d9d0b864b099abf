"""`list [mine]` and `show SEG [page N]`: the workspace's segments, and one segment with its contacts."""

from __future__ import annotations

from commands.arguments import logged_segment_no, reject_extra, segment_no, split_first
from commands.blocks.home import SHOW_ACTION
from commands.blocks.limits import escape_mrkdwn
from commands.blocks.preview import contacts_count
from commands.blocks.segments import build_list_blocks, build_show_blocks, segment_line
from commands.common import page_size, workspace_session
from commands.context import CommandContext
from commands.i18n import translator
from commands.registry import VerbGroup
from commands.reply import Reply
from commands.verbs.logged import show_logged_reply
from storage.service import journal, segments

LIST_USAGE = "list [mine]"
SHOW_USAGE = "show SEG [page N]"

verbs = VerbGroup()
register = verbs.register


@verbs.verb(LIST_USAGE, aliases=("ls",), examples=("list mine",))
def list_segments(text: str, ctx: CommandContext) -> Reply:
    """the workspace's segments (or only yours)"""
    word = text.strip().lower()
    if word not in ("", "mine"):
        reject_extra(text.strip(), usage=LIST_USAGE)
    mine = word == "mine"
    with workspace_session(ctx) as (session, workspace_id):
        found = segments.list_segments(session, workspace_id, owner_user_id=ctx.user_id if mine else None)
    tr = translator(ctx.locale)
    fallback = "\n".join(segment_line(s, tr=tr) for s in found[:50]) or tr._("No segments yet.")
    return Reply(text=fallback[:3000], blocks=tuple(build_list_blocks(found, mine=mine, tr=tr)))


@verbs.verb(SHOW_USAGE, examples=("show SEG00001", "show SEG00001 page 3"))
def show(text: str, ctx: CommandContext) -> Reply:
    """a segment's header, size, journal and contacts; or a logged segment's interactions

    Header, size, journal summary and a page of the segment's contacts.
    """
    token, rest = split_first(text)
    page = _page_argument(rest)
    if token.upper().startswith("LSEG"):
        return show_logged_reply(ctx, logged_segment_no(token, usage=SHOW_USAGE), page=page)
    no = segment_no(token, usage=SHOW_USAGE)
    return show_reply(ctx, no, page=page)


def show_reply(ctx: CommandContext, no: str, *, page: int = 1, replace_original: bool = False) -> Reply:
    """The `show` message for page ``page`` of segment ``no`` (also drawn by paging and App Home)."""
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, no)
        rows = segments.segment_page(session, workspace_id, no, page=page, page_size=page_size(ctx))
        entries = journal.list_journal(session, workspace_id, no)
    tr = translator(ctx.locale)
    return Reply(
        # The fallback text is what Slack notifications show: escaped like the blocks.
        text=f"{info.no} {escape_mrkdwn(info.description)}: {contacts_count(info.size, tr=tr)}"[:3000],
        blocks=tuple(build_show_blocks(info, rows, entries, tr=tr)),
        replace_original=replace_original,
    )


def _page_argument(rest: str) -> int:
    words = rest.split()
    if len(words) == 2 and words[0].lower() == "page" and words[1].isdigit() and int(words[1]) >= 1:
        return int(words[1])
    reject_extra(rest, usage=SHOW_USAGE)
    return 1


@verbs.action(SHOW_ACTION)
def _show_button(value: str, ctx: CommandContext) -> Reply:
    """App Home's Show button: the segment's first page."""
    return show_reply(ctx, segment_no(value, usage=SHOW_USAGE))
