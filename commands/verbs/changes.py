"""`add`, `reduce`, `refine`, `include`, `remove`, `reuse`, `refresh`: every change is previewed first.

A preview pins down the exact contacts (the service's pending actions); its Confirm button
carries only the pending id, so Confirm applies exactly what was shown, once. When the contacts
changed since a preview of criteria, Confirm applies nothing and shows the preview again.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from commands.arguments import only_segment_no, segment_no, split_first
from commands.blocks.limits import note
from commands.blocks.preview import (
    CANCEL_ACTION,
    CONFIRM_ACTION,
    build_outcome_blocks,
    build_preview_blocks,
    describe_change,
    outcome_text,
)
from commands.common import (
    extract_action_options,
    page_size,
    parse_criteria_text,
    pointing_into,
    workspace_session,
)
from commands.context import CommandContext
from commands.i18n import N_, translator
from commands.options import ADD_FLAGS, NARROW_FLAGS
from commands.registry import VerbGroup
from commands.reply import Reply, announced
from commands.verbs.breakdown import preview_shares
from storage.criteria.ast import Expr
from storage.errors import StalePreviewError, ValidationError
from storage.service import changes, segments
from storage.service.types import ActionOptions, Preview

verbs = VerbGroup()
register = verbs.register


def preview_reply(
    preview: Preview, *, description: str, locale: str | None = None, shares: str = ""
) -> Reply:
    """The ephemeral preview message with Confirm/Cancel, in ``locale``.

    ``shares``: a line of the largest country and industry shares of what is added, under the summary.
    """
    tr = translator(locale)
    text = f"{preview.segment_no}: {describe_change(preview.kind, preview.added, preview.removed, tr=tr)}"
    blocks = build_preview_blocks(preview, description=description, tr=tr)
    if shares:
        blocks.insert(2, note(shares))
    return Reply(text=text, blocks=tuple(blocks))


def preview(
    ctx: CommandContext,
    no: str,
    kind: str,
    *,
    criteria: Expr | None = None,
    options: ActionOptions = ActionOptions(),
    contact_nos: Sequence[str] = (),
    saved_code: str | None = None,
) -> Reply:
    """Preview ``kind`` on segment ``no`` in one unit of work and answer with the preview message."""
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.get_segment(session, workspace_id, no)
        result = changes.preview_action(
            session,
            workspace_id,
            no,
            kind,
            criteria=criteria,
            options=options,
            contact_nos=contact_nos,
            saved_code=saved_code,
            page_size=page_size(ctx),
            today=ctx.today,
            **ctx.caller,
        )
        shares = preview_shares(session, workspace_id, result, tr=translator(ctx.locale))
    return preview_reply(result, description=info.description, locale=ctx.locale, shares=shares)


def _declare_criteria_verb(
    kind: str, allowed: tuple[str, ...], summary: str, examples: tuple[str, ...]
) -> None:
    usage = f"{kind} SEG <criteria> " + " ".join(f"[{o}]" for o in allowed)

    def run(text: str, ctx: CommandContext) -> Reply:
        rest, options = extract_action_options(text, allowed)
        token, criteria_text = split_first(rest)
        no = segment_no(token, usage=usage)
        if not criteria_text:
            raise ValidationError("criteria are missing. Usage: /segment {usage}", usage=usage)
        criteria = parse_criteria_text(criteria_text)
        with pointing_into(criteria_text):
            return preview(ctx, no, kind, criteria=criteria, options=options)

    run.__doc__ = summary
    verbs.verb(usage, examples=examples)(run)


def _declare_contacts_verb(kind: str, summary: str) -> None:
    usage = f"{kind} SEG CONTACT..."

    def run(text: str, ctx: CommandContext) -> Reply:
        token, rest = split_first(text)
        no = segment_no(token, usage=usage)
        nos = [n.strip() for n in rest.replace(",", " ").split() if n.strip()]
        if not nos:
            raise ValidationError("contact numbers are missing. Usage: /segment {usage}", usage=usage)
        return preview(ctx, no, kind, contact_nos=tuple(dict.fromkeys(nos)))

    run.__doc__ = summary
    verbs.verb(usage, examples=(f"{kind} SEG00001 CT000001 CT000002",))(run)


_declare_criteria_verb(
    "add",
    ADD_FLAGS,
    N_("adds the contacts that match (union)"),
    (
        "add SEG00001 industry:retail city:berlin --expand-companies",
        "add SEG00001 interaction:(template:meeting date:>=today-30d)",
        "add SEG00001 no:CT000100..CT000200",
    ),
)
_declare_criteria_verb(
    "reduce",
    NARROW_FLAGS,
    N_("removes the segment's contacts that match"),
    ("reduce SEG00001 -email:*", "reduce SEG00001 profile.revenue:..1000000"),
)
_declare_criteria_verb(
    "refine",
    NARROW_FLAGS,
    N_("keeps only the segment's contacts that match"),
    (
        "refine SEG00001 created:>=today-1y --entire-companies",
        "refine SEG00001 interaction:(template:meeting evaluation:positive)",
    ),
)
_declare_contacts_verb("include", N_("adds the named contacts"))
_declare_contacts_verb("remove", N_("removes the named contacts"))


@verbs.verb("reuse CODE SEG", examples=("reuse RETAIL SEG00002",))
def reuse(text: str, ctx: CommandContext) -> Reply:
    """replays saved criteria on a segment"""
    code, rest = split_first(text)
    if not code:
        raise ValidationError(
            "a saved criteria code is missing. Usage: /segment {usage}", usage="reuse CODE SEG"
        )
    return preview(ctx, only_segment_no(rest, usage="reuse CODE SEG"), "reuse", saved_code=code.upper())


@verbs.verb("refresh SEG", examples=("refresh SEG00001",))
def refresh(text: str, ctx: CommandContext) -> Reply:
    """re-evaluates the segment's criteria against today's data

    Replay the segment's own journal from empty against today's data (previewed).
    """
    return preview(ctx, only_segment_no(text, usage="refresh SEG"), "refresh")


@verbs.action(CONFIRM_ACTION)
def confirm(pending_id: str, ctx: CommandContext) -> Reply:
    """Apply a previewed change once; the outcome replaces the preview and is announced in the channel."""
    try:
        with workspace_session(ctx) as (session, workspace_id):
            result = changes.confirm_pending(session, workspace_id, pending_id, **ctx.caller)
            info = segments.get_segment(session, workspace_id, result.segment_no)
    except StalePreviewError:
        return _preview_again(pending_id, ctx)
    tr = translator(ctx.locale)
    return announced(
        outcome_text(result, description=info.description, user_id=ctx.user_id, tr=tr),
        blocks=tuple(build_outcome_blocks(result, description=info.description, user_id=ctx.user_id, tr=tr)),
    )


def _preview_again(pending_id: str, ctx: CommandContext) -> Reply:
    """Replace a stale preview by a new one on today's data, saying why nothing was applied."""
    with workspace_session(ctx) as (session, workspace_id):
        renewed = changes.renew_preview(
            session, workspace_id, pending_id, page_size=page_size(ctx), **ctx.caller
        )
        info = segments.get_segment(session, workspace_id, renewed.segment_no)
    tr = translator(ctx.locale)
    notice = tr._(
        "The contacts changed since that preview (an import or a logged segment), so nothing was "
        "applied. Here it is again with today's contacts; confirm again to apply it."
    )
    again = preview_reply(renewed, description=info.description, locale=ctx.locale)
    return Reply(
        text=f"{notice} {again.text}",
        blocks=(SectionBlock(text=MarkdownTextObject(text=notice)), *again.blocks),
        replace_original=True,
    )


@verbs.action(CANCEL_ACTION)
def cancel(pending_id: str, ctx: CommandContext) -> Reply:
    """Drop a preview; nothing changes."""
    with workspace_session(ctx) as (session, workspace_id):
        changes.cancel_pending(session, workspace_id, pending_id, **ctx.caller)
    return Reply(text=translator(ctx.locale)._("Canceled: nothing was changed."), replace_original=True)
