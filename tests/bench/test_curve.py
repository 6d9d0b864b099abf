"""The cost curve's arithmetic and table, without a database (the measuring itself is a benchmark)."""

from __future__ import annotations

import math

import pytest

from bench.curve import format_table, growth_exponent


def test_time_that_triples_with_three_times_the_contacts_grows_linearly() -> None:
    assert growth_exponent(1_000_000, 2.0, 3_000_000, 6.0) == pytest.approx(1.0)


def test_time_that_grows_with_the_square_has_exponent_two() -> None:
    assert growth_exponent(1_000_000, 1.0, 10_000_000, 100.0) == pytest.approx(2.0)


@pytest.mark.parametrize(("n1", "t1", "n2", "t2"), [(1, 0.0, 10, 1.0), (10, 1.0, 10, 2.0), (1, 1.0, 10, 0.0)])
def test_no_exponent_without_two_sizes_and_two_times(n1: int, t1: float, n2: int, t2: float) -> None:
    assert math.isnan(growth_exponent(n1, t1, n2, t2))


def test_the_table_shows_each_size_the_ratio_to_hand_written_sql_and_flags_what_grows_too_fast() -> None:
    by_count = {
        1_000_000: {
            "ops": {"preview": {"preview selective": {"seconds": 0.2, "hand": 0.1, "rows": 10}}},
            "load": {"preview": 1.5},
        },
        3_000_000: {
            "ops": {"preview": {"preview selective": {"seconds": 1.8, "hand": 0.3, "rows": 30}}},
            "load": {"preview": 2.0},
        },
    }
    lines = format_table("postgresql", by_count).splitlines()
    row = next(line for line in lines if line.startswith("| preview selective"))
    cells = [cell.strip() for cell in row.split("|")]
    assert cells[2] == "0.200 s (SQL 0.100 s, 2.00x !; 10)"
    assert cells[3] == "1.800 s (SQL 0.300 s, 6.00x !; 30)"
    assert cells[4] == "2.00 super-linear"
    assert lines[-1].split("|")[2].strip() == "1.5"


def test_a_size_without_an_operation_shows_a_dash() -> None:
    by_count = {
        1_000_000: {"ops": {"undo": {"undo Add": {"seconds": 1.0, "rows": 5}}}, "load": {"undo": 1.0}},
        3_000_000: {"ops": {}, "load": {}},
    }
    row = next(
        line for line in format_table("sqlite", by_count).splitlines() if line.startswith("| undo Add")
    )
    assert [cell.strip() for cell in row.split("|")][2:-1] == ["1.000 s (5)", "-", "-"]
