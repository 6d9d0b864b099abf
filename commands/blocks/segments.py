"""Segments as messages: the list, one segment with a page of its contacts, its journal, a comparison."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    SectionBlock,
)

from commands.blocks.contacts import build_contact_blocks, build_pager
from commands.blocks.limits import (
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    clip,
    clip_section,
    escape_mrkdwn,
    note,
)
from commands.blocks.preview import contacts_count, kind_label, option_flags, segment_title
from storage.service.types import Comparison, JournalEntry, LoggedSegmentInfo, Page, SegmentInfo

DELETE_ACTION = "segbot:delete"
KEEP_ACTION = "segbot:keep"
_DESCRIPTION_CHARS = 120
_JOURNAL_CRITERIA_CHARS = 300


def slack_time(moment: datetime) -> str:
    """A timestamp Slack renders in the reader's own time zone, with a UTC fallback."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def segment_line(info: SegmentInfo) -> str:
    """``*SEG00001* Description · 1,234 contacts · <@owner>``"""
    description = escape_mrkdwn(clip(info.description, _DESCRIPTION_CHARS))
    return f"*{info.no}* {description} · {contacts_count(info.size)} · <@{info.owner_user_id}>"


def _pack_lines(lines: Sequence[str], *, limit_blocks: int) -> list[Block]:
    """Lines packed into sections of at most 3000 characters, at most ``limit_blocks`` of them."""
    blocks: list[Block] = []
    chunk = ""
    for line in lines:
        line = clip_section(line)
        if chunk and len(chunk) + 1 + len(line) > MAX_SECTION_TEXT:
            blocks.append(SectionBlock(text=chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(SectionBlock(text=chunk))
    return blocks[:limit_blocks]


def build_list_blocks(segments: Sequence[SegmentInfo], *, mine: bool) -> list[Block]:
    """One line per segment; when there are too many to show, say how many were left out."""
    title = "Your segments" if mine else "Segments"
    if not segments:
        empty = "You have no segments yet." if mine else "No segments yet."
        return [SectionBlock(text=f'{empty} Create one with `/segment new "Description" industry:retail`.')]
    blocks: list[Block] = [HeaderBlock(text=f"{title} ({len(segments):,})")]
    body = _pack_lines([segment_line(s) for s in segments], limit_blocks=MAX_MESSAGE_BLOCKS - 2)
    blocks.extend(body)
    shown = sum(str(b.text.text).count("\n") + 1 for b in body if isinstance(b, SectionBlock) and b.text)
    if shown < len(segments):
        blocks.append(note(f"{len(segments) - shown:,} more not shown; `/segment list mine` narrows it."))
    return blocks


def journal_summary(entries: Sequence[JournalEntry]) -> str:
    if not entries:
        return "No actions yet."
    actions = f"{len(entries):,} action{'s' if len(entries) != 1 else ''}"
    return f"{actions}, the last: {journal_line(entries[-1])}"


def journal_line(entry: JournalEntry) -> str:
    """``3. Add industry:retail --expand-companies: +12 -0 → 40``"""
    what = [f"{entry.seq}. *{kind_label(entry.kind)}*"]
    if entry.criteria_text:
        what.append(f"`{escape_mrkdwn(clip(entry.criteria_text, _JOURNAL_CRITERIA_CHARS))}`")
    if entry.contact_nos:
        nos = ", ".join(entry.contact_nos[:10]) + (" …" if len(entry.contact_nos) > 10 else "")
        what.append(escape_mrkdwn(nos))
    what.extend(f"`{flag}`" for flag in option_flags(entry.options))
    change = f"+{entry.added:,} −{entry.removed:,} → {entry.size_after:,}"
    return f"{' '.join(what)}: {change} · <@{entry.user_id}>"


def build_show_blocks(info: SegmentInfo, page: Page, journal: Sequence[JournalEntry]) -> list[Block]:
    """Header, size and last change, a summary of the journal, a page of contacts with paging."""
    facts = (
        f"*{contacts_count(info.size)}* · owner <@{info.owner_user_id}> · "
        f"created {info.created.isoformat()} · changed {slack_time(info.updated_at)}"
    )
    blocks: list[Block] = [
        HeaderBlock(text=segment_title(info.no, info.description)),
        SectionBlock(text=clip_section(facts)),
        note(journal_summary(journal)),
    ]
    pager = build_pager({"s": info.no}, page, block_id="pager")
    contact_blocks = build_contact_blocks(page, empty_text="The segment is empty.")
    room = MAX_MESSAGE_BLOCKS - len(blocks) - len(pager)
    return [*blocks, *contact_blocks[:room], *pager]


def build_journal_blocks(info: SegmentInfo, journal: Sequence[JournalEntry]) -> list[Block]:
    """The criteria of a segment: every journalled action with its criteria and options."""
    blocks: list[Block] = [HeaderBlock(text=segment_title(info.no, info.description))]
    if not journal:
        blocks.append(SectionBlock(text="No actions yet."))
        return blocks
    lines = [journal_line(e) for e in journal]
    body = _pack_lines(lines, limit_blocks=MAX_MESSAGE_BLOCKS - 2)
    blocks.extend(body)
    shown = sum(str(b.text.text).count("\n") + 1 for b in body if isinstance(b, SectionBlock) and b.text)
    if shown < len(lines):
        blocks.append(note(f"{len(lines) - shown:,} more not shown."))
    return blocks


def build_delete_question_blocks(info: SegmentInfo) -> list[Block]:
    """Are you sure? with Confirm/Cancel; the buttons carry only the segment number."""
    question = (
        f"Delete *{escape_mrkdwn(clip(f'{info.no} {info.description}', 200))}* "
        f"with its {contacts_count(info.size)} and journal? This cannot be undone."
    )
    return [
        SectionBlock(text=clip_section(question)),
        ActionsBlock(
            block_id="decision",
            elements=[
                ButtonElement(text="Confirm", action_id=DELETE_ACTION, value=info.no, style="danger"),
                ButtonElement(text="Cancel", action_id=KEEP_ACTION, value=info.no),
            ],
        ),
    ]


def comparison_text(c: Comparison) -> str:
    return (
        f"*{c.a}*: {contacts_count(c.size_a)} · *{c.b}*: {contacts_count(c.size_b)}\n"
        f"In both: *{c.overlap:,}* · only in {c.a}: *{c.only_a:,}* · only in {c.b}: *{c.only_b:,}*"
    )


def build_compare_blocks(c: Comparison) -> list[Block]:
    return [HeaderBlock(text=f"{c.a} compared with {c.b}"), SectionBlock(text=comparison_text(c))]


def logged_text(info: LoggedSegmentInfo) -> str:
    """What logging (or canceling a log) did, in a sentence."""
    interactions = f"{info.interactions:,} interaction{'s' if info.interactions != 1 else ''}"
    template = escape_mrkdwn(info.template_code)
    if info.canceled:
        text = f"Canceled logged segment *{info.no}* of {info.segment_no}: {interactions} ({template})."
    else:
        text = f"Logged *{info.segment_no}* as *{info.no}*: {interactions} with template *{template}*."
    if info.follow_up_segment_no:
        text += f" Follow-up segment: *{info.follow_up_segment_no}*."
    return text
