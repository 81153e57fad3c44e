"""`bcft bench startup`: how long a fresh `bcft` process takes for `--help` and for one `ask`.

Each figure is the median of a few runs of the real command in a new process: the interpreter,
the imports and, for `ask` (QUESTION below), opening the index, loading the model and
answering. One untimed `ask` runs first, so the figures are those of a machine in use (files
in the page cache, the model export made), not of the first run after a boot.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

# `--help` should feel instant, which it does only if no command loads the model, Chroma or
# LangChain at import; a question typed in the terminal should be answered within a breath.
HELP_GOAL_SECONDS = 0.5
ASK_GOAL_SECONDS = 3.0
QUESTION = "what is a strategy discussion"


def bench_startup(runs: int) -> list[str]:
    """One line per command: its median over `runs` fresh processes, beside its goal."""
    _seconds(["ask", QUESTION])  # warm-up, not counted
    lines = []
    for label, args, goal in (
        ("bcft --help", ["--help"], HELP_GOAL_SECONDS),
        ("bcft ask (one question)", ["ask", QUESTION], ASK_GOAL_SECONDS),
    ):
        median = statistics.median(_seconds(args) for _ in range(runs))
        verdict = "met" if median <= goal else "NOT met"
        lines.append(f"{label}: median {median:.2f} s of {runs} runs, goal ≤ {goal:g} s: {verdict}")
    return lines


def _seconds(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started
