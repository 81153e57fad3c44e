"""The real Bolt app over real HTTP for tests: settings, a running bot, and Slack payloads."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.embedding import Embedder
from bot.index import open_index
from bot.settings import Settings
from bot.slack.server import SlackHttpApp
from ingest.pipeline import run_ingest
from tests.support.calibration import TEST_KB_MIN_IN_SCOPE
from tests.support.fake_slack import BOT_USER, FakeSlack, SlackSender, serve_wsgi
from tests.support.processes import wait_for_http

KB = Path(__file__).resolve().parent / "kb"
SECRET = "test-signing-secret"
ADMIN, LEAD, NEWCOMER = "UADMIN01", "ULEAD001", "UNEW0001"


def bot_settings(root: Path, fake: FakeSlack, **overrides: object) -> Settings:
    """Settings for a bot over a copy of the test knowledge base, talking to `fake`."""
    kb = root / "kb"
    if not kb.exists():
        shutil.copytree(KB, kb)
    values: dict[str, object] = {
        "data_dir": root / "data",
        "knowledge_base_dir": kb,
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SECRET,
        "slack_api_url": fake.api_url,
        "admin_user_ids": [ADMIN],
        "admin_usergroup_id": "S0ADMINS",
        "rate_limit_per_minute": 1000,
        "index_refresh_seconds": 0,
        "min_in_scope": TEST_KB_MIN_IN_SCOPE,
    }
    return Settings(_env_file=None, **{**values, **overrides})


@contextmanager
def running_bot(settings: Settings, embedder: Embedder) -> Iterator[tuple[SlackHttpApp, str]]:
    """Index the knowledge base, then serve the bot's WSGI app on 127.0.0.1."""
    with open_index(settings, embedder) as index:
        assert run_ingest([settings.knowledge_base_dir], index).ok
    app = SlackHttpApp(settings)
    base, server = serve_wsgi(app)
    try:
        wait_for_http(f"{base}/readyz")
        yield app, base
    finally:
        server.shutdown()
        app.close()


def replies_in(fake: FakeSlack, channel: str, thread_ts: str | None = None) -> list[dict]:
    return [
        call.params
        for call in fake.calls_to("chat.postMessage")
        if call.params.get("channel") == channel and call.params.get("thread_ts") == thread_ts
    ]


def wait_for_replies(fake: FakeSlack, channel: str, thread_ts: str | None, count: int = 1) -> list:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = replies_in(fake, channel, thread_ts)
        if len(replies) >= count:
            return replies
        time.sleep(0.05)
    raise TimeoutError(f"no reply in {channel}/{thread_ts}")


def blocks_text(blocks: list[dict] | str) -> str:
    return json.dumps(blocks if not isinstance(blocks, str) else json.loads(blocks))


def mention(slack: SlackSender, channel: str, text: str, **extra: str) -> dict:
    return {
        "type": "app_mention",
        "user": NEWCOMER,
        "text": f"<@{BOT_USER}> {text}",
        "ts": slack.next_ts(),
        "channel": channel,
        **extra,
    }


def direct_message(slack: SlackSender, channel: str, text: str, **extra: object) -> dict:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": channel,
        "user": NEWCOMER,
        "text": text,
        "ts": slack.next_ts(),
        **extra,
    }
