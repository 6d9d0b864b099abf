"""A misspelt code, segment or profile question is an error pointing at it, and nothing is created."""

from __future__ import annotations

import pytest

from commands.criteria_parser import CriteriaError
from commands.registry import Registry
from commands.reply import error_reply
from tests.commands.conftest import press, rendered


def test_new_with_a_misspelt_industry_points_at_it_and_creates_no_segment(
    registry: Registry, ctx, crm
) -> None:
    with pytest.raises(CriteriaError) as caught:
        registry.dispatch('new "Retail" industry:retial city:berlin', ctx)

    assert caught.value.position == len("industry:")
    assert "did you mean RETAIL?" in str(caught.value)
    assert "SEG0000" not in rendered(registry.dispatch("list", ctx))


def test_a_segment_number_that_does_not_exist_is_an_error_not_an_empty_add(
    registry: Registry, ctx, crm
) -> None:
    press(registry, registry.dispatch("new Berlin city:berlin", ctx), "Confirm", ctx)

    with pytest.raises(CriteriaError) as caught:
        registry.dispatch("add SEG00001 city:paris OR segment:SEG09999", ctx)

    error = caught.value
    assert error.position == len("city:paris OR segment:")
    shown = rendered(error_reply(error))
    assert "there is no segment SEG09999; the segments are SEG00001" in shown
    assert "^" in shown


def test_reduce_and_refine_check_names_too(registry: Registry, ctx, crm) -> None:
    press(registry, registry.dispatch("new Berlin city:berlin", ctx), "Confirm", ctx)

    for text in ("reduce SEG00001 -mailing:newsleter", "refine SEG00001 profile.nosuch:1"):
        with pytest.raises(CriteriaError):
            registry.dispatch(text, ctx)


def test_a_code_that_exists_but_matches_nothing_previews_an_empty_add(registry: Registry, ctx, crm) -> None:
    press(registry, registry.dispatch("new Berlin city:berlin", ctx), "Confirm", ctx)

    reply = registry.dispatch("add SEG00001 industry:bank city:berlin", ctx)

    assert "Confirm" in rendered(reply) or "nothing" in rendered(reply).lower()


def test_the_error_is_in_the_callers_language(registry: Registry, ctx, crm) -> None:
    with pytest.raises(CriteriaError) as caught:
        registry.dispatch("new X industry:retial", ctx)

    assert "RETAIL" in rendered(error_reply(caught.value, locale="it"))
    assert "forse intendevi RETAIL?" in rendered(error_reply(caught.value, locale="it"))
