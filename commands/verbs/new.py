"""`new <description> [<criteria> [options]]`: creates a segment and, with criteria, previews the Add.

Without arguments it opens a modal asking for the description, criteria and options; its
submission creates the segment and previews the Add the same way, or shows field errors.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from commands.arguments import split_new_arguments, unescape_slack
from commands.blocks.limits import escape_mrkdwn
from commands.blocks.modal import (
    ADD_OPTIONS,
    CRITERIA_BLOCK,
    DESCRIPTION_BLOCK,
    NEW_SEGMENT_CALLBACK,
    OPTIONS_BLOCK,
    VALUE_ACTION,
    build_new_segment_modal,
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
from commands.registry import Registry, Verb
from commands.reply import Reply
from commands.verbs.breakdown import preview_shares
from commands.verbs.changes import preview_reply
from storage.criteria.ast import Expr
from storage.criteria.names import UnknownNameError
from storage.errors import SegbotError, ValidationError
from storage.service import actions, segments
from storage.service.types import ActionOptions

USAGE = "new <description> [<criteria> [options]]"
_OPTIONS = ("--expand-companies", "--related-companies", "--ignore-exclusion")
_MAX_DESCRIPTION = 200


def new(text: str, ctx: CommandContext) -> Reply:
    """Create a segment owned by the caller; with criteria, preview adding the contacts that match."""
    if not text.strip():
        tr = translator(ctx.locale)
        modal = build_new_segment_modal(channel_id=ctx.channel_id, tr=tr)
        return Reply(text=tr._("Opening the new segment form…"), modal=modal)
    rest, options = extract_action_options(text, _OPTIONS)
    description, criteria_text = split_new_arguments(rest)
    description = unescape_slack(description).strip()
    criteria = parse_criteria_text(criteria_text) if criteria_text.strip() else None
    if criteria is None and options != ActionOptions():
        raise ValidationError("options apply to the Add of criteria, and no criteria were given.")
    with pointing_into(criteria_text):
        return create(ctx, description, criteria, options)


def create(ctx: CommandContext, description: str, criteria: Expr | None, options: ActionOptions) -> Reply:
    """Create the segment and, with criteria, its Add preview, in one unit of work."""
    _check_description(description)
    with workspace_session(ctx) as (session, workspace_id):
        info = segments.create_segment(
            session,
            workspace_id,
            description=description,
            owner_user_id=ctx.user_id,
            today=ctx.today,
            # Numbered after the preview: other users' `new` need not wait for this one's count.
            number_last=criteria is not None,
        )
        if criteria is None:
            text = translator(ctx.locale)._(
                "Created {segment_no} {description}. "
                "Add contacts with `/segment add {segment_no} <criteria>`.",
                segment_no=info.no,
                description=escape_mrkdwn(info.description),
            )
            return Reply(text=text)
        preview = actions.preview_action(
            session,
            workspace_id,
            info.no,
            "add",
            criteria=criteria,
            options=options,
            user_id=ctx.user_id,
            page_size=page_size(ctx),
            today=ctx.today,
            creates_segment=True,
        )
        preview = replace(preview, segment_no=segments.number_segment(session, workspace_id, info.no))
        shares = preview_shares(session, workspace_id, preview, tr=translator(ctx.locale))
    return preview_reply(preview, description=info.description, locale=ctx.locale, shares=shares)


def _check_description(description: str) -> None:
    if not description:
        raise ValidationError("a description is missing. Usage: /segment {usage}", usage=USAGE)
    if len(description) > _MAX_DESCRIPTION:
        raise ValidationError("the description is longer than {limit} characters.", limit=_MAX_DESCRIPTION)


def submit_new_segment(values: dict[str, Any], ctx: CommandContext) -> Reply | dict[str, str]:
    """The modal's submission: field errors ``{block_id: message}``, or the created segment's preview."""
    description = (_input(values, DESCRIPTION_BLOCK) or "").strip()
    criteria_text = (_input(values, CRITERIA_BLOCK) or "").strip()
    errors: dict[str, str] = {}
    tr = translator(ctx.locale)
    if not description:
        errors[DESCRIPTION_BLOCK] = tr._("Please describe the segment.")
    elif len(description) > _MAX_DESCRIPTION:
        errors[DESCRIPTION_BLOCK] = tr._("At most {limit} characters.", limit=_MAX_DESCRIPTION)
    criteria = None
    if criteria_text:
        try:
            criteria = parse_criteria_text(criteria_text)
        except SegbotError as exc:
            errors[CRITERIA_BLOCK] = tr.error(exc)[:150]
    if errors:
        return errors
    selected = _selected(values, OPTIONS_BLOCK)
    options = ActionOptions(**{name: True for name in ADD_OPTIONS if name in selected})
    try:
        return create(ctx, description, criteria, options)
    except UnknownNameError as exc:
        # Nothing was created (the unit of work rolled back): the form stays open with the reason.
        return {CRITERIA_BLOCK: tr.error(exc)[:150]}


def _input(values: dict[str, Any], block_id: str) -> str | None:
    value = values.get(block_id, {}).get(VALUE_ACTION, {}).get("value")
    return str(value) if value is not None else None


def _selected(values: dict[str, Any], block_id: str) -> set[str]:
    chosen = values.get(block_id, {}).get(VALUE_ACTION, {}).get("selected_options") or []
    return {str(option.get("value")) for option in chosen}


def register(registry: Registry) -> None:
    registry.add(
        Verb(
            name="new",
            aliases=("create",),
            usage=USAGE,
            summary=N_("creates a segment you own; with criteria, previews adding the contacts that match"),
            run=new,
            examples=(
                'new "Berlin retail" industry:retail city:berlin',
                'new "Met this month" interaction:(template:meeting date:>=today-30d)',
                "new",
            ),
        )
    )
    registry.register_view(NEW_SEGMENT_CALLBACK, submit_new_segment)
