"""Segments as messages: the list, one segment with a page of its contacts, its journal, a comparison."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock, SectionBlock

from commands.blocks.contacts import build_contact_blocks, build_pager
from commands.blocks.limits import MAX_MESSAGE_BLOCKS, clip, clip_section, escape_mrkdwn, note, pack_sections
from commands.blocks.preview import change_criteria, contacts_count, kind_label, segment_title
from commands.i18n import ENGLISH, Translator
from commands.options import option_flags
from storage.service.types import Comparison, JournalEntry, Page, SegmentInfo

DELETE_ACTION = "segbot:delete"
KEEP_ACTION = "segbot:keep"
_DESCRIPTION_CHARS = 120
_JOURNAL_CRITERIA_CHARS = 300


def slack_time(moment: datetime) -> str:
    """A timestamp Slack renders in the reader's own time zone, with a UTC fallback."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def segment_line(info: SegmentInfo, *, tr: Translator = ENGLISH) -> str:
    """``*SEG00001* Description · 1,234 contacts · <@owner>``"""
    description = escape_mrkdwn(clip(info.description, _DESCRIPTION_CHARS))
    return f"*{info.no}* {description} · {contacts_count(info.size, tr=tr)} · <@{info.owner_user_id}>"


def build_list_blocks(
    segments: Sequence[SegmentInfo], *, mine: bool, tr: Translator = ENGLISH
) -> list[Block]:
    """One line per segment; when there are too many to show, say how many were left out."""
    if not segments:
        empty = tr._("You have no segments yet.") if mine else tr._("No segments yet.")
        hint = tr._('Create one with `/segment new "Description" industry:retail`.')
        return [SectionBlock(text=f"{empty} {hint}")]
    if mine:
        title = tr._("Your segments ({count})", count=len(segments))
    else:
        title = tr._("Segments ({count})", count=len(segments))
    blocks: list[Block] = [HeaderBlock(text=title)]
    body = pack_sections(segment_line(s, tr=tr) for s in segments)[: MAX_MESSAGE_BLOCKS - 2]
    blocks.extend(body)
    shown = sum(str(b.text.text).count("\n") + 1 for b in body if isinstance(b, SectionBlock) and b.text)
    if shown < len(segments):
        more = len(segments) - shown
        blocks.append(note(tr._("{count} more not shown; `/segment list mine` narrows it.", count=more)))
    return blocks


def journal_summary(entries: Sequence[JournalEntry], *, tr: Translator = ENGLISH) -> str:
    """``2 actions, the last: ...``"""
    if not entries:
        return tr._("No actions yet.")
    return tr.ngettext(
        "{n} action, the last: {line}",
        "{n} actions, the last: {line}",
        len(entries),
        line=journal_line(entries[-1], tr=tr),
    )


def journal_line(entry: JournalEntry, *, tr: Translator = ENGLISH) -> str:
    """``3. Add industry:retail --expand-companies: +12 -0 → 40``"""
    what = [f"{entry.seq}. *{kind_label(entry.kind, tr=tr)}*"]
    criteria = change_criteria(entry, tr=tr)
    if criteria:
        what.append(f"`{escape_mrkdwn(clip(criteria, _JOURNAL_CRITERIA_CHARS))}`")
    if entry.contact_nos:
        nos = ", ".join(entry.contact_nos[:10]) + (" …" if len(entry.contact_nos) > 10 else "")
        what.append(escape_mrkdwn(nos))
    what.extend(f"`{flag}`" for flag in option_flags(entry.options))
    change = f"+{tr.number(entry.added)} −{tr.number(entry.removed)} → {tr.number(entry.size_after)}"
    return f"{' '.join(what)}: {change} · <@{entry.user_id}>"


def build_show_blocks(
    info: SegmentInfo, page: Page, journal: Sequence[JournalEntry], *, tr: Translator = ENGLISH
) -> list[Block]:
    """Header, size and last change, a summary of the journal, a page of contacts with paging."""
    facts = tr._(
        "*{size}* · owner <@{owner}> · created {created} · changed {changed}",
        size=contacts_count(info.size, tr=tr),
        owner=info.owner_user_id,
        created=tr.date(info.created),
        changed=slack_time(info.updated_at),
    )
    blocks: list[Block] = [
        HeaderBlock(text=segment_title(info.no, info.description)),
        SectionBlock(text=clip_section(facts)),
    ]
    header = header_facts(info, tr=tr)
    if header:
        blocks.append(note(header))
    blocks.append(note(journal_summary(journal, tr=tr)))
    pager = build_pager({"s": info.no}, page, block_id="pager", tr=tr)
    contact_blocks = build_contact_blocks(page, empty_text=tr._("The segment is empty."), tr=tr)
    room = MAX_MESSAGE_BLOCKS - len(blocks) - len(pager)
    return [*blocks, *contact_blocks[:room], *pager]


def header_facts(info: SegmentInfo, *, tr: Translator = ENGLISH) -> str:
    """The header fields that are set, ``template *EMAIL* · campaign *CP0004* · ...``, or ''."""
    fields = (
        (tr._("template"), info.interaction_template_code),
        (tr._("campaign"), info.campaign_no),
        (tr._("salesperson"), info.salesperson),
        (tr._("date"), tr.date(info.segment_date) if info.segment_date else None),
        (tr._("language"), info.language),
        (tr._("subject"), clip(info.subject, 200) if info.subject else None),
    )
    return " · ".join(f"{label} *{escape_mrkdwn(value)}*" for label, value in fields if value)


def build_journal_blocks(
    info: SegmentInfo, journal: Sequence[JournalEntry], *, tr: Translator = ENGLISH
) -> list[Block]:
    """The criteria of a segment: every journalled action with its criteria and options."""
    blocks: list[Block] = [HeaderBlock(text=segment_title(info.no, info.description))]
    if not journal:
        blocks.append(SectionBlock(text=tr._("No actions yet.")))
        return blocks
    lines = [journal_line(e, tr=tr) for e in journal]
    body = pack_sections(lines)[: MAX_MESSAGE_BLOCKS - 2]
    blocks.extend(body)
    shown = sum(str(b.text.text).count("\n") + 1 for b in body if isinstance(b, SectionBlock) and b.text)
    if shown < len(lines):
        blocks.append(note(tr._("{count} more not shown.", count=len(lines) - shown)))
    return blocks


def build_delete_question_blocks(info: SegmentInfo, *, tr: Translator = ENGLISH) -> list[Block]:
    """Are you sure? with Confirm/Cancel; the buttons carry only the segment number."""
    question = tr._(
        "Delete *{title}* with its {size} and journal? This cannot be undone.",
        title=escape_mrkdwn(clip(f"{info.no} {info.description}", 200)),
        size=contacts_count(info.size, tr=tr),
    )
    return [
        SectionBlock(text=clip_section(question)),
        ActionsBlock(
            block_id="decision",
            elements=[
                ButtonElement(text=tr._("Confirm"), action_id=DELETE_ACTION, value=info.no, style="danger"),
                ButtonElement(text=tr._("Cancel"), action_id=KEEP_ACTION, value=info.no),
            ],
        ),
    ]


def comparison_text(c: Comparison, *, tr: Translator = ENGLISH) -> str:
    """Both sizes, then the overlap and each difference."""
    sizes = f"*{c.a}*: {contacts_count(c.size_a, tr=tr)} · *{c.b}*: {contacts_count(c.size_b, tr=tr)}"
    parts = tr._(
        "In both: *{overlap}* · only in {a}: *{only_a}* · only in {b}: *{only_b}*",
        overlap=c.overlap,
        a=c.a,
        only_a=c.only_a,
        b=c.b,
        only_b=c.only_b,
    )
    return f"{sizes}\n{parts}"


def build_compare_blocks(c: Comparison, *, tr: Translator = ENGLISH) -> list[Block]:
    """A header naming both segments and the comparison."""
    title = tr._("{a} compared with {b}", a=c.a, b=c.b)
    return [HeaderBlock(text=title), SectionBlock(text=comparison_text(c, tr=tr))]
