"""`export SEG`: the segment's contacts as a CSV file uploaded to the channel."""

from __future__ import annotations

import tempfile
from pathlib import Path

from commands.arguments import only_segment_no
from commands.common import workspace_session
from commands.context import CommandContext
from commands.i18n import translator
from commands.registry import VerbGroup
from commands.reply import FileUpload, Reply
from storage.service import export as exporting
from storage.service import segments

verbs = VerbGroup()
register = verbs.register


@verbs.verb("export SEG", examples=("export SEG00001",))
def export(text: str, ctx: CommandContext) -> Reply:
    """uploads the segment's contacts as CSV

    Upload the segment as CSV, with the contact columns of the import format, `no` first.
    """
    no = only_segment_no(text, usage="export SEG")
    # A temporary file, not memory: the CSV of a large segment runs to many megabytes (docs/performance.md).
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
