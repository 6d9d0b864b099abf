"""``segbot run --http`` as a separate process, so its memory and its connections can be measured alone."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from segbot_testing.slack_harness import SIGNING_SECRET

SEGBOT = [sys.executable, "-c", "from bot.cli import main; main()"]


@dataclass
class BotProcess:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def peak_rss_kib(self) -> int:
        """The process's peak resident memory so far (VmHWM), in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise AssertionError("no VmHWM in /proc")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_bot(tmp_path: Path, api_url: str, *, host: str | None = "127.0.0.1") -> Iterator[BotProcess]:
    """The real bot in HTTP mode on a fresh SQLite file; stopped (SIGTERM, then killed) afterwards."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SEGBOT_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'segbot.db'}",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api_url,
    )
    log = tmp_path / "segbot.log"
    args = [*SEGBOT, "run", "--http", "--port", str(port)] + (["--host", host] if host else [])
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    bot = BotProcess(process, port, log)
    try:
        _wait_healthy(bot)
        yield bot
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(bot: BotProcess, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bot.process.poll() is not None:
            raise AssertionError(f"segbot run exited: {bot.log.read_text()}")
        try:
            with urllib.request.urlopen(f"{bot.base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError("segbot run did not answer /healthz in time")
