"""The SQLite store: audit of questions, knowledge gaps, feedback, Slack event dedupe, rate limits.

Only this module touches these tables. Questions reach it already redacted by the engine and
are redacted once more here, as are feedback comments, so that nothing a user typed is ever
stored raw. SQLite in WAL mode is shared safely by several worker processes on one host.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.safety.personal_data import redact_personal_data

if TYPE_CHECKING:
    from bot.answers import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    ref TEXT UNIQUE NOT NULL,
    asked_at REAL NOT NULL,
    channel TEXT NOT NULL,
    thread TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    payload TEXT NOT NULL,
    reason TEXT NOT NULL,
    urgent INTEGER NOT NULL,
    confidence REAL NOT NULL,
    personal_data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_reason ON questions (reason, asked_at);
CREATE INDEX IF NOT EXISTS questions_thread ON questions (thread, asked_at);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    created_at REAL NOT NULL,
    ref TEXT NOT NULL,
    user_id TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    reason TEXT,
    comment TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS seen_events (
    event_id TEXT PRIMARY KEY,
    seen_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    user_id TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_user ON requests (user_id, at);
"""
# Columns added after the first release: (table, column, declaration). Added to an existing
# file when missing, so a store from an earlier version keeps its records.
_ADDED_COLUMNS = [
    ("questions", "user_id", "TEXT NOT NULL DEFAULT ''"),
    ("questions", "urgent_signals", "TEXT NOT NULL DEFAULT '[]'"),
]


@dataclass(frozen=True)
class FeedbackSummary:
    up: int
    down: int
    reasons: dict[str, int]
    recent_down: list[dict[str, str]]


class Store:
    """One SQLite file under DATA_DIR; a short-lived connection per operation."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            for table, column, declaration in _ADDED_COLUMNS:
                existing = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
                if column not in existing:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA busy_timeout=30000")
            yield db
        finally:
            db.close()

    def ping(self) -> None:
        """Raise if the store cannot be reached (used by readiness checks)."""
        with self._connect() as db:
            db.execute("SELECT 1")

    # -- audit and knowledge gaps ---------------------------------------------------------

    def record_answer(
        self, answer: Answer, *, channel: str, thread: str | None = None, user: str = ""
    ) -> None:
        """Keep the (redacted) question and its answer, for audit, gaps, feedback and threads."""
        payload = answer.to_dict()
        payload["retrieved"] = []  # the passages are in the index; keep the record small
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO questions (ref, asked_at, channel, thread, question,"
                " answer, sources, payload, reason, urgent, confidence, personal_data, user_id,"
                " urgent_signals) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    answer.ref,
                    time.time(),
                    channel,
                    thread,
                    _redacted(answer.question),
                    answer.answer,  # knowledge-base text: the question was redacted before use
                    json.dumps(payload["sources"]),
                    json.dumps(payload),
                    answer.reason,
                    answer.urgent,
                    answer.confidence,
                    ",".join(answer.personal_data),
                    user,
                    json.dumps([_redacted(s) for s in answer.urgent_signals]),
                ),
            )

    def answer(self, ref: str) -> dict[str, Any] | None:
        """The recorded question and answer with this reference, if any."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM questions WHERE ref = ?", (ref,)).fetchone()
        return dict(row) if row else None

    def thread_questions(
        self, thread: str, within_seconds: float = 3600, limit: int = 3
    ) -> list[str]:
        """The last questions asked in a conversation, oldest first (for follow-ups)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT question FROM questions WHERE thread = ? AND asked_at > ?"
                " AND reason IN ('answered', 'known_gap') ORDER BY id DESC LIMIT ?",
                (thread, time.time() - within_seconds, limit),
            ).fetchall()
        return [row["question"] for row in reversed(rows)]

    def knowledge_gaps(self, limit: int = 10) -> list[tuple[str, int]]:
        """The most often asked questions the knowledge base could not answer, or answered
        only by saying its sources do not hold the answer (a known gap)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT lower(trim(question)) AS q, count(*) AS n FROM questions"
                " WHERE reason IN ('not_covered', 'known_gap')"
                " GROUP BY q ORDER BY n DESC, max(asked_at) DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [(row["q"], row["n"]) for row in rows]

    def recent_questions(self, user: str, limit: int = 5) -> list[str]:
        """One person's own latest questions (redacted), newest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT question FROM questions WHERE user_id = ? ORDER BY id DESC LIMIT ?",
                (user, limit),
            ).fetchall()
        return [row["question"] for row in rows]

    def questions(self) -> list[dict[str, object]]:
        with self._connect() as db:
            return [dict(row) for row in db.execute("SELECT * FROM questions ORDER BY id")]

    # -- feedback -------------------------------------------------------------------------

    def record_feedback(
        self,
        *,
        ref: str,
        user_id: str,
        rating: str,
        reason: str | None = None,
        comment: str | None = None,
    ) -> bool:
        """Store a rating for a recorded answer; False if the answer is unknown."""
        answered = self.answer(ref)
        if answered is None:
            return False
        with self._connect() as db:
            db.execute(
                "INSERT INTO feedback (created_at, ref, user_id, rating, reason, comment,"
                " question, answer, sources) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    ref,
                    user_id,
                    rating,
                    reason,
                    _redacted(comment) if comment else None,
                    answered["question"],
                    answered["answer"],
                    answered["sources"],
                ),
            )
        return True

    def feedback(self) -> list[dict[str, object]]:
        with self._connect() as db:
            return [dict(row) for row in db.execute("SELECT * FROM feedback ORDER BY id")]

    def feedback_summary(self, recent: int = 10) -> FeedbackSummary:
        with self._connect() as db:
            counts = dict(db.execute("SELECT rating, count(*) FROM feedback GROUP BY rating"))
            reasons = dict(
                db.execute(
                    "SELECT coalesce(reason, 'unspecified'), count(*) FROM feedback"
                    " WHERE rating = 'down' GROUP BY 1 ORDER BY 2 DESC"
                )
            )
            rows = db.execute(
                "SELECT question, reason, comment FROM feedback WHERE rating = 'down'"
                " ORDER BY id DESC LIMIT ?",
                (recent,),
            ).fetchall()
        return FeedbackSummary(
            up=counts.get("up", 0),
            down=counts.get("down", 0),
            reasons=reasons,
            recent_down=[{k: v or "" for k, v in dict(row).items()} for row in rows],
        )

    # -- Slack delivery: dedupe and rate limits --------------------------------------------

    def first_time_seen(self, event_id: str) -> bool:
        """True once per event id, across every worker sharing this file."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO seen_events (event_id, seen_at) VALUES (?, ?)",
                (event_id, time.time()),
            )
            db.execute("DELETE FROM seen_events WHERE seen_at < ?", (time.time() - 86400,))
            return cursor.rowcount == 1

    def allow_request(self, user_id: str, per_minute: int) -> bool:
        """Count a request against a user's one-minute budget; False when it is spent."""
        now = time.time()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM requests WHERE at < ?", (now - 60,))
            (used,) = db.execute(
                "SELECT count(*) FROM requests WHERE user_id = ?", (user_id,)
            ).fetchone()
            allowed = used < per_minute
            if allowed:
                db.execute("INSERT INTO requests (user_id, at) VALUES (?, ?)", (user_id, now))
            db.execute("COMMIT")
        return allowed


def _redacted(text: str) -> str:
    return redact_personal_data(text)[0]
