"""A Rich progress bar for long imports, shown only when stderr is a terminal (never in pipes or logs)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from storage.csv_format import ProgressCallback


@contextmanager
def file_progress(label: str) -> Iterator[ProgressCallback | None]:
    """Yield a callback that advances a bar over the bytes of a file being read, or None off a terminal.

    Once the whole file is read the bar says the rows are being written, which takes a while too.
    """
    if not sys.stderr.isatty():
        yield None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(f"reading {label}", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)
            if done >= total:
                progress.update(task, description=f"writing {label} to the database")

        yield advance
