"""Slack is acknowledged first: no answer, however slow, stands between a request and its ack.

The real Bolt app over real HTTP, with answering held at a gate the test opens: every
acknowledgement must arrive while the answers are still held.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.answering.signposts import CALL_999
from tests.support.fake_slack import FakeSlack, Reply, SlackSender
from tests.support.slack import (
    SECRET,
    bot_settings,
    mention,
    replies_in,
    running_bot,
    wait_for_replies,
)

pytestmark = pytest.mark.slow

ANSWER_THREADS = 2
URGENT = "a girl just told me her stepdad hits her and she is scared to go home tonight"


class HeldAnswering:
    """The engine's `ask`, behind a gate the test holds: answering starts, then waits."""

    def __init__(self, engine: object, monkeypatch: pytest.MonkeyPatch) -> None:
        self.gate = threading.Event()
        self.started: list[str] = []  # the questions whose answering began, in order
        real_ask = engine.ask  # type: ignore[attr-defined]

        def ask(question: str, **kwargs: object) -> object:
            self.started.append(question)
            if not self.gate.wait(timeout=60):
                raise TimeoutError("the test never released answering")
            return real_ask(question, **kwargs)

        monkeypatch.setattr(engine, "ask", ask)

    def wait_until_started(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.started) < count:
            assert time.monotonic() < deadline, f"{len(self.started)} answers started, not {count}"
            time.sleep(0.02)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlack, embedder):
    """A bot with two answer threads and only two threads for Bolt's listeners."""
    settings = bot_settings(
        tmp_path_factory.mktemp("ack"),
        fake_slack,
        slack_answer_threads=ANSWER_THREADS,
        slack_listener_threads=2,
    )
    with running_bot(settings, embedder) as (app, base):
        yield app, base


@pytest.fixture
def slack(running) -> SlackSender:
    return SlackSender(f"{running[1]}/slack/events", SECRET)


@pytest.fixture
def held(running, monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldAnswering]:
    held = HeldAnswering(running[0].services.engine, monkeypatch)
    try:
        yield held
    finally:
        held.gate.set()  # never leave the bot's threads waiting, even when a test fails


def send_at_once(*requests: Callable[[], Reply]) -> list[Reply]:
    """Send the requests together and return their HTTP responses (failing after 20 s)."""
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(request) for request in requests]
        return [future.result(timeout=20) for future in futures]


def while_held(held: HeldAnswering, *requests: Callable[[], Reply]) -> list[Reply]:
    """Send the requests at once; their responses must all arrive with answering still held."""
    replies = send_at_once(*requests)
    assert not held.gate.is_set()
    return replies


def test_an_event_is_acknowledged_while_every_answer_thread_is_busy(
    slack: SlackSender, fake_slack: FakeSlack, held: HeldAnswering
) -> None:
    busy = [mention(slack, "C0ACKBUSY", f"What is an ICPC? ({i})") for i in range(ANSWER_THREADS)]
    while_held(held, *(lambda e=e: slack.event(e) for e in busy))
    held.wait_until_started(ANSWER_THREADS)  # every answer thread is now waiting at the gate

    event = mention(slack, "C0ACKBUSY", "What does a core group do?")
    (reply,) = while_held(held, lambda: slack.event(event))
    assert (reply.status, reply.body) == (200, "")
    assert replies_in(fake_slack, "C0ACKBUSY", event["ts"]) == []  # acknowledged, not answered

    held.gate.set()
    for e in [*busy, event]:
        wait_for_replies(fake_slack, "C0ACKBUSY", e["ts"])


def test_ask_is_acknowledged_while_every_answer_thread_is_busy(
    slack: SlackSender, fake_slack: FakeSlack, held: HeldAnswering
) -> None:
    busy = [mention(slack, "C0ASKBUSY", f"What is an ICPC? ({i})") for i in range(ANSWER_THREADS)]
    while_held(held, *(lambda e=e: slack.event(e) for e in busy))
    held.wait_until_started(ANSWER_THREADS)

    url = fake_slack.response_url("ask-held")
    (reply,) = while_held(held, lambda: slack.command("/ask", "What is an ICPC?", "UASKHELD", url))
    assert reply.status == 200
    assert fake_slack.calls_to("response.ask-held") == []  # acknowledged, not answered

    held.gate.set()
    (private,) = fake_slack.wait_for("response.ask-held")
    assert private.params["response_type"] == "ephemeral" and private.params.get("blocks")


def test_a_burst_larger_than_the_answer_threads_is_all_acknowledged_then_answered_once(
    running, slack: SlackSender, fake_slack: FakeSlack, held: HeldAnswering
) -> None:
    app, _ = running
    events = [mention(slack, "C0ACKBURST", f"What does a core group do? ({i})") for i in range(12)]
    replies = while_held(held, *(lambda e=e: slack.event(e) for e in events))
    assert all((reply.status, reply.body) == (200, "") for reply in replies)
    held.wait_until_started(ANSWER_THREADS)
    assert len(held.started) == ANSWER_THREADS  # the rest wait their turn in the queue

    held.gate.set()
    for event in events:
        wait_for_replies(fake_slack, "C0ACKBURST", event["ts"])
    assert app.answers.waiting() == 0
    answered = [
        p["thread_ts"]
        for p in (c.params for c in fake_slack.calls_to("chat.postMessage"))
        if p.get("channel") == "C0ACKBURST"
    ]
    assert sorted(answered) == sorted(e["ts"] for e in events)  # each exactly once


def test_an_urgent_message_is_answered_before_ordinary_questions_queued_ahead_of_it(
    running, slack: SlackSender, fake_slack: FakeSlack, held: HeldAnswering
) -> None:
    app, _ = running
    busy = [mention(slack, "C0JUMP", f"What is an ICPC? ({i})") for i in range(ANSWER_THREADS)]
    while_held(held, *(lambda e=e: slack.event(e) for e in busy))
    held.wait_until_started(ANSWER_THREADS)
    queued = [mention(slack, "C0JUMP", f"What does a core group do? ({i})") for i in range(6)]
    for event in queued:
        slack.event(event)
    urgent = mention(slack, "C0JUMP", URGENT)
    slack.event(urgent)
    deadline = time.monotonic() + 20  # each message is queued once its listener has run
    while app.answers.waiting() < len(queued) + 1:
        assert time.monotonic() < deadline
        time.sleep(0.02)

    held.gate.set()
    (reply,) = wait_for_replies(fake_slack, "C0JUMP", urgent["ts"])
    assert reply["text"].startswith(CALL_999)
    for event in queued:
        wait_for_replies(fake_slack, "C0JUMP", event["ts"])
    # At most one ordinary question can start while the urgent one is being assessed; the
    # others, though they arrived first, wait for the urgent answer.
    order = held.started[ANSWER_THREADS:]
    assert order.index(URGENT) <= 1


def test_requests_are_acknowledged_while_the_store_is_locked(
    running, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """Another worker holding the SQLite write lock delays answers, never acknowledgements
    (the store waits up to 30 s for a lock; these responses are due within 20 s)."""
    app, _ = running
    lock = sqlite3.connect(app.settings.database_path, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        event = mention(slack, "C0LOCKED", "What does a core group do?")
        url = fake_slack.response_url("ask-locked")
        replies = send_at_once(
            lambda: slack.event(event),
            lambda: slack.command("/ask", "What is an ICPC?", "ULOCKED1", url),
        )
        assert [reply.status for reply in replies] == [200, 200]
        assert replies_in(fake_slack, "C0LOCKED", event["ts"]) == []  # held by the lock
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    wait_for_replies(fake_slack, "C0LOCKED", event["ts"])
    fake_slack.wait_for("response.ask-locked")


def test_a_retried_assistant_thread_start_greets_once(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    thread = {"user_id": "UGREET01", "channel_id": "D0GREET", "thread_ts": slack.next_ts()}
    event = {"type": "assistant_thread_started", "assistant_thread": thread}
    assert slack.event(event, event_id="EvGREET1").status == 200
    retry = slack.event(event, event_id="EvGREET1", **{"X-Slack-Retry-Num": "1"})
    assert retry.status == 200
    wait_for_replies(fake_slack, "D0GREET", thread["thread_ts"])
    fake_slack.wait_for("assistant.threads.setSuggestedPrompts")
    time.sleep(1)  # give a second greeting the time to arrive, were one coming
    assert len(replies_in(fake_slack, "D0GREET", thread["thread_ts"])) == 1
