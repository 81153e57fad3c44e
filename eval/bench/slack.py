"""`bcft bench slack`: ack time and event-to-answer time through the real server.

Runs `bcft serve` (gunicorn, one worker, embedded store) against a local fake Slack Web API
and sends signed events, a number at a time, timing each HTTP acknowledgement and the
moment the answer reaches `chat.postMessage`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from eval.bench import latency_line
from eval.fake_slack import BOT_USER, FakeSlack, SlackSender
from eval.local_servers import free_port, wait_for_http

SECRET = "bench-signing-secret"


def bench_slack(
    knowledge_base: Path, questions: list[str], events: int, concurrency: int
) -> list[str]:
    fake = FakeSlack()
    with tempfile.TemporaryDirectory(prefix="bcft-bench-slack-") as scratch:
        env = {
            **os.environ,
            "DATA_DIR": str(Path(scratch) / "data"),
            "KNOWLEDGE_BASE_DIR": str(knowledge_base),
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "RATE_LIMIT_PER_MINUTE": str(events * 2),
        }
        env.pop("CHROMA_HOST", None)
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "ingest"], env=env, check=True, capture_output=True
        )
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=180, process=server)
            return _drive(
                fake, f"http://127.0.0.1:{port}/slack/events", questions, events, concurrency
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
            fake.close()


def _drive(
    fake: FakeSlack, url: str, questions: list[str], events: int, concurrency: int
) -> list[str]:
    sender = SlackSender(url, SECRET)
    sent: dict[str, float] = {}

    def send(i: int) -> float:
        ts = sender.next_ts()
        event = {
            "type": "app_mention",
            "user": f"UBENCH{i % 50:03d}",
            "text": f"<@{BOT_USER}> {questions[i % len(questions)]}",
            "ts": ts,
            "channel": "CBENCH",
        }
        sent[ts] = time.monotonic()
        reply = sender.event(event)
        if reply.status != 200:
            raise RuntimeError(f"event answered with HTTP {reply.status}")
        return reply.seconds

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        acks = list(pool.map(send, range(events)))
    posts = fake.wait_for("chat.postMessage", count=events, timeout=600)
    elapsed = time.monotonic() - started
    delivered = [
        call.at - sent[call.params["thread_ts"]]
        for call in posts
        if call.params.get("thread_ts") in sent
    ]
    return [
        f"{events} events, {concurrency} at a time, one worker: {events / elapsed:.1f} answers/s",
        latency_line("ack (HTTP response to Slack; goal p95 < 100 ms)", acks),
        latency_line("event received -> chat.postMessage sent", delivered),
    ]
