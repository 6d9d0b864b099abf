"""The segment builder at 1,000,000 contacts: opening it (its pickers) and its live count.

Reuses the PostgreSQL load of ``make bench`` (schema ``segbot_bench``; built on first use) and
prints, as the median of ``--runs`` runs after one warm-up, the time to fill the pickers and the
time of ``count_matches`` for a few criteria a user builds by picking values.

    python -m bench.builder_bench [--count 1000000] [--runs 5] [--backend postgresql]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench.curve import median_of
from bench.run import TEAM_ID, _engine, populate
from commands.common import parse_criteria_text
from storage.db import make_session_factory, unit_of_work
from storage.service import matches
from storage.service.types import ActionOptions
from storage.service.workspaces import ensure_workspace


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", default="postgresql", choices=("postgresql", "sqlite"))
    args = parser.parse_args()
    populate(args.backend, args.count)
    factory = make_session_factory(_engine(args.backend, args.count))
    with unit_of_work(factory) as session:
        workspace_id = ensure_workspace(session, TEAM_ID)
        industry = matches.field_values(session, workspace_id, "industry", limit=1)[0].value
        relation = matches.field_values(session, workspace_id, "relation", limit=1)[0].value
        countries = [v.value for v in matches.field_values(session, workspace_id, "country", limit=2)]
        city = matches.field_values(session, workspace_id, "city", limit=1)[0].value
    today = time.gmtime()
    from datetime import date

    day = date(today.tm_year, today.tm_mon, today.tm_mday)
    cases = [
        (f"country:{countries[0]}", ActionOptions()),
        (f"industry:{industry} country:{','.join(countries)}", ActionOptions()),
        (f'relation:{relation} city:"{city}"', ActionOptions()),
        (f"industry:{industry}", ActionOptions(expand_companies=True)),
        (f"industry:{industry}", ActionOptions(related_companies=True)),
        ("name:a* -email:*", ActionOptions()),
    ]

    def open_builder() -> int:
        with unit_of_work(factory) as session:
            return sum(
                len(matches.field_values(session, workspace_id, field, limit=101))
                for field in matches.CODE_FIELDS
            )

    seconds, values = median_of(open_builder, args.runs)
    print(f"{args.backend}, {args.count:,} contacts, median of {args.runs} runs")
    print(
        f"  open the builder ({len(matches.CODE_FIELDS)} code pickers, {values} values):",
        f"{seconds * 1000:.0f} ms",
    )
    for field in matches.PICKER_FIELDS:
        if field in matches.CODE_FIELDS:
            continue

        def suggest(field: str = field) -> int:
            with unit_of_work(factory) as session:
                return len(matches.field_values(session, workspace_id, field, limit=100))

        seconds, found = median_of(suggest, args.runs)
        print(f"  type-ahead options of {field} ({found} values): {seconds * 1000:.0f} ms")
    for text, options in cases:
        criteria = parse_criteria_text(text)

        def count(criteria: Any = criteria, options: ActionOptions = options) -> int:
            with unit_of_work(factory) as session:
                return matches.count_matches(session, workspace_id, criteria, options, today=day).total

        seconds, total = median_of(count, args.runs)
        flags = "".join(
            f" --{name.replace('_', '-')}"
            for name in ("expand_companies", "related_companies")
            if getattr(options, name)
        )
        print(f"  count {text}{flags}: {total:,} contacts in {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
