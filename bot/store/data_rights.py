"""Retention and people's rights over their data (UK GDPR): expiry, export and erasure.

What is kept about a person: the questions they asked (redacted) with the answers, and the
ratings and comments (redacted) they gave. Both are deleted RETENTION_DAYS after they were
made, by the bot itself; `export` and `erase` serve subject-access and erasure requests.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update

from bot.store.delivery import DeliveryGuards
from bot.store.feedback import FeedbackLog
from bot.store.tables import feedback, questions, rate_requests

# Slack retries an event within minutes; a day of event ids is far more than it needs.
_SEEN_EVENTS_SECONDS = 86_400
# What replaces the question copied into someone else's rating when the asker is erased.
ERASED = "[erased]"


@dataclass(frozen=True)
class Removed:
    """How many records a deletion removed (questions, ratings) and redacted (copies)."""

    questions: int
    feedback: int
    copies: int = 0


class DataRights(FeedbackLog, DeliveryGuards):
    def delete_expired(self, retention_days: float) -> Removed:
        """Delete questions and ratings older than `retention_days`, and old event ids."""
        cutoff = time.time() - retention_days * 86_400
        with self._begin() as db:
            asked = db.execute(delete(questions).where(questions.c.asked_at < cutoff)).rowcount
            rated = db.execute(delete(feedback).where(feedback.c.created_at < cutoff)).rowcount
        self.forget_seen_events(time.time() - _SEEN_EVENTS_SECONDS)
        return Removed(questions=asked, feedback=rated)

    def export_user(self, user: str) -> dict[str, Any]:
        """Everything stored about one Slack user, for a subject-access request."""
        with self._begin() as db:
            asked = db.execute(
                select(questions).where(questions.c.user_id == user).order_by(questions.c.id)
            ).mappings()
            rated = db.execute(
                select(feedback).where(feedback.c.user_id == user).order_by(feedback.c.id)
            ).mappings()
            return {
                "user": user,
                "exported_at": _iso(time.time()),
                "questions": [
                    {
                        "ref": row["ref"],
                        "asked_at": _iso(row["asked_at"]),
                        "where": row["channel"],
                        "question": row["question"],
                        "answer": row["answer"],
                        "outcome": row["reason"],
                        "sources": json.loads(row["sources"]),
                    }
                    for row in asked
                ],
                "feedback": [
                    {
                        "ref": row["ref"],
                        "given_at": _iso(row["created_at"]),
                        "rating": row["rating"],
                        "reason": row["reason"],
                        "comment": row["comment"],
                    }
                    for row in rated
                ],
            }

    def erase_user(self, user: str) -> Removed:
        """Delete one Slack user's questions and ratings, and the copies of their questions
        kept with other people's ratings of the answers they were given."""
        with self._begin() as db:
            refs = select(questions.c.ref).where(questions.c.user_id == user)
            copies = db.execute(
                update(feedback)
                .where(feedback.c.ref.in_(refs), feedback.c.user_id != user)
                .values(question=ERASED)
            ).rowcount
            asked = db.execute(delete(questions).where(questions.c.user_id == user)).rowcount
            rated = db.execute(delete(feedback).where(feedback.c.user_id == user)).rowcount
            db.execute(delete(rate_requests).where(rate_requests.c.user_id == user))
        return Removed(questions=asked, feedback=rated, copies=copies)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
