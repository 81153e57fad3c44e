"""`bcft bench slack`: ack time, event-to-answer time and throughput through the real server.

Runs `bcft serve` (gunicorn, one worker, embedded store) against a local fake Slack Web API
and sends signed @mentions in two phases, timing each HTTP acknowledgement and the moment the
answer reaches `chat.postMessage`:

- a burst: `events` events, `concurrency` at a time, as when a channel full of people asks at
  once. Its acks show whether acknowledging waits behind answering; the time to drain it is
  the throughput of one worker.
- a sustained rate: `rate` events a second for `seconds` seconds, spread evenly, as a busy
  morning. Its event-to-answer times show how long a person waits when the worker keeps up.

The fake Slack Web API is the tests' (`tests/support/fake_slack.py`): test fakes live with the
tests, not in the package, so this bench runs from a source checkout (`bcft bench slack` puts
the checkout on the import path; an installed package without `tests/` cannot run it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from eval.bench import latency_line
from eval.local_servers import free_port, wait_for_http
from eval.metrics import percentile
from tests.support.fake_slack import BOT_USER, FakeSlack, SlackSender

SECRET = "bench-signing-secret"
# Slack resends an event it has not seen acknowledged within 3 s; 100 ms leaves that budget to
# the network between Slack and the bot, and is what a person cannot tell from instant.
ACK_GOAL_P95 = 0.100
# One second from sending a question to seeing its answer, at a steady rate one worker is
# expected to carry (5 questions a second, 18,000 an hour).
REPLY_GOAL_P95 = 1.0
SUSTAINED_RATE = 5.0
SUSTAINED_SECONDS = 20.0


def bench_slack(
    knowledge_base: Path,
    questions: list[str],
    events: int,
    concurrency: int,
    rate: float = SUSTAINED_RATE,
    seconds: float = SUSTAINED_SECONDS,
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
            "RATE_LIMIT_PER_MINUTE": str((events + int(rate * seconds)) * 2),
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
            wait_for_http(f"http://127.0.0.1:{port}/readyz", timeout=180, process=server)
            bench = _Bench(fake, SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET))
            bench.send(questions[0], "CWARMUP")  # one question first, as after any restart
            bench.replies("CWARMUP")
            return bench.burst(questions, events, concurrency) + bench.sustained(
                questions, rate, seconds
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
            fake.close()


class _Bench:
    def __init__(self, fake: FakeSlack, sender: SlackSender) -> None:
        self.fake = fake
        self.sender = sender
        self._sent: dict[str, float] = {}  # event ts -> when it was sent
        self._lock = threading.Lock()

    def send(self, question: str, channel: str, user: int = 0) -> float:
        """Send one @mention; return how long its acknowledgement took."""
        ts = self.sender.next_ts()
        event = {
            "type": "app_mention",
            "user": f"UBENCH{user % 50:03d}",
            "text": f"<@{BOT_USER}> {question}",
            "ts": ts,
            "channel": channel,
        }
        with self._lock:
            self._sent[ts] = time.monotonic()
        reply = self.sender.event(event)
        if reply.status != 200:
            raise RuntimeError(f"event answered with HTTP {reply.status}")
        return reply.seconds

    def replies(self, channel: str, count: int = 1) -> list[tuple[float, float]]:
        """(sent, replied) for each event in `channel`, once `count` have been answered."""
        deadline = time.monotonic() + 600
        while True:
            posts = [
                call
                for call in self.fake.calls_to("chat.postMessage")
                if call.params.get("channel") == channel
            ]
            if len(posts) >= count:
                with self._lock:
                    return [(self._sent[c.params["thread_ts"]], c.at) for c in posts]
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(posts)} of {count} answers in {channel}")
            time.sleep(0.05)

    def burst(self, questions: list[str], events: int, concurrency: int) -> list[str]:
        def send(i: int) -> float:
            return self.send(questions[i % len(questions)], "CBURST", i)

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            acks = list(pool.map(send, range(events)))
        replied = self.replies("CBURST", events)
        first_sent = min(sent for sent, _ in replied)
        drained = max(at for _, at in replied) - first_sent
        return [
            f"Burst: {events} events, {concurrency} at a time, one worker",
            _with_goal(latency_line("  ack", acks), acks, ACK_GOAL_P95),
            latency_line("  event -> reply", [at - s for s, at in replied]),
            f"  throughput: {events / drained:.1f} questions/s per worker "
            f"({events} answered in {drained:.1f} s)",
        ]

    def sustained(self, questions: list[str], rate: float, seconds: float) -> list[str]:
        events = int(rate * seconds)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=32) as pool:
            futures = []
            for i in range(events):
                time.sleep(max(0.0, started + i / rate - time.monotonic()))
                futures.append(pool.submit(self.send, questions[i % len(questions)], "CSTEADY", i))
            acks = [future.result() for future in futures]
        replied = self.replies("CSTEADY", events)
        delivered = [at - sent for sent, at in replied]
        return [
            f"Sustained: {rate:g} events/s for {seconds:g} s ({events} events), one worker",
            _with_goal(latency_line("  ack", acks), acks, ACK_GOAL_P95),
            _with_goal(
                latency_line("  event -> reply", delivered),
                delivered,
                REPLY_GOAL_P95,
            ),
        ]


def _with_goal(line: str, seconds: list[float], goal: float) -> str:
    met = "met" if percentile(seconds, 95) <= goal else "NOT met"
    return f"{line} (goal p95 <= {goal * 1000:.0f} ms: {met})"
