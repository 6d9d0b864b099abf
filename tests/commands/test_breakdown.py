"""`breakdown` and `history ... chart` as a user types them: text bars, and PNG charts from the buttons."""

from __future__ import annotations

import struct
from dataclasses import replace

import pytest
from sqlalchemy.orm import Session, sessionmaker

from commands.context import CommandContext
from commands.registry import Registry
from commands.reply import Reply
from storage.db import unit_of_work
from storage.demo import generate_demo
from storage.errors import NotFoundError, ValidationError
from storage.models import Workspace
from tests.commands.conftest import TODAY, assert_within_block_kit_limits, buttons, press, rendered

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data.startswith(PNG_MAGIC)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def assert_retina_png(data: bytes) -> None:
    assert data.startswith(PNG_MAGIC)
    assert png_size(data) == (1600, 900)
    assert len(data) < 200_000


@pytest.fixture
def demo(session_factory: sessionmaker[Session], workspace: Workspace) -> None:
    with unit_of_work(session_factory) as session:
        generate_demo(session, workspace.id, count=300, seed=3, today=TODAY)


@pytest.fixture
def segment(registry: Registry, ctx: CommandContext, demo: None) -> str:
    press(registry, registry.dispatch('new "Retail" industry:retail', ctx), "Confirm", ctx)
    press(registry, registry.dispatch("add SEG00001 country:de", ctx), "Confirm", ctx)
    return "SEG00001"


def test_breakdown_by_country_lists_values_with_count_share_and_bar(
    registry: Registry, ctx: CommandContext, segment: str
) -> None:
    reply = registry.dispatch(f"breakdown {segment} country", ctx)
    text = rendered(reply)
    assert "SEG00001 Retail by country" in text
    assert "DE" in text and "%" in text and "█" in text
    assert "Chart" in buttons(reply)
    assert_within_block_kit_limits(reply)


def test_by_is_optional_and_fields_are_case_insensitive(
    registry: Registry, ctx: CommandContext, segment: str
) -> None:
    assert rendered(registry.dispatch(f"breakdown {segment} by Industry", ctx)) == rendered(
        registry.dispatch(f"breakdown {segment} industry", ctx)
    )


def test_the_chart_button_uploads_a_retina_png_to_the_channel(
    registry: Registry, ctx: CommandContext, segment: str
) -> None:
    chart = press(registry, registry.dispatch(f"breakdown {segment} profile.revenue", ctx), "Chart", ctx)
    assert chart.visibility == "channel"
    assert chart.upload is not None
    assert chart.upload.filename == "SEG00001-profile-revenue.png"
    assert_retina_png(chart.upload.content)


def test_history_chart_uploads_the_size_over_time_as_png(
    registry: Registry, ctx: CommandContext, segment: str
) -> None:
    history = registry.dispatch(f"history {segment}", ctx)
    for reply in (press(registry, history, "Chart", ctx), registry.dispatch(f"history {segment} chart", ctx)):
        assert reply.upload is not None and reply.visibility == "channel"
        assert_retina_png(reply.upload.content)


def test_charts_are_titled_in_the_readers_language(
    registry: Registry, ctx: CommandContext, segment: str
) -> None:
    italian = replace(ctx, locale="it")
    reply = registry.dispatch(f"history {segment} chart", italian)
    assert reply.upload is not None
    assert reply.upload.title.startswith("Dimensione di SEG00001")


def test_a_segment_that_never_changed_is_charted_at_its_size_now(
    registry: Registry, ctx: CommandContext, demo: None
) -> None:
    registry.dispatch('new "Empty"', ctx)
    reply = registry.dispatch("history SEG00001 chart", ctx)
    assert reply.upload is not None
    assert_retina_png(reply.upload.content)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("breakdown", ValidationError),
        ("breakdown SEG00001", ValidationError),
        ("breakdown SEG00001 colour", ValidationError),
        ("breakdown SEG00001 country extra", ValidationError),
        ("breakdown SEG00009 country", NotFoundError),
        ("history SEG00001 graph", ValidationError),
    ],
)
def test_mistakes_are_explained_not_answered_with_nothing(
    registry: Registry, ctx: CommandContext, segment: str, text: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        registry.dispatch(text, ctx)


def test_a_forged_chart_button_is_refused_clearly(
    registry: Registry, ctx: CommandContext, segment: str
) -> None:
    reply: Reply = registry.dispatch(f"breakdown {segment} country", ctx)
    action_id = buttons(reply)["Chart"].action_id
    assert action_id is not None
    with pytest.raises(ValidationError):
        registry.handle_action(action_id, "not json", ctx)


def test_an_add_preview_shows_the_largest_country_and_industry_shares_of_what_it_adds(
    registry: Registry, ctx: CommandContext, demo: None
) -> None:
    preview = rendered(registry.dispatch('new "Germany" country:de', ctx))
    assert "DE 100%" in preview
    retail = rendered(registry.dispatch('new "Retail" industry:retail', ctx))
    assert "RETAIL 100%" in retail


def test_a_preview_that_adds_nobody_shows_no_shares(
    registry: Registry, ctx: CommandContext, demo: None
) -> None:
    assert "%" not in rendered(registry.dispatch('new "Nobody" country:de country:it', ctx))


def test_breakdown_with_chart_uploads_the_chart_at_once(
    registry: Registry, ctx: CommandContext, segment: str
) -> None:
    reply = registry.dispatch(f"breakdown {segment} by industry chart", ctx)
    assert reply.upload is not None and reply.upload.filename == "SEG00001-industry.png"
    assert_retina_png(reply.upload.content)
