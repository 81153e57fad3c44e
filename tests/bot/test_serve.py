"""`bcft serve` as a real process: the embedded lock, and several workers on a Chroma server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.documents import write_markdown
from tests.support.fake_slack import FakeSlack, SlackSender
from tests.support.processes import bcft, start_chroma_server, stop
from tests.support.serve import ADMIN, SECRET, bot_env, mention, start_bot

pytestmark = pytest.mark.slow


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


def test_ingest_while_the_bot_serves_the_embedded_store_is_refused_and_reindex_works(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    env = bot_env(tmp_path, fake_slack)
    assert bcft("ingest", env=env).returncode == 0
    bot, base = start_bot(env)
    try:
        write_markdown(
            tmp_path / "kb",
            "home-visits",
            {"Lone working": "Staff on a home visit tell their team where they are going."},
        )
        refused = bcft("ingest", env=env)
        assert refused.returncode == 2
        assert "in use by" in refused.stderr and "/kb reindex" in refused.stderr

        slack = SlackSender(f"{base}/slack/events", SECRET)
        slack.command("/kb", "reindex", ADMIN, fake_slack.response_url("reindex"))
        summary = fake_slack.wait_for("response.reindex", count=2)[-1].params["text"]
        assert "1 added" in summary

        event = mention(slack, "C0SERVE", "What do staff on a home visit tell their team?")
        slack.event(event)
        (reply,) = fake_slack.wait_for("chat.postMessage")
        assert "tell their team where they are going" in str(reply.params["blocks"])
    finally:
        stop(bot)


def test_several_workers_need_a_chroma_server(tmp_path: Path, fake_slack: FakeSlack) -> None:
    result = bcft("serve", "--workers", "2", env=bot_env(tmp_path, fake_slack))
    assert result.returncode == 2 and "CHROMA_HOST" in result.stderr


def test_two_workers_on_a_chroma_server_answer_each_event_once(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    chroma, port = start_chroma_server(tmp_path / "chroma")
    env = bot_env(tmp_path, fake_slack, CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(port))
    try:
        assert bcft("ingest", env=env).returncode == 0
        bot, base = start_bot(env, "--workers", "2")
        try:
            slack = SlackSender(f"{base}/slack/events", SECRET)
            events = [
                mention(slack, "C0WORKERS", f"What does a core group do? {i}") for i in range(20)
            ]
            deliveries = [(e, f"EvW{i:04d}", {}) for i, e in enumerate(events)]
            deliveries += [
                (e, f"EvW{i:04d}", {"X-Slack-Retry-Num": "1"}) for i, e in enumerate(events)
            ]
            with ThreadPoolExecutor(max_workers=20) as pool:
                replies = list(
                    pool.map(lambda d: slack.event(d[0], event_id=d[1], **d[2]), deliveries)
                )
            assert all(reply.status == 200 for reply in replies)
            fake_slack.wait_for("chat.postMessage", count=len(events), timeout=120)
            time.sleep(2)
            answered = [c.params["thread_ts"] for c in fake_slack.calls_to("chat.postMessage")]
            assert sorted(answered) == sorted(e["ts"] for e in events)
        finally:
            stop(bot)
    finally:
        stop(chroma)
