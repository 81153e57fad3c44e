"""The real Bolt app over real HTTP: signed requests in, a fake Slack Web API out."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.slack.admin import NOT_ALLOWED
from bot.store import Store, open_store
from tests.support.documents import write_markdown
from tests.support.fake_slack import FakeSlack, SlackSender, post_signed, sign
from tests.support.slack import (
    ADMIN,
    LEAD,
    NEWCOMER,
    SECRET,
    blocks_text,
    bot_settings,
    mention,
    replies_in,
    running_bot,
    wait_for_replies,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    fake.usergroup_members = [LEAD]
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlack, embedder):
    """The bot's WSGI app on 127.0.0.1, over an index of the test knowledge base."""
    settings = bot_settings(tmp_path_factory.mktemp("bot"), fake_slack)
    with running_bot(settings, embedder) as (app, base):
        yield settings, app, base


@pytest.fixture
def slack(running) -> SlackSender:
    _, _, base = running
    return SlackSender(f"{base}/slack/events", SECRET)


@pytest.fixture
def store(running) -> Store:
    settings, _, _ = running
    return open_store(settings)


def test_healthz_is_alive_readyz_is_ready_and_unknown_paths_are_404(running) -> None:
    _, _, base = running
    with urllib.request.urlopen(f"{base}/healthz") as response:
        assert response.status == 200 and json.load(response)["status"] == "alive"
    with urllib.request.urlopen(f"{base}/readyz") as response:
        assert response.status == 200 and json.load(response)["status"] == "ready"
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/nowhere")
    assert missing.value.code == 404


def test_mention_gets_a_threaded_reply_with_sources(slack: SlackSender, fake_slack) -> None:
    event = mention(
        slack, "C0MENTION", "When must the initial child protection conference be held?"
    )
    reply = slack.event(event)
    assert reply.status == 200 and reply.seconds < 3
    (posted,) = wait_for_replies(fake_slack, "C0MENTION", event["ts"])
    text = blocks_text(posted["blocks"])
    assert "15 working days" in text
    assert "<https://example.org/icpc|Initial child protection conference>" in text
    assert "feedback_up" in text and "feedback_down" in text
    assert posted["text"].startswith("The initial child protection conference")


def test_message_copy_of_a_mention_and_retries_are_answered_once(
    slack: SlackSender, fake_slack
) -> None:
    event = mention(slack, "C0DEDUPE", "What does a core group do?")
    slack.event(event, event_id="EvDEDUPE1")
    slack.event(event, event_id="EvDEDUPE1", **{"X-Slack-Retry-Num": "1"})
    copy = {**event, "type": "message", "channel_type": "channel"}
    slack.event(copy, event_id="EvDEDUPE2")
    wait_for_replies(fake_slack, "C0DEDUPE", event["ts"])
    time.sleep(1.5)
    assert len(replies_in(fake_slack, "C0DEDUPE", event["ts"])) == 1


def test_direct_message_is_answered_in_the_conversation(slack: SlackSender, fake_slack) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "D0DIRECT",
        "user": NEWCOMER,
        "text": "How quickly must a LADO referral be made?",
        "ts": slack.next_ts(),
    }
    assert slack.event(event).status == 200
    (posted,) = wait_for_replies(fake_slack, "D0DIRECT", None)
    assert "within 1 working day" in blocks_text(posted["blocks"])
    assert "past its review date" in blocks_text(posted["blocks"])  # the LADO page is stale


def test_follow_up_in_a_thread_uses_the_earlier_question(slack: SlackSender, fake_slack) -> None:
    first = mention(slack, "C0FOLLOW", "What does a core group do?")
    slack.event(first)
    wait_for_replies(fake_slack, "C0FOLLOW", first["ts"])
    follow = mention(slack, "C0FOLLOW", "and when does the first one meet?", thread_ts=first["ts"])
    slack.event(follow)
    replies = wait_for_replies(fake_slack, "C0FOLLOW", first["ts"], count=2)
    assert "within 10 working days" in blocks_text(replies[1]["blocks"])


def test_ask_command_answers_privately_and_can_be_shared(slack: SlackSender, fake_slack) -> None:
    reply = slack.command("/ask", "What is an ICPC?", NEWCOMER, fake_slack.response_url("ask1"))
    assert reply.status == 200 and reply.seconds < 3
    (private,) = fake_slack.wait_for("response.ask1")
    assert private.params["response_type"] == "ephemeral"
    share = next(
        element
        for block in private.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "share_answer"
    )
    slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": NEWCOMER},
            "channel": {"id": "C0SHARE"},
            "trigger_id": "t-share",
            "response_url": fake_slack.response_url("share1"),
            "actions": [{"action_id": "share_answer", "value": share["value"]}],
        }
    )
    (shared,) = wait_for_replies(fake_slack, "C0SHARE", None)
    assert "Initial Child Protection Conference" in blocks_text(shared["blocks"])
    assert fake_slack.wait_for("response.share1")[0].params.get("delete_original") is True


def test_assistant_panel_greets_prompts_thinks_and_titles(slack: SlackSender, fake_slack) -> None:
    thread = {"user_id": NEWCOMER, "channel_id": "D0ASSIST", "thread_ts": slack.next_ts()}
    slack.event({"type": "assistant_thread_started", "assistant_thread": thread})
    (greeting,) = wait_for_replies(fake_slack, "D0ASSIST", thread["thread_ts"])
    assert "999" in greeting["text"]
    prompts = fake_slack.wait_for("assistant.threads.setSuggestedPrompts")[-1].params
    assert "Your first weeks" in json.dumps(prompts)

    question = {
        "type": "message",
        "channel_type": "im",
        "channel": "D0ASSIST",
        "user": NEWCOMER,
        "text": "When does the first core group meet?",
        "ts": slack.next_ts(),
        "thread_ts": thread["thread_ts"],
    }
    slack.event(question)
    replies = wait_for_replies(fake_slack, "D0ASSIST", thread["thread_ts"], count=2)
    assert "10 working days" in blocks_text(replies[1]["blocks"])
    statuses = [c.params for c in fake_slack.calls_to("assistant.threads.setStatus")]
    assert {"channel_id": "D0ASSIST", "thread_ts": thread["thread_ts"]}.items() <= statuses[
        -1
    ].items()
    assert statuses[-1]["status"] == "is thinking…"
    titles = fake_slack.calls_to("assistant.threads.setTitle")
    assert titles[-1].params["title"] == "When does the first core group meet?"


def test_feedback_buttons_and_modal_are_stored(
    slack: SlackSender, fake_slack, store: Store
) -> None:
    event = mention(slack, "C0FEEDBACK", "What does a core group do?")
    slack.event(event)
    (posted,) = wait_for_replies(fake_slack, "C0FEEDBACK", event["ts"])
    ref = next(b for b in posted["blocks"] if b["type"] == "actions")["elements"][0]["value"]
    user = {"id": NEWCOMER}

    def press(action: str, key: str) -> None:
        slack.interaction(
            {
                "type": "block_actions",
                "user": user,
                "channel": {"id": "C0FEEDBACK"},
                "trigger_id": f"t-{key}",
                "response_url": fake_slack.response_url(key),
                "actions": [{"action_id": action, "value": ref}],
            }
        )

    press("feedback_up", "up1")
    fake_slack.wait_for("response.up1")
    press("feedback_down", "down1")
    modal = fake_slack.wait_for("views.open")[-1].params
    view = modal["view"] if isinstance(modal["view"], dict) else json.loads(modal["view"])
    assert view["callback_id"] == "feedback_modal" and view["private_metadata"] == ref
    submitted = slack.interaction(
        {
            "type": "view_submission",
            "user": user,
            "view": {
                "type": "modal",
                "callback_id": "feedback_modal",
                "private_metadata": ref,
                "state": {
                    "values": {
                        "reason": {"reason": {"selected_option": {"value": "out_of_date"}}},
                        "comment": {"comment": {"value": "Call me on 07700 900123 about it"}},
                    }
                },
            },
        }
    )
    assert submitted.status == 200
    deadline = time.monotonic() + 10
    while len([f for f in store.feedback() if f["ref"] == ref]) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    up, down = [f for f in store.feedback() if f["ref"] == ref]
    assert (up["rating"], up["user_id"]) == ("up", NEWCOMER)
    assert (down["rating"], down["reason"]) == ("down", "out_of_date")
    assert "07700 900123" not in down["comment"] and "phone number removed" in down["comment"]
    assert "core group" in down["question"].lower() and json.loads(down["sources"])


def test_kb_commands_are_for_admins_only(running, slack: SlackSender, fake_slack) -> None:
    settings, app, _ = running
    generation = app.services.index.generation
    slack.command("/kb", "reindex", NEWCOMER, fake_slack.response_url("kb-refused"))
    assert fake_slack.wait_for("response.kb-refused")[0].params["text"] == NOT_ALLOWED
    assert app.services.index.generation == generation

    slack.command("/kb", "status", ADMIN, fake_slack.response_url("kb-status"))
    status = fake_slack.wait_for("response.kb-status")[0].params
    assert "documents" in blocks_text(status["blocks"])
    assert "Allegations against people who work with children" in blocks_text(status["blocks"])

    write_markdown(
        settings.knowledge_base_dir,
        "home-visits",
        {"Lone working": "Staff on a home visit tell their team where they are going."},
    )
    lexicon = settings.knowledge_base_dir / "lexicon"
    lexicon.mkdir(exist_ok=True)
    (lexicon / "terms.yaml").write_text(
        "synonyms:\n  - [core group, zebra huddle]\n", encoding="utf-8"
    )
    slack.command("/kb", "reindex", LEAD, fake_slack.response_url("kb-reindex"))  # via usergroup
    summary = fake_slack.wait_for("response.kb-reindex", count=2)[-1].params["text"]
    assert "1 added" in summary and "0 failed" in summary
    assert "home-visits" in app.services.index.manifest()
    # The practice lead's new local name works at once, without a restart.
    assert "core group" in app.services.engine.knowledge().glossary.expand("the zebra huddle")
    event = mention(slack, "C0LEXICON", "when is the first zebra huddle?")
    slack.event(event)
    (reply,) = wait_for_replies(fake_slack, "C0LEXICON", event["ts"])
    assert "10 working days" in blocks_text(reply["blocks"])


def test_upload_in_a_dm_is_validated_ingested_and_confirmed(
    running, slack: SlackSender, fake_slack
) -> None:
    settings, app, _ = running
    fake_slack.files["carers.md"] = (
        b"# Kinship carers\n\nKinship carers are family members who care for a child.\n"
    )
    fake_slack.files["broken.pdf"] = b"%PDF-1.4 damaged"

    def share(user: str, name: str, channel: str) -> None:
        slack.event(
            {
                "type": "message",
                "subtype": "file_share",
                "channel_type": "im",
                "channel": channel,
                "user": user,
                "ts": slack.next_ts(),
                "files": [
                    {"name": name, "size": 100, "url_private_download": fake_slack.file_url(name)}
                ],
            }
        )

    share(NEWCOMER, "carers.md", "D0UPLOAD1")
    (refusal,) = wait_for_replies(fake_slack, "D0UPLOAD1", None)
    assert refusal["text"] == NOT_ALLOWED
    assert not (settings.uploads_path / "carers.md").exists()

    share(ADMIN, "carers.md", "D0UPLOAD2")
    (confirmation,) = wait_for_replies(fake_slack, "D0UPLOAD2", None)
    assert "1 added" in confirmation["text"]
    downloads = [c for c in fake_slack.calls_to("file.download") if c.params["name"] == "carers.md"]
    assert downloads[-1].authorization == "Bearer xoxb-test-token"
    assert "carers" in app.services.index.manifest()

    share(ADMIN, "broken.pdf", "D0UPLOAD3")
    (failure,) = wait_for_replies(fake_slack, "D0UPLOAD3", None)
    assert "could not read the PDF" in failure["text"]


def test_forged_and_stale_requests_are_rejected(slack: SlackSender, fake_slack) -> None:
    event = mention(slack, "C0FORGED", "What is an ICPC?")
    body = json.dumps(
        {"type": "event_callback", "event_id": "EvFORGED", "team_id": "T0001", "event": event}
    ).encode()
    forged = post_signed(slack.url, SECRET, body, "application/json", signature="v0=" + "0" * 64)
    wrong_key = post_signed(
        slack.url,
        SECRET,
        body,
        "application/json",
        signature=sign("not-the-secret", body, int(time.time())),
    )
    old = int(time.time()) - 6 * 60
    stale = post_signed(slack.url, SECRET, body, "application/json", timestamp=old)
    assert (forged.status, wrong_key.status, stale.status) == (401, 401, 401)
    time.sleep(1)
    assert replies_in(fake_slack, "C0FORGED", event["ts"]) == []


def test_thirty_concurrent_questions_are_each_answered_once(slack: SlackSender, fake_slack) -> None:
    events = [mention(slack, "C0CONCUR", f"What does a core group do? ({i})") for i in range(30)]
    with ThreadPoolExecutor(max_workers=30) as pool:
        replies = list(pool.map(slack.event, events))
    assert all(reply.status == 200 for reply in replies)
    assert max(reply.seconds for reply in replies) < 3
    for event in events:
        wait_for_replies(fake_slack, "C0CONCUR", event["ts"])
    time.sleep(1)
    answered = [
        p["thread_ts"]
        for p in (c.params for c in fake_slack.calls_to("chat.postMessage"))
        if p.get("channel") == "C0CONCUR"
    ]
    assert sorted(answered) == sorted(e["ts"] for e in events)


def test_personal_data_is_warned_about_and_never_stored_raw(
    slack: SlackSender, fake_slack, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    raw = "NHS number 943 476 5919 and postcode BD1 1HY"
    event = mention(slack, "C0PRIVATE", f"{raw}: when is the initial child protection conference?")
    slack.event(event)
    (posted,) = wait_for_replies(fake_slack, "C0PRIVATE", event["ts"])
    assert "Please do not share case details" in blocks_text(posted["blocks"])
    assert "943 476 5919" not in json.dumps(store.questions())
    assert "943 476 5919" not in caplog.text and "BD1 1HY" not in caplog.text


def test_a_failure_reaches_the_user_as_an_apology_with_a_reference(
    running, slack: SlackSender, fake_slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, app, _ = running

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(app.services.engine, "ask", broken)
    thread = {"user_id": NEWCOMER, "channel_id": "D0BROKEN", "thread_ts": slack.next_ts()}
    question = {
        "type": "message",
        "channel_type": "im",
        "channel": "D0BROKEN",
        "user": NEWCOMER,
        "text": "What is an ICPC?",
        "ts": slack.next_ts(),
        "thread_ts": thread["thread_ts"],
    }
    slack.event(question)
    (apology,) = wait_for_replies(fake_slack, "D0BROKEN", thread["thread_ts"])
    assert "Sorry, something went wrong" in apology["text"] and "reference" in apology["text"]
    deadline = time.monotonic() + 10  # the status is cleared just after the apology is sent
    while time.monotonic() < deadline and not any(
        c.params.get("channel_id") == "D0BROKEN" and c.params["status"] == ""
        for c in fake_slack.calls_to("assistant.threads.setStatus")
    ):
        time.sleep(0.05)
    assert any(
        c.params.get("channel_id") == "D0BROKEN" and c.params["status"] == ""
        for c in fake_slack.calls_to("assistant.threads.setStatus")
    )


def test_rate_limit_gives_a_friendly_message(
    tmp_path: Path, fake_slack: FakeSlack, embedder
) -> None:
    settings = bot_settings(tmp_path, fake_slack, rate_limit_per_minute=2)
    with running_bot(settings, embedder) as (_, base):
        sender = SlackSender(f"{base}/slack/events", SECRET)
        events = [mention(sender, "C0LIMITED", "What is an ICPC?") for _ in range(3)]
        for event in events:
            sender.event(event)
        for event in events:
            wait_for_replies(fake_slack, "C0LIMITED", event["ts"])
        texts = [replies_in(fake_slack, "C0LIMITED", e["ts"])[0]["text"] for e in events]
        assert sum("Please wait a moment" in text for text in texts) == 1
