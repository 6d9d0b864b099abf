"""Help generated from the registry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from commands.blocks.limits import (
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    clip_header,
    clip_section,
    escape_mrkdwn,
)
from commands.i18n import ENGLISH, Translator

if TYPE_CHECKING:
    from commands.registry import Verb


def verb_line(verb: Verb, *, tr: Translator = ENGLISH) -> str:
    """``/segment usage`` and the summary in the reader's language (a plugin's own text when untranslated)."""
    return f"`/segment {escape_mrkdwn(verb.usage)}` {escape_mrkdwn(tr._(verb.summary))}"


def build_help_blocks(verbs: Sequence[Verb], *, tr: Translator = ENGLISH) -> list[Block]:
    """A header, the usage line of every verb (packed into as few sections as fit), and a tip."""
    blocks: list[Block] = [HeaderBlock(text=tr._("segbot: contact segments"))]
    chunk = ""
    for verb in verbs:
        line = verb_line(verb, tr=tr)
        if chunk and len(chunk) + 1 + len(line) > MAX_SECTION_TEXT:
            blocks.append(SectionBlock(text=chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else clip_section(line)
    if chunk:
        blocks.append(SectionBlock(text=chunk))
    examples = [e for v in verbs for e in v.examples][:3]
    tip = tr._("`/segment help VERB` shows a verb's examples.")
    if examples:
        listed = ", ".join(f"`/segment {escape_mrkdwn(e)}`" for e in examples)
        tip += " " + tr._("For example: {examples}", examples=listed)
    tip += " " + tr._(
        "Criteria are the same in every language: field:value, e.g. industry:retail city:berlin -email:*."
    )
    # Slack reads a bare ">" as markup, so the criteria text is escaped.
    tip += " " + escape_mrkdwn(
        tr._(
            "interaction:(template:meeting date:>=today-30d) asks both of one and the same interaction; "
            "interaction:meeting interacted:>=today-30d are two independent conditions (a meeting at any "
            "time, and any interaction in the last 30 days). Ranges work on every field: "
            "no:CT000100..CT000200, created:2025-01-01.., profile.revenue:..50000."
        )
    )
    blocks = blocks[: MAX_MESSAGE_BLOCKS - 1]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip_section(tip))]))
    return blocks


def build_verb_help_blocks(verb: Verb, *, tr: Translator = ENGLISH) -> list[Block]:
    """Usage, summary and examples of one verb."""
    text = verb_line(verb, tr=tr)
    if verb.aliases:
        text += "\n" + tr._(
            "Also: {aliases}", aliases=", ".join(f"`{escape_mrkdwn(a)}`" for a in verb.aliases)
        )
    if verb.examples:
        examples = "\n".join(f"• `/segment {escape_mrkdwn(e)}`" for e in verb.examples)
        text += "\n" + tr._("Examples:") + "\n" + examples
    return [HeaderBlock(text=clip_header(f"/segment {verb.name}")), SectionBlock(text=clip_section(text))]
