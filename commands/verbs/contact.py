"""`contact CONTACT`: the contact's side, Business Central's Contact Card.

Fields and codes, the company of a person or the persons of a company, profile answers, the
segments the contact is in (each with a Show button) and its last five interactions.
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ButtonElement, DividerBlock, HeaderBlock, SectionBlock

from commands.arguments import reject_extra, split_first
from commands.blocks.home import SHOW_ACTION
from commands.blocks.limits import clip, clip_header, clip_section, escape_mrkdwn, note, pack_sections
from commands.common import workspace_session
from commands.context import CommandContext
from commands.i18n import ENGLISH, Translator, translator
from commands.registry import VerbGroup
from commands.reply import Reply
from storage.errors import ValidationError
from storage.service import contact_card
from storage.service.contact_card import CardInteraction, ContactCard

USAGE = "contact CONTACT"
_VALUE_CHARS = 200
_NAME_CHARS = 80
_LINE_CHARS = 300
# Profile answers listed on a card; a contact may answer any number of questions.
_MAX_ANSWERS = 30

verbs = VerbGroup()
register = verbs.register


@verbs.verb(USAGE, examples=("contact CT000001", "contact CT000002"))
def contact(text: str, ctx: CommandContext) -> Reply:
    """the contact card: fields, company or persons, profile answers, segments, last interactions"""
    token, extra = split_first(text)
    if not token:
        raise ValidationError("a contact number is missing. Usage: /segment {usage}", usage=USAGE)
    reject_extra(extra, usage=USAGE)
    with workspace_session(ctx) as (session, workspace_id):
        card = contact_card.contact_card(session, workspace_id, token)
    tr = translator(ctx.locale)
    blocks = build_contact_card_blocks(card, tr=tr)
    return Reply(text=f"{card.no} {card.name}"[:3000], blocks=tuple(blocks))


def _value(text: str) -> str:
    return escape_mrkdwn(clip(text, _VALUE_CHARS))


def _sections(lines: list[str]) -> list[Block]:
    """``lines``, each clipped, packed into as few sections as hold them."""
    return pack_sections(clip(line, _LINE_CHARS) for line in lines)


def interaction_line(entry: CardInteraction, *, tr: Translator = ENGLISH) -> str:
    """``30 Nov 2026 · *MEETING* · Kick-off meeting · positive · campaign C1``"""
    parts = [tr.date(entry.date), f"*{_value(entry.template)}*"]
    if entry.description:
        parts.append(_value(entry.description))
    if entry.evaluation:
        parts.append(_value(entry.evaluation))
    if entry.campaign_no:
        parts.append(tr._("campaign {campaign}", campaign=_value(entry.campaign_no)))
    line = " · ".join(parts)
    return f"~{line}~ ({tr._('canceled')})" if entry.canceled else line


def build_contact_card_blocks(card: ContactCard, *, tr: Translator = ENGLISH) -> list[Block]:
    """The card: at most 20 segment sections plus a dozen others, well inside a message's 50 blocks."""
    kind = tr._("Company") if card.type == "company" else tr._("Person")
    if card.company_no:
        kind = tr._(
            "Person at *{company}* ({company_no})",
            company=_value(card.company_name or ""),
            company_no=_value(card.company_no),
        )
    lines = [kind]
    lines.extend(f"{name}: {_value(value)}" for name, value in card.fields)
    lines.extend(f"{name}: {_value(', '.join(codes))}" for name, codes in card.codes if codes)
    blocks: list[Block] = [HeaderBlock(text=clip_header(f"{card.no} {card.name}")), *_sections(lines)]
    if card.type == "company":
        title = tr.ngettext("*{n} person*", "*{n} persons*", card.person_count)
        people = [f"{_value(no)} {escape_mrkdwn(clip(name, _NAME_CHARS))}" for no, name in card.persons]
        if card.person_count > len(card.persons):
            people.append(tr._("… and {n} more.", n=tr.number(card.person_count - len(card.persons))))
        blocks.extend(_sections([title, *people]))
    if card.answers:
        shown = card.answers[:_MAX_ANSWERS]
        answers = [f"profile.{_value(question)}: {_value(answer)}" for question, answer in shown]
        if len(card.answers) > len(shown):
            answers.append(tr._("… and {n} more.", n=tr.number(len(card.answers) - len(shown))))
        blocks.extend(_sections([tr._("*Profile*"), *answers]))
    blocks.append(DividerBlock())
    if card.segment_count:
        blocks.extend(_sections([tr.ngettext("*In {n} segment*", "*In {n} segments*", card.segment_count)]))
        for no, description in card.segments:
            blocks.append(
                SectionBlock(
                    text=clip_section(f"*{no}* {_value(description)}"),
                    accessory=ButtonElement(text=tr._("Show"), action_id=f"{SHOW_ACTION}:{no}", value=no),
                )
            )
        if card.segment_count > len(card.segments):
            more = tr.number(card.segment_count - len(card.segments))
            blocks.append(note(tr._("… and {n} more.", n=more)))
    else:
        blocks.extend(_sections([tr._("In no segment.")]))
    if card.interactions:
        lines = [interaction_line(entry, tr=tr) for entry in card.interactions]
        blocks.extend(_sections([tr._("*Last interactions*"), *lines]))
    else:
        blocks.extend(_sections([tr._("No interactions logged.")]))
    return blocks
