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
from commands.i18n import ENGLISH, N_, Translator
from commands.options import FLAG_FIELDS, option_flags
from storage.criteria.ast import to_text
from storage.service.types import (
    LOGGED_SEGMENT_OPTION,
    ActionOptions,
    ActionResult,
    JournalEntry,
    Page,
    Preview,
    Step,
)

CONFIRM_ACTION = "segbot:confirm"
CANCEL_ACTION = "segbot:cancel"
# Which list of a two-way preview a pager turns ("w" in its value); the other list's page rides
# along ("e" or "l") so the redraw keeps it where it was.
ENTERING = 1
LEAVING = -1

# Business Central's names of the actions (Italian: Aggiungi contatti, Riduci contatti, ...).
_VERB_LABELS = {
    "add": N_("Add"),
    "reduce": N_("Reduce"),
    "refine": N_("Refine"),
    "include": N_("Include"),
    "remove": N_("Remove"),
    "reuse": N_("Reuse"),
    "refresh": N_("Refresh"),
    "undo": N_("Undo"),
}
_CRITERIA_ECHO_CHARS = 1000


def kind_label(kind: str, *, tr: Translator = ENGLISH) -> str:
    """The action's name as the reader's Business Central calls it."""
    label = _VERB_LABELS.get(kind)
    return tr._(label) if label else kind.capitalize()


def contacts_count(n: int, *, tr: Translator = ENGLISH) -> str:
    """``1 contact``, ``1,234 contacts`` (``1.234 contatti``)."""
    return tr.ngettext("{n} contact", "{n} contacts", n)


def change_criteria(change: Preview | JournalEntry, *, tr: Translator = ENGLISH) -> str | None:
    """What a change asked for, as its preview and its journal line quote it (its own flags aside).

    ``RETAIL: add industry:RETAIL --expand-companies; refine country:DK`` for a reuse,
    ``contacts of LSEG00001`` for the include of a logged segment, else the criteria's text.
    """
    source = change.source
    if source.saved_code is not None:
        return f"{source.saved_code}: " + "; ".join(step_text(step, tr=tr) for step in source.steps)
    if source.logged_segment_no is not None:
        return tr._("contacts of {logged_no}", logged_no=source.logged_segment_no)
    return change.criteria_text


def step_text(step: Step, *, tr: Translator = ENGLISH) -> str:
    """``add industry:RETAIL --expand-companies``: one step of a reuse, as the user would type it."""
    if step.criteria is not None:
        return " ".join([step.kind, to_text(step.criteria), *option_flags(step.options)])
    if LOGGED_SEGMENT_OPTION in step.options:
        return f"{step.kind} " + tr._(
            "contacts of {logged_no}", logged_no=step.options[LOGGED_SEGMENT_OPTION]
        )
    return f"{step.kind} " + " ".join(step.contact_nos or ())


def describe_change(kind: str, added: int, removed: int, *, tr: Translator = ENGLISH) -> str:
    """``Add will add 1,234 contacts``; both directions when a refresh or reuse moves both ways."""
    label = kind_label(kind, tr=tr)
    if added and removed:
        return tr._(
            "{action} will add {added} and remove {removed}",
            action=label,
            added=contacts_count(added, tr=tr),
            removed=contacts_count(removed, tr=tr),
        )
    if removed:
        return tr._("{action} will remove {removed}", action=label, removed=contacts_count(removed, tr=tr))
    return tr._("{action} will add {added}", action=label, added=contacts_count(added, tr=tr))


def segment_title(segment_no: str, description: str) -> str:
    return clip_header(f"{segment_no} {description}".strip())


def build_preview_blocks(
    preview: Preview,
    *,
    description: str,
    page: Page | None = None,
    criteria_text: str | None = None,
    tr: Translator = ENGLISH,
) -> list[Block]:
    """Header, what will change, the criteria, a page of the affected contacts, paging, Confirm/Cancel."""
    page = page or preview.first_page
    criteria = criteria_text if criteria_text is not None else change_criteria(preview, tr=tr)
    target = _pending_target(preview, criteria)
    lists = None
    if preview.entering is not None and preview.leaving is not None and (preview.added or preview.removed):
        lists = build_two_way_lists(preview.entering, preview.leaving, target, tr=tr)
    return build_decision_blocks(
        title=segment_title(preview.segment_no, description),
        summary=change_summary(
            preview.kind, preview.added, preview.removed, size_before=preview.size_before, tr=tr
        ),
        echo=_criteria_echo(criteria, preview.options),
        page=page,
        pager_target=target,
        confirm=(CONFIRM_ACTION, preview.pending_id),
        cancel=(CANCEL_ACTION, preview.pending_id),
        tr=tr,
        lists=lists,
    )


def build_two_way_lists(
    entering: Page, leaving: Page, target: dict[str, Any], *, tr: Translator = ENGLISH
) -> list[Block]:
    """*Entering* and *Leaving*, each labelled with its count, a page of its contacts and its own pager.

    ``target`` names the preview; each pager adds which list it turns and the other list's page.
    """
    blocks: list[Block] = []
    # Leave room for the header, summary, echo, divider and buttons around the two lists.
    share = (MAX_MESSAGE_BLOCKS - 6) // 2
    for label, page, which, other in (
        (tr._("Entering"), entering, ENTERING, {"l": leaving.page}),
        (tr._("Leaving"), leaving, LEAVING, {"e": entering.page}),
    ):
        suffix = "entering" if which == ENTERING else "leaving"
        pager = build_pager({**target, "w": which, **other}, page, block_id=f"pager-{suffix}", tr=tr)
        rows = build_contact_blocks(page, empty_text=tr._("Nobody."), tr=tr)
        heading = SectionBlock(text=f"*{escape_mrkdwn(label)}* ({tr.number(page.total)})")
        blocks.extend([heading, *rows[: share - 1 - len(pager)], *pager])
    return blocks


def two_way_pages(target: dict[str, Any], page: int) -> tuple[int, int] | None:
    """The (entering, leaving) pages a two-way pager asks for, or None for a one-list pager."""
    if "w" not in target:
        return None
    which = int(target.pop("w"))
    entering, leaving = int(target.pop("e", 1)), int(target.pop("l", 1))
    return (page, leaving) if which == ENTERING else (entering, page)


def change_summary(kind: str, added: int, removed: int, *, size_before: int, tr: Translator = ENGLISH) -> str:
    """``*Add will add 12 contacts* (size 30 → 42).``"""
    if not added and not removed:
        return tr._(
            "*{action} changes nothing*: no contact would enter or leave.", action=kind_label(kind, tr=tr)
        )
    return tr._(
        "*{change}* (size {before} → {after}).",
        change=describe_change(kind, added, removed, tr=tr),
        before=size_before,
        after=size_before + added - removed,
    )


def build_decision_blocks(
    *,
    title: str,
    summary: str,
    echo: str,
    page: Page,
    pager_target: dict[str, Any],
    confirm: tuple[str, str],
    cancel: tuple[str, str],
    tr: Translator = ENGLISH,
    lists: list[Block] | None = None,
) -> list[Block]:
    """The layout of every preview: what will change, a page of whom, paging, then Confirm/Cancel.

    ``lists`` (from ``build_two_way_lists``) replaces the one list of ``page`` and its pager.
    """
    blocks: list[Block] = [HeaderBlock(text=clip_header(title)), SectionBlock(text=clip_section(summary))]
    if echo:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip_section(echo))]))
    decision = ActionsBlock(
        block_id="decision",
        elements=[
            ButtonElement(text=tr._("Confirm"), action_id=confirm[0], value=confirm[1], style="primary"),
            ButtonElement(text=tr._("Cancel"), action_id=cancel[0], value=cancel[1]),
        ],
    )
    if lists is not None:
        return [*blocks, *lists[: MAX_MESSAGE_BLOCKS - len(blocks) - 2], DividerBlock(), decision]
    contact_blocks = build_contact_blocks(page, empty_text=tr._("No contacts are affected."), tr=tr)
    pager = build_pager(pager_target, page, block_id="pager", tr=tr)
    room = MAX_MESSAGE_BLOCKS - len(blocks) - len(pager) - 2
    return [*blocks, *contact_blocks[:room], *pager, DividerBlock(), decision]


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
    options = ActionOptions(**{field: True for flag, field in FLAG_FIELDS.items() if flag in flags})
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


def build_outcome_blocks(
    result: ActionResult, *, description: str, user_id: str, tr: Translator = ENGLISH
) -> list[Block]:
    """What a confirmed change did, for the channel: who, what, and the segment's new size."""
    text = outcome_text(result, description=description, user_id=user_id, tr=tr)
    return [SectionBlock(text=clip_section(text))]


def outcome_text(result: ActionResult, *, description: str, user_id: str, tr: Translator = ENGLISH) -> str:
    """``@ana applied *Add* to *SEG00001 Retail*: added 12 contacts. New size: *42*.``"""
    if not (result.added or result.removed):
        change = tr._("nobody entered or left")
    elif result.added and result.removed:
        change = tr._(
            "added {added} and removed {removed}",
            added=contacts_count(result.added, tr=tr),
            removed=contacts_count(result.removed, tr=tr),
        )
    elif result.removed:
        change = tr._("removed {removed}", removed=contacts_count(result.removed, tr=tr))
    else:
        change = tr._("added {added}", added=contacts_count(result.added, tr=tr))
    title = escape_mrkdwn(clip(f"{result.segment_no} {description}".strip(), 200))
    return tr._(
        "<@{user}> applied *{action}* to *{title}*: {change}. New size: *{size}*.",
        user=user_id,
        action=kind_label(result.kind, tr=tr),
        title=title,
        change=change,
        size=result.size_after,
    )
