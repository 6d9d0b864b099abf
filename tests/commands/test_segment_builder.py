"""The segment builder (`new` alone): pickers from the workspace's own values, a live count that follows
every input under the Add's own rules, the criteria it makes shown as text, and mistakes on the field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from commands.blocks.modal import NEW_SEGMENT_CALLBACK, PICKER_PREFIX
from commands.context import CommandContext
from commands.registry import Registry
from commands.reply import Reply
from storage.demo import generate_demo
from storage.models import (
    Campaign,
    Contact,
    ContactIndustryGroup,
    IndustryGroup,
    InteractionTemplate,
    Segment,
    Workspace,
)
from tests.commands.conftest import rendered
from tests.factories import add_contact


@pytest.fixture
def demo(session_factory: sessionmaker[Session], workspace: Workspace) -> Workspace:
    with session_factory.begin() as session:
        generate_demo(session, workspace.id, count=200, seed=1)
    return workspace


def form(
    *,
    description: str = "Built",
    criteria: str | None = None,
    options: tuple[str, ...] = (),
    **picks: list[str],
) -> dict[str, Any]:
    """The state Slack sends with the builder: ``picks`` name fields (``industry=["RETAIL"]``)."""
    values: dict[str, Any] = {
        "description": {"value": {"type": "plain_text_input", "value": description}},
        "criteria": {"value": {"type": "plain_text_input", "value": criteria}},
        "options": {"value": {"type": "checkboxes", "selected_options": [{"value": o} for o in options]}},
    }
    for field, chosen in picks.items():
        values[PICKER_PREFIX + field] = {
            "value": {"type": "multi_static_select", "selected_options": [{"value": v} for v in chosen]}
        }
    return values


def opened(registry: Registry, ctx: CommandContext) -> dict[str, Any]:
    reply = registry.dispatch("new", ctx)
    assert reply.modal is not None
    view: dict[str, Any] = reply.modal.to_dict()
    return view


def changed(registry: Registry, ctx: CommandContext, values: dict[str, Any]) -> dict[str, Any]:
    view = {**opened(registry, ctx), "id": "V1", "hash": "h1", "state": {"values": values}}
    updated: dict[str, Any] = registry.handle_view_change(NEW_SEGMENT_CALLBACK, view, ctx).to_dict()
    return updated


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def count_text(view: dict[str, Any]) -> str:
    return str(block(view, "count")["text"]["text"])


def test_the_builder_offers_pickers_filled_with_the_codes_the_workspaces_contacts_carry(
    registry: Registry, ctx: CommandContext, demo: Workspace, session_factory: sessionmaker[Session]
) -> None:
    view = opened(registry, ctx)

    assert [b["block_id"] for b in view["blocks"]] == [
        "description",
        *["pick:industry", "pick:country", "pick:city", "pick:relation", "pick:mailing", "pick:job"],
        *["pick:salesperson", "pick:territory"],
        *["criteria", "options", "count"],
        *["header_divider", "header_intro"],
        *["header:salesperson", "header:date", "header:campaign", "header:template"],
        *["header:language", "header:subject"],
    ]
    with session_factory() as session:
        carried = set(
            session.scalars(
                select(ContactIndustryGroup.code).where(ContactIndustryGroup.workspace_id == demo.id)
            )
        )
    industry = block(view, "pick:industry")
    assert industry["element"]["type"] == "multi_static_select"
    assert {o["value"] for o in industry["element"]["options"]} == carried
    assert all(
        b["dispatch_action"]
        for b in view["blocks"]
        if b["type"] == "input" and b["block_id"] != "description" and not b["block_id"].startswith("header:")
    )


def test_a_code_no_contact_carries_is_not_offered(
    registry: Registry, ctx: CommandContext, demo: Workspace, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        session.add(IndustryGroup(workspace_id=demo.id, code="UNUSED", description="Nobody has it"))

    industry = block(opened(registry, ctx), "pick:industry")

    assert "UNUSED" not in {o["value"] for o in industry["element"]["options"]}


def test_a_field_with_more_than_a_hundred_values_is_searched_as_the_user_types(
    registry: Registry, ctx: CommandContext, session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    with session_factory.begin() as session:
        for n in range(130):
            add_contact(session, workspace.id, f"C{n:04d}", city=f"Town {n:03d}")
        add_contact(session, workspace.id, "C9999", city="Berlin")

    city = block(opened(registry, ctx), "pick:city")
    found = registry.handle_options(NEW_SEGMENT_CALLBACK, "pick:city", "town 12", ctx)
    everything = registry.handle_options(NEW_SEGMENT_CALLBACK, "pick:city", "", ctx)

    assert city["element"]["type"] == "multi_external_select"
    assert [o.value for o in found] == [f"Town {n}" for n in range(120, 130)]
    assert len(everything) == 100


def test_a_change_shows_how_many_contacts_match_and_the_first_three(
    registry: Registry, ctx: CommandContext, demo: Workspace, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        expected = session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(
                Contact.workspace_id == demo.id,
                Contact.country == "DE",
                Contact.exclude_from_segment.is_(False),
            )
        )
        first = list(
            session.scalars(
                select(Contact.name)
                .where(
                    Contact.workspace_id == demo.id,
                    Contact.country == "DE",
                    Contact.exclude_from_segment.is_(False),
                )
                .order_by(Contact.no)
                .limit(3)
            )
        )
    assert expected and expected > 3

    view = changed(registry, ctx, form(country=["DE"]))

    # Names are user data: escaped so that "&" or "<" cannot form mrkdwn.
    names = ", ".join(name.replace("&", "&amp;") for name in first)
    assert count_text(view) == f"*{expected} contacts match*: {names}…"
    assert "`country:DE`" in block(view, "count_criteria")["elements"][0]["text"]


def test_the_count_follows_the_add_options_as_the_preview_will(
    registry: Registry, ctx: CommandContext, demo: Workspace
) -> None:
    values = form(industry=["RETAIL"], criteria="type:company", options=("expand_companies",))

    live = count_text(changed(registry, ctx, values))
    preview = registry.handle_view_submission(NEW_SEGMENT_CALLBACK, values, ctx)

    assert isinstance(preview, Reply)
    added = preview.text.split("Add will add ")[1].split(" contact")[0]
    assert live.startswith(f"*{added} contacts match*")


def test_picks_and_free_criteria_combine_and_an_or_in_the_free_text_stays_inside_the_picks(
    registry: Registry, ctx: CommandContext, demo: Workspace
) -> None:
    view = changed(registry, ctx, form(industry=["RETAIL", "FINANCE"], criteria="city:berlin OR city:milano"))

    criteria = block(view, "count_criteria")["elements"][0]["text"]
    assert "`industry:RETAIL,FINANCE (city:berlin OR city:milano)`" in criteria


def test_a_value_with_spaces_is_quoted_in_the_criteria_it_makes(
    registry: Registry, ctx: CommandContext, session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    with session_factory.begin() as session:
        add_contact(session, workspace.id, "C0001", name="Big Apple Inc", city="New York")
        add_contact(session, workspace.id, "C0002", name="Other", city="York")

    view = changed(registry, ctx, form(city=["New York"]))

    assert count_text(view) == "*1 contact matches*: Big Apple Inc"
    assert '`city:"New York"`' in block(view, "count_criteria")["elements"][0]["text"]


def test_a_mistake_in_the_free_criteria_is_shown_on_that_box_and_nothing_is_counted(
    registry: Registry, ctx: CommandContext, demo: Workspace
) -> None:
    view = changed(registry, ctx, form(country=["DE"], criteria="citi:berlin"))

    assert "did you mean 'city'" in block(view, "criteria")["hint"]["text"]
    assert block(view, "criteria")["hint"]["text"].startswith("⚠️ at 0:")
    assert count_text(view) == "Fix the criteria to see how many contacts match."


def test_with_nothing_chosen_the_builder_invites_a_choice(
    registry: Registry, ctx: CommandContext, demo: Workspace
) -> None:
    view = changed(registry, ctx, form())

    assert count_text(view) == "Choose values or type criteria to see how many contacts match."
    assert "count_criteria" not in [b["block_id"] for b in view["blocks"]]


def test_an_update_keeps_every_input_block_so_slack_keeps_what_the_user_entered(
    registry: Registry, ctx: CommandContext, demo: Workspace
) -> None:
    before = opened(registry, ctx)

    after = changed(registry, ctx, form(country=["DE"]))

    inputs = [(b["block_id"], b["element"]["action_id"]) for b in before["blocks"] if b["type"] == "input"]
    assert [
        (b["block_id"], b["element"]["action_id"]) for b in after["blocks"] if b["type"] == "input"
    ] == inputs
    assert after["private_metadata"] == before["private_metadata"] == "C0SALES"


def test_submitting_the_builder_previews_the_add_of_the_criteria_it_made(
    registry: Registry, ctx: CommandContext, demo: Workspace
) -> None:
    reply = registry.handle_view_submission(
        NEW_SEGMENT_CALLBACK, form(description="German retail", country=["DE"], industry=["RETAIL"]), ctx
    )

    assert isinstance(reply, Reply)
    assert "Add will add" in reply.text
    assert "industry:RETAIL" in rendered(reply) and "country:DE" in rendered(reply)


def test_the_builder_speaks_italian_to_italian_users(
    registry: Registry, ctx: CommandContext, demo: Workspace
) -> None:
    italian = CommandContext(
        session_factory=ctx.session_factory,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        today=ctx.today,
        locale="it",
    )

    view = changed(registry, italian, form(country=["DE"]))

    assert "contatti corrispondono" in count_text(view)
    assert block(view, "pick:industry")["label"]["text"] == "Settore"
    assert block(view, "header:campaign")["label"]["text"] == "Campagna"


def header(**fields: Any) -> dict[str, Any]:
    """The header inputs' state as Slack sends it: text, a picked option, or a picked date."""
    values: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "date":
            state = {"type": "datepicker", "selected_date": value}
        elif isinstance(value, dict):
            state = {"type": "static_select", "selected_option": value}
        else:
            state = {"type": "plain_text_input", "value": value}
        values[f"header:{field}"] = {"value": state}
    return values


def segments_of(session_factory: sessionmaker[Session], workspace: Workspace) -> list[Segment]:
    with session_factory() as session:
        return list(session.scalars(select(Segment).where(Segment.workspace_id == workspace.id)))


def test_the_builder_offers_the_workspaces_campaigns_and_templates_as_header_pickers(
    registry: Registry, ctx: CommandContext, demo: Workspace, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        campaigns = list(session.scalars(select(Campaign.no).where(Campaign.workspace_id == demo.id)))
        templates = list(
            session.scalars(
                select(InteractionTemplate.code).where(InteractionTemplate.workspace_id == demo.id)
            )
        )

    view = opened(registry, ctx)

    campaign = block(view, "header:campaign")["element"]
    assert campaign["type"] == "static_select"
    assert [o["value"] for o in campaign["options"]] == sorted(campaigns)
    assert [o["value"] for o in block(view, "header:template")["element"]["options"]] == sorted(templates)
    assert block(view, "header:date")["element"]["type"] == "datepicker"
    assert block(view, "header:subject")["element"]["type"] == "plain_text_input"
    assert all(block(view, f"header:{f}")["optional"] for f in ("salesperson", "date", "language", "subject"))


def test_with_more_than_a_hundred_campaigns_the_campaign_is_typed_and_without_templates_none_is_asked(
    registry: Registry, ctx: CommandContext, session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    with session_factory.begin() as session:
        session.add_all(Campaign(workspace_id=workspace.id, no=f"CP{n:04d}") for n in range(101))

    view = opened(registry, ctx)

    assert block(view, "header:campaign")["element"]["type"] == "plain_text_input"
    assert "header:template" not in [b.get("block_id") for b in view["blocks"]]


def test_the_count_stays_under_the_options_above_the_header_after_a_change(
    registry: Registry, ctx: CommandContext, demo: Workspace
) -> None:
    view = changed(registry, ctx, form(country=["DE"]))

    ids = [b.get("block_id") for b in view["blocks"]]
    assert ids.index("options") + 1 == ids.index("count") < ids.index("header:campaign")
    assert ids[-1] == "header:subject"


def test_submitting_the_builder_with_header_fields_sets_them_on_the_new_segment(
    registry: Registry, ctx: CommandContext, demo: Workspace, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        campaign = session.scalars(select(Campaign.no).where(Campaign.workspace_id == demo.id)).first()
        salesperson = session.scalars(
            select(Contact.salesperson).where(
                Contact.workspace_id == demo.id, Contact.salesperson.is_not(None)
            )
        ).first()
    assert campaign and salesperson
    values = {
        **form(description="German retail", country=["DE"]),
        **header(
            campaign={"value": campaign},
            salesperson=salesperson.lower(),
            date="2026-12-01",
            subject="  Winter   offer ",
        ),
    }

    reply = registry.handle_view_submission(NEW_SEGMENT_CALLBACK, values, ctx)

    assert isinstance(reply, Reply) and "Add will add" in reply.text
    (segment,) = segments_of(session_factory, demo)
    assert (segment.campaign_no, segment.salesperson, segment.segment_date, segment.subject) == (
        campaign,
        salesperson,
        date(2026, 12, 1),
        "Winter offer",
    )


def test_an_unknown_campaign_is_an_error_on_the_campaign_input_and_creates_nothing(
    registry: Registry, ctx: CommandContext, demo: Workspace, session_factory: sessionmaker[Session]
) -> None:
    values = {**form(description="Oops", country=["DE"]), **header(campaign="CP9999", subject="Kept")}

    errors = registry.handle_view_submission(NEW_SEGMENT_CALLBACK, values, ctx)

    assert isinstance(errors, dict) and list(errors) == ["header:campaign"]
    assert "no campaign CP9999" in errors["header:campaign"]
    assert segments_of(session_factory, demo) == []


def test_an_unknown_template_without_criteria_is_an_error_on_the_template_input_and_creates_nothing(
    registry: Registry, ctx: CommandContext, demo: Workspace, session_factory: sessionmaker[Session]
) -> None:
    values = {**form(description="Empty"), **header(template={"value": "NOSUCH"})}

    errors = registry.handle_view_submission(NEW_SEGMENT_CALLBACK, values, ctx)

    assert isinstance(errors, dict) and "no interaction template NOSUCH" in errors["header:template"]
    assert segments_of(session_factory, demo) == []


def test_a_date_that_is_not_one_is_an_error_on_the_date_input(
    registry: Registry, ctx: CommandContext, demo: Workspace, session_factory: sessionmaker[Session]
) -> None:
    values = {**form(description="Dated"), **header(date="2026-02-30")}

    errors = registry.handle_view_submission(NEW_SEGMENT_CALLBACK, values, ctx)

    assert errors == {"header:date": "Pick a date from the calendar."}
    assert segments_of(session_factory, demo) == []
