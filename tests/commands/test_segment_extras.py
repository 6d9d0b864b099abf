"""tag, contact and saved as verbs: Block Kit limits on huge data, usage errors, Italian."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from commands.registry import Registry
from storage.errors import NotAllowedError, NotFoundError, ValidationError
from storage.models import Contact, InteractionLogEntry, SavedCriteria, Segment, SegmentLine, Workspace
from tests.commands.conftest import as_user, assert_within_block_kit_limits, buttons, press, rendered

LONG = "Ж" + "x" * 199


@pytest.fixture
def huge_company(session_factory: sessionmaker[Session], workspace: Workspace) -> None:
    """A company with 5,000 long-named persons, in 80 segments, with 8 long interactions."""
    with session_factory.begin() as s:
        company = Contact(workspace_id=workspace.id, no="C0000001", type="company", name=LONG, city="C" * 100)
        s.add(company)
        s.flush()
        company.company_id = company.id
        s.execute(
            insert(Contact),
            [
                {
                    "workspace_id": workspace.id,
                    "no": f"P{i:07d}",
                    "type": "person",
                    "name": f"{LONG[:-8]}{i:08d}",
                    "company_id": company.id,
                    "company_no": "C0000001",
                    "exclude_from_segment": False,
                }
                for i in range(5000)
            ],
        )
        for n in range(1, 81):
            segment = Segment(
                workspace_id=workspace.id,
                no=f"SEG{n:05d}",
                description=LONG,
                owner_user_id="U1",
                created=date(2026, 1, 1),
            )
            s.add(segment)
            s.flush()
            s.add(SegmentLine(segment_id=segment.id, contact_id=company.id, workspace_id=workspace.id))
        for day in range(1, 9):
            s.add(
                InteractionLogEntry(
                    workspace_id=workspace.id,
                    contact_id=company.id,
                    template_code="T" * 40,
                    date=date(2026, 1, day),
                    description="d" * 200,
                    evaluation="e" * 20,
                    campaign_no="c" * 20,
                )
            )


def test_the_card_of_a_huge_company_fits_and_counts_what_it_leaves_out(
    registry: Registry, ctx, huge_company
) -> None:
    card = registry.dispatch("contact c0000001", ctx)

    assert_within_block_kit_limits(card)
    text = rendered(card)
    assert "5,000 persons" in text.replace("*", "")
    assert "… and 4,980 more." in text
    assert "In 80 segments" in text.replace("*", "")
    assert "… and 60 more." in text
    shown = press(registry, card, "Show", ctx)
    assert rendered(shown).startswith("SEG00020")  # the last Show button, that of the 20th segment


def test_hundreds_of_saved_criteria_fit_the_list(
    registry: Registry, ctx, session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    with session_factory.begin() as s:
        s.execute(
            insert(SavedCriteria),
            [
                {
                    "workspace_id": workspace.id,
                    "code": f"C{n:039d}",
                    "description": LONG,
                    "actions": [],
                    "user_id": "U1",
                }
                for n in range(600)
            ],
        )

    listed = registry.dispatch("saved", ctx)

    assert_within_block_kit_limits(listed)
    assert "and 120 more" in rendered(listed)


def test_tag_usage_mistakes_are_explained(registry: Registry, ctx) -> None:
    with pytest.raises(ValidationError, match="mailing group code is missing"):
        registry.dispatch("tag SEG00001", ctx)
    with pytest.raises(ValidationError, match="unexpected 'EXTRA'"):
        registry.dispatch("tag SEG00001 NEWS EXTRA", ctx)
    with pytest.raises(ValidationError, match="--replace"):
        registry.dispatch("tag SEG00001 NEWS --replcae", ctx)
    with pytest.raises(ValidationError, match="not a segment number"):
        registry.dispatch("tag NEWS SEG00001", ctx)


def test_a_tag_preview_and_its_outcome_read_in_italian(registry: Registry, ctx, crm) -> None:
    press(registry, registry.dispatch('new "Berlino" city:berlin', ctx), "Confirm", ctx)
    italian = dataclasses.replace(ctx, locale="it")

    preview = registry.dispatch("tag SEG00001 NEWS", italian)
    outcome = press(registry, preview, "Conferma", italian)

    assert "Applica gruppo mailing NEWS" in rendered(preview)
    assert set(buttons(preview)) == {"Conferma", "Annulla"}
    assert "lo hanno ricevuto 6 contatti" in outcome.text


def test_a_colleague_cannot_confirm_a_tag_preview_drawn_by_the_owner(registry: Registry, ctx, crm) -> None:
    press(registry, registry.dispatch('new "Berlin" city:berlin', ctx), "Confirm", ctx)
    preview = registry.dispatch("tag SEG00001 NEWS", ctx)

    with pytest.raises(NotAllowedError):
        press(registry, preview, "Confirm", as_user(ctx, "U0COLLEAGUE"))


def test_the_contact_card_in_italian(registry: Registry, ctx, crm) -> None:
    card = registry.dispatch("contact CT0002", dataclasses.replace(ctx, locale="it"))

    assert "Persona presso *Acme Retail* (CT0001)" in rendered(card)
    assert "In nessun segmento." in rendered(card)


def test_saved_show_of_an_unknown_code_names_the_closest(registry: Registry, ctx, crm) -> None:
    press(registry, registry.dispatch('new "Berlin" city:berlin', ctx), "Confirm", ctx)
    registry.dispatch("save SEG00001 BERLIN", ctx)

    with pytest.raises(NotFoundError, match="did you mean BERLIN"):
        registry.dispatch("saved show BERLNI", ctx)
    with pytest.raises(ValidationError, match="unexpected 'purge'"):
        registry.dispatch("saved purge BERLIN", ctx)


def test_saved_delete_then_saved_show_says_they_are_gone(
    registry: Registry, ctx, crm, session_factory: sessionmaker[Session]
) -> None:
    press(registry, registry.dispatch('new "Berlin" city:berlin', ctx), "Confirm", ctx)
    registry.dispatch("save SEG00001 BERLIN", ctx)

    deleted = registry.dispatch("saved delete berlin", ctx)

    assert "Deleted the saved criteria BERLIN" in deleted.text
    with session_factory() as s:
        assert s.scalars(select(SavedCriteria.code)).all() == []
