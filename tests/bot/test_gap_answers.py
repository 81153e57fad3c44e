"""From a knowledge gap to a published answer: the store's records (SQLite and PostgreSQL,
one host and two), the draft documents, and the whole way through the real Bolt app."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import update

from bot.documents import DocumentInfo
from bot.slack.admin import NOT_ALLOWED
from bot.slack.gap_answers import DECIDED, FOUR_EYES, reply_place
from bot.store import Store, open_store
from bot.store.tables import questions
from ingest.drafts import Draft, review_due, set_status, write_draft
from ingest.metadata import split_front_matter
from tests.bot import test_store
from tests.bot.test_store import an_answer
from tests.support.fake_slack import FakeSlack, SlackSender
from tests.support.slack import (
    ADMIN,
    LEAD,
    NEWCOMER,
    SECRET,
    blocks_text,
    bot_settings,
    direct_message,
    mention,
    replies_in,
    running_bot,
    wait_for_replies,
)

# The store's own fixtures: each store test runs on SQLite and on PostgreSQL, and on two hosts.
url, store, other_host = test_store.url, test_store.store, test_store.other_host

HOUR = 3600


def ask(store: Store, question: str, reason: str = "not_covered", **where: Any) -> str:
    answer = an_answer(question, reason)
    store.record_answer(answer, channel="slack", **where)
    return answer.ref


def hours_ago(store: Store, ref: str, hours: float) -> None:
    with store.engine.begin() as db:
        db.execute(
            update(questions)
            .where(questions.c.ref == ref)
            .values(asked_at=time.time() - hours * HOUR)
        )


def draft_for(store: Store, gap: str, author: str = "U0AUTHOR") -> int:
    return store.add_gap_answer(
        doc_id="room-booking",
        title="How do I book a room?",
        category="onboarding",
        path="/kb/onboarding/room-booking.md",
        gap=gap,
        author=author,
    ).id


def test_a_published_answer_closes_its_gap_for_the_questions_asked_until_then(
    store: Store,
) -> None:
    earlier = [
        ask(store, "How do I book a room?", thread="C1:1.1"),
        ask(store, "  how do I BOOK a room?", thread="D1"),
    ]
    for ref in earlier:
        hours_ago(store, ref, 2)
    ask(store, "When is the conference?", "answered")
    (gap,) = store.open_gaps()
    assert (gap.question, gap.count) == ("how do i book a room?", 2)
    assert store.open_gap(gap.id) == gap

    answer_id = draft_for(store, gap.question, author="U0AUTHOR")
    assert [draft.id for draft in store.gap_answer_drafts()] == [answer_id]
    assert store.publish_gap_answer(answer_id, "U0AUTHOR") is None  # four eyes
    published = store.publish_gap_answer(answer_id, "U0SECOND")
    assert published is not None and published.decided_by == "U0SECOND"
    assert store.publish_gap_answer(answer_id, "U0THIRD") is None  # once
    assert store.gap_answer_drafts() == [] and store.open_gaps() == []
    assert store.open_gap(gap.id) is None
    assert [row["ref"] for row in store.gap_askers(published)] == earlier

    # Asked again after it was published and still not answered: the gap is open again.
    ask(store, "How do I book a room?")
    assert [(g.question, g.count) for g in store.open_gaps()] == [("how do i book a room?", 1)]


def test_gaps_can_be_read_for_a_period_without_urgent_messages(store: Store) -> None:
    old = ask(store, "Is there a crèche?")
    hours_ago(store, old, 48)
    ask(store, "Where do I park?")
    ask(store, "Where do I park? ")
    urgent = an_answer("a child is alone at home where do I park", "not_covered", urgent=True)
    store.record_answer(urgent, channel="slack")
    since = time.time() - HOUR
    recent = store.open_gaps(since=since, until=time.time() + 1, urgent=False)
    assert [(g.question, g.count) for g in recent] == [("where do i park?", 2)]
    assert len(store.open_gaps()) == 3


def test_a_discarded_or_reopened_draft_closes_nothing(store: Store) -> None:
    ref = ask(store, "How do I book a room?")
    hours_ago(store, ref, 1)
    (gap,) = store.open_gaps()
    discarded = store.discard_gap_answer(draft_for(store, gap.question), "U0LEAD")
    assert discarded is not None and discarded.state == "discarded"
    assert store.discard_gap_answer(discarded.id, "U0LEAD") is None
    assert store.open_gaps() == [gap]

    answer_id = draft_for(store, gap.question)
    assert store.publish_gap_answer(answer_id, "U0SECOND") is not None
    store.reopen_gap_answer(answer_id)  # its ingest failed: a draft again
    assert store.open_gaps() == [gap]
    assert [draft.id for draft in store.gap_answer_drafts()] == [answer_id]


def test_two_hosts_publish_a_draft_once_and_tell_each_asker_once(
    store: Store, other_host: Store
) -> None:
    ref = ask(store, "How do I book a room?", thread="C1:1.1")
    hours_ago(store, ref, 1)
    answer_id = draft_for(store, store.open_gaps()[0].question)
    hosts = [store, other_host] * 4
    with ThreadPoolExecutor(8) as pool:
        published = list(pool.map(lambda host: host.publish_gap_answer(answer_id, "U0LEAD"), hosts))
        told = list(pool.map(lambda host: host.claim_gap_notice(ref, answer_id), hosts))
    assert sum(p is not None for p in published) == 1
    assert sum(told) == 1


def test_a_reply_reaches_each_asker_where_they_asked() -> None:
    assert reply_place("C0CHAN:1700000000.000100") == ("C0CHAN", "1700000000.000100")
    assert reply_place("C0CHAN:U0ASKER:ask") == ("U0ASKER", None)  # /ask: a direct message
    assert reply_place("D0DIRECT") == ("D0DIRECT", None)
    assert reply_place(None) is None and reply_place("C0CHAN:") is None


def a_document(category: str, reviewed: str, due: str, status: str = "published") -> DocumentInfo:
    return DocumentInfo(
        doc_id=f"{category}-{reviewed}-{due}",
        title="t",
        category=category,
        status=status,
        last_reviewed=date.fromisoformat(reviewed),
        review_due=date.fromisoformat(due),
    )


def test_a_draft_is_due_for_review_after_the_period_its_category_uses_most() -> None:
    documents = [
        a_document("procedure", "2026-01-10", "2026-07-10"),  # 181 days
        a_document("procedure", "2026-02-01", "2026-08-01"),  # 181 days
        a_document("procedure", "2026-01-10", "2027-01-10"),  # 365 days
        a_document("procedure", "2026-01-10", "2026-01-20", status="draft"),  # not a rule
        a_document("ofsted", "2026-01-10", "2027-01-10"),
    ]
    today, otherwise = date(2026, 12, 3), timedelta(days=183)
    assert review_due("procedure", documents, today, otherwise) == today + timedelta(days=181)
    assert review_due("ofsted", documents, today, otherwise) == today + timedelta(days=365)
    assert review_due("glossary", documents, today, otherwise) == today + otherwise


def test_a_draft_has_complete_front_matter_and_never_replaces_a_file(tmp_path: Path) -> None:
    draft = Draft(
        title="What is a family group conference?",
        answer="A family group conference is a family meeting.",
        source="https://example.org/fgc",
        category="procedure",
        owner="Practice leads",
        drafted_by="U0AUTHOR",
    )
    existing = tmp_path / "procedure" / "what-is-a-family-group-conference.md"
    existing.parent.mkdir()
    existing.write_text("someone else's file", encoding="utf-8")
    today, due = date(2026, 12, 3), date(2027, 6, 2)
    doc_id, path = write_draft(tmp_path, draft, today=today, due=due, taken={"x"})
    assert existing.read_text(encoding="utf-8") == "someone else's file"
    assert (doc_id, path.name) == (
        "what-is-a-family-group-conference-2",
        "what-is-a-family-group-conference-2.md",
    )
    # An id already indexed (from another folder) is not taken again either.
    taken_id, _ = write_draft(tmp_path, draft, today=today, due=due, taken={doc_id + "-x"})
    assert taken_id == "what-is-a-family-group-conference-3"

    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    assert meta.model_dump() == {
        "id": doc_id,
        "title": draft.title,
        "category": "procedure",
        "owner": "Practice leads",
        "status": "draft",
        "last_reviewed": today,
        "review_due": due,
        "sources": ["https://example.org/fgc"],
        "questions": {},
    }
    assert draft.answer in body
    front = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    assert front["drafted_by"] == "U0AUTHOR"

    set_status(path, "published", by="U0SECOND")
    meta, _ = split_front_matter(path.read_text(encoding="utf-8"))
    assert meta.status == "published"
    assert "published_by: U0SECOND" in path.read_text(encoding="utf-8")
    set_status(path, "draft")
    assert "published_by" not in path.read_text(encoding="utf-8")


# --- Through the real Bolt app -------------------------------------------------------------

GAP = "What is kinship care?"
ANSWER_TEXT = (
    "Kinship care is when a child is looked after by a relative or family friend because "
    "their parents cannot look after them. It can be arranged by the family or by the local "
    "authority."
)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlack, embedder):
    fake_slack.usergroup_members = [LEAD]
    settings = bot_settings(tmp_path_factory.mktemp("gaps"), fake_slack)
    with running_bot(settings, embedder) as (app, base):
        yield settings, app, SlackSender(f"{base}/slack/events", SECRET)


def dms_to(fake: FakeSlack, user: str, containing: str, count: int = 1) -> list[str]:
    """Wait for `count` direct messages to `user` containing `containing`."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [r["text"] for r in replies_in(fake, user) if containing in r["text"]]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise TimeoutError(f"no direct message to {user} containing {containing!r}")


def home_for(slack: SlackSender, fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    before = len(fake.calls_to("views.publish"))
    slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    call = fake.wait_for("views.publish", count=before + 1)[-1]
    view = call.params["view"]
    return (view if isinstance(view, dict) else json.loads(view))["blocks"]


def gap_button(blocks: list[dict[str, Any]], question: str) -> str | None:
    for block in blocks:
        accessory = block.get("accessory", {})
        if accessory.get("action_id") == "write_gap_answer" and question.lower() in json.dumps(
            block["text"]
        ):
            return accessory["value"]
    return None


def buttons(blocks: list[dict[str, Any]], action_id: str) -> list[str]:
    return [
        element["value"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]


def press(slack: SlackSender, user: str, action_id: str, value: str) -> None:
    reply = slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": user},
            "trigger_id": f"trigger-{user}-{action_id}-{time.monotonic()}",
            "container": {"type": "view"},
            "actions": [{"action_id": action_id, "value": value, "type": "button"}],
        }
    )
    assert reply.status == 200


def submit(slack: SlackSender, user: str, gap_id: str, **fields: str | None) -> dict[str, Any]:
    """Submit the Write an answer modal; Slack's reply to the submission (empty: closed)."""
    values = {
        "question": {"question": {"type": "plain_text_input", "value": fields.get("question")}},
        "answer": {"answer": {"type": "plain_text_input", "value": fields.get("answer")}},
        "source": {"source": {"type": "url_text_input", "value": fields.get("source")}},
        "category": {
            "category": {
                "type": "static_select",
                "selected_option": {"value": fields["category"]}
                if fields.get("category")
                else None,
            }
        },
    }
    return submit_view(slack, user, "gap_answer_modal", gap_id, values)


def submit_view(
    slack: SlackSender, user: str, callback_id: str, metadata: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Submit a modal with these input values; Slack's reply to the submission (empty:
    closed)."""
    reply = slack.interaction(
        {
            "type": "view_submission",
            "user": {"id": user},
            "view": {
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": metadata,
                "state": {"values": values},
            },
        }
    )
    assert reply.status == 200
    return json.loads(reply.body) if reply.body else {}


def ask_everywhere(slack: SlackSender, fake: FakeSlack, question: str, tag: str) -> dict:
    """Ask `question` in a mention's thread, a direct message and /ask; wait for the answers."""
    where = {"channel": f"C0{tag}", "dm": f"D0{tag}"}
    asked = mention(slack, where["channel"], question)
    slack.event(asked)
    where["thread_ts"] = asked["ts"]
    slack.event(direct_message(slack, where["dm"], question))
    slack.command("/ask", question, NEWCOMER, fake.response_url(f"ask-{tag}"))
    wait_for_replies(fake, where["channel"], asked["ts"])
    wait_for_replies(fake, where["dm"], None)
    fake.wait_for(f"response.ask-{tag}")
    return where


def answer_to(slack: SlackSender, fake: FakeSlack, channel: str, question: str) -> tuple[str, str]:
    """The answer to a mention of the bot, and the thread it is in."""
    asked = mention(slack, channel, question)
    slack.event(asked)
    (reply,) = wait_for_replies(fake, channel, asked["ts"])
    return blocks_text(reply["blocks"]), asked["ts"]


def test_a_gap_becomes_a_published_answer_and_its_askers_are_told_once(
    running, fake_slack: FakeSlack
) -> None:
    settings, app, slack = running
    store = open_store(settings)
    where = ask_everywhere(slack, fake_slack, GAP, "KIN")
    gap_id = gap_button(home_for(slack, fake_slack, ADMIN), GAP)
    assert gap_id is not None

    press(slack, ADMIN, "write_gap_answer", gap_id)
    modal = fake_slack.wait_for("views.open")[-1].params
    view = modal["view"] if isinstance(modal["view"], dict) else json.loads(modal["view"])
    assert view["callback_id"] == "gap_answer_modal" and view["private_metadata"] == gap_id
    assert view["blocks"][1]["element"]["initial_value"] == GAP.lower()

    assert submit(
        slack, ADMIN, gap_id, question=GAP, answer=ANSWER_TEXT,
        source="https://example.org/kinship", category="practice-model",
    ) == {}  # fmt: skip
    assert "Draft saved" in dms_to(fake_slack, ADMIN, "Draft saved")[0]
    path = settings.knowledge_base_dir / "practice-model" / "what-is-kinship-care.md"
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    assert (meta.id, meta.status, meta.category, meta.owner) == (
        "what-is-kinship-care", "draft", "practice-model", ADMIN,
    )  # fmt: skip
    assert meta.sources == ["https://example.org/kinship"] and ANSWER_TEXT in body
    assert meta.review_due - meta.last_reviewed == timedelta(days=settings.review_period_days)
    assert abs(meta.last_reviewed - date.today()) <= timedelta(days=1)
    assert "drafted_by: " + ADMIN in path.read_text(encoding="utf-8")
    indexed = {doc.doc_id: doc for doc in app.services.index.documents()}
    assert indexed[meta.id].status == "draft"
    # A draft is never used in answers: asked now, the question is still not covered.
    refused, draft_thread = answer_to(slack, fake_slack, "C0KINDRAFT", GAP)
    assert "does not cover" in refused

    lead_home = home_for(slack, fake_slack, LEAD)
    (draft_id,) = buttons(lead_home, "publish_gap_answer")
    assert GAP in json.dumps(lead_home)
    assert buttons(home_for(slack, fake_slack, ADMIN), "publish_gap_answer") == []  # the author

    press(slack, ADMIN, "publish_gap_answer", draft_id)  # the author, pressing anyway
    assert dms_to(fake_slack, ADMIN, FOUR_EYES)
    assert split_front_matter(path.read_text(encoding="utf-8"))[0].status == "draft"

    press(slack, LEAD, "publish_gap_answer", draft_id)
    assert (
        "Conversations told that it covers their question: 4"
        in dms_to(fake_slack, LEAD, "Published")[0]
    )
    meta, _ = split_front_matter(path.read_text(encoding="utf-8"))
    assert meta.status == "published" and "published_by: " + LEAD in path.read_text("utf-8")
    press(slack, LEAD, "publish_gap_answer", draft_id)  # a second click publishes nothing
    assert dms_to(fake_slack, LEAD, DECIDED)

    def told(channel: str, thread_ts: str | None) -> list[str]:
        return [
            r["text"]
            for r in replies_in(fake_slack, channel, thread_ts)
            if "now covers a question you asked" in r["text"]
        ]

    places = [
        (where["channel"], where["thread_ts"]),  # the mention's thread
        (where["dm"], None),  # the direct message
        (NEWCOMER, None),  # /ask was answered privately: a direct message
        ("C0KINDRAFT", draft_thread),  # asked while the answer was a draft
    ]
    for channel, thread_ts in places:
        (message,) = told(channel, thread_ts)
        assert f"*{GAP}*" in message

    answered, _ = answer_to(slack, fake_slack, "C0KINAFTER", GAP)
    assert "looked after by a relative or family friend" in answered
    assert GAP in answered  # cited by its title
    assert gap_button(home_for(slack, fake_slack, ADMIN), GAP) is None
    assert store.gap_answer_drafts() == []


def test_bad_input_keeps_the_modal_open_with_a_reason_for_each_field(
    running, fake_slack: FakeSlack
) -> None:
    settings, _, slack = running
    before = sorted(settings.knowledge_base_dir.rglob("*.md"))
    reply = submit(
        slack, ADMIN, "no-such-gap", question="Where do I park?",
        answer="Ring Jo on 07700 900123 for a permit.", source="ftp://example.org/parking",
    )  # fmt: skip
    assert reply["response_action"] == "errors"
    errors = reply["errors"]
    assert set(errors) == {"answer", "source", "category"}
    assert "phone number" in errors["answer"] and "http" in errors["source"]
    assert "07700" not in json.dumps(errors)
    empty = submit(slack, ADMIN, "no-such-gap", question=" ", answer="", source="https://x.org")
    assert set(empty["errors"]) == {"question", "answer", "category"}
    assert sorted(settings.knowledge_base_dir.rglob("*.md")) == before


def test_only_practice_leads_can_write_publish_or_discard(running, fake_slack: FakeSlack) -> None:
    settings, app, slack = running
    store = open_store(settings)
    ask_everywhere(slack, fake_slack, "Who pays for taxis to contact visits?", "TAXI")
    gap_id = gap_button(home_for(slack, fake_slack, ADMIN), "Who pays for taxis")
    assert gap_id is not None
    assert gap_button(home_for(slack, fake_slack, NEWCOMER), "Who pays for taxis") is None

    opened = len(fake_slack.calls_to("views.open"))
    refusals = len([r for r in replies_in(fake_slack, NEWCOMER) if r["text"] == NOT_ALLOWED])
    press(slack, NEWCOMER, "write_gap_answer", gap_id)
    dms_to(fake_slack, NEWCOMER, NOT_ALLOWED, count=refusals + 1)
    submit(
        slack, NEWCOMER, gap_id, question="Who pays for taxis to contact visits?",
        answer="The team pays.", source="https://example.org/taxis", category="policy",
    )  # fmt: skip
    dms_to(fake_slack, NEWCOMER, NOT_ALLOWED, count=refusals + 2)
    assert len(fake_slack.calls_to("views.open")) == opened
    assert not list(settings.knowledge_base_dir.rglob("who-pays-for-taxis*"))

    submit(
        slack, LEAD, gap_id, question="Who pays for taxis to contact visits?",
        answer="Taxis to contact visits are paid for by the child's team.",
        source="https://example.org/taxis", category="policy",
    )  # fmt: skip
    dms_to(fake_slack, LEAD, "Draft saved")
    (draft,) = [d for d in store.gap_answer_drafts() if d.title.startswith("Who pays")]
    press(slack, NEWCOMER, "publish_gap_answer", str(draft.id))
    press(slack, NEWCOMER, "discard_gap_answer", str(draft.id))
    dms_to(fake_slack, NEWCOMER, NOT_ALLOWED, count=refusals + 4)
    assert store.gap_answer(draft.id).state == "draft"

    press(slack, LEAD, "discard_gap_answer", str(draft.id))  # its author may discard it
    dms_to(fake_slack, LEAD, "Discarded")
    assert store.gap_answer(draft.id).state == "discarded"
    assert not Path(draft.path).exists()
    assert draft.doc_id not in app.services.index.manifest()
    assert gap_button(home_for(slack, fake_slack, ADMIN), "Who pays for taxis") == gap_id
