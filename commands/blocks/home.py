"""The App Home tab: the user's segments with their sizes, last change and a Show button each."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    SectionBlock,
)
from slack_sdk.models.views import View

from commands.blocks.limits import MAX_VIEW_BLOCKS, clip, escape_mrkdwn, note
from commands.blocks.preview import contacts_count
from commands.blocks.segments import slack_time
from commands.i18n import ENGLISH, Translator
from storage.service.types import SegmentInfo

SHOW_ACTION = "segbot:show"
_DESCRIPTION_CHARS = 200


def build_home_blocks(segments: Sequence[SegmentInfo], *, tr: Translator = ENGLISH) -> list[Block]:
    """Header, one section per segment (most recently changed first), and a note on any left out."""
    blocks: list[Block] = [
        HeaderBlock(text=tr._("Your segments")),
        note(tr._('Create one with `/segment new "Description" industry:retail`; `/segment help` for more.')),
        DividerBlock(),
    ]
    if not segments:
        blocks.append(SectionBlock(text=tr._("You have no segments yet.")))
        return blocks
    ordered = sorted(segments, key=lambda s: s.updated_at, reverse=True)
    room = MAX_VIEW_BLOCKS - len(blocks) - 1
    for info in ordered[:room]:
        description = escape_mrkdwn(clip(info.description, _DESCRIPTION_CHARS))
        blocks.append(
            SectionBlock(
                block_id=f"segment-{info.no}",
                text=f"*{info.no}* {description}\n"
                + tr._(
                    "{size} · changed {changed}",
                    size=contacts_count(info.size, tr=tr),
                    changed=slack_time(info.updated_at),
                ),
                accessory=ButtonElement(
                    text=tr._("Show"), action_id=f"{SHOW_ACTION}:{info.no}", value=info.no
                ),
            )
        )
    if len(ordered) > room:
        more = len(ordered) - room
        text = tr._("{count} older segments not shown; `/segment list mine` lists them all.", count=more)
        blocks.append(note(text))
    return blocks


def build_home(segments: Sequence[SegmentInfo], *, tr: Translator = ENGLISH) -> View:
    """The App Home view of ``segments``."""
    return View(type="home", blocks=build_home_blocks(segments, tr=tr))
