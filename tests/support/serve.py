"""`bcft serve` as a real process for tests: its environment, started and ready."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import IO

from tests.support.fake_slack import BOT_USER, FakeSlack, SlackSender
from tests.support.processes import BCFT, PROJECT, env_for, free_port, wait_for_http

KB = Path(__file__).resolve().parent / "kb"
SECRET = "serve-test-secret"
ADMIN = "UADMIN01"


def bot_env(tmp_path: Path, fake: FakeSlack, **extra: str) -> dict[str, str]:
    """The environment of a bot over a copy of the test knowledge base, talking to `fake`."""
    kb = tmp_path / "kb"
    if not kb.exists():
        shutil.copytree(KB, kb)
    return env_for(
        tmp_path / "data",
        KNOWLEDGE_BASE_DIR=str(kb),
        SLACK_BOT_TOKEN="xoxb-serve-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        ADMIN_USER_IDS=ADMIN,
        RATE_LIMIT_PER_MINUTE="1000",
        INDEX_REFRESH_SECONDS="0",
        **extra,
    )


def start_bot(
    env: dict[str, str], *args: str, stderr: int | IO[bytes] = subprocess.DEVNULL
) -> tuple[subprocess.Popen, str]:
    """`bcft serve` on a free port of 127.0.0.1, once /readyz says it can answer."""
    port = free_port()
    process = subprocess.Popen(
        [*BCFT, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base}/readyz", timeout=120, process=process)
    return process, base


def mention(slack: SlackSender, channel: str, text: str) -> dict:
    """An @mention event of the bot from a newcomer."""
    return {
        "type": "app_mention",
        "user": "UNEW0001",
        "text": f"<@{BOT_USER}> {text}",
        "ts": slack.next_ts(),
        "channel": channel,
    }
