"""`export SEG`: the segment's contacts as a CSV file uploaded to the channel."""

from __future__ import annotations

import csv
import io

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
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(exporting.EXPORT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, no)
        rows = 0
        for row in exporting.export_rows(session, workspace_id, no):
            writer.writerow(row)
            rows += 1
    title = f"{info.no} {info.description}"[:250]
    return Reply(
        text=translator(ctx.locale).ngettext(
            "{segment_no}: {n} contact exported as CSV.",
            "{segment_no}: {n} contacts exported as CSV.",
            rows,
            segment_no=info.no,
        ),
        visibility="channel",
        upload=FileUpload(filename=f"{info.no}.csv", content=buffer.getvalue().encode("utf-8"), title=title),
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
