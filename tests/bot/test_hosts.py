"""Two `bcft serve` hosts sharing one Chroma server and one PostgreSQL: each event answered
once whichever host Slack's deliveries reach, feedback and reindexing shared."""

from __future__ import annotations

import random
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


@pytest.fixture(scope="module")
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def hosts(
    tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlack, postgres_server
) -> Iterator[list[tuple[dict[str, str], SlackSender]]]:
    """Two hosts, each with its own data folder and knowledge-base copy, one worker each."""
    import psycopg

    with psycopg.connect(postgres_server.url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE two_hosts")
    shared = {"DATABASE_URL": postgres_server.url.rsplit("/", 1)[0] + "/two_hosts"}
    root = tmp_path_factory.mktemp("hosts")
    chroma, port = start_chroma_server(root / "chroma")
    shared |= {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(port)}
    envs = [bot_env(root / name, fake_slack, **shared) for name in ("a", "b")]
    assert bcft("ingest", env=envs[0]).returncode == 0
    started = [start_bot(env) for env in envs]
    try:
        yield [
            (env, SlackSender(f"{base}/slack/events", SECRET))
            for env, (_, base) in zip(envs, started, strict=True)
        ]
    finally:
        for process, _ in started:
            stop(process)
        stop(chroma)


def replies_in(fake: FakeSlack, channel: str) -> list[dict]:
    return [c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == channel]


def answered_in(fake: FakeSlack, channel: str) -> list[str]:
    return [reply["thread_ts"] for reply in replies_in(fake, channel)]


def first_reply(fake: FakeSlack, channel: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while not (replies := replies_in(fake, channel)):
        assert time.monotonic() < deadline, f"no reply in {channel}"
        time.sleep(0.1)
    return replies[0]


def test_events_spread_over_two_hosts_with_retries_on_the_other_are_answered_once(
    hosts, fake_slack: FakeSlack
) -> None:
    (_, a), (_, b) = hosts
    events = [mention(a, "C0HOSTS", f"What does a core group do? {i}") for i in range(50)]
    rng = random.Random(7)
    deliveries = []
    for i, event in enumerate(events):
        first, other = (a, b) if rng.random() < 0.5 else (b, a)
        deliveries.append((first, event, f"EvH{i:04d}", {}))
        if rng.random() < 0.2:  # Slack did not see the ack in time: a retry, on the other host
            deliveries.append((other, event, f"EvH{i:04d}", {"X-Slack-Retry-Num": "1"}))
    same_event = mention(a, "C0HOSTS", "What does a core group do? both")
    deliveries += [(a, same_event, "EvHBOTH", {}), (b, same_event, "EvHBOTH", {})]
    rng.shuffle(deliveries)

    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda d: d[0].event(d[1], event_id=d[2], **d[3]), deliveries))

    assert all(reply.status == 200 for reply in replies)
    fake_slack.wait_for("chat.postMessage", count=len(events) + 1, timeout=180)
    time.sleep(2)  # a duplicate would arrive by now
    assert sorted(answered_in(fake_slack, "C0HOSTS")) == sorted(
        e["ts"] for e in [*events, same_event]
    )


def test_feedback_given_on_one_host_is_in_the_report_of_the_other(
    hosts, fake_slack: FakeSlack
) -> None:
    (_, a), (env_b, _) = hosts
    event = mention(a, "C0RATED", "When must the initial child protection conference be held?")
    a.event(event)
    posted = first_reply(fake_slack, "C0RATED")
    ref = next(b for b in posted["blocks"] if b["type"] == "actions")["elements"][0]["value"]
    a.interaction(
        {
            "type": "block_actions",
            "user": {"id": "UNEW0001"},
            "channel": {"id": "C0RATED"},
            "trigger_id": "t-rated",
            "response_url": fake_slack.response_url("rated"),
            "actions": [{"action_id": "feedback_up", "value": ref}],
        }
    )
    fake_slack.wait_for("response.rated")

    report = bcft("feedback", "report", env=env_b)
    assert report.returncode == 0 and "1 helpful" in report.stdout


def test_a_reindex_on_one_host_is_used_by_the_other_without_a_restart(
    hosts, fake_slack: FakeSlack
) -> None:
    (env_a, a), (_, b) = hosts
    write_markdown(
        Path(env_a["KNOWLEDGE_BASE_DIR"]),
        "family-time-venues",
        {
            "City centre": "Supervised family time in the city centre takes place in the blue "
            "room at the family centre."
        },
    )
    a.command("/kb", "reindex", ADMIN, fake_slack.response_url("hosts-reindex"))
    summary = fake_slack.wait_for("response.hosts-reindex", count=2, timeout=120)[-1]
    assert "1 added" in summary.params["text"]

    event = mention(
        b, "C0REINDEXED", "where does supervised family time happen in the city centre?"
    )
    b.event(event)
    reply = first_reply(fake_slack, "C0REINDEXED")
    assert reply["thread_ts"] == event["ts"]
    assert "blue room" in str(reply["blocks"])
