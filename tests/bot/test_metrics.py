"""/metrics, /healthz and /readyz: the real Bolt app over HTTP, and real gunicorn workers."""

from __future__ import annotations

import json
import os
import re
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from bot.slack.server import SlackHttpApp
from tests.support import serve
from tests.support.fake_slack import FakeSlack, SlackSender, serve_wsgi
from tests.support.processes import bcft, start_chroma_server, stop
from tests.support.slack import (
    KB,
    NEWCOMER,
    SECRET,
    bot_settings,
    direct_message,
    mention,
    running_bot,
    wait_for_replies,
)

pytestmark = pytest.mark.slow

URGENT = "a girl just told me her stepdad hits her and she is scared to go home tonight"
# A word no knowledge base or log line has any reason to contain, asked about in every
# question: if it shows up in a log line or a metric, the question's text got there.
DISTINCTIVE = "quokkaflute"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base: str) -> tuple[str, Samples]:
    """GET /metrics: the text, and every sample by (name, labels)."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def status(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture
def own_slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API for one test alone, whose calls it can count."""
    fake = FakeSlack()
    yield fake
    fake.close()


# -- one worker, in this process -----------------------------------------------------------


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlack, embedder):
    settings = bot_settings(tmp_path_factory.mktemp("metrics"), fake_slack)
    with running_bot(settings, embedder) as (app, base):
        yield settings, app, base


def test_metrics_count_questions_by_entry_point_outcomes_feedback_and_latency(
    running, fake_slack: FakeSlack
) -> None:
    _, _, base = running
    slack = SlackSender(f"{base}/slack/events", SECRET)
    asked = mention(slack, "C0METRICS", f"What does a core group do, {DISTINCTIVE}?")
    slack.event(asked, event_id="EvMETRICS1")
    slack.event(asked, event_id="EvMETRICS1", **{"X-Slack-Retry-Num": "1"})  # not counted
    slack.event(direct_message(slack, "D0METRICS", f"{URGENT} {DISTINCTIVE}"))
    slack.command(
        "/ask", f"What is an ICPC? {DISTINCTIVE}", NEWCOMER, fake_slack.response_url("m1")
    )
    (posted,) = wait_for_replies(fake_slack, "C0METRICS", asked["ts"])
    wait_for_replies(fake_slack, "D0METRICS", None)
    fake_slack.wait_for("response.m1")

    ref = next(b for b in posted["blocks"] if b["type"] == "actions")["elements"][0]["value"]
    slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": NEWCOMER},
            "channel": {"id": "C0METRICS"},
            "trigger_id": "t-metrics-up",
            "response_url": fake_slack.response_url("m-up"),
            "actions": [{"action_id": "feedback_up", "value": ref}],
        }
    )
    fake_slack.wait_for("response.m-up")
    slack.interaction(
        {
            "type": "view_submission",
            "user": {"id": NEWCOMER},
            "view": {
                "type": "modal",
                "callback_id": "feedback_modal",
                "private_metadata": ref,
                "state": {"values": {"reason": {"reason": {"selected_option": None}}}},
            },
        }
    )

    def settled() -> bool:  # a reply's time is observed just after Slack took the reply
        _, samples = scrape(base)
        return value(samples, "bcft_feedback_total", rating="down") == 1 and (
            value(samples, "bcft_answer_seconds_count") == 3
        )

    wait_until(settled)

    text, samples = scrape(base)
    assert value(samples, "bcft_questions_total", entry_point="mention") == 1
    assert value(samples, "bcft_questions_total", entry_point="dm") == 1
    assert value(samples, "bcft_questions_total", entry_point="ask") == 1
    answers = {
        (dict(labels)["outcome"], dict(labels)["urgent"]): count
        for (name, labels), count in samples.items()
        if name == "bcft_answers_total"
    }
    assert sum(answers.values()) == 3
    assert sum(n for (_, urgent), n in answers.items() if urgent == "true") == 1
    assert answers.get(("answered", "false"), 0) >= 1
    assert value(samples, "bcft_feedback_total", rating="up") == 1
    assert value(samples, "bcft_answer_seconds_count") == 3
    assert value(samples, "bcft_answer_seconds_bucket", le="+Inf") == 3
    assert value(samples, "bcft_ack_seconds_count") >= 6  # 4 events and commands, 2 clicks
    assert value(samples, "bcft_answer_queue_depth") == 0
    assert value(samples, "bcft_errors_total", kind="answering") == 0
    assert value(samples, "bcft_index_documents") == len(list(KB.rglob("*.md")))
    assert value(samples, "bcft_index_chunks") > value(samples, "bcft_index_documents")
    (info,) = [dict(labels) for (name, labels), _ in samples.items() if name == "bcft_index_info"]
    assert re.fullmatch(r"[0-9a-f]{32}", info["generation"])
    assert DISTINCTIVE not in text and NEWCOMER not in text  # no typed words, no user ids


def test_a_failed_answer_is_counted_as_an_error_and_a_failed_outcome(
    running, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, app, base = running

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("index unavailable")

    before = scrape(base)[1]
    monkeypatch.setattr(app.services.engine, "ask", broken)
    slack = SlackSender(f"{base}/slack/events", SECRET)
    event = mention(slack, "C0METRICSFAIL", "What is an ICPC?")
    slack.event(event)
    (apology,) = wait_for_replies(fake_slack, "C0METRICSFAIL", event["ts"])
    assert "Sorry, something went wrong" in apology["text"]
    after = scrape(base)[1]

    def more(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert more("bcft_errors_total", kind="answering") == 1
    assert more("bcft_answers_total", outcome="failed", urgent="false") == 1


def test_readyz_is_503_while_the_store_cannot_be_reached(
    tmp_path: Path, own_slack: FakeSlack, embedder
) -> None:
    settings = bot_settings(tmp_path, own_slack)
    with running_bot(settings, embedder) as (app, base):
        assert status(f"{base}/readyz") == (200, {"status": "ready"})
        database = settings.database_path
        app.services.store.close()  # its open connections: the next ping opens a new one
        for path in database.parent.glob(database.name + "*"):
            path.unlink()
        database.mkdir()  # a folder where the database file should be: it cannot be opened
        unreachable = {"status": "not ready", "reason": "store unreachable"}
        assert status(f"{base}/readyz") == (503, unreachable)
        assert status(f"{base}/healthz") == (200, {"status": "alive"})
        database.rmdir()
        assert status(f"{base}/readyz") == (200, {"status": "ready"})


def test_a_worker_that_cannot_start_is_reported_failed_and_not_ready(
    tmp_path: Path, own_slack: FakeSlack
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    app = SlackHttpApp(bot_settings(tmp_path, own_slack, data_dir=blocked))
    base, server = serve_wsgi(app)
    try:
        with pytest.raises(RuntimeError):
            app.wait_until_ready()
        assert status(f"{base}/healthz") == (500, {"status": "failed"})
        not_started = {"status": "not ready", "reason": "could not start"}
        assert status(f"{base}/readyz") == (503, not_started)
    finally:
        server.shutdown()
        app.close()


# -- two gunicorn workers ------------------------------------------------------------------


def counts_by_worker(metrics_dir: Path, name: str, **labels: str) -> dict[int, float]:
    """`name{labels}` as each worker counted it, from its own file."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
        pid = int(path.stem.removeprefix("counter_"))
        samples = {
            (s.name, frozenset(s.labels.items())): s.value
            for family in MultiProcessCollector.merge([str(path)])
            for s in family.samples
        }
        counts[pid] = value(samples, name, **labels)
    return counts


def test_two_workers_add_up_their_counts_and_log_json_by_reference(
    tmp_path: Path, own_slack: FakeSlack
) -> None:
    chroma, port = start_chroma_server(tmp_path / "chroma")
    env = serve.bot_env(
        tmp_path,
        own_slack,
        CHROMA_HOST="127.0.0.1",
        CHROMA_PORT=str(port),
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
    )
    metrics_dir = tmp_path / "data" / "metrics"
    metrics_dir.mkdir(parents=True)
    (metrics_dir / "counter_1.db").write_bytes(b"left over from an earlier run")
    log_path = tmp_path / "bot.log"
    try:
        assert bcft("ingest", env=env).returncode == 0
        with log_path.open("wb") as log_file:
            bot, base = serve.start_bot(env, "--workers", "2", stderr=log_file)
        try:
            assert not (metrics_dir / "counter_1.db").exists()
            slack = SlackSender(f"{base}/slack/events", serve.SECRET)

            # Slack refuses the answer (429 three times: the first try and both retries),
            # so the worker logs the failure and apologises with the answer's reference.
            own_slack.rate_limit_next("chat.postMessage", 3)
            refused = mention(slack, "C0JSONLOG", f"What does a core group do, {DISTINCTIVE}?")
            slack.event(refused, event_id="EvJSONLOG1")
            own_slack.wait_for("chat.postMessage", count=4, timeout=60)
            apology = own_slack.calls_to("chat.postMessage")[-1].params["text"]
            reference = re.search(r"reference ([0-9a-f]+)", apology).group(1)

            # More questions until both workers have counted some (which worker takes a
            # connection is the kernel's choice), at most 200.
            sent = 1
            with ThreadPoolExecutor(max_workers=10) as pool:
                while sent < 200:
                    events = [
                        mention(slack, "C0TWOWORKERS", f"What is an ICPC? {DISTINCTIVE} {i}")
                        for i in range(sent, sent + 10)
                    ]
                    assert all(r.status == 200 for r in pool.map(slack.event, events))
                    sent += len(events)
                    # counted before answering, so before the reply
                    own_slack.wait_for("chat.postMessage", count=sent + 3, timeout=120)
                    by_worker = counts_by_worker(
                        metrics_dir, "bcft_questions_total", entry_point="mention"
                    )
                    if sum(1 for n in by_worker.values() if n) >= 2:
                        break
            assert sum(1 for n in by_worker.values() if n) == 2
            assert sum(by_worker.values()) == sent

            # observed just after Slack took the reply
            wait_until(lambda: value(scrape(base)[1], "bcft_answer_seconds_count") == sent)
            for _ in range(6):  # each scrape is answered by either worker: the same totals
                _, samples = scrape(base)
                assert value(samples, "bcft_questions_total", entry_point="mention") == sent
                assert value(samples, "bcft_answer_seconds_count") == sent
                assert value(samples, "bcft_errors_total", kind="sending") == 1

            # A worker killed: gunicorn starts another; the dead one's counts stay.
            victim = next(pid for pid, n in by_worker.items() if n)
            assert (metrics_dir / f"gauge_livesum_{victim}.db").exists()
            os.kill(victim, signal.SIGKILL)
            wait_until(lambda: not (metrics_dir / f"gauge_livesum_{victim}.db").exists())
            wait_until(lambda: status(f"{base}/readyz")[0] == 200)
            _, samples = scrape(base)
            assert value(samples, "bcft_questions_total", entry_point="mention") == sent
        finally:
            stop(bot)
    finally:
        stop(chroma)

    text = log_path.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    assert any(line["logger"].startswith("gunicorn") for line in lines)
    (failure,) = [line for line in lines if line["message"].startswith("Slack did not take")]
    assert (failure["ref"], failure["event"]) == (reference, "EvJSONLOG1")
    assert failure["level"] == "ERROR" and "ratelimited" in failure["exception"]
    assert DISTINCTIVE not in text.lower()
