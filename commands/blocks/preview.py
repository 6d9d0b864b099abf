"""Previews of a change (with Confirm/Cancel) and the outcome once confirmed."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from commands.blocks.contacts import build_contact_blocks, build_pager
from commands.blocks.limits import MAX_MESSAGE_BLOCKS, clip, clip_header, clip_section, escape_mrkdwn
from storage.service.types import ActionOptions, ActionResult, Page, Preview

CONFIRM_ACTION = "segbot:confirm"
CANCEL_ACTION = "segbot:cancel"

_VERB_LABELS = {
    "add": "Add",
    "reduce": "Reduce",
    "refine": "Refine",
    "include": "Include",
    "remove": "Remove",
    "reuse": "Reuse",
    "refresh": "Refresh",
}
_OPTION_LABELS = {
    "expand_companies": "--expand-companies",
    "related_companies": "--related-companies",
    "ignore_exclusion": "--ignore-exclusion",
    "entire_companies": "--entire-companies",
}
_CRITERIA_ECHO_CHARS = 1000


def kind_label(kind: str) -> str:
    return _VERB_LABELS.get(kind, kind.capitalize())


def option_flags(options: ActionOptions) -> list[str]:
    return [flag for name, flag in _OPTION_LABELS.items() if getattr(options, name)]


def contacts_count(n: int) -> str:
    return f"{n:,} contact" if n == 1 else f"{n:,} contacts"


def describe_change(kind: str, added: int, removed: int) -> str:
    """``Add will add 1,234 contacts``; both directions when a refresh or reuse moves both ways."""
    label = kind_label(kind)
    if added and removed:
        return f"{label} will add {contacts_count(added)} and remove {contacts_count(removed)}"
    if removed:
        return f"{label} will remove {contacts_count(removed)}"
    return f"{label} will add {contacts_count(added)}"


def segment_title(segment_no: str, description: str) -> str:
    return clip_header(f"{segment_no} {description}".strip())


def build_preview_blocks(
    preview: Preview, *, description: str, page: Page | None = None, criteria_text: str | None = None
) -> list[Block]:
    """Header, what will change, the criteria, a page of the affected contacts, paging, Confirm/Cancel."""
    page = page or preview.first_page
    criteria = criteria_text if criteria_text is not None else preview.criteria_text
    return build_decision_blocks(
        title=segment_title(preview.segment_no, description),
        summary=change_summary(preview.kind, preview.added, preview.removed, size_before=preview.size_before),
        echo=_criteria_echo(criteria, preview.options),
        page=page,
        pager_target=_pending_target(preview, criteria),
        confirm=(CONFIRM_ACTION, preview.pending_id),
        cancel=(CANCEL_ACTION, preview.pending_id),
    )


def change_summary(kind: str, added: int, removed: int, *, size_before: int) -> str:
    """``*Add will add 12 contacts* (size 30 → 42).``"""
    if not added and not removed:
        return f"*{kind_label(kind)} changes nothing*: no contact would enter or leave."
    size_after = size_before + added - removed
    return f"*{describe_change(kind, added, removed)}* (size {size_before:,} → {size_after:,})."


def build_decision_blocks(
    *,
    title: str,
    summary: str,
    echo: str,
    page: Page,
    pager_target: dict[str, Any],
    confirm: tuple[str, str],
    cancel: tuple[str, str],
) -> list[Block]:
    """The layout of every preview: what will change, a page of whom, paging, then Confirm/Cancel."""
    blocks: list[Block] = [HeaderBlock(text=clip_header(title)), SectionBlock(text=clip_section(summary))]
    if echo:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip_section(echo))]))
    contact_blocks = build_contact_blocks(page, empty_text="No contacts are affected.")
    pager = build_pager(pager_target, page, block_id="pager")
    buttons = ActionsBlock(
        block_id="decision",
        elements=[
            ButtonElement(text="Confirm", action_id=confirm[0], value=confirm[1], style="primary"),
            ButtonElement(text="Cancel", action_id=cancel[0], value=cancel[1]),
        ],
    )
    room = MAX_MESSAGE_BLOCKS - len(blocks) - len(pager) - 2
    return [*blocks, *contact_blocks[:room], *pager, DividerBlock(), buttons]


def _criteria_echo(criteria: str | None, options: ActionOptions) -> str:
    parts = []
    if criteria:
        parts.append(f"`{escape_mrkdwn(clip(criteria, _CRITERIA_ECHO_CHARS))}`")
    parts.extend(f"`{flag}`" for flag in option_flags(options))
    return " ".join(parts)


def _pending_target(preview: Preview, criteria: str | None) -> dict[str, Any]:
    """What a preview's paging button must carry to redraw the preview around another page."""
    target: dict[str, Any] = {
        "id": preview.pending_id,
        "s": preview.segment_no,
        "k": preview.kind,
        "a": preview.added,
        "r": preview.removed,
        "b": preview.size_before,
        "o": option_flags(preview.options),
    }
    if criteria:
        target["t"] = clip(criteria, _CRITERIA_ECHO_CHARS)
    return target


def preview_from_target(target: dict[str, Any], page: Page) -> Preview:
    """Rebuild the preview a paging button was drawn from (see ``_pending_target``)."""
    flags = {str(f) for f in target.get("o") or []}
    options = ActionOptions(**{name: True for name, flag in _OPTION_LABELS.items() if flag in flags})
    criteria = target.get("t")
    return Preview(
        pending_id=str(target["id"]),
        segment_no=str(target["s"]),
        kind=str(target["k"]),
        criteria_text=str(criteria) if criteria else None,
        added=int(str(target["a"])),
        removed=int(str(target["r"])),
        size_before=int(str(target["b"])),
        first_page=page,
        options=options,
    )


def build_outcome_blocks(result: ActionResult, *, description: str, user_id: str) -> list[Block]:
    """What a confirmed change did, for the channel: who, what, and the segment's new size."""
    return [
        SectionBlock(text=clip_section(outcome_text(result, description=description, user_id=user_id))),
    ]


def outcome_text(result: ActionResult, *, description: str, user_id: str) -> str:
    changes = []
    if result.added or not result.removed:
        changes.append(f"added {contacts_count(result.added)}")
    if result.removed:
        changes.append(f"removed {contacts_count(result.removed)}")
    title = escape_mrkdwn(clip(f"{result.segment_no} {description}".strip(), 200))
    return (
        f"<@{user_id}> applied *{kind_label(result.kind)}* to *{title}*: {' and '.join(changes)}. "
        f"New size: *{result.size_after:,}*."
    )
