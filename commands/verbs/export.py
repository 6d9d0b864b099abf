"""`export SEG`: the segment's contacts as a CSV file uploaded to the channel."""

from __future__ import annotations

import tempfile
from pathlib import Path

from commands.common import segment_no, split_first, workspace_session
from commands.context import CommandContext
from commands.i18n import N_, translator
from commands.registry import Registry, Verb
from commands.reply import FileUpload, Reply
from storage.errors import ValidationError
from storage.service import export as exporting
from storage.service import segments


def export(text: str, ctx: CommandContext) -> Reply:
    """Upload the segment as CSV, with the contact columns of the import format, `no` first."""
    token, extra = split_first(text)
    no = segment_no(token, usage="export SEG")
    if extra:
        raise ValidationError(
            "unexpected '{extra}'. Usage: /segment {usage}", extra=extra, usage="export SEG"
        )
    # A temporary file, not memory: a segment of a million contacts is a few hundred megabytes.
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", prefix="segbot-export-", suffix=".csv", delete=False
    ) as handle:
        path = Path(handle.name)
        try:
            with workspace_session(ctx) as (session, workspace_id):
                info = segments.get_segment(session, workspace_id, no)
                rows = exporting.write_export(handle, session, workspace_id, no)
        except BaseException:
            handle.close()
            path.unlink(missing_ok=True)
            raise
    title = f"{info.no} {info.description}"[:250]
    return Reply(
        text=translator(ctx.locale).ngettext(
            "{segment_no}: {n} contact exported as CSV.",
            "{segment_no}: {n} contacts exported as CSV.",
            rows,
            segment_no=info.no,
        ),
        visibility="channel",
        upload=FileUpload(filename=f"{info.no}.csv", title=title, path=path),
    )


def register(registry: Registry) -> None:
    registry.add(
        Verb(
            name="export",
            aliases=(),
            usage="export SEG",
            summary=N_("uploads the segment's contacts as CSV"),
            run=export,
            examples=("export SEG00001",),
        )
    )
