"""Where an Add preview's time goes on a kept PostgreSQL schema: the preview, then its shares line.

For each criteria (``bench.slack_bench``'s five by default), ``--runs`` times in a fresh empty
segment, the preview (``preview_action``: count and first page) and the country and industry
shares line the preview message shows (``commands.verbs.breakdown.preview_shares``), each timed.
Shared previews are cleared before every run, so each one is computed, not remembered.

    python -m bench.preview_parts --schema segbot_curve_10000000 [--runs 2] [CRITERIA ...]
"""

from __future__ import annotations

import argparse
import os
import time

from sqlalchemy import select

from bench.slack_bench import CRITERIA
from commands.criteria_parser import parse_criteria
from commands.i18n import translator
from commands.verbs.breakdown import preview_shares
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.models import Workspace
from storage.service.changes import forget_shared_previews, preview_action
from storage.service.segments import create_segment, delete_segment

USER = "U0BENCH"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("criteria", nargs="*", default=list(CRITERIA))
    parser.add_argument("--schema", required=True)
    parser.add_argument("--team", default="T0001", help="the workspace's Slack team id")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    engine = make_engine(args.database_url, schema=args.schema, statement_timeout=600)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        workspace_id = session.execute(
            select(Workspace.id).where(Workspace.team_id == args.team)
        ).scalar_one()
        segment_no = create_segment(session, workspace_id, description="preview parts", owner_user_id=USER).no
    try:
        for text in args.criteria:
            for run in range(1, args.runs + 1):
                forget_shared_previews()
                with factory() as session:
                    started = time.perf_counter()
                    preview = preview_action(
                        session, workspace_id, segment_no, "add", criteria=parse_criteria(text), user_id=USER
                    )
                    previewed = time.perf_counter()
                    line = preview_shares(session, workspace_id, preview, tr=translator("en"))
                    done = time.perf_counter()
                    session.rollback()
                print(
                    f"{text:46} run {run}: {preview.added:>10,} added, preview {previewed - started:6.2f} s, "
                    f"shares {done - previewed:6.2f} s  {line[:70]}"
                )
    finally:
        with unit_of_work(factory) as session:
            delete_segment(session, workspace_id, segment_no, user_id=USER, is_admin=True)
        engine.dispose()


if __name__ == "__main__":
    main()
