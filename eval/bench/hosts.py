"""`bcft bench slack --hosts 2`: two `bcft serve` hosts sharing one Chroma server and one
PostgreSQL, as behind a load balancer.

Starts a throwaway PostgreSQL and a `chroma run`, indexes the knowledge base once, and starts
one `bcft serve` per host, each with its own data folder. Then it sends @mentions spread over
the hosts, a share of them delivered again to the *other* host as Slack's retries (as when an
acknowledgement was lost), presses 👍 on every answer on a host chosen at random, and counts:
events answered twice, events never answered, and ratings missing from the shared store.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from eval.bench import latency_line
from eval.local_servers import free_port, start_chroma_server, start_postgres, stop, wait_for_http
from tests.support.fake_slack import BOT_USER, FakeSlack, SlackSender

SECRET = "bench-signing-secret"
# Share of events Slack delivers a second time, to the other host.
RETRY_SHARE = 0.2


def bench_hosts(knowledge_base: Path, questions: list[str], hosts: int, events: int) -> list[str]:
    fake = FakeSlack()
    postgres = start_postgres()
    with tempfile.TemporaryDirectory(prefix="bcft-bench-hosts-") as scratch:
        chroma, chroma_port = start_chroma_server(Path(scratch) / "chroma")
        servers: list[subprocess.Popen] = []
        try:
            shared = {
                **os.environ,
                "KNOWLEDGE_BASE_DIR": str(knowledge_base),
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.api_url,
                "RATE_LIMIT_PER_MINUTE": str(events * 4),
                "DATABASE_URL": postgres.url,
                "CHROMA_HOST": "127.0.0.1",
                "CHROMA_PORT": str(chroma_port),
            }
            envs = [{**shared, "DATA_DIR": f"{scratch}/host{n}"} for n in range(hosts)]
            ingest = [sys.executable, "-m", "bot.cli", "ingest"]
            subprocess.run(ingest, env=envs[0], check=True, capture_output=True)
            senders = []
            for env in envs:
                port = free_port()
                servers.append(_serve(env, port))
                senders.append(SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET))
            for server, sender in zip(servers, senders, strict=True):
                wait_for_http(sender.url.replace("/slack/events", "/readyz"), 180, server)
            return _run(fake, senders, questions, events, postgres.url)
        finally:
            for server in servers:
                stop(server)
            stop(chroma)
            postgres.stop()
            fake.close()


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _run(
    fake: FakeSlack, senders: list[SlackSender], questions: list[str], events: int, url: str
) -> list[str]:
    rng = random.Random(0)
    sent = [
        {
            "type": "app_mention",
            "user": f"UBENCH{i % 50:03d}",
            "text": f"<@{BOT_USER}> {questions[i % len(questions)]}",
            "ts": senders[0].next_ts(),
            "channel": "CHOSTS",
        }
        for i in range(events)
    ]
    deliveries = []
    for i, event in enumerate(sent):
        first, *others = rng.sample(senders, len(senders))
        deliveries.append((first, event, f"EvB{i:05d}", {}))
        if others and rng.random() < RETRY_SHARE:
            deliveries.append((others[0], event, f"EvB{i:05d}", {"X-Slack-Retry-Num": "1"}))
    rng.shuffle(deliveries)
    started = {event["ts"]: 0.0 for event in sent}

    def deliver(delivery: tuple) -> float:
        sender, event, event_id, headers = delivery
        started[event["ts"]] = started[event["ts"]] or time.monotonic()
        return sender.event(event, event_id=event_id, **headers).seconds

    with ThreadPoolExecutor(max_workers=10) as pool:
        acks = list(pool.map(deliver, deliveries))
    replies = _wait_for_replies(fake, events)
    answered = [reply.params["thread_ts"] for reply in replies]
    twice = len(answered) - len(set(answered))
    never = len({e["ts"] for e in sent} - set(answered))
    waits = [reply.at - started[reply.params["thread_ts"]] for reply in replies]
    lost = _ratings_lost(fake, senders, replies, url, rng)
    retries = len(deliveries) - events
    return [
        f"Two hosts: {events} events over {len(senders)} hosts, {retries} retries on the "
        "other host; one Chroma server, one PostgreSQL",
        f"  answered twice: {twice} (goal 0: {'met' if twice == 0 else 'NOT met'})",
        f"  never answered: {never} (goal 0: {'met' if never == 0 else 'NOT met'})",
        f"  ratings lost: {lost} of {len(replies)} (goal 0: {'met' if lost == 0 else 'NOT met'})",
        latency_line("  ack", acks),
        latency_line("  event -> reply", waits),
    ]


def _wait_for_replies(fake: FakeSlack, events: int) -> list:
    """Every answer, once `events` have come and two quiet seconds have passed (duplicates)."""
    deadline = time.monotonic() + 600
    while len(fake.calls_to("chat.postMessage")) < events and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2)
    return fake.calls_to("chat.postMessage")


def _ratings_lost(
    fake: FakeSlack, senders: list[SlackSender], replies: list, url: str, rng: random.Random
) -> int:
    """Press 👍 on every answer through a random host; count ratings the store lacks."""
    from bot.store import Store

    refs = [
        next(b for b in reply.params["blocks"] if b["type"] == "actions")["elements"][0]["value"]
        for reply in replies
    ]

    hosts = {ref: rng.choice(senders) for ref in refs}

    def press(ref: str) -> None:
        hosts[ref].interaction(
            {
                "type": "block_actions",
                "user": {"id": "UBENCHRATER"},
                "channel": {"id": "CHOSTS"},
                "trigger_id": f"t-{ref}",
                "response_url": fake.response_url(ref),
                "actions": [{"action_id": "feedback_up", "value": ref}],
            }
        )

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(press, refs))
    store = Store(url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rated = {row["ref"] for row in store.feedback()}
        if rated >= set(refs):
            break
        time.sleep(0.2)
    store.close()
    return len(set(refs) - rated)
