"""Numbered migrations: how a database of any earlier version becomes the current schema.

Each step runs once, in order, and is recorded in `schema_version`; steps never change once
released (a change is a new step). The whole run is one transaction holding the database's
write lock (PostgreSQL: an advisory lock; SQLite: BEGIN IMMEDIATE), so hosts and workers that
start together migrate once. SQLite files made before versioning (tables created with IF NOT
EXISTS) pass through the same steps: each first step checks what already exists.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    insert,
    inspect,
    select,
    text,
)

from bot.store.tables import schema_version

# Any constant shared by every host; only this application takes this advisory lock.
_PG_MIGRATION_LOCK = 0x6263_6674  # "bcft"


def _first_release(db: Connection) -> None:
    """The tables of the first release, as they were then."""
    first = MetaData()
    Table(
        "questions",
        first,
        Column("id", Integer, primary_key=True),
        Column("ref", Text, unique=True, nullable=False),
        Column("asked_at", Float, nullable=False),
        Column("channel", Text, nullable=False),
        Column("thread", Text),
        Column("question", Text, nullable=False),
        Column("answer", Text, nullable=False),
        Column("sources", Text, nullable=False),
        Column("payload", Text, nullable=False),
        Column("reason", Text, nullable=False),
        Column("urgent", Boolean, nullable=False),
        Column("confidence", Float, nullable=False),
        Column("personal_data", Text, nullable=False),
    )
    Table(
        "feedback",
        first,
        Column("id", Integer, primary_key=True),
        Column("created_at", Float, nullable=False),
        Column("ref", Text, nullable=False),
        Column("user_id", Text, nullable=False),
        Column("rating", Text, nullable=False),
        Column("reason", Text),
        Column("comment", Text),
        Column("question", Text, nullable=False),
        Column("answer", Text, nullable=False),
        Column("sources", Text, nullable=False),
    )
    Table(
        "seen_events",
        first,
        Column("event_id", Text, primary_key=True),
        Column("seen_at", Float, nullable=False),
    )
    first.create_all(db, checkfirst=True)
    _create_indexes(
        db,
        "CREATE INDEX IF NOT EXISTS questions_reason ON questions (reason, asked_at)",
        "CREATE INDEX IF NOT EXISTS questions_thread ON questions (thread, asked_at)",
    )


def _who_asked(db: Connection) -> None:
    """Who asked (for their own history and data rights), and why a message was urgent."""
    _add_column(db, "questions", "user_id", "TEXT NOT NULL DEFAULT ''")
    _add_column(db, "questions", "urgent_signals", "TEXT NOT NULL DEFAULT '[]'")


def _rate_limit_rows(db: Connection) -> None:
    """A request log with ids, so a request counts only those before it (no lock needed)."""
    log = MetaData()
    Table(
        "rate_requests",
        log,
        Column("id", Integer, primary_key=True),
        Column("user_id", Text, nullable=False),
        Column("at", Float, nullable=False),
    )
    log.create_all(db, checkfirst=True)
    _create_indexes(
        db, "CREATE INDEX IF NOT EXISTS rate_requests_user ON rate_requests (user_id, at)"
    )
    db.execute(text("DROP TABLE IF EXISTS requests"))  # the first release's log; 60 s of data


def _retention_indexes(db: Connection) -> None:
    """Indexes for deleting by age and finding one person's records."""
    _create_indexes(
        db,
        "CREATE INDEX IF NOT EXISTS questions_user ON questions (user_id, asked_at)",
        "CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at)",
        "CREATE INDEX IF NOT EXISTS feedback_created_at ON feedback (created_at)",
        "CREATE INDEX IF NOT EXISTS feedback_user ON feedback (user_id)",
        "CREATE INDEX IF NOT EXISTS seen_events_seen_at ON seen_events (seen_at)",
    )


def _document_reviews(db: Connection) -> None:
    """Reviews and flags recorded in Slack, and the claims that send each notice once."""
    reviews = MetaData()
    Table(
        "document_reviews",
        reviews,
        Column("id", Integer, primary_key=True),
        Column("doc_id", Text, nullable=False),
        Column("reviewed_at", Float, nullable=False),
        Column("reviewer", Text, nullable=False),
        Column("last_reviewed", Date, nullable=False),
        Column("review_due", Date, nullable=False),
    )
    Table(
        "document_flags",
        reviews,
        Column("id", Integer, primary_key=True),
        Column("doc_id", Text, nullable=False),
        Column("flagged_at", Float, nullable=False),
        Column("flagged_by", Text, nullable=False),
        Column("what_is_wrong", Text, nullable=False),
        Column("last_reviewed", Date),
    )
    Table(
        "review_reminders",
        reviews,
        Column("doc_id", Text, primary_key=True),
        Column("review_due", Date, primary_key=True),
        Column("sent_at", Float, nullable=False),
    )
    Table(
        "out_of_date_notices",
        reviews,
        Column("ref", Text, primary_key=True),
        Column("doc_id", Text, primary_key=True),
        Column("sent_at", Float, nullable=False),
    )
    reviews.create_all(db, checkfirst=True)
    _create_indexes(
        db,
        "CREATE INDEX IF NOT EXISTS document_reviews_doc ON document_reviews (doc_id, reviewed_at)",
        "CREATE INDEX IF NOT EXISTS document_flags_doc ON document_flags (doc_id, flagged_at)",
    )


def _gap_answers(db: Connection) -> None:
    """Answers written in Slack for knowledge gaps, the notices sent about them, and the
    weekly digests claimed."""
    answers = MetaData()
    Table(
        "gap_answers",
        answers,
        Column("id", Integer, primary_key=True),
        Column("doc_id", Text, nullable=False),
        Column("title", Text, nullable=False),
        Column("category", Text, nullable=False),
        Column("path", Text, nullable=False),
        Column("gap", Text, nullable=False),
        Column("author", Text, nullable=False),
        Column("drafted_at", Float, nullable=False),
        Column("state", Text, nullable=False),
        Column("decided_by", Text),
        Column("decided_at", Float),
    )
    Table(
        "gap_notices",
        answers,
        Column("ref", Text, primary_key=True),
        Column("gap_answer", Integer, nullable=False),
        Column("sent_at", Float, nullable=False),
    )
    Table(
        "weekly_digests",
        answers,
        Column("week", Text, primary_key=True),
        Column("sent_at", Float, nullable=False),
    )
    answers.create_all(db, checkfirst=True)
    _create_indexes(
        db, "CREATE INDEX IF NOT EXISTS gap_answers_state ON gap_answers (state, drafted_at)"
    )


MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [
    (1, _first_release),
    (2, _who_asked),
    (3, _rate_limit_rows),
    (4, _retention_indexes),
    (5, _document_reviews),
    (6, _gap_answers),
]


def migrate(engine: Engine) -> list[int]:
    """Apply the steps this database lacks; return their numbers."""
    with engine.connect() as db:
        db.execution_options(sqlite_begin="IMMEDIATE")
        with db.begin():
            if engine.dialect.name == "postgresql":
                db.execute(select(text(f"pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")))
            schema_version.create(db, checkfirst=True)
            done = set(db.scalars(select(schema_version.c.version)))
            applied = []
            for number, step in MIGRATIONS:
                if number not in done:
                    step(db)
                    db.execute(
                        insert(schema_version).values(version=number, applied_at=time.time())
                    )
                    applied.append(number)
    return applied


def _add_column(db: Connection, table: str, column: str, declaration: str) -> None:
    if column not in {c["name"] for c in inspect(db).get_columns(table)}:
        db.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}"))


def _create_indexes(db: Connection, *statements: str) -> None:
    for statement in statements:
        db.execute(text(statement))
