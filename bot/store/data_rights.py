"""Retention and people's rights over their data (UK GDPR): expiry, export and erasure.

What is kept about a person: the questions they asked (redacted) with the answers, and the
ratings and comments (redacted) they gave. Both are deleted RETENTION_DAYS after they were
made, by the bot itself. Practice leads' and owners' work on the knowledge base (reviews,
flags, answers written for gaps) is kept as long as the documents need it. `export` and
`erase` serve subject-access and erasure requests over all of it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Table, delete, or_, select, update

from bot.store.delivery import DeliveryGuards
from bot.store.feedback import FeedbackLog
from bot.store.tables import (
    document_flags,
    document_reviews,
    feedback,
    gap_answers,
    gap_notices,
    out_of_date_notices,
    questions,
    rate_requests,
)

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
        """Delete questions and ratings older than `retention_days`, and delivery records
        (event ids, rate-limit requests) no longer needed."""
        cutoff = time.time() - retention_days * 86_400
        with self._begin() as db:
            asked = db.execute(delete(questions).where(questions.c.asked_at < cutoff)).rowcount
            rated = db.execute(delete(feedback).where(feedback.c.created_at < cutoff)).rowcount
            for notices in (gap_notices, out_of_date_notices):  # answer refs, nothing else
                db.execute(delete(notices).where(notices.c.sent_at < cutoff))
        self.forget_delivery_records(seen_before=time.time() - _SEEN_EVENTS_SECONDS)
        return Removed(questions=asked, feedback=rated)

    def export_user(self, user: str) -> dict[str, Any]:
        """Everything stored about one Slack user, for a subject-access request."""
        with self._begin() as db:

            def rows(table: Table, *where: ColumnElement[bool]) -> list[RowMapping]:
                found = select(table).where(*where).order_by(*table.primary_key.columns)
                return list(db.execute(found).mappings())

            asked = rows(questions, questions.c.user_id == user)
            rated = rows(feedback, feedback.c.user_id == user)
            reviewed = rows(document_reviews, document_reviews.c.reviewer == user)
            flagged = rows(document_flags, document_flags.c.flagged_by == user)
            wrote = rows(
                gap_answers, or_(gap_answers.c.author == user, gap_answers.c.decided_by == user)
            )
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
            "document_reviews": [
                {
                    "document": row["doc_id"],
                    "reviewed_at": _iso(row["reviewed_at"]),
                    "review_due": row["review_due"].isoformat(),
                }
                for row in reviewed
            ],
            "document_flags": [
                {
                    "document": row["doc_id"],
                    "flagged_at": _iso(row["flagged_at"]),
                    "what_is_wrong": row["what_is_wrong"],
                }
                for row in flagged
            ],
            "answers_written_or_decided": [
                {
                    "document": row["doc_id"],
                    "title": row["title"],
                    "state": row["state"],
                    "role": "author" if row["author"] == user else "decided",
                }
                for row in wrote
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
            # Work on the knowledge base stays (reviews keep documents current, flags and
            # drafts are open work); who did it, and what they wrote in a flag, goes.
            db.execute(
                update(document_reviews)
                .where(document_reviews.c.reviewer == user)
                .values(reviewer=ERASED)
            )
            db.execute(
                update(document_flags)
                .where(document_flags.c.flagged_by == user)
                .values(flagged_by=ERASED, what_is_wrong=ERASED)
            )
            for column in (gap_answers.c.author, gap_answers.c.decided_by):
                db.execute(update(gap_answers).where(column == user).values({column.name: ERASED}))
        return Removed(questions=asked, feedback=rated, copies=copies)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
