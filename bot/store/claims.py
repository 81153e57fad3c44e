"""Work done once across workers and hosts: the first caller to insert its key does it."""

from __future__ import annotations

from bot.store.base import StoreBase
from bot.store.tables import gap_notices, weekly_digests


class Claims(StoreBase):
    def claim_gap_notice(self, ref: str, gap_answer: int) -> bool:
        """True once per question: its asker hears once that the knowledge base covers it."""
        return self._claim_once(gap_notices, ref=ref, gap_answer=gap_answer)

    def claim_weekly_digest(self, week: str) -> bool:
        """True once per ISO week ("2026-W48"): that week's digest is posted once."""
        return self._claim_once(weekly_digests, week=week)

    def release_weekly_digest(self, week: str) -> None:
        """Give a week back when its digest could not be posted, so the next run posts it."""
        self._release_claim(weekly_digests, week=week)
