"""The modal `/segment new` opens: description, criteria and the Add options."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from commands.i18n import ENGLISH, N_, Translator

NEW_SEGMENT_CALLBACK = "segbot:new"
DESCRIPTION_BLOCK = "description"
CRITERIA_BLOCK = "criteria"
OPTIONS_BLOCK = "options"
VALUE_ACTION = "value"

ADD_OPTIONS = {
    "expand_companies": N_("Also add every person of a matched company (--expand-companies)"),
    "related_companies": N_("Also add the company of a matched person (--related-companies)"),
    "ignore_exclusion": N_("Include contacts excluded from segments (--ignore-exclusion)"),
}


def build_new_segment_modal(*, channel_id: str | None, tr: Translator = ENGLISH) -> View:
    """The form; ``private_metadata`` carries the channel the command came from, for the preview."""
    return View(
        type="modal",
        callback_id=NEW_SEGMENT_CALLBACK,
        title=tr._("New segment"),
        submit=tr._("Preview"),
        close=tr._("Cancel"),
        private_metadata=channel_id or "",
        blocks=[
            InputBlock(
                block_id=DESCRIPTION_BLOCK,
                label=tr._("Description"),
                element=PlainTextInputElement(
                    action_id=VALUE_ACTION, max_length=200, placeholder=tr._("Retail customers in Berlin")
                ),
            ),
            InputBlock(
                block_id=CRITERIA_BLOCK,
                label=tr._("Criteria"),
                optional=True,
                hint=tr._("e.g. industry:retail city:berlin -email:*  (leave empty for an empty segment)"),
                element=PlainTextInputElement(action_id=VALUE_ACTION, multiline=True),
            ),
            InputBlock(
                block_id=OPTIONS_BLOCK,
                label=tr._("Options"),
                optional=True,
                element=CheckboxesElement(
                    action_id=VALUE_ACTION,
                    options=[Option(value=value, text=tr._(label)) for value, label in ADD_OPTIONS.items()],
                ),
            ),
        ],
    )
