"""A page of contacts and the Next/Previous buttons that move through the rest."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock

from commands.blocks.limits import MAX_BUTTON_VALUE, clip, escape_mrkdwn, note, pack_sections
from commands.i18n import ENGLISH, Translator
from storage.service.types import ContactRow, InteractionPage, Page

PAGE_ACTION = "segbot:page"

# Per-column budgets keep one row under ~300 characters, so ten rows always fit one section.
_NAME_CHARS = 80
_COMPANY_CHARS = 60
_CITY_CHARS = 40
_EMAIL_CHARS = 80
_NO_CHARS = 30


def format_contact(row: ContactRow) -> str:
    """``*no* name · company · city · email`` with user data escaped and clipped."""
    parts = [f"*{escape_mrkdwn(clip(row.no, _NO_CHARS))}* {escape_mrkdwn(clip(row.name, _NAME_CHARS))}"]
    if row.company_name and row.company_name != row.name:
        parts.append(escape_mrkdwn(clip(row.company_name, _COMPANY_CHARS)))
    if row.city:
        parts.append(escape_mrkdwn(clip(row.city, _CITY_CHARS)))
    if row.email:
        parts.append(escape_mrkdwn(clip(row.email, _EMAIL_CHARS)))
    return " · ".join(parts)


def build_contact_blocks(
    page: Page, *, empty_text: str | None = None, tr: Translator = ENGLISH
) -> list[Block]:
    """The rows of ``page`` packed into as few sections as fit, then "contacts 11-20 of 1,234"."""
    if not page.rows:
        return [SectionBlock(text=empty_text or tr._("No contacts."))]
    blocks = pack_sections(format_contact(row) for row in page.rows)
    first = (page.page - 1) * page.page_size + 1
    last = first + len(page.rows) - 1
    blocks.append(
        note(
            tr._(
                "Contacts {first}-{last} of {total} · page {page} of {pages}",
                first=first,
                last=last,
                total=page.total,
                page=page.page,
                pages=page.pages,
            )
        )
    )
    return blocks


def page_value(target: dict[str, Any], page: int) -> str:
    """Compact JSON naming what is paged and the page to show; always within Slack's 2000 characters."""
    data = {**target, "p": page}
    value = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if len(value) > MAX_BUTTON_VALUE:
        # Only free text (a criteria echo) can grow; drop it rather than break the button.
        data.pop("t", None)
        value = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return value


def build_pager(
    target: dict[str, Any],
    page: Page | InteractionPage,
    *,
    block_id: str | None = None,
    tr: Translator = ENGLISH,
) -> list[Block]:
    """``Previous``/``Next`` buttons for ``page``, or nothing when everything fits one page."""
    buttons = pager_buttons(target, page, action=PAGE_ACTION, tr=tr)
    if not buttons:
        return []
    return [ActionsBlock(elements=buttons, block_id=block_id)]


def pager_buttons(
    target: dict[str, Any], page: Page | InteractionPage, *, action: str, tr: Translator = ENGLISH
) -> list[ButtonElement]:
    """``Previous`` and ``Next`` for ``page``, as far as there is a page to go to.

    Their ``action_id`` is ``action`` and ``:previous`` or ``:next``; their value ``target`` and the page.
    """
    buttons: list[ButtonElement] = []
    if page.page > 1:
        value = page_value(target, page.page - 1)
        buttons.append(ButtonElement(text=tr._("Previous"), action_id=f"{action}:previous", value=value))
    if page.page < page.pages:
        value = page_value(target, page.page + 1)
        buttons.append(ButtonElement(text=tr._("Next"), action_id=f"{action}:next", value=value))
    return buttons
