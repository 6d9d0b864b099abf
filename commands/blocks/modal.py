"""The segment builder `/segment new` opens: description, pickers filled from the workspace's own
values, free criteria, the Add options, a live count under them, and the optional segment header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    ExternalDataMultiSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.blocks.basic_components import DispatchActionConfig
from slack_sdk.models.views import View

from commands.blocks.limits import clip, escape_mrkdwn
from commands.i18n import ENGLISH, N_, Translator
from commands.options import ADD_OPTION_LABELS
from storage.service.matches import FieldValue, MatchCount

NEW_SEGMENT_CALLBACK = "segbot:new"
DESCRIPTION_BLOCK = "description"
CRITERIA_BLOCK = "criteria"
OPTIONS_BLOCK = "options"
COUNT_BLOCK = "count"
COUNT_CRITERIA_BLOCK = "count_criteria"
VALUE_ACTION = "value"
# Picker blocks are named after the criteria field they fill: `pick:industry` -> industry:A,B.
PICKER_PREFIX = "pick:"
# Header inputs are named after the header field they set: `header:campaign`.
HEADER_PREFIX = "header:"
HEADER_INTRO_BLOCK = "header_intro"

# Slack's limit for the options of a static select; longer lists are searched as the user types.
MAX_STATIC_OPTIONS = 100
_OPTION_TEXT = 75
_HINT = 2000

PICKER_LABELS = {
    "industry": N_("Industry"),
    "country": N_("Country"),
    "city": N_("City"),
    "relation": N_("Business relation"),
    "mailing": N_("Mailing group"),
    "job": N_("Job responsibility"),
    "salesperson": N_("Salesperson"),
    "territory": N_("Territory"),
}

# The header fields the builder sets, in the order of Business Central's segment header. Campaign
# and template are pickers when the workspace has few enough; the others are typed.
HEADER_LABELS = {
    "salesperson": N_("Salesperson code"),
    "date": N_("Date"),
    "campaign": N_("Campaign"),
    "template": N_("Interaction template"),
    "language": N_("Language code"),
    "subject": N_("Subject"),
}
HEADER_PICKERS = ("campaign", "template")
# The longest value each typed field takes (the segment's columns).
_HEADER_MAX_LENGTH = {"salesperson": 40, "campaign": 20, "template": 40, "language": 10, "subject": 200}

_CRITERIA_HINT = N_("e.g. industry:retail city:berlin -email:*  (leave empty for an empty segment)")


@dataclass(frozen=True)
class Picker:
    """A field's picker: its values, or None when there are too many to list (searched as typed)."""

    field: str
    choices: tuple[FieldValue, ...] | None


def build_new_segment_modal(
    *,
    channel_id: str | None,
    pickers: Sequence[Picker] = (),
    header_choices: Mapping[str, tuple[FieldValue, ...] | None] | None = None,
    tr: Translator = ENGLISH,
) -> View:
    """The builder; ``private_metadata`` carries the channel the command came from, for the preview.

    Every input but the description and the header dispatches its changes, so the count under them
    follows. ``header_choices`` gives the campaigns and templates to pick from (None: too many, typed
    instead; empty or left out: the workspace has none, so the input is left out).
    """
    blocks: list[Block] = [
        InputBlock(
            block_id=DESCRIPTION_BLOCK,
            label=tr._("Description"),
            element=PlainTextInputElement(
                action_id=VALUE_ACTION, max_length=200, placeholder=tr._("Retail customers in Berlin")
            ),
        ),
    ]
    blocks.extend(_picker_block(picker, tr) for picker in pickers if picker.choices != ())
    blocks.extend(
        [
            _criteria_block(tr, error=None),
            InputBlock(
                block_id=OPTIONS_BLOCK,
                label=tr._("Options"),
                optional=True,
                dispatch_action=True,
                element=CheckboxesElement(
                    action_id=VALUE_ACTION,
                    options=[
                        Option(value=value, text=tr._(label)) for value, label in ADD_OPTION_LABELS.items()
                    ],
                ),
            ),
            *build_count_blocks(None, criteria_text="", tr=tr),
        ]
    )
    blocks.extend(_header_blocks(header_choices or {}, tr))
    return View(
        type="modal",
        callback_id=NEW_SEGMENT_CALLBACK,
        title=tr._("New segment"),
        submit=tr._("Preview"),
        close=tr._("Cancel"),
        private_metadata=channel_id or "",
        blocks=blocks,
    )


def build_builder_update(
    view: dict[str, Any],
    *,
    count: MatchCount | None,
    criteria_text: str,
    criteria_error: str | None = None,
    tr: Translator = ENGLISH,
) -> View:
    """``view`` (the builder as Slack sent it back) with a new count and the criteria box's error.

    The inputs keep their block and action ids, so Slack keeps what the user entered in them.
    """
    counted = build_count_blocks(count, criteria_text=criteria_text, failed=criteria_error is not None, tr=tr)
    blocks: list[Block | dict[str, Any]] = []
    for block in view.get("blocks") or []:
        block_id = block.get("block_id")
        if block_id in (COUNT_BLOCK, COUNT_CRITERIA_BLOCK):
            continue
        blocks.append(_criteria_block(tr, error=criteria_error) if block_id == CRITERIA_BLOCK else block)
        if block_id == OPTIONS_BLOCK:
            # Under the options, above the header: the count is about the criteria.
            blocks.extend(counted)
            counted = []
    blocks.extend(counted)
    return View(
        type="modal",
        callback_id=str(view.get("callback_id") or NEW_SEGMENT_CALLBACK),
        title=view.get("title") or tr._("New segment"),
        submit=view.get("submit") or tr._("Preview"),
        close=view.get("close") or tr._("Cancel"),
        private_metadata=str(view.get("private_metadata") or ""),
        blocks=blocks,
    )


def build_count_blocks(
    count: MatchCount | None, *, criteria_text: str, failed: bool = False, tr: Translator = ENGLISH
) -> list[Block]:
    """ "1,234 contacts match: first names", and the criteria the inputs make, so users learn them."""
    if failed:
        text = tr._("Fix the criteria to see how many contacts match.")
    elif count is None:
        text = tr._("Choose values or type criteria to see how many contacts match.")
    else:
        text = "*" + tr.ngettext("{n} contact matches", "{n} contacts match", count.total) + "*"
        if count.first_names:
            names = ", ".join(escape_mrkdwn(clip(name, 60)) for name in count.first_names)
            more = "…" if count.total > len(count.first_names) else ""
            text += f": {names}{more}"
    blocks: list[Block] = [SectionBlock(block_id=COUNT_BLOCK, text=MarkdownTextObject(text=text))]
    if criteria_text:
        code = "`" + escape_mrkdwn(clip(criteria_text, 2900)) + "`"
        shown = tr._("Criteria: {criteria}", criteria=code)
        blocks.append(ContextBlock(block_id=COUNT_CRITERIA_BLOCK, elements=[MarkdownTextObject(text=shown)]))
    return blocks


def build_field_options(values: Sequence[FieldValue]) -> list[Option]:
    """Options of a picker: the value (what the criteria will say) and its description when it has one."""
    return [_option(value) for value in values[:MAX_STATIC_OPTIONS]]


def _picker_block(picker: Picker, tr: Translator) -> InputBlock:
    label = tr._(PICKER_LABELS.get(picker.field, picker.field))
    element: StaticMultiSelectElement | ExternalDataMultiSelectElement
    if picker.choices is None:
        element = ExternalDataMultiSelectElement(
            action_id=VALUE_ACTION, placeholder=tr._("Type to search"), min_query_length=0
        )
    else:
        element = StaticMultiSelectElement(
            action_id=VALUE_ACTION, placeholder=tr._("Any"), options=build_field_options(picker.choices)
        )
    return InputBlock(
        block_id=PICKER_PREFIX + picker.field,
        label=label,
        optional=True,
        dispatch_action=True,
        element=element,
    )


def _header_blocks(choices: Mapping[str, tuple[FieldValue, ...] | None], tr: Translator) -> list[Block]:
    blocks: list[Block] = [
        DividerBlock(block_id="header_divider"),
        ContextBlock(
            block_id=HEADER_INTRO_BLOCK,
            elements=[
                MarkdownTextObject(
                    text=tr._("*Header* (optional): defaults for the interactions logged from the segment.")
                )
            ],
        ),
    ]
    for field, label in HEADER_LABELS.items():
        element: DatePickerElement | StaticSelectElement | PlainTextInputElement
        if field == "date":
            element = DatePickerElement(action_id=VALUE_ACTION)
        elif field in HEADER_PICKERS and choices.get(field) is not None:
            listed = choices[field] or ()
            if not listed:
                # Nothing to name: any value would be refused.
                continue
            element = StaticSelectElement(
                action_id=VALUE_ACTION, placeholder=tr._("None"), options=build_field_options(listed)
            )
        elif field in HEADER_PICKERS and field not in choices:
            continue
        else:
            element = PlainTextInputElement(action_id=VALUE_ACTION, max_length=_HEADER_MAX_LENGTH[field])
        blocks.append(
            InputBlock(block_id=HEADER_PREFIX + field, label=tr._(label), optional=True, element=element)
        )
    return blocks


def _criteria_block(tr: Translator, *, error: str | None) -> InputBlock:
    # Slack shows a field's errors only in answer to a submission; while typing, the hint carries it.
    hint = clip(f"⚠️ {error}", _HINT) if error else tr._(_CRITERIA_HINT)
    return InputBlock(
        block_id=CRITERIA_BLOCK,
        label=tr._("Criteria"),
        optional=True,
        hint=hint,
        dispatch_action=True,
        element=PlainTextInputElement(
            action_id=VALUE_ACTION,
            multiline=True,
            dispatch_action_config=DispatchActionConfig(trigger_actions_on=["on_character_entered"]),
        ),
    )


def _option(value: FieldValue) -> Option:
    text = f"{value.value} – {value.description}" if value.description else value.value
    return Option(value=value.value[:150], text=clip(text, _OPTION_TEXT))
