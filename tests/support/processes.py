"""Run the real `bcft` command as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from eval.local_servers import free_port, start_chroma_server, stop, wait_for_http

__all__ = [
    "BCFT",
    "PROJECT",
    "bcft",
    "env_for",
    "free_port",
    "start_chroma_server",
    "stop",
    "wait_for_http",
]

BCFT = [sys.executable, "-m", "bot.cli"]
PROJECT = Path(__file__).resolve().parents[2]


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `bcft` subprocess using its own data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "SLACK_", "LLM_"))}
    env.update({"DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **extra})
    return env


def bcft(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*BCFT, *args], env=env, cwd=PROJECT, capture_output=True, text=True, timeout=timeout
    )
