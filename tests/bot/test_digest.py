"""The weekly digest: the store's counts for a period (SQLite and PostgreSQL), one digest per
week across workers and hosts, and the digest the running bot posts, with no question text
but the redacted top knowledge gaps."""

from __future__ import annotations

import dataclasses
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import update

from bot.embedding import Embedder
from bot.slack.digest import Week, post_weekly_digest, week_before
from bot.store import Store, open_store
from bot.store.base import database_url
from bot.store.tables import feedback, questions
from ingest.web_state import save_state
from tests.bot import test_store
from tests.bot.test_store import an_answer
from tests.support.fake_slack import FakeSlack
from tests.support.slack import bot_settings, running_bot

# The store's own fixtures: each store test runs on SQLite and on PostgreSQL, and on two hosts.
url, store, other_host = test_store.url, test_store.store, test_store.other_host

DAY = 86_400
LAST_WEEK = week_before(date.today())


def asked_in(store: Store, week: Week | None, question: str, reason: str, **fields: object) -> str:
    """Record an answer as asked in the middle of `week` (None: now); return its ref."""
    answer = an_answer(question, reason, **fields)
    store.record_answer(answer, channel="slack", thread="C0ASKED:1.1", user="U0ASKER")
    if week is not None:
        with store.engine.begin() as db:
            db.execute(
                update(questions)
                .where(questions.c.ref == answer.ref)
                .values(asked_at=week.start + 3.5 * DAY)
            )
    return answer.ref


def rated_down(store: Store, ref: str, reason: str | None, comment: str, week: Week) -> None:
    assert store.record_feedback(
        ref=ref, user_id="U0RATER", rating="down", reason=reason, comment=comment
    )
    with store.engine.begin() as db:
        db.execute(
            update(feedback).where(feedback.c.ref == ref).values(created_at=week.start + 4 * DAY)
        )


def a_week_of_questions(store: Store) -> None:
    """Last week: 2 answered, 1 known gap, 3 not covered (one of them urgent), 1 too long,
    2 thumbs down; this week: one more question, counted in no digest yet."""
    answered = asked_in(store, LAST_WEEK, "When is the ICPC?", "answered")
    asked_in(store, LAST_WEEK, "What does a core group do?", "answered")
    asked_in(store, LAST_WEEK, "How often is supervision?", "known_gap")
    for _ in range(2):
        asked_in(store, LAST_WEEK, "Overtime for Jo? ring 07700 900123", "not_covered")
    asked_in(store, LAST_WEEK, "URGENTWORDS a child is alone tonight", "not_covered", urgent=True)
    asked_in(store, LAST_WEEK, "x" * 3000, "too_long", refused=True)
    rated_down(store, answered, "out_of_date", "COMMENTWORDS call me", LAST_WEEK)
    rated_down(store, answered, "free text from a forged request", "", LAST_WEEK)
    asked_in(store, None, "THISWEEKWORDS when is the ICPC?", "answered")


def test_the_counts_of_a_period_come_from_the_store(store: Store) -> None:
    a_week_of_questions(store)
    counts = store.period_counts(LAST_WEEK.start, LAST_WEEK.end)
    assert counts.reasons == {"answered": 2, "known_gap": 1, "not_covered": 3, "too_long": 1}
    assert (counts.asked, counts.answered, counts.known_gaps, counts.refused) == (7, 2, 1, 4)
    assert counts.urgent == 1
    assert counts.down_reasons == {"out_of_date": 1, "free text from a forged request": 1}
    this_week = store.period_counts(LAST_WEEK.end, time.time() + 1)
    assert (this_week.asked, this_week.down_reasons) == (1, {})


def test_a_week_is_claimed_once_across_hosts_and_can_be_given_back(
    store: Store, other_host: Store
) -> None:
    hosts = [store, other_host] * 4
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda host: host.claim_weekly_digest("2026-W48"), hosts))
    assert sum(claims) == 1
    other_host.release_weekly_digest("2026-W48")
    assert store.claim_weekly_digest("2026-W48") and not other_host.claim_weekly_digest("2026-W48")
    assert store.claim_weekly_digest("2026-W49")


def test_the_digest_covers_the_iso_week_before_today() -> None:
    week = week_before(date(2026, 1, 1))  # a Thursday in 2026-W01
    assert (week.monday, week.label) == (date(2025, 12, 22), "2025-W52")
    assert week_before(date(2025, 12, 28)) == Week(date(2025, 12, 15))  # a Sunday
    assert week.end - week.start == pytest.approx(7 * DAY, abs=3600)  # summer time aside


def test_the_bot_posts_one_digest_a_week_to_practice_leads_without_question_text(
    tmp_path: Path, fake_slack: FakeSlack, embedder: Embedder
) -> None:
    settings = bot_settings(tmp_path, fake_slack, digest_channel="C0DIGEST")
    seeded = open_store(settings)
    a_week_of_questions(seeded)
    failed = {"https://example.org/moved": "redirect loop (more than 5 redirects)"}
    save_state(settings.web_state_path, {}, failed)  # what the last `ingest --sources` left

    def digests() -> list[dict]:
        return [
            c.params
            for c in fake_slack.calls_to("chat.postMessage")
            if c.params["channel"] == "C0DIGEST"
        ]

    with running_bot(settings, embedder) as (app, _):
        deadline = time.monotonic() + 60
        while not digests() and time.monotonic() < deadline:
            time.sleep(0.05)
        (posted,) = digests()
        client = WebClient(token="xoxb-test-token", base_url=fake_slack.api_url)
        # The job running again, on this worker or on another host's store, posts nothing.
        assert not post_weekly_digest(app.services, client)
        other = dataclasses.replace(app.services, store=Store(database_url(settings)))
        assert not post_weekly_digest(other, client)
        assert len(digests()) == 1

        # A digest Slack cannot take gives its week back: the next run posts it.
        this_week = date.today() + timedelta(days=7)  # the digest of the week under way
        unreachable = WebClient(token="xoxb-test-token", base_url="http://127.0.0.1:9/api/")
        with pytest.raises(OSError):
            post_weekly_digest(app.services, unreachable, today=this_week)
        assert post_weekly_digest(other, client, today=this_week)
        assert not post_weekly_digest(app.services, client, today=this_week)
        assert len(digests()) == 2

    text = json.dumps(posted["blocks"], ensure_ascii=False)
    assert posted["text"] == (
        f"Weekly digest {LAST_WEEK.label}: 7 questions asked, 2 answered, 4 refused, 1 urgent."
    )
    assert "asked *7*, answered *2*, answered with a known gap *1*, refused *4*, urgent *1*" in text
    # The top gaps: redacted, most asked first; never an urgent message.
    assert "overtime for jo? ring [phone number removed] (2×)" in text
    assert "how often is supervision? (1×)" in text
    assert "07700" not in text and "URGENTWORDS".lower() not in text.lower()
    # Thumbs down by reason, never a comment, never a stored value that is not a choice.
    assert "Out of date 1" in text and "Other 1" in text
    assert "COMMENTWORDS" not in text and "forged" not in text
    assert "THISWEEKWORDS".lower() not in text.lower()  # this week is next week's digest
    assert "https://example.org/moved: redirect loop (more than 5 redirects)" in text
    assert (
        "Allegations against people who work with children: due 2025-07-10, owner Test owner"
        in text
    )
