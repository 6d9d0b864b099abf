"""Error messages as blocks: criteria errors echo the text with a marker under the bad spot."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, SectionBlock

from commands.blocks.limits import clip_section, escape_mrkdwn
from commands.i18n import ENGLISH, Translator
from storage.errors import SegbotError

# The echo is in a code block, so the marker lines up in Slack's monospace font.
_ECHO_WIDTH = 80


def build_error_blocks(exc: SegbotError, *, tr: Translator = ENGLISH) -> list[Block]:
    """One or two sections: the message (in the reader's language) and, for a criteria error, where it is."""
    message = f":warning: {tr.error(exc)}"
    blocks: list[Block] = [SectionBlock(text=clip_section(message))]
    echo = build_position_echo(getattr(exc, "text", None), getattr(exc, "position", None))
    if echo:
        # Escaped, so an entity Slack sent (&gt;) renders as typed and keeps the marker aligned.
        blocks.append(SectionBlock(text=clip_section(f"```{escape_mrkdwn(echo)}```")))
    return blocks


def build_position_echo(text: str | None, position: int | None) -> str | None:
    """The criteria text with a ``^`` under ``position``, windowed so long criteria stay readable."""
    if not text or position is None or position < 0:
        return None
    position = min(position, len(text))
    start = max(0, position - _ECHO_WIDTH // 2)
    window = text[start : start + _ECHO_WIDTH]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + _ECHO_WIDTH < len(text) else ""
    # Newlines would break the alignment of the marker.
    window = window.replace("\n", " ")
    return f"{prefix}{window}{suffix}\n{' ' * (len(prefix) + position - start)}^"
