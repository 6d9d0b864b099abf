"""A process's own peak memory, for the benchmarks' peak RSS figures."""

from __future__ import annotations

import resource
from pathlib import Path

_STATUS = Path("/proc/self/status")


def peak_rss_mib() -> float:
    """This process's peak resident set size, in MiB.

    Linux: ``VmHWM`` of /proc/self/status. ``getrusage``'s ``ru_maxrss`` is no use in a child
    process: the kernel carries the parent's high-water mark over the child's ``exec``, so a child
    started by a benchmark holding 300 MiB reported 300 MiB whatever it did itself.
    """
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    # Elsewhere (macOS reports bytes, Linux KiB; only Linux is measured here).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
