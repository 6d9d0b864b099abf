"""Block Kit's limits, and helpers that cut text to them without breaking a character or a mrkdwn link."""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK_TEXT = 3000


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def clip_section(text: str) -> str:
    return clip(text, MAX_SECTION_TEXT)


def clip_header(text: str) -> str:
    return clip(text, MAX_HEADER_TEXT)


def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters, escaped so user data cannot form links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def note(text: str) -> ContextBlock:
    """A small grey line of mrkdwn under a message."""
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT))])


def pack_sections(lines: Iterable[str]) -> list[Block]:
    """``lines`` (each clipped to a section) packed into as few sections as hold them, in order."""
    sections: list[Block] = []
    chunk = ""
    for line in map(clip_section, lines):
        if chunk and len(chunk) + 1 + len(line) > MAX_SECTION_TEXT:
            sections.append(SectionBlock(text=chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        sections.append(SectionBlock(text=chunk))
    return sections
