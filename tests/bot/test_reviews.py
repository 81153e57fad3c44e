"""Review reminders for document owners: the store's claims and records on SQLite and
PostgreSQL, the review rules, and every reminder, button and modal through the real Bolt app
against the fake Slack Web API (with `bcft ingest` and `bcft kb status` between runs)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.documents import DocumentInfo, Flag, Review
from bot.settings import Settings
from bot.slack.reviews import (
    NEEDS_CHANGE,
    NEEDS_CHANGE_MODAL,
    OUT_OF_DATE_TEXT,
    REMINDER_TEXT,
    STILL_CORRECT,
    next_review,
    notify_out_of_date,
    send_review_reminders,
)
from bot.store import Store, open_store, sqlite_url
from tests.support.calibration import TEST_KB_MIN_IN_SCOPE
from tests.support.fake_slack import FakeSlack, Reply, SlackSender
from tests.support.processes import bcft, env_for
from tests.support.slack import (
    ADMIN,
    LEAD,
    NEWCOMER,
    SECRET,
    blocks_text,
    bot_settings,
    mention,
    running_bot,
    wait_for_replies,
)

OWNER = "UOWNER01"  # "Test owner", who owns the test knowledge base
GROUP, MEMBERS = "S0SAFE01", ["UMEMBER1", "UMEMBER2"]  # "Safeguarding leads", a user group
GROUP_NAME = "Safeguarding leads"
OWNERS = {"Test owner": OWNER, GROUP_NAME: GROUP}
LADO = "Allegations against people who work with children"  # past review since 2025-07-10
LADO_QUESTION = "How quickly must a LADO referral be made?"
STALE = "past its review date"
TODAY = date.today()


# -- the store, on SQLite and PostgreSQL ------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "store.sqlite3")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def hosts(url: str) -> Iterator[tuple[Store, Store]]:
    """Two stores on one database, as two `bcft serve` hosts open it."""
    first, second = Store(url), Store(url)
    yield first, second
    first.close()
    second.close()


def test_a_reminder_is_claimed_once_per_document_and_review_period_across_hosts(
    hosts: tuple[Store, Store],
) -> None:
    due, next_due = date(2025, 7, 10), date(2026, 1, 10)
    attempts = [(host, doc) for doc in ("lado", "core-groups") for host in hosts * 4]
    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(lambda a: a[0].claim_reminder(a[1], due), attempts))
    assert sum(won) == 2  # one claim per document, whichever host raced first
    first, second = hosts
    assert not second.claim_reminder("lado", due)
    assert first.claim_reminder("lado", next_due)  # a new review period is a new reminder
    first.release_reminder("lado", next_due)  # it could not be sent: the next run tries again
    assert second.claim_reminder("lado", next_due)


def test_an_out_of_date_notice_is_claimed_once_per_answer_and_document(
    hosts: tuple[Store, Store],
) -> None:
    first, second = hosts
    assert first.claim_out_of_date_notice("ref1", "lado")
    assert not second.claim_out_of_date_notice("ref1", "lado")
    assert second.claim_out_of_date_notice("ref1", "core-groups")
    assert second.claim_out_of_date_notice("ref2", "lado")
    second.release_out_of_date_notice("ref2", "lado")
    assert first.claim_out_of_date_notice("ref2", "lado")


def test_the_latest_review_is_in_force_and_a_later_review_closes_a_flag(
    hosts: tuple[Store, Store],
) -> None:
    first, second = hosts
    flag = first.flag_document(
        "lado",
        flagged_by=OWNER,
        what_is_wrong="Wrong number: ring 07700 900123",
        last_reviewed=date(2025, 1, 10),
    )
    assert "07700 900123" not in flag.what_is_wrong and "phone number removed" in flag.what_is_wrong
    assert second.flags() == {"lado": flag}
    first.record_review("lado", Review(date(2026, 1, 1), date(2026, 7, 1), OWNER))
    second.record_review("lado", Review(date(2026, 2, 1), date(2026, 8, 1), "UOTHER01"))
    first.record_review("core-groups", Review(date(2026, 3, 1), date(2027, 3, 1), OWNER))
    assert first.reviews(["lado"]) == {
        "lado": Review(date(2026, 2, 1), date(2026, 8, 1), "UOTHER01")
    }
    assert set(second.reviews()) == {"lado", "core-groups"}
    assert first.flags() == {}  # Still correct after the flag closes it


# -- the rules ---------------------------------------------------------------------------------


def a_document(last_reviewed: date | None, review_due: date | None) -> DocumentInfo:
    return DocumentInfo(
        "lado", LADO, "procedure", last_reviewed=last_reviewed, review_due=review_due
    )


def test_a_review_from_slack_outranks_older_front_matter_and_yields_to_newer() -> None:
    written = a_document(date(2025, 1, 10), date(2025, 7, 10))
    review = Review(date(2026, 12, 1), date(2027, 5, 31), OWNER)
    reviewed = written.reviewed(review)
    assert (reviewed.last_reviewed, reviewed.review_due) == (date(2026, 12, 1), date(2027, 5, 31))
    assert written.is_stale(date(2026, 12, 2)) and not reviewed.is_stale(date(2026, 12, 2))
    for newer in (date(2026, 12, 1), date(2026, 12, 5)):  # the file reviewed since: it wins
        rewritten = a_document(newer, date(2027, 1, 1))
        assert rewritten.reviewed(review) == rewritten


def test_a_flag_stays_open_until_the_front_matter_says_the_document_was_reviewed_since() -> None:
    flag = Flag(date(2026, 12, 1), OWNER, "the number changed", date(2025, 1, 10))
    assert flag.is_open(a_document(date(2025, 1, 10), date(2025, 7, 10)))  # re-ingested as was
    assert not flag.is_open(a_document(date(2026, 12, 2), date(2027, 6, 2)))  # corrected
    undated = Flag(date(2026, 12, 1), OWNER, "the number changed", None)
    assert undated.is_open(a_document(None, None))
    assert not undated.is_open(a_document(date(2026, 12, 2), None))


def test_still_correct_keeps_the_documents_own_review_period() -> None:
    six_months = a_document(date(2026, 11, 23), date(2027, 5, 23))
    assert next_review(six_months, OWNER, date(2027, 6, 1), 183).review_due == date(2027, 11, 29)
    for no_period in (
        a_document(None, date(2025, 1, 1)),
        a_document(date(2026, 1, 1), date(2025, 1, 1)),
    ):
        review = next_review(no_period, OWNER, date(2027, 6, 1), 183)
        assert review.review_due == date(2027, 6, 1) + timedelta(days=183)  # REVIEW_PERIOD_DAYS


# -- Slack, through the real Bolt app ---------------------------------------------------------


def add_document(
    kb: Path, doc_id: str, title: str, owner: str, last_reviewed: str, review_due: str
) -> Path:
    path = kb / "procedure" / f"{doc_id}.md"
    path.write_text(
        f'---\nid: {doc_id}\ntitle: "{title}"\ncategory: procedure\nowner: {owner}\n'
        f"status: published\nlast_reviewed: {last_reviewed}\nreview_due: {review_due}\n"
        f"sources:\n  - https://example.org/{doc_id}\n---\n\n# {title}\n\n## What to do\n\n"
        f"{title} are arranged by the team manager before the visit starts.\n",
        encoding="utf-8",
    )
    return path


def owner_settings(root: Path, fake: FakeSlack) -> Settings:
    """The test knowledge base owned by OWNER, plus a document past review owned by a user
    group and one whose owner is not in DOCUMENT_OWNERS."""
    fake.usergroups = {GROUP: MEMBERS}
    settings = bot_settings(root, fake, document_owners=OWNERS)
    kb = settings.knowledge_base_dir
    add_document(kb, "lone-working", "Lone working visits", GROUP_NAME, "2023-01-01", "2024-01-01")
    add_document(
        kb, "pool-cars", "Pool car bookings", "Nobody in Slack", "2026-01-01", "2099-01-01"
    )
    return settings


def wait_until(found: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if value := found():
            return value
        time.sleep(0.05)
    raise TimeoutError(what)


def dms(fake: FakeSlack, person: str) -> list[dict[str, Any]]:
    """Messages the bot sent to a person's direct messages (not thread replies)."""
    return [
        call.params
        for call in fake.calls_to("chat.postMessage")
        if call.params.get("channel") == person and not call.params.get("thread_ts")
    ]


def wait_for_dms(fake: FakeSlack, person: str, count: int) -> list[dict[str, Any]]:
    def sent() -> list[dict[str, Any]] | None:
        found = dms(fake, person)
        return found if len(found) >= count else None

    return wait_until(sent, f"{count} messages to {person}")


def blocks_of(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def press(
    slack: SlackSender, message: dict[str, Any], action: str, doc_id: str, user: str
) -> Reply:
    """Press a document's button in a direct message the bot sent, as Slack reports it."""
    blocks = blocks_of(message)
    (buttons,) = [b for b in blocks if b.get("block_id") == f"review:{doc_id}"]
    (button,) = [e for e in buttons["elements"] if e["action_id"] == action]
    return slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": user},
            "channel": {"id": f"D{user}"},
            "trigger_id": f"trigger-{action}-{doc_id}",
            "container": {"type": "message", "message_ts": "1700000000.000100"},
            "message": {"ts": "1700000000.000100", "text": message["text"], "blocks": blocks},
            "actions": [{**button, "block_id": buttons["block_id"]}],
        }
    )


def ask(slack: SlackSender, fake: FakeSlack, channel: str, question: str) -> dict[str, Any]:
    event = mention(slack, channel, question)
    slack.event(event)
    (reply,) = wait_for_replies(fake, channel, event["ts"])
    return reply


def slack_client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test-token", base_url=fake.api_url)


def cli_env(settings: Settings) -> dict[str, str]:
    return env_for(
        settings.data_dir,
        KNOWLEDGE_BASE_DIR=str(settings.knowledge_base_dir),
        DOCUMENT_OWNERS=json.dumps(OWNERS),
        MIN_IN_SCOPE=str(TEST_KB_MIN_IN_SCOPE),
        COLUMNS="250",  # one table row per line
    )


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


@pytest.mark.slow
def test_owners_are_reminded_once_per_review_period_across_job_runs_and_restarts(
    tmp_path: Path, fake: FakeSlack, embedder
) -> None:
    settings = owner_settings(tmp_path, fake)
    with running_bot(settings, embedder) as (app, _):
        (reminder,) = wait_for_dms(fake, OWNER, 1)
        text = blocks_text(reminder["blocks"])
        assert reminder["text"] == REMINDER_TEXT
        assert f"<https://example.org/lado|{LADO}>" in text and "review due 2025-07-10" in text
        assert "Still correct" in text and "Needs change" in text
        assert "Lone working" not in text and "Core groups" not in text  # not OWNER's / not due
        for member in MEMBERS:  # a user group: each member hears of the group's documents
            (to_member,) = wait_for_dms(fake, member, 1)
            assert "Lone working visits" in blocks_text(to_member["blocks"])
        assert send_review_reminders(app.services, slack_client(fake)) == 0  # the next run
    kb = settings.knowledge_base_dir
    add_document(kb, "home-visits", "Home visits", "Test owner", "2023-06-01", "2024-02-01")
    with running_bot(settings, embedder):  # a restart, whose reminder job runs at once
        _, after_restart = wait_for_dms(fake, OWNER, 2)
        text = blocks_text(after_restart["blocks"])
        assert "Home visits" in text and LADO not in text
    assert len(dms(fake, OWNER)) == 2 and [len(dms(fake, m)) for m in MEMBERS] == [1, 1]


@pytest.mark.slow
def test_still_correct_ends_the_stale_warning_and_outlasts_a_reingest(
    tmp_path: Path, fake: FakeSlack, embedder
) -> None:
    settings = owner_settings(tmp_path, fake)
    next_due = TODAY + (date(2025, 7, 10) - date(2025, 1, 10))  # lado's own six months
    with running_bot(settings, embedder) as (_, base):
        slack = SlackSender(f"{base}/slack/events", SECRET)
        (reminder,) = wait_for_dms(fake, OWNER, 1)
        assert STALE in blocks_text(ask(slack, fake, "C0BEFORE", LADO_QUESTION)["blocks"])

        assert press(slack, reminder, STILL_CORRECT, "lado", OWNER).status == 200
        (update,) = fake.wait_for("chat.update")
        assert (update.params["channel"], update.params["ts"]) == (f"D{OWNER}", "1700000000.000100")
        text = blocks_text(update.params["blocks"])
        assert f"reviewed by <@{OWNER}> on {TODAY}; next review due {next_due}" in text
        assert "review:lado" not in text and LADO in text  # its buttons are gone, it stays

        answer = blocks_text(ask(slack, fake, "C0AFTER", LADO_QUESTION)["blocks"])
        assert STALE not in answer and f"reviewed {TODAY}" in answer

    lado = settings.knowledge_base_dir / "procedure" / "lado.md"
    edited = lado.read_text().replace(
        "to keep a child safe.", "to keep a child safe.\nThe referral is confirmed in writing."
    )
    lado.write_text(edited)  # its front matter still says reviewed 2025-01-10
    env = cli_env(settings)
    assert bcft("ingest", env=env).returncode == 0
    asked = bcft("ask", "--json", LADO_QUESTION, env=env)
    cited = next(s for s in json.loads(asked.stdout)["sources"] if s["doc_id"] == "lado")
    assert (cited["stale"], cited["last_reviewed"]) == (False, TODAY.isoformat())
    status = bcft("kb", "status", env=env).stdout
    past_review, reviewed = status.split("Past their review date")[1].split("Reviewed in Slack")
    assert LADO not in past_review and "Lone working visits" in past_review
    assert LADO in reviewed and f"{TODAY}" in reviewed and OWNER in reviewed


@pytest.mark.slow
def test_needs_change_flags_the_document_for_practice_leads_until_a_newer_review(
    tmp_path: Path, fake: FakeSlack, embedder
) -> None:
    settings = owner_settings(tmp_path, fake)
    member = MEMBERS[0]
    with running_bot(settings, embedder) as (_, base):
        slack = SlackSender(f"{base}/slack/events", SECRET)
        (reminder,) = wait_for_dms(fake, member, 1)
        press(slack, reminder, NEEDS_CHANGE, "lone-working", member)
        (opened,) = fake.wait_for("views.open")
        view = opened.params["view"]
        view = json.loads(view) if isinstance(view, str) else view
        assert opened.params["trigger_id"] == "trigger-review_needs_change-lone-working"
        assert view["callback_id"] == NEEDS_CHANGE_MODAL
        assert "Lone working visits" in blocks_text(view["blocks"])

        def submit(what: str) -> Reply:
            values = {"what": {"what": {"type": "plain_text_input", "value": what}}}
            return slack.interaction(
                {
                    "type": "view_submission",
                    "user": {"id": member},
                    "view": {**view, "id": "V0001", "state": {"values": values}},
                }
            )

        blank = submit("   ")
        assert json.loads(blank.body) == {
            "response_action": "errors",
            "errors": {"what": "Please say what needs changing."},
        }
        assert submit("The lone working line changed: ring 07700 900123 to check").status == 200
        (thanks,) = wait_for_replies(fake, f"D{member}", "1700000000.000100")
        assert "flagged as needing change" in thanks["text"]

        slack.event({"type": "app_home_opened", "user": ADMIN, "tab": "home"})
        home = blocks_text(fake.wait_for("views.publish")[0].params["view"])
        slack.command("/kb", "status", ADMIN, fake.response_url("kb-status"))
        status = blocks_text(fake.wait_for("response.kb-status")[0].params["blocks"])
        for shown in (home, status):
            assert "Needs change (1)" in shown and "Lone working visits" in shown
            assert f"<@{member}>: The lone working line changed" in shown
            assert "07700 900123" not in shown and "phone number removed" in shown
            assert (
                "No owner in Slack" in shown and "Nobody in Slack (1): Pool car bookings" in shown
            )

    env = cli_env(settings)
    flagged = bcft("kb", "status", env=env).stdout.split("Needs change")[1]
    assert "Lone working visits" in flagged and member in flagged and "07700" not in flagged
    unmapped = flagged.split("No owner in Slack")[1]
    assert "Nobody in Slack" in unmapped and "Pool car bookings" in unmapped
    assert "Test owner" not in unmapped and GROUP_NAME not in unmapped

    # The file corrected and re-ingested with a newer review closes the flag.
    kb = settings.knowledge_base_dir
    add_document(kb, "lone-working", "Lone working visits", GROUP_NAME, f"{TODAY}", "2099-01-01")
    assert bcft("ingest", env=env).returncode == 0
    assert "Needs change" not in bcft("kb", "status", env=env).stdout


@pytest.mark.slow
def test_an_out_of_date_rating_tells_the_owners_of_the_cited_documents_once(
    tmp_path: Path, fake: FakeSlack, embedder
) -> None:
    settings = owner_settings(tmp_path, fake)
    with running_bot(settings, embedder) as (app, base):
        slack = SlackSender(f"{base}/slack/events", SECRET)
        wait_for_dms(fake, OWNER, 1)  # the day's reminder comes first
        reply = ask(slack, fake, "C0RATED", "What does a core group do?")
        ref = next(b for b in reply["blocks"] if b["type"] == "actions")["elements"][0]["value"]
        store = open_store(settings)
        cited = {s["doc_id"] for s in json.loads(store.answer(ref)["sources"])}
        assert "core-groups" in cited

        def rate(user: str, reason: str) -> None:
            values = {
                "reason": {"reason": {"selected_option": {"value": reason}}},
                "comment": {"comment": {"value": "Mrs Jones says this changed in March"}},
            }
            slack.interaction(
                {
                    "type": "view_submission",
                    "user": {"id": user},
                    "view": {
                        "type": "modal",
                        "callback_id": "feedback_modal",
                        "private_metadata": ref,
                        "state": {"values": values},
                    },
                }
            )

        rate(NEWCOMER, "out_of_date")
        _, notice = wait_for_dms(fake, OWNER, 2)
        text = blocks_text(notice["blocks"])
        assert notice["text"] == OUT_OF_DATE_TEXT and "Core groups" in text
        assert "review:core-groups" in text  # Still correct / Needs change, as in a reminder
        for private in ("core group do", "Mrs Jones", "changed in March", NEWCOMER):
            assert private not in text  # not the question, the comment or who rated it

        rate(LEAD, "out_of_date")  # the same answer rated out of date again
        rate(ADMIN, "incorrect")
        wait_until(lambda: len(store.feedback()) == 3, "three ratings")
        assert notify_out_of_date(app.services, slack_client(fake), ref) == 0  # claimed once
        assert len(dms(fake, OWNER)) == 2
        store.close()
