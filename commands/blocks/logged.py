"""Logged segments as messages: the log preview, the Logged Segments page, one logged segment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, DividerBlock, HeaderBlock, SectionBlock

from commands.blocks.contacts import build_pager
from commands.blocks.limits import (
    MAX_MESSAGE_BLOCKS,
    clip,
    clip_header,
    clip_section,
    escape_mrkdwn,
    note,
    pack_sections,
)
from commands.i18n import ENGLISH, Translator
from storage.service.types import InteractionPage, InteractionRow, LoggedSegmentInfo, LogPlan

if TYPE_CHECKING:
    # Named in annotations only.
    from slack_sdk.models.blocks import Block

LOG_CONFIRM_ACTION = "segbot:log-confirm"
LOG_CANCEL_ACTION = "segbot:log-cancel"
_DESCRIPTION_CHARS = 80
_LIST_LINES = 40


def interactions_count(n: int, *, tr: Translator = ENGLISH) -> str:
    return tr.ngettext("{n} interaction", "{n} interactions", n)


def log_target(plan: LogPlan, key: str) -> dict[str, Any]:
    """What the Confirm button carries: exactly what the preview said will be logged."""
    return {
        "s": plan.segment_no,
        "t": plan.template_code,
        "d": plan.interaction_date.isoformat(),
        "c": plan.campaign_no,
        "j": plan.subject,
        "f": int(plan.follow_up),
        "v": plan.segment_version,
        "k": key,
    }


def build_log_preview_blocks(plan: LogPlan, key: str, *, tr: Translator = ENGLISH) -> list[Block]:
    """What logging will write (count, template, date, campaign), earlier logs, then Confirm/Cancel."""
    title = tr._("Log {segment_no} {description}?", segment_no=plan.segment_no, description=plan.description)
    summary = tr._(
        "This logs *{interactions}*, one per contact, with template *{template}*, dated {date}.",
        interactions=interactions_count(plan.interactions, tr=tr),
        template=escape_mrkdwn(plan.template_code),
        date=tr.date(plan.interaction_date),
    )
    details = [summary]
    if plan.campaign_no:
        details.append(
            tr.ngettext(
                "Campaign *{campaign}*: {n} campaign entry.",
                "Campaign *{campaign}*: {n} campaign entries.",
                plan.interactions,
                campaign=escape_mrkdwn(plan.campaign_no),
            )
        )
    else:
        details.append(tr._("No campaign."))
    if plan.subject:
        details.append(tr._("Subject: {subject}", subject=escape_mrkdwn(clip(plan.subject, 200))))
    if plan.follow_up:
        details.append(tr._("A follow-up segment with the same contacts is created too."))
    blocks: list[Block] = [
        HeaderBlock(text=clip_header(title)),
        SectionBlock(text=clip_section("\n".join(details))),
    ]
    if plan.logged_before:
        last = plan.logged_before[-1]
        on = last.interaction_date or (last.created_at.date() if last.created_at else plan.interaction_date)
        warning = tr.ngettext(
            ":warning: {segment_no} was logged before, {n} time: as *{logged_no}* on {date} "
            "({interactions}).",
            ":warning: {segment_no} was logged before, {n} times; the last as *{logged_no}* on {date} "
            "({interactions}).",
            len(plan.logged_before),
            segment_no=plan.segment_no,
            logged_no=last.no,
            date=tr.date(on),
            interactions=interactions_count(last.interactions, tr=tr),
        )
        blocks.append(SectionBlock(text=clip_section(warning)))
    value = json.dumps(log_target(plan, key), separators=(",", ":"))
    blocks.append(DividerBlock())
    blocks.append(
        ActionsBlock(
            block_id="decision",
            elements=[
                ButtonElement(
                    text=tr._("Confirm"), action_id=LOG_CONFIRM_ACTION, value=value, style="primary"
                ),
                ButtonElement(text=tr._("Cancel"), action_id=LOG_CANCEL_ACTION, value=plan.segment_no),
            ],
        )
    )
    return blocks


def logged_text(info: LoggedSegmentInfo, *, restored: bool = False, tr: Translator = ENGLISH) -> str:
    """What logging, canceling, or undoing a cancellation did, in a sentence."""
    params = {
        "logged_no": info.no,
        "segment_no": info.segment_no,
        "interactions": interactions_count(info.interactions, tr=tr),
        "template": escape_mrkdwn(info.template_code),
    }
    if restored:
        text = tr._(
            "Cancellation undone: logged segment *{logged_no}* of {segment_no} counts again, "
            "{interactions} ({template}).",
            **params,
        )
    elif info.canceled:
        text = tr._(
            "Canceled logged segment *{logged_no}* of {segment_no}: {interactions} ({template}).", **params
        )
    elif info.already_logged:
        text = tr._(
            "{segment_no} was already logged from this preview as *{logged_no}*; nothing was logged again.",
            **params,
        )
    else:
        text = tr._(
            "Logged *{segment_no}* as *{logged_no}*: {interactions} with template *{template}*.", **params
        )
        if info.campaign_no:
            text += " " + tr.ngettext(
                "Campaign *{campaign}*: {n} campaign entry.",
                "Campaign *{campaign}*: {n} campaign entries.",
                info.campaign_entries,
                campaign=escape_mrkdwn(info.campaign_no),
            )
    if info.follow_up_segment_no:
        text += " " + tr._("Follow-up segment: *{segment_no}*.", segment_no=info.follow_up_segment_no)
    return text


def logged_line(info: LoggedSegmentInfo, *, tr: Translator = ENGLISH) -> str:
    """``*LSEG00001* · SEG00001 Description · 1 Dec 2026 · @ana · 40 interactions · ...``"""
    parts = [
        f"*{info.no}*",
        f"{info.segment_no} {escape_mrkdwn(clip(info.description, _DESCRIPTION_CHARS))}",
    ]
    if info.interaction_date:
        parts.append(tr.date(info.interaction_date))
    if info.user_id:
        parts.append(f"<@{info.user_id}>")
    parts.append(interactions_count(info.interactions, tr=tr))
    entries = tr.ngettext("{n} campaign entry", "{n} campaign entries", info.campaign_entries)
    parts.append(f"{entries} ({escape_mrkdwn(info.campaign_no)})" if info.campaign_no else entries)
    if info.canceled:
        parts.append(tr._("*canceled*"))
    return " · ".join(parts)


def build_logged_list_blocks(found: Sequence[LoggedSegmentInfo], *, tr: Translator = ENGLISH) -> list[Block]:
    """The Logged Segments page: one line each, the latest first."""
    if not found:
        return [SectionBlock(text=tr._("No logged segments yet. `/segment log SEG00001` logs one."))]
    blocks: list[Block] = [HeaderBlock(text=tr._("Logged segments ({count})", count=len(found)))]
    blocks.extend(pack_sections([logged_line(info, tr=tr) for info in found[:_LIST_LINES]]))
    if len(found) > _LIST_LINES:
        blocks.append(note(tr._("{count} older ones not shown.", count=len(found) - _LIST_LINES)))
    return blocks[:MAX_MESSAGE_BLOCKS]


def interaction_line(row: InteractionRow, *, tr: Translator = ENGLISH) -> str:
    """``CT000001 Name · EMAIL · 1 Dec 2026 · Description · Positive``"""
    parts = [
        f"*{escape_mrkdwn(clip(row.contact_no, 30))}* {escape_mrkdwn(clip(row.contact_name, 80))}",
        escape_mrkdwn(row.template_code),
        tr.date(row.date),
    ]
    if row.description:
        parts.append(escape_mrkdwn(clip(row.description, 80)))
    if row.campaign_no:
        parts.append(escape_mrkdwn(row.campaign_no))
    if row.evaluation:
        parts.append(escape_mrkdwn(row.evaluation))
    if row.canceled:
        parts.append(tr._("canceled"))
    return " · ".join(parts)


def build_logged_show_blocks(
    info: LoggedSegmentInfo, page: InteractionPage, *, tr: Translator = ENGLISH
) -> list[Block]:
    """One logged segment: what it logged, then a page of its interactions with paging."""
    blocks: list[Block] = [
        HeaderBlock(text=clip_header(f"{info.no} · {info.segment_no} {info.description}")),
        SectionBlock(text=clip_section(logged_line(info, tr=tr))),
    ]
    if page.rows:
        blocks.extend(pack_sections([interaction_line(row, tr=tr) for row in page.rows]))
        first = (page.page - 1) * page.page_size + 1
        blocks.append(
            note(
                tr._(
                    "Interactions {first}-{last} of {total} · page {page} of {pages}",
                    first=first,
                    last=first + len(page.rows) - 1,
                    total=page.total,
                    page=page.page,
                    pages=page.pages,
                )
            )
        )
    else:
        blocks.append(SectionBlock(text=tr._("Its interactions were deleted.")))
    blocks.extend(build_pager({"l": info.no}, page, block_id="pager", tr=tr))
    return blocks
