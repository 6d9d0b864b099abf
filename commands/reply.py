"""What a verb answers: a transport-free value that ``bot/`` (or the console) delivers.

Delivery rules for ``bot/``:

- ``visibility="ephemeral"`` goes only to the caller; ``"channel"`` is posted in the channel.
- ``replace_original=True`` replaces the message whose button was pressed (an ephemeral preview
  is replaced through the interaction's ``response_url``).
- ``announce=True`` (only with ``replace_original``) ALSO posts ``text``/``blocks`` in the channel
  as a new, visible message: a confirmed change replaces the caller's ephemeral preview with the
  outcome and tells the channel about it, because Slack cannot turn an ephemeral message public.
- ``upload`` is a file for ``files_upload_v2`` into the channel (``export``). One with a ``path`` is a
  temporary file the deliverer owns: it uploads (or moves) it, then deletes it.
- ``modal`` is a view for ``views.open`` with the trigger id of the request (``new`` alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from commands.blocks.errors import build_error_blocks
from commands.i18n import locale_of, translator
from storage.errors import SegbotError


@dataclass(frozen=True)
class FileUpload:
    """A file to upload: small ones as ``content``, large ones (exports) written to ``path`` first."""

    filename: str
    title: str
    content: bytes = b""
    path: Path | None = None

    def read(self) -> bytes:
        """The file's bytes, wherever they are kept."""
        return self.path.read_bytes() if self.path is not None else self.content

    def discard(self) -> None:
        """Delete the temporary file, once delivered (or when delivery failed)."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Reply:
    """A verb's answer. ``text`` is the plain-text fallback, or the whole reply when there are no blocks."""

    text: str
    blocks: tuple[Block, ...] = ()
    visibility: Literal["ephemeral", "channel"] = "ephemeral"
    replace_original: bool = False
    upload: FileUpload | None = None
    modal: View | None = None
    announce: bool = False


def announced(text: str, *, blocks: tuple[Block, ...] = ()) -> Reply:
    """A confirmed change's outcome: it replaces the preview, and the channel is told of it."""
    return Reply(text=text, blocks=blocks, visibility="channel", replace_original=True, announce=True)


def error_reply(exc: SegbotError, *, locale: str | None = None) -> Reply:
    """The ephemeral message saying what went wrong, in ``locale``; criteria errors point at the spot."""
    tr = translator(locale or locale_of(exc))
    blocks = build_error_blocks(exc, tr=tr)
    return Reply(text=tr.error(exc), blocks=tuple(blocks))
