"""The modal `/segment new` opens: description, criteria and the Add options."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

NEW_SEGMENT_CALLBACK = "segbot:new"
DESCRIPTION_BLOCK = "description"
CRITERIA_BLOCK = "criteria"
OPTIONS_BLOCK = "options"
VALUE_ACTION = "value"

ADD_OPTIONS = {
    "expand_companies": "Also add every person of a matched company (--expand-companies)",
    "related_companies": "Also add the company of a matched person (--related-companies)",
    "ignore_exclusion": "Include contacts excluded from segments (--ignore-exclusion)",
}


def build_new_segment_modal(*, channel_id: str | None) -> View:
    """The form; ``private_metadata`` carries the channel the command came from, for the preview."""
    return View(
        type="modal",
        callback_id=NEW_SEGMENT_CALLBACK,
        title="New segment",
        submit="Preview",
        close="Cancel",
        private_metadata=channel_id or "",
        blocks=[
            InputBlock(
                block_id=DESCRIPTION_BLOCK,
                label="Description",
                element=PlainTextInputElement(
                    action_id=VALUE_ACTION, max_length=200, placeholder="Retail customers in Berlin"
                ),
            ),
            InputBlock(
                block_id=CRITERIA_BLOCK,
                label="Criteria",
                optional=True,
                hint="e.g. industry:retail city:berlin -email:*  (leave empty for an empty segment)",
                element=PlainTextInputElement(action_id=VALUE_ACTION, multiline=True),
            ),
            InputBlock(
                block_id=OPTIONS_BLOCK,
                label="Options",
                optional=True,
                element=CheckboxesElement(
                    action_id=VALUE_ACTION,
                    options=[Option(value=value, text=label) for value, label in ADD_OPTIONS.items()],
                ),
            ),
        ],
    )
