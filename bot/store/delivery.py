"""Slack delivery guards shared by every worker and host: each event once, per-user limits."""

from __future__ import annotations

import time

from sqlalchemy import delete, func, insert, select

from bot.store.base import StoreBase
from bot.store.tables import rate_requests, seen_events

# The rate limit's sliding window.
_RATE_WINDOW_SECONDS = 60


class DeliveryGuards(StoreBase):
    def first_time_seen(self, event_id: str) -> bool:
        """True once per event id, across every worker and host sharing this database."""
        insert_once = (
            self._insert(seen_events)
            .values(event_id=event_id, seen_at=time.time())
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(seen_events.c.event_id)
        )
        with self._single() as db:
            return db.execute(insert_once).first() is not None

    def allow_request(self, user_id: str, per_minute: int) -> bool:
        """Count a request against a user's one-minute budget; False when it is spent.

        The request is logged first, then counted with those logged before it, so workers
        deciding at once need no lock (on PostgreSQL, two requests of one person in the same
        millisecond on two workers may both pass); a refused request is taken out of the log.
        """
        now = time.time()
        recent = (rate_requests.c.user_id == user_id) & (
            rate_requests.c.at > now - _RATE_WINDOW_SECONDS
        )
        with self._begin() as db:
            insert_mine = insert(rate_requests).values(user_id=user_id, at=now)
            (mine,) = db.execute(insert_mine).inserted_primary_key
            earlier = db.scalar(select(func.count()).where(recent, rate_requests.c.id < mine))
            if earlier < per_minute:
                return True
            db.execute(delete(rate_requests).where(rate_requests.c.id == mine))
            return False

    def forget_delivery_records(self, seen_before: float) -> None:
        """Drop event ids seen before `seen_before` (Slack retries within minutes) and
        requests older than the rate limit's window."""
        window_start = time.time() - _RATE_WINDOW_SECONDS
        with self._begin() as db:
            db.execute(delete(seen_events).where(seen_events.c.seen_at < seen_before))
            db.execute(delete(rate_requests).where(rate_requests.c.at <= window_start))
