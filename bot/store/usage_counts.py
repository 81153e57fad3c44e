"""How the bot was used in a period, as counts only: the weekly digest's figures.

Counted in the database, so nothing a person typed leaves it: questions by outcome, urgent
messages, and 👎 ratings by reason (never their comments).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bot.store.base import StoreBase
from bot.store.tables import feedback, questions

# The outcomes the engine refuses (`Answer.refused`): not covered, and empty or too long.
REFUSED = ("not_covered", "empty", "too_long")
UNSPECIFIED = "unspecified"  # a 👎 given without a reason


@dataclass(frozen=True)
class PeriodCounts:
    """Questions asked in a period by the engine's reason, how many were urgent, and the 👎
    ratings given in it by reason."""

    reasons: dict[str, int]
    urgent: int
    down_reasons: dict[str, int]

    @property
    def asked(self) -> int:
        return sum(self.reasons.values())

    @property
    def answered(self) -> int:
        return self.reasons.get("answered", 0)

    @property
    def known_gaps(self) -> int:
        """Answered by quoting the knowledge base saying its sources do not hold the answer."""
        return self.reasons.get("known_gap", 0)

    @property
    def refused(self) -> int:
        return sum(self.reasons.get(reason, 0) for reason in REFUSED)


class UsageCounts(StoreBase):
    def period_counts(self, since: float, until: float) -> PeriodCounts:
        """Counts for the questions asked, and the ratings given, in [since, until)."""
        asked = (questions.c.asked_at >= since) & (questions.c.asked_at < until)
        rated = (
            (feedback.c.created_at >= since)
            & (feedback.c.created_at < until)
            & (feedback.c.rating == "down")
        )
        reason = func.coalesce(feedback.c.reason, UNSPECIFIED)
        with self._begin() as db:
            reasons = db.execute(
                select(questions.c.reason, func.count()).where(asked).group_by(questions.c.reason)
            ).tuples()
            by_reason = dict(reasons.all())
            urgent = db.scalar(select(func.count()).where(asked, questions.c.urgent.is_(True)))
            down = db.execute(
                select(reason, func.count())
                .where(rated)
                .group_by(reason)
                .order_by(func.count().desc(), reason)
            ).tuples()
            return PeriodCounts(by_reason, urgent or 0, dict(down.all()))
