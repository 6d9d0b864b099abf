"""`compare SEG SEG`: the sizes of both segments, of their overlap and of each difference."""

from __future__ import annotations

from commands.blocks.segments import build_compare_blocks, comparison_text
from commands.common import segment_no, workspace_session
from commands.context import CommandContext
from commands.i18n import N_, translator
from commands.registry import Registry, Verb
from commands.reply import Reply
from storage.errors import ValidationError
from storage.service import compare as comparing

USAGE = "compare SEG SEG"


def compare(text: str, ctx: CommandContext) -> Reply:
    """Compare two segments."""
    words = text.split()
    if len(words) != 2:
        raise ValidationError("two segment numbers are needed. Usage: /segment {usage}", usage=USAGE)
    a, b = (segment_no(w, usage=USAGE) for w in words)
    with workspace_session(ctx) as (session, workspace_id):
        result = comparing.compare_segments(session, workspace_id, a, b)
    tr = translator(ctx.locale)
    text = comparison_text(result, tr=tr).replace("*", "")
    return Reply(text=text, blocks=tuple(build_compare_blocks(result, tr=tr)))


def register(registry: Registry) -> None:
    registry.add(
        Verb(
            name="compare",
            aliases=(),
            usage=USAGE,
            summary=N_("sizes of both, of the overlap, and of each difference"),
            run=compare,
            examples=("compare SEG00001 SEG00002",),
        )
    )
