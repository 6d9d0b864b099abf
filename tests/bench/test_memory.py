"""The benchmarks' peak RSS: a child process reports its own peak, not its parent's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.memory import peak_rss_mib

_PARENT_MIB = 200


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is Linux's")
def test_a_child_started_by_a_large_parent_reports_its_own_peak() -> None:
    held = bytearray(_PARENT_MIB * 1024 * 1024)
    # Touch every page, so the parent really holds them.
    held[::4096] = b"\x01" * (len(held) // 4096)
    assert peak_rss_mib() >= _PARENT_MIB
    child = subprocess.run(
        [sys.executable, "-c", "from bench.memory import peak_rss_mib; print(peak_rss_mib())"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    # An interpreter alone: tens of MiB, where ru_maxrss would report the parent's hundreds.
    assert float(child.stdout) < _PARENT_MIB / 2
