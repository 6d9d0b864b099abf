"""Charts cost memory only once one is drawn: the bot starts without matplotlib."""

from __future__ import annotations

import subprocess
import sys


def test_the_bot_and_every_verb_load_without_importing_matplotlib() -> None:
    probe = (
        "import sys, bot.app, bot.console, commands.registry;"
        "commands.registry.load_registry();"
        "print('matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
