"""The store: everything the bot keeps about its use, behind one interface.

Only this package talks to the database: the audit of answers (redacted), knowledge gaps,
feedback, Slack event de-duplication, per-user rate limits, retention and data rights, the
reviews and flags document owners record in Slack, the answers practice leads write for
knowledge gaps, and usage counts. Questions reach it already redacted by the engine and are
redacted once more here, as are feedback comments and what owners say is wrong with a
document, so nothing a person typed is ever stored raw.
"""

from __future__ import annotations

from bot.settings import Settings
from bot.store.base import connect, database_url, sqlite_url
from bot.store.claims import Claims
from bot.store.data_rights import ERASED, DataRights, Removed
from bot.store.feedback import FeedbackSummary
from bot.store.gap_answers import Gap, GapAnswer, GapAnswers
from bot.store.migrations import migrate
from bot.store.reviews import ReviewRecords
from bot.store.usage_counts import PeriodCounts, UsageCounts


class Store(DataRights, ReviewRecords, GapAnswers, Claims, UsageCounts):
    """The store at a database URL, migrated to the current schema when opened."""

    def __init__(self, url: str) -> None:
        super().__init__(connect(url))
        migrate(self.engine)


def open_store(settings: Settings) -> Store:
    """The store these settings name: DATABASE_URL, else SQLite under DATA_DIR."""
    return Store(database_url(settings))


__all__ = [
    "ERASED",
    "FeedbackSummary",
    "Gap",
    "GapAnswer",
    "PeriodCounts",
    "Removed",
    "Store",
    "open_store",
    "sqlite_url",
]
