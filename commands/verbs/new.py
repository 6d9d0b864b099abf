"""`new <description> [<criteria> [options]]`: creates a segment and, with criteria, previews the Add.

Without arguments it opens the segment builder: pickers filled from the workspace's own values,
free criteria and the Add options, with a count under them that follows every change, and the
segment header's optional fields. Its submission creates the segment, sets the header and previews
the Add the same way, or shows field errors and creates nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from slack_sdk.models.blocks import Option
from slack_sdk.models.views import View

from commands.arguments import split_new_arguments, unescape_slack
from commands.blocks.limits import escape_mrkdwn
from commands.blocks.modal import (
    CRITERIA_BLOCK,
    DESCRIPTION_BLOCK,
    HEADER_LABELS,
    HEADER_PICKERS,
    HEADER_PREFIX,
    MAX_STATIC_OPTIONS,
    NEW_SEGMENT_CALLBACK,
    OPTIONS_BLOCK,
    PICKER_PREFIX,
    VALUE_ACTION,
    Picker,
    build_builder_update,
    build_field_options,
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
from commands.i18n import Translator, translator
from commands.options import ADD_FLAGS, ADD_OPTION_LABELS
from commands.registry import Registry, VerbGroup
from commands.reply import Reply
from commands.verbs.breakdown import preview_shares
from commands.verbs.changes import preview_reply
from storage.criteria.ast import Expr
from storage.criteria.names import UnknownNameError
from storage.errors import SegbotError, ValidationError
from storage.service import changes, header, matches, segments
from storage.service.matches import FieldValue
from storage.service.types import ActionOptions

USAGE = "new <description> [<criteria> [options]]"
_MAX_DESCRIPTION = 200

verbs = VerbGroup()


@verbs.verb(
    USAGE,
    aliases=("create",),
    examples=(
        'new "Berlin retail" industry:retail city:berlin',
        'new "Met this month" interaction:(template:meeting date:>=today-30d)',
        "new",
    ),
)
def new(text: str, ctx: CommandContext) -> Reply:
    """creates a segment you own; with criteria, previews adding the contacts that match

    Create a segment owned by the caller; with criteria, preview adding the contacts that match.
    """
    if not text.strip():
        tr = translator(ctx.locale)
        pickers, choices = _choices(ctx)
        modal = build_new_segment_modal(
            channel_id=ctx.channel_id, pickers=pickers, header_choices=choices, tr=tr
        )
        return Reply(text=tr._("Opening the new segment form…"), modal=modal)
    rest, options = extract_action_options(text, ADD_FLAGS)
    description, criteria_text = split_new_arguments(rest)
    description = unescape_slack(description).strip()
    criteria = parse_criteria_text(criteria_text) if criteria_text.strip() else None
    if criteria is None and options != ActionOptions():
        raise ValidationError("options apply to the Add of criteria, and no criteria were given.")
    with pointing_into(criteria_text):
        return create(ctx, description, criteria, options)


class HeaderFieldError(Exception):
    """A header field the builder was given is refused; nothing was created."""

    def __init__(self, field: str, error: SegbotError) -> None:
        super().__init__(field)
        self.field = field
        self.error = error


def create(
    ctx: CommandContext,
    description: str,
    criteria: Expr | None,
    options: ActionOptions,
    header_fields: Mapping[str, str | date] | None = None,
) -> Reply:
    """Create the segment, set ``header_fields`` on it and, with criteria, preview its Add, in one
    unit of work; a refused header field raises HeaderFieldError and rolls it all back."""
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
        for field, value in (header_fields or {}).items():
            try:
                info = header.set_header_field(
                    session, workspace_id, info.no, field, value, user_id=ctx.user_id
                )
            except SegbotError as exc:
                raise HeaderFieldError(field, exc) from exc
        if criteria is None:
            text = translator(ctx.locale)._(
                "Created {segment_no} {description}. "
                "Add contacts with `/segment add {segment_no} <criteria>`.",
                segment_no=info.no,
                description=escape_mrkdwn(info.description),
            )
            return Reply(text=text)
        preview = changes.preview_action(
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
        shares = preview_shares(session, workspace_id, preview, tr=translator(ctx.locale))
        # Last: numbering locks the workspace's row until commit, and every other `new` waits for it.
        preview = replace(preview, segment_no=segments.number_segment(session, workspace_id, info.no))
    return preview_reply(preview, description=info.description, locale=ctx.locale, shares=shares)


def _check_description(description: str) -> None:
    if not description:
        raise ValidationError("a description is missing. Usage: /segment {usage}", usage=USAGE)
    if len(description) > _MAX_DESCRIPTION:
        raise ValidationError("the description is longer than {limit} characters.", limit=_MAX_DESCRIPTION)


def submit_new_segment(values: dict[str, Any], ctx: CommandContext) -> Reply | dict[str, str]:
    """The modal's submission: field errors ``{block_id: message}``, or the created segment's preview."""
    description = (_input(values, DESCRIPTION_BLOCK) or "").strip()
    errors: dict[str, str] = {}
    tr = translator(ctx.locale)
    if not description:
        errors[DESCRIPTION_BLOCK] = tr._("Please describe the segment.")
    elif len(description) > _MAX_DESCRIPTION:
        errors[DESCRIPTION_BLOCK] = tr._("At most {limit} characters.", limit=_MAX_DESCRIPTION)
    criteria = None
    try:
        criteria = _builder_criteria(values)[1]
    except SegbotError as exc:
        errors[CRITERIA_BLOCK] = tr.error(exc)[:150]
    header_fields = _builder_header(values, errors, tr)
    if errors:
        return errors
    try:
        return create(ctx, description, criteria, _builder_options(values), header_fields)
    except UnknownNameError as exc:
        # Nothing was created (the unit of work rolled back): the form stays open with the reason.
        return {CRITERIA_BLOCK: tr.error(exc)[:150]}
    except HeaderFieldError as exc:
        return {HEADER_PREFIX + exc.field: tr.error(exc.error)[:150]}


def update_builder(view: dict[str, Any], ctx: CommandContext) -> View:
    """The builder after a change to one of its inputs: the count of what its criteria match now
    (the Add's own rules, options included), or the criteria's mistake under the criteria box."""
    tr = translator(ctx.locale)
    values = (view.get("state") or {}).get("values") or {}
    try:
        text, criteria = _builder_criteria(values)
    except SegbotError as exc:
        return build_builder_update(view, count=None, criteria_text="", criteria_error=tr.error(exc), tr=tr)
    if criteria is None:
        return build_builder_update(view, count=None, criteria_text="", tr=tr)
    with workspace_session(ctx) as (session, workspace_id):
        count = matches.count_matches(
            session, workspace_id, criteria, _builder_options(values), today=ctx.today
        )
    return build_builder_update(view, count=count, criteria_text=text, tr=tr)


def builder_options(block_id: str, query: str, ctx: CommandContext) -> list[Option]:
    """The values a long picker offers for what the user has typed so far (Slack's limit of 100)."""
    field = block_id.removeprefix(PICKER_PREFIX)
    if field not in matches.PICKER_FIELDS:
        return []
    with workspace_session(ctx) as (session, workspace_id):
        values = matches.field_values(session, workspace_id, field, query=query, limit=MAX_STATIC_OPTIONS)
    return build_field_options(values)


def _choices(ctx: CommandContext) -> tuple[list[Picker], dict[str, tuple[FieldValue, ...] | None]]:
    """The criteria pickers and the header's campaign and template choices, in one unit of work."""
    pickers = []
    header_choices: dict[str, tuple[FieldValue, ...] | None] = {}
    with workspace_session(ctx) as (session, workspace_id):
        for field in HEADER_PICKERS:
            listed = matches.header_values(session, workspace_id, field, limit=MAX_STATIC_OPTIONS + 1)
            # Past Slack's 100 options the number is typed, and checked on submission.
            header_choices[field] = None if len(listed) > MAX_STATIC_OPTIONS else tuple(listed)
        for field in matches.PICKER_FIELDS:
            if field not in matches.CODE_FIELDS:
                # Listing them means reading every contact; Slack's 3 s to open the modal are not for that.
                pickers.append(Picker(field=field, choices=None))
                continue
            values = matches.field_values(session, workspace_id, field, limit=MAX_STATIC_OPTIONS + 1)
            # Past Slack's 100 options, the picker searches as the user types instead.
            choices = None if len(values) > MAX_STATIC_OPTIONS else tuple(values)
            pickers.append(Picker(field=field, choices=choices))
    return pickers, header_choices


def _builder_criteria(values: dict[str, Any]) -> tuple[str, Expr | None]:
    """The criteria the builder's inputs make, as text (shown, so users learn it) and parsed.

    The free text is parsed alone first, so a mistake's position is one in the box the user typed.
    """
    free = (_input(values, CRITERIA_BLOCK) or "").strip()
    if free:
        parse_criteria_text(free)
    terms = []
    # In the pickers' order on the form, whatever order Slack lists their state in.
    for field in matches.PICKER_FIELDS:
        chosen = _selected_in_order(values, PICKER_PREFIX + field)
        if chosen:
            terms.append(field + ":" + ",".join(map(_criteria_value, chosen)))
    if free:
        # The pickers narrow whatever the free text says, `OR` included.
        terms.append(f"({free})" if terms and _HAS_OR.search(free) else free)
    text = " ".join(terms)
    return text, (parse_criteria_text(text) if text else None)


def _builder_header(values: dict[str, Any], errors: dict[str, str], tr: Translator) -> dict[str, str | date]:
    """The header fields the user filled in (an empty one keeps the segment's default); a date
    that is not one goes into ``errors``."""
    fields: dict[str, str | date] = {}
    for field in HEADER_LABELS:
        state = values.get(HEADER_PREFIX + field, {}).get(VALUE_ACTION, {})
        if field == "date":
            # Slack's date picker sends YYYY-MM-DD, or nothing.
            if state.get("selected_date"):
                try:
                    fields[field] = date.fromisoformat(str(state["selected_date"]))
                except ValueError:
                    errors[HEADER_PREFIX + field] = tr._("Pick a date from the calendar.")
            continue
        chosen = (state.get("selected_option") or {}).get("value") or state.get("value")
        if chosen and str(chosen).strip():
            fields[field] = str(chosen).strip()
    return fields


def _builder_options(values: dict[str, Any]) -> ActionOptions:
    selected = _selected(values, OPTIONS_BLOCK)
    return ActionOptions(**{name: True for name in ADD_OPTION_LABELS if name in selected})


_HAS_OR = re.compile(r"\bor\b", re.IGNORECASE)
_BARE_VALUE = re.compile(r"^[\w@.+/-]+$")


def _criteria_value(value: str) -> str:
    """``value`` as the criteria language writes it: bare when it can be, quoted otherwise."""
    if _BARE_VALUE.match(value) and ".." not in value and not value.startswith("-"):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _input(values: dict[str, Any], block_id: str) -> str | None:
    value = values.get(block_id, {}).get(VALUE_ACTION, {}).get("value")
    return str(value) if value is not None else None


def _selected(values: dict[str, Any], block_id: str) -> set[str]:
    return set(_selected_in_order(values, block_id))


def _selected_in_order(values: dict[str, Any], block_id: str) -> list[str]:
    chosen = values.get(block_id, {}).get(VALUE_ACTION, {}).get("selected_options") or []
    return [str(option.get("value")) for option in chosen if option.get("value")]


def register(registry: Registry) -> None:
    verbs.register(registry)
    registry.register_view(NEW_SEGMENT_CALLBACK, submit_new_segment)
    registry.register_view_change(NEW_SEGMENT_CALLBACK, update_builder)
    registry.register_options(NEW_SEGMENT_CALLBACK, builder_options)
