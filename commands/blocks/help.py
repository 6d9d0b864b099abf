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

if TYPE_CHECKING:
    from commands.registry import Verb


def _verb_line(verb: Verb) -> str:
    return f"`/segment {escape_mrkdwn(verb.usage)}` {escape_mrkdwn(verb.summary)}"


def build_help_blocks(verbs: Sequence[Verb]) -> list[Block]:
    """A header, the usage line of every verb (packed into as few sections as fit), and a tip."""
    blocks: list[Block] = [HeaderBlock(text="segbot: contact segments")]
    chunk = ""
    for verb in verbs:
        line = _verb_line(verb)
        if chunk and len(chunk) + 1 + len(line) > MAX_SECTION_TEXT:
            blocks.append(SectionBlock(text=chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else clip_section(line)
    if chunk:
        blocks.append(SectionBlock(text=chunk))
    examples = [e for v in verbs for e in v.examples][:3]
    tip = "`/segment help VERB` shows a verb's examples."
    if examples:
        tip += " For example: " + ", ".join(f"`/segment {escape_mrkdwn(e)}`" for e in examples)
    blocks = blocks[: MAX_MESSAGE_BLOCKS - 1]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip_section(tip))]))
    return blocks


def build_verb_help_blocks(verb: Verb) -> list[Block]:
    """Usage, summary and examples of one verb."""
    text = _verb_line(verb)
    if verb.aliases:
        text += "\nAlso: " + ", ".join(f"`{escape_mrkdwn(a)}`" for a in verb.aliases)
    if verb.examples:
        text += "\nExamples:\n" + "\n".join(f"• `/segment {escape_mrkdwn(e)}`" for e in verb.examples)
    return [HeaderBlock(text=clip_header(f"/segment {verb.name}")), SectionBlock(text=clip_section(text))]
