"""A comparison's parts as buttons; one part's contacts with paging and "New segment from this"."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock

from commands.blocks.contacts import build_contact_blocks, pager_buttons
from commands.blocks.limits import clip, clip_header
from commands.i18n import ENGLISH, Translator
from storage.service.compare import BOTH, ONLY_A
from storage.service.types import Comparison, Page

COMPARE_LIST_ACTION = "segbot:compare:list"
COMPARE_NEW_ACTION = "segbot:compare:new"


def part_title(a: str, b: str, side: str, *, tr: Translator = ENGLISH) -> str:
    """``In both SEG1 and SEG2`` / ``Only in SEG1, not in SEG2``."""
    if side == BOTH:
        return tr._("In both {a} and {b}", a=a, b=b)
    mine, theirs = (a, b) if side == ONLY_A else (b, a)
    return tr._("Only in {a}, not in {b}", a=mine, b=theirs)


def part_criteria(a: str, b: str, side: str) -> str:
    """The criteria that define a part, so a refresh of a segment made from it keeps it right."""
    if side == BOTH:
        return f"segment:{a} segment:{b}"
    mine, theirs = (a, b) if side == ONLY_A else (b, a)
    return f"segment:{mine} -segment:{theirs}"


def _value(a: str, b: str, side: str, **more: Any) -> str:
    return json.dumps({"a": a, "b": b, "w": side, **more}, separators=(",", ":"))


def build_part_buttons(c: Comparison, *, tr: Translator = ENGLISH) -> ActionsBlock:
    """``Both``, ``Only in A``, ``Only in B``: each lists those contacts."""
    labels = ((BOTH, tr._("Both")), ("a", tr._("Only in {no}", no=c.a)), ("b", tr._("Only in {no}", no=c.b)))
    return ActionsBlock(
        block_id="compare-parts",
        elements=[
            ButtonElement(
                text=clip(label, 75),
                action_id=f"{COMPARE_LIST_ACTION}:{side}",
                value=_value(c.a, c.b, side, p=1),
            )
            for side, label in labels
        ],
    )


def build_part_blocks(a: str, b: str, side: str, page: Page, *, tr: Translator = ENGLISH) -> list[Block]:
    """The part's title, a page of its contacts, Previous/Next, and ``New segment from this``."""
    blocks: list[Block] = [HeaderBlock(text=clip_header(part_title(a, b, side, tr=tr)))]
    blocks += build_contact_blocks(page, tr=tr)
    target = {"a": a, "b": b, "w": side, "n": 1}
    buttons = pager_buttons(target, page, action=COMPARE_LIST_ACTION, tr=tr)
    if page.total:
        buttons.append(
            ButtonElement(
                text=tr._("New segment from this"), action_id=COMPARE_NEW_ACTION, value=_value(a, b, side)
            )
        )
    if buttons:
        blocks.append(ActionsBlock(block_id="compare-part-actions", elements=buttons))
    return blocks
