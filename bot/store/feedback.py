"""👍 and 👎 on answers, with the reason and (redacted) comment given."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select

from bot.store.audit import AuditLog, redacted
from bot.store.tables import feedback


@dataclass(frozen=True)
class FeedbackSummary:
    up: int
    down: int
    reasons: dict[str, int]
    recent_down: list[dict[str, str]]


class FeedbackLog(AuditLog):
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
        if rating not in ("up", "down"):
            raise ValueError(f"a rating is 'up' or 'down', not {rating!r}")
        answered = self.answer(ref)
        if answered is None:
            return False
        row = {
            "created_at": time.time(),
            "ref": ref,
            "user_id": user_id,
            "rating": rating,
            "reason": reason,
            "comment": redacted(comment) if comment else None,
            "question": answered["question"],
            "answer": answered["answer"],
            "sources": answered["sources"],
        }
        with self._begin() as db:
            db.execute(insert(feedback).values(row))
        return True

    def feedback(self, since: float = 0.0) -> list[dict[str, Any]]:
        """Every rating given at or after `since` (unix seconds), oldest first."""
        query = select(feedback).where(feedback.c.created_at >= since).order_by(feedback.c.id)
        with self._begin() as db:
            return [dict(row) for row in db.execute(query).mappings()]

    def feedback_summary(self, recent: int = 10) -> FeedbackSummary:
        reason = func.coalesce(feedback.c.reason, "unspecified")
        down = feedback.c.rating == "down"
        with self._begin() as db:
            counts = dict(
                db.execute(select(feedback.c.rating, func.count()).group_by(feedback.c.rating))
                .tuples()
                .all()
            )
            reasons = dict(
                db.execute(
                    select(reason, func.count())
                    .where(down)
                    .group_by(reason)
                    .order_by(func.count().desc())
                )
                .tuples()
                .all()
            )
            rows = db.execute(
                select(feedback.c.question, feedback.c.reason, feedback.c.comment)
                .where(down)
                .order_by(feedback.c.id.desc())
                .limit(recent)
            ).mappings()
            recent_down = [{k: v or "" for k, v in row.items()} for row in rows]
        return FeedbackSummary(
            up=counts.get("up", 0),
            down=counts.get("down", 0),
            reasons=reasons,
            recent_down=recent_down,
        )
