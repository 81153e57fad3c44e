"""The store behaves the same on embedded SQLite and on a real PostgreSQL server, and two
stores on one database (two hosts) share de-duplication, rate limits and feedback."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import inspect, update

from bot.answers import Answer, Source
from bot.documents import Review
from bot.store import ERASED, Store, sqlite_url
from bot.store.gap_answers import Gap
from bot.store.migrations import MIGRATIONS, migrate
from bot.store.tables import feedback, metadata, questions

DAY = 86_400


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "store.sqlite3")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(url: str) -> Store:
    opened = Store(url)
    yield opened
    opened.close()


@pytest.fixture
def other_host(url: str, store: Store) -> Store:
    """A second store on the same database, as a second `bcft serve` host would open it."""
    opened = Store(url)
    yield opened
    opened.close()


def an_answer(question: str, reason: str = "answered", **fields: object) -> Answer:
    source = Source(
        1, "doc-1", "Child protection conferences", "Timing", "https://x", None, None, False
    )
    return Answer(question=question, answer="Within 15 working days [1].", sources=[source],
                  reason=reason, **fields)  # fmt: skip


def age(store: Store, days: float) -> None:
    """Make every record `days` older, as if made that long ago."""
    with store.engine.begin() as db:
        db.execute(update(questions).values(asked_at=questions.c.asked_at - days * DAY))
        db.execute(update(feedback).values(created_at=feedback.c.created_at - days * DAY))


def test_an_event_is_handled_once_across_hosts_even_when_both_race(
    store: Store, other_host: Store
) -> None:
    keys = [f"message:C1:{n}" for n in range(50)]
    attempts = [(host, key) for key in keys for host in (store, other_host, store, other_host)]
    with ThreadPoolExecutor(8) as pool:
        firsts = list(pool.map(lambda attempt: attempt[0].first_time_seen(attempt[1]), attempts))
    assert sum(firsts) == len(keys)
    handled = [key for (_, key), first in zip(attempts, firsts, strict=True) if first]
    assert sorted(handled) == sorted(keys)  # each key once, whichever host saw it first


def test_the_rate_limit_is_shared_by_hosts_and_refusals_do_not_count(
    store: Store, other_host: Store
) -> None:
    allowed = [host.allow_request("U1", 3) for host in (store, other_host) * 3]
    assert allowed == [True, True, True, False, False, False]
    assert other_host.allow_request("U2", 3)  # another person has their own budget
    with store.engine.begin() as db:  # a minute later the window has moved on
        db.exec_driver_sql("UPDATE rate_requests SET at = at - 61")
    assert [store.allow_request("U1", 3) for _ in range(4)] == [True, True, True, False]


def test_feedback_given_on_one_host_is_in_the_other_hosts_report(
    store: Store, other_host: Store
) -> None:
    answer = an_answer("when is the conference?")
    store.record_answer(answer, channel="slack", user="U1")
    comment = "call Jane on 07700 900123"
    assert other_host.record_feedback(
        ref=answer.ref, user_id="U2", rating="down", reason="out_of_date", comment=comment
    )
    assert not other_host.record_feedback(ref="no-such-answer", user_id="U2", rating="up")
    summary = store.feedback_summary()
    assert (summary.up, summary.down, summary.reasons) == (0, 1, {"out_of_date": 1})
    assert "07700 900123" not in json.dumps(store.feedback())  # comments are redacted


def test_questions_are_stored_redacted_and_read_back_for_gaps_threads_and_history(
    store: Store,
) -> None:
    first = an_answer("Where is the form? my email is jo@example.org")
    store.record_answer(first, channel="slack", thread="C1:1", user="U1")
    store.record_answer(an_answer("and out of hours?"), channel="slack", thread="C1:1", user="U1")
    for _ in range(2):
        store.record_answer(an_answer("Overtime pay rates? ", "not_covered"), channel="cli")
    store.record_answer(an_answer("how often do core groups meet", "known_gap"), channel="cli")

    assert "jo@example.org" not in json.dumps(store.questions())
    assert store.thread_turns("C1:1")[1] == ("and out of hours?", "Within 15 working days [1].")
    gaps = [("overtime pay rates?", 2), ("how often do core groups meet", 1)]
    assert store.open_gaps() == [Gap(*gap) for gap in gaps]
    assert store.recent_questions("U1")[0] == "and out of hours?"


def test_recording_the_same_answer_again_keeps_one_record(store: Store) -> None:
    answer = an_answer("when is the conference?")
    store.record_answer(answer, channel="slack")
    store.record_answer(answer, channel="slack")
    assert [row["ref"] for row in store.questions()] == [answer.ref]


def test_questions_and_feedback_are_deleted_after_the_retention_period(store: Store) -> None:
    old = an_answer("an old question")
    store.record_answer(old, channel="slack", user="U1")
    store.record_feedback(ref=old.ref, user_id="U2", rating="up")
    store.first_time_seen("event-1")
    age(store, 200)
    new = an_answer("a new question")
    store.record_answer(new, channel="slack", user="U1")

    removed = store.delete_expired(retention_days=180)

    assert (removed.questions, removed.feedback) == (1, 1)
    assert [row["ref"] for row in store.questions()] == [new.ref]
    assert store.feedback() == []
    assert not store.first_time_seen("event-1")  # recent event ids are kept for retries


def test_a_person_can_export_and_erase_what_is_stored_about_them(store: Store) -> None:
    mine, theirs = an_answer("my question"), an_answer("their question")
    store.record_answer(mine, channel="slack", user="U1")
    store.record_answer(theirs, channel="slack", user="U2")
    store.record_feedback(ref=theirs.ref, user_id="U1", rating="down", comment="wrong date")
    store.record_feedback(ref=mine.ref, user_id="U2", rating="up")  # U2 rated U1's answer

    exported = store.export_user("U1")
    assert [q["question"] for q in exported["questions"]] == ["my question"]
    assert [f["comment"] for f in exported["feedback"]] == ["wrong date"]
    assert "their question" not in json.dumps(exported)

    removed = store.erase_user("U1")

    assert (removed.questions, removed.feedback, removed.copies) == (1, 1, 1)
    assert store.export_user("U1")["questions"] == []
    assert [row["ref"] for row in store.questions()] == [theirs.ref]
    (kept,) = store.feedback()
    assert (kept["user_id"], kept["question"]) == ("U2", ERASED)  # U2's rating stays


def test_export_and_erasure_cover_work_on_the_knowledge_base(store: Store) -> None:
    store.record_review("doc-1", Review(date(2026, 12, 1), date(2027, 6, 1), "U1"))
    store.flag_document("doc-2", flagged_by="U1", what_is_wrong="old phone", last_reviewed=None)
    draft = store.add_gap_answer(
        doc_id="doc-3", title="Overtime", category="policy", path="p.md", gap="q", author="U1"
    )
    store.publish_gap_answer(draft.id, "U2")

    exported = store.export_user("U1")
    assert [r["document"] for r in exported["document_reviews"]] == ["doc-1"]
    assert [f["what_is_wrong"] for f in exported["document_flags"]] == ["old phone"]
    assert [(a["document"], a["role"]) for a in exported["answers_written_or_decided"]] == [
        ("doc-3", "author")
    ]
    assert store.export_user("U2")["answers_written_or_decided"][0]["role"] == "decided"

    store.erase_user("U1")

    assert store.reviews()["doc-1"].reviewer == ERASED  # the review itself still counts
    assert "old phone" not in json.dumps(store.export_user(ERASED), default=str)
    erased = store.export_user("U1")
    assert not (erased["document_reviews"] or erased["document_flags"])
    assert not erased["answers_written_or_decided"]


def test_a_database_migrated_from_nothing_has_exactly_the_declared_tables(store: Store) -> None:
    found = inspect(store.engine)
    for table in metadata.sorted_tables:
        columns = {column["name"] for column in found.get_columns(table.name)}
        assert columns == set(table.columns.keys()), table.name
    assert migrate(store.engine) == []  # nothing left to apply


def test_hosts_starting_together_on_a_new_database_migrate_it_once(url: str) -> None:
    with ThreadPoolExecutor(4) as pool:
        opened = list(pool.map(lambda _: Store(url), range(4)))
    with opened[0].engine.connect() as db:
        versions = db.exec_driver_sql("SELECT version FROM schema_version").scalars().all()
    assert sorted(versions) == [number for number, _ in MIGRATIONS]
    assert sum(host.first_time_seen("event-1") for host in opened) == 1
    for host in opened:
        host.close()


def test_a_store_from_the_first_release_keeps_its_records_when_migrated(tmp_path: Path) -> None:
    path = tmp_path / "bcft.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript(FIRST_RELEASE_SCHEMA)
        old.execute(
            "INSERT INTO questions (ref, asked_at, channel, question, answer, sources, payload,"
            " reason, urgent, confidence, personal_data) VALUES ('r1', 1e9, 'slack', 'q', 'a',"
            " '[]', '{}', 'not_covered', 0, 0.1, '')"
        )
    store = Store(sqlite_url(path))
    (row,) = store.questions()
    assert (row["ref"], row["user_id"], row["urgent_signals"]) == ("r1", "", "[]")
    assert store.open_gaps() == [Gap("q", 1)]
    assert store.allow_request("U1", 1) and not store.allow_request("U1", 1)
    with store.engine.connect() as db:
        assert db.exec_driver_sql("SELECT max(version) FROM schema_version").scalar() == len(
            MIGRATIONS
        )
    store.close()


def test_an_unknown_rating_is_refused(store: Store) -> None:
    answer = an_answer("q")
    store.record_answer(answer, channel="slack")
    with pytest.raises(ValueError, match="rating"):
        store.record_feedback(ref=answer.ref, user_id="U1", rating="meh")


# The SQLite schema of the first release, which wrote no version table.
FIRST_RELEASE_SCHEMA = """
CREATE TABLE questions (id INTEGER PRIMARY KEY, ref TEXT UNIQUE NOT NULL, asked_at REAL NOT NULL,
    channel TEXT NOT NULL, thread TEXT, question TEXT NOT NULL, answer TEXT NOT NULL,
    sources TEXT NOT NULL, payload TEXT NOT NULL, reason TEXT NOT NULL, urgent INTEGER NOT NULL,
    confidence REAL NOT NULL, personal_data TEXT NOT NULL);
CREATE TABLE feedback (id INTEGER PRIMARY KEY, created_at REAL NOT NULL, ref TEXT NOT NULL,
    user_id TEXT NOT NULL, rating TEXT NOT NULL CHECK (rating IN ('up', 'down')), reason TEXT,
    comment TEXT, question TEXT NOT NULL, answer TEXT NOT NULL, sources TEXT NOT NULL);
CREATE TABLE seen_events (event_id TEXT PRIMARY KEY, seen_at REAL NOT NULL);
CREATE TABLE requests (user_id TEXT NOT NULL, at REAL NOT NULL);
"""


def test_connections_the_database_dropped_cost_one_failed_call_at_most(postgres_url: str) -> None:
    from sqlalchemy.exc import DBAPIError

    store = Store(postgres_url)
    assert store.first_time_seen("before")
    with psycopg.connect(postgres_url, autocommit=True) as admin:  # as a restart would
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    outcomes: list[object] = []
    for n in range(3):
        try:
            outcomes.append(store.first_time_seen(f"after-{n}"))
        except DBAPIError:
            outcomes.append("failed")
    assert outcomes[0] in (True, "failed") and outcomes[1:] == [True, True]
    store.close()
