"""Urgency before everything, on every path of the real Bolt app over HTTP.

An urgent message is never rate-limited, and whatever fails after the assessment (retrieval,
the store, Slack refusing a post), its reply still carries the emergency route.
"""

from __future__ import annotations

import sqlite3
import time

import pytest

from bot.answering.signposts import CALL_999
from bot.slack.admin import NOT_ALLOWED
from bot.store import open_store
from tests.support.fake_slack import FakeSlack, SlackSender
from tests.support.slack import (
    ADMIN,
    NEWCOMER,
    SECRET,
    blocks_text,
    bot_settings,
    direct_message,
    mention,
    running_bot,
    wait_for_replies,
)

pytestmark = pytest.mark.slow

URGENT = "a girl just told me her stepdad hits her and she is scared to go home tonight"
PUBLISHED_ROUTE = "01274 435600"  # the test knowledge base's contacts document


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlack, embedder):
    """A bot whose rate limit is one question a minute."""
    settings = bot_settings(tmp_path_factory.mktemp("urgent"), fake_slack, rate_limit_per_minute=1)
    with running_bot(settings, embedder) as (app, base):
        yield settings, app, base


@pytest.fixture
def slack(running) -> SlackSender:
    return SlackSender(f"{running[2]}/slack/events", SECRET)


@pytest.fixture
def services(running):
    return running[1].services


def reply_text(reply: dict) -> str:
    return reply["text"] + blocks_text(reply.get("blocks") or [])


def test_an_urgent_message_is_answered_when_the_rate_limit_is_spent(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    first = mention(slack, "C0LIMIT", "What is an ICPC?")
    slack.event(first)
    wait_for_replies(fake_slack, "C0LIMIT", first["ts"])
    second = mention(slack, "C0LIMIT", "What does a core group do?")
    slack.event(second)
    (limited,) = wait_for_replies(fake_slack, "C0LIMIT", second["ts"])
    assert "Please wait a moment" in limited["text"]

    urgent = mention(slack, "C0LIMIT", URGENT)
    slack.event(urgent)
    (reply,) = wait_for_replies(fake_slack, "C0LIMIT", urgent["ts"])
    assert reply["text"].startswith(CALL_999)
    assert "Urgent" in blocks_text(reply["blocks"]) and PUBLISHED_ROUTE in reply_text(reply)


def test_the_emergency_route_survives_a_failure_while_answering(
    slack: SlackSender, fake_slack: FakeSlack, services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("answering failed")

    monkeypatch.setattr(services.engine, "ask", broken)
    event = mention(slack, "C0ASKFAIL", URGENT)
    event["user"] = "UASKFAIL1"
    slack.event(event)
    (reply,) = wait_for_replies(fake_slack, "C0ASKFAIL", event["ts"])
    lines = reply["text"].splitlines()
    assert lines[0] == CALL_999 and PUBLISHED_ROUTE in lines[1]  # the route could be read
    assert "Sorry, something went wrong" in lines[-1] and "reference" in lines[-1]


def test_an_urgent_message_is_answered_when_its_metrics_cannot_be_counted(
    running, slack: SlackSender, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics = running[1].metrics
    for instrument in (metrics._questions, metrics._answers, metrics._queue_depth):
        monkeypatch.setattr(instrument, "labels", _no_metrics_folder, raising=False)
        monkeypatch.setattr(instrument, "inc", _no_metrics_folder, raising=False)
    event = mention(slack, "C0NOMETRICS", URGENT)
    event["user"] = "UNOMETRICS"
    slack.event(event)
    (reply,) = wait_for_replies(fake_slack, "C0NOMETRICS", event["ts"])
    assert reply_text(reply).startswith(CALL_999)


def _no_metrics_folder(*args: object, **kwargs: object) -> None:
    raise OSError("the metrics folder is gone")


def test_the_999_line_stands_alone_when_retrieval_fails(
    slack: SlackSender, fake_slack: FakeSlack, services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(services.engine.retriever, "retrieve", broken)
    monkeypatch.setattr(services.engine, "_knowledge", None)  # nothing remembered either
    event = mention(slack, "C0RETRIEVE", URGENT)
    event["user"] = "URETRIEVE"
    slack.event(event)
    (reply,) = wait_for_replies(fake_slack, "C0RETRIEVE", event["ts"])
    assert reply["text"].splitlines()[0] == CALL_999
    assert "Sorry, something went wrong" in reply["text"]


def test_an_urgent_message_is_answered_when_the_store_fails(
    slack: SlackSender, fake_slack: FakeSlack, services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    for method in ("first_time_seen", "allow_request", "thread_turns", "record_answer"):
        monkeypatch.setattr(services.store, method, locked)
    event = mention(slack, "C0STORE", URGENT)
    assert slack.event(event).status == 200  # the de-duplication middleware lets it through
    (reply,) = wait_for_replies(fake_slack, "C0STORE", event["ts"])
    assert reply["text"].startswith(CALL_999) and PUBLISHED_ROUTE in reply_text(reply)


def test_a_reply_slack_refuses_once_is_sent_again(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    fake_slack.rate_limit_next("chat.postMessage")
    event = mention(slack, "C0RETRY", URGENT)
    event["user"] = "URETRY001"
    slack.event(event)
    refused, sent = wait_for_replies(fake_slack, "C0RETRY", event["ts"], count=2)
    assert refused == sent  # the same answer, sent again after Retry-After
    assert sent["text"].startswith(CALL_999) and "Sorry" not in sent["text"]
    assert "Urgent" in blocks_text(sent["blocks"])


def test_the_words_sent_with_a_file_are_assessed_first(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    fake_slack.files["notes.md"] = b"# Notes\n\nSome notes about a family.\n"
    files = [
        {"name": "notes.md", "size": 40, "url_private_download": fake_slack.file_url("notes.md")}
    ]
    newcomer = direct_message(slack, "D0FILE1", URGENT, subtype="file_share", files=files)
    newcomer["user"] = "UFILE0001"
    slack.event(newcomer)
    replies = wait_for_replies(fake_slack, "D0FILE1", None, count=2)
    assert replies[0]["text"].startswith(CALL_999)
    assert any(r["text"] == NOT_ALLOWED for r in replies)  # and the file is still refused

    lead = direct_message(slack, "D0FILE2", URGENT, subtype="file_share", files=files)
    lead["user"] = ADMIN
    slack.event(lead)
    replies = wait_for_replies(fake_slack, "D0FILE2", None, count=2)
    assert replies[0]["text"].startswith(CALL_999)
    assert any("1 added" in r["text"] for r in replies)


def test_ask_command_puts_the_emergency_route_first(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    slack.command("/ask", URGENT, "UASKCMD01", fake_slack.response_url("ask-urgent"))
    (private,) = fake_slack.wait_for("response.ask-urgent")
    assert private.params["response_type"] == "ephemeral"
    assert private.params["text"].startswith(CALL_999)


def test_assistant_panel_answers_urgently_and_titles_without_personal_data(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    thread_ts = slack.next_ts()
    message = direct_message(
        slack, "D0PANEL", f"NHS 943 476 5919: {URGENT}", thread_ts=thread_ts, user="UPANEL001"
    )
    slack.event(message)
    (reply,) = wait_for_replies(fake_slack, "D0PANEL", thread_ts)
    assert reply["text"].startswith(CALL_999)
    title = fake_slack.wait_for("assistant.threads.setTitle")[-1].params["title"]
    assert "943 476 5919" not in title and "[NHS number removed]" in title


def test_the_assistant_panel_stops_thinking_when_not_even_an_apology_can_be_sent(
    slack: SlackSender, fake_slack: FakeSlack, services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("answering failed")

    monkeypatch.setattr(services.engine, "ask", broken)
    fake_slack.rate_limit_next("chat.postMessage", times=3)  # the first try and both retries
    thread_ts = slack.next_ts()
    question = "how often should a looked after child be visited?"
    slack.event(direct_message(slack, "D0NOSAY", question, thread_ts=thread_ts, user="UNOSAY01"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_statuses(fake_slack, "D0NOSAY")) < 2:
        time.sleep(0.05)
    assert _statuses(fake_slack, "D0NOSAY") == ["is thinking…", ""]
    tries = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == "D0NOSAY"]
    assert len(tries) == 3  # the apology was tried, and Slack refused it every time


def _statuses(fake_slack: FakeSlack, channel: str) -> list[str]:
    return [
        call.params["status"]
        for call in fake_slack.calls_to("assistant.threads.setStatus")
        if call.params.get("channel_id") == channel
    ]


def test_only_practice_leads_see_what_others_could_not_get_answered(
    running, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    settings, _, _ = running
    gap = direct_message(slack, "D0GAPS", "How much overtime pay do agency workers get?")
    gap["user"] = "UGAPPER01"
    slack.event(gap)
    wait_for_replies(fake_slack, "D0GAPS", None)
    assert open_store(settings).open_gaps()

    def home_for(user: str) -> str:
        before = len(fake_slack.calls_to("views.publish"))
        slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
        call = fake_slack.wait_for("views.publish", count=before + 1)[-1]
        assert call.params["user_id"] == user
        return blocks_text(call.params["view"])

    assert "overtime pay" in home_for(ADMIN)
    others = home_for(NEWCOMER)
    assert "overtime pay" not in others and "Most frequent unanswered" not in others
    assert "overtime pay" in home_for("UGAPPER01")  # their own question, in their own view
