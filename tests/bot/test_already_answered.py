"""Already answered: a practice lead adds a gap's question to the section that answers it; the
gap closes (and its askers are told) only if the bot then answers it from there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.slack.admin import NOT_ALLOWED
from bot.store import Store, open_store
from ingest.drafts import add_question
from ingest.errors import LoadError
from ingest.metadata import split_front_matter
from tests.bot import test_store
from tests.bot.test_gap_answers import ask, dms_to, home_for, hours_ago, press, submit_view
from tests.support.documents import write_markdown
from tests.support.fake_slack import FakeSlack, SlackSender
from tests.support.slack import (
    ADMIN,
    LEAD,
    NEWCOMER,
    SECRET,
    bot_settings,
    replies_in,
    running_bot,
)

url, store, other_host = test_store.url, test_store.store, test_store.other_host

QUESTION = "a teacher is accused of hurting a pupil, who do i refer it to?"
LADO = "Allegations against people who work with children – Making a referral"


def test_a_question_joins_its_section_once_and_only_under_a_heading_it_has(
    tmp_path: Path,
) -> None:
    path = write_markdown(tmp_path, "visits", {"How often": "Visits are every six weeks."})
    add_question(path, "How often", "how often do i visit")
    add_question(path, "How often", "how often do i visit")
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    assert meta.questions == {"How often": ["how often do i visit"]}
    assert "Visits are every six weeks." in body and meta.id == "visits"
    before = path.read_text(encoding="utf-8")
    with pytest.raises(LoadError, match="no heading 'Who visits'"):
        add_question(path, "Who visits", "who goes")
    assert path.read_text(encoding="utf-8") == before


def test_a_gap_closed_by_a_section_is_closed_for_the_questions_asked_until_then(
    store: Store,
) -> None:
    earlier = ask(store, QUESTION, thread="C1:1.1")
    hours_ago(store, earlier, 1)
    (gap,) = store.open_gaps()
    closed = store.add_gap_answer(
        doc_id="lado", title=LADO, category="procedure", path="/kb/lado.md",
        gap=gap.question, author="U0LEAD", published=True,
    )  # fmt: skip
    assert (closed.state, closed.decided_by) == ("published", "U0LEAD")
    assert store.open_gaps() == [] and store.gap_answer_drafts() == []
    assert [row["ref"] for row in store.gap_askers(closed)] == [earlier]


def bot(tmp_path_factory: pytest.TempPathFactory, fake: FakeSlack, embedder, min_in_scope: float):
    fake.usergroup_members = [LEAD]
    root = tmp_path_factory.mktemp("already")
    return running_bot(bot_settings(root, fake, min_in_scope=min_in_scope), embedder)


@pytest.fixture(scope="module")
def answering(tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlack, embedder):
    """A bot that answers every question it finds a passage for (no refusal threshold)."""
    with bot(tmp_path_factory, fake_slack, embedder, 0.0) as (app, base):
        yield app, SlackSender(f"{base}/slack/events", SECRET)


@pytest.fixture(scope="module")
def refusing(tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlack, embedder):
    """A bot that answers nothing, however close the knowledge base comes."""
    with bot(tmp_path_factory, fake_slack, embedder, 1.0) as (app, base):
        yield app, SlackSender(f"{base}/slack/events", SECRET)


def gap_with_asker(app: Any, tag: str) -> tuple[Store, str, str]:
    """The running bot's store, with a gap asked once in a channel thread: the store, the
    gap's id and the thread's channel."""
    store = open_store(app.services.settings)
    ask(store, QUESTION, thread=f"C0{tag}:1.1")
    (gap,) = [g for g in store.open_gaps() if g.question == QUESTION]
    return store, gap.id, f"C0{tag}"


def open_modal(slack: SlackSender, fake: FakeSlack, user: str, gap_id: str) -> dict[str, Any]:
    before = len(fake.calls_to("views.open"))
    press(slack, user, "already_answered", gap_id)
    params = fake.wait_for("views.open", count=before + 1)[-1].params
    return params["view"] if isinstance(params["view"], dict) else json.loads(params["view"])


def choose(slack: SlackSender, user: str, view: dict[str, Any], section: str, question: str):
    """Submit the modal with the option named `section` (or none) and `question`."""
    options = {o["text"]["text"]: o for o in view["blocks"][2]["element"]["options"]}
    values = {
        "question": {"question": {"type": "plain_text_input", "value": question}},
        "section": {"section": {"type": "radio_buttons", "selected_option": options.get(section)}},
    }
    return submit_view(slack, user, "already_answered_modal", view["private_metadata"], values)


def lado_file(app: Any) -> Path:
    return app.services.settings.knowledge_base_dir / "procedure" / "lado.md"


def test_a_section_that_answers_the_gap_closes_it_and_its_askers_are_told(
    answering, fake_slack: FakeSlack
) -> None:
    app, slack = answering
    store, gap_id, channel = gap_with_asker(app, "ALR")
    home = json.dumps(home_for(slack, fake_slack, ADMIN))
    assert "already_answered" in home and gap_id in home

    view = open_modal(slack, fake_slack, ADMIN, gap_id)
    offered = [o["text"]["text"] for o in view["blocks"][2]["element"]["options"]]
    assert LADO in offered and len(offered) <= 5
    assert view["blocks"][1]["element"]["initial_value"] == QUESTION

    refused = choose(slack, ADMIN, view, "", "Ring 07700 900123 about it")
    assert set(refused["errors"]) == {"question", "section"}
    assert "phone number" in refused["errors"]["question"]
    assert choose(slack, ADMIN, view, LADO, QUESTION) == {}

    (told,) = dms_to(fake_slack, ADMIN, "Added the question")
    assert "the bot answers it from there" in told and "covers their question: 1" in told
    meta, _ = split_front_matter(lado_file(app).read_text(encoding="utf-8"))
    assert meta.questions == {"Making a referral": [QUESTION]}
    sentences = app.services.index.snapshot().sentences
    assert sentences.asked[sentences.texts.index(QUESTION)]
    assert store.open_gap(gap_id) is None
    (notice,) = [r for r in replies_in(fake_slack, channel, "1.1") if "now covers" in r["text"]]
    assert f"*{LADO}*" in notice["text"]


def test_a_section_the_bot_still_does_not_answer_from_leaves_the_gap_open(
    refusing, fake_slack: FakeSlack
) -> None:
    app, slack = refusing
    store, gap_id, channel = gap_with_asker(app, "ALRNO")
    view = open_modal(slack, fake_slack, ADMIN, gap_id)
    assert choose(slack, ADMIN, view, LADO, QUESTION) == {}

    (told,) = dms_to(fake_slack, ADMIN, "still does not answer it")
    assert LADO in told
    meta, _ = split_front_matter(lado_file(app).read_text(encoding="utf-8"))
    assert meta.questions == {"Making a referral": [QUESTION]}  # the lead said it answers it
    assert store.open_gap(gap_id) is not None
    assert [r for r in replies_in(fake_slack, channel, "1.1") if "now covers" in r["text"]] == []

    before = lado_file(app).read_text(encoding="utf-8")
    press(slack, NEWCOMER, "already_answered", gap_id)
    dms_to(fake_slack, NEWCOMER, NOT_ALLOWED)
    choose(slack, NEWCOMER, view, LADO, "who do i refer a teacher to")
    dms_to(fake_slack, NEWCOMER, NOT_ALLOWED, count=2)
    assert lado_file(app).read_text(encoding="utf-8") == before
