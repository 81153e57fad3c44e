"""What the usage report reads: the store's records of a period, and each document's category.

The store is read through its public methods only. The categories come from the index; the
report does not need them, so an index that cannot be read (none yet, or an embedded store
held by the running bot) costs the categories and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.safety.personal_data import redact_personal_data
from bot.settings import Settings
from eval.usage import Period


class UsageRecordsError(Exception):
    """The store cannot be read; the message is one line for the person running the report."""


@dataclass(frozen=True)
class UsageRecords:
    questions: list[dict[str, Any]]
    feedback: list[dict[str, Any]]
    categories: dict[str, str]  # document id -> category; empty if the index was not read
    why_no_categories: str | None  # for the terminal only: it may name another command


def read_usage_records(settings: Settings, period: Period) -> UsageRecords:
    """The questions asked, and the ratings given, from the start of `period` on."""
    questions, feedback = _store_records(settings, period)
    categories, why_not = _document_categories(settings)
    return UsageRecords(questions, feedback, categories, why_not)


def _store_records(
    settings: Settings, period: Period
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store import open_store

    where = str(settings.database_path)
    if settings.database_url is None and not settings.database_path.is_file():
        raise UsageRecordsError(f"No store at {where}: the bot has not recorded any question yet.")
    try:
        if settings.database_url is not None:
            where = make_url(settings.database_url).render_as_string(hide_password=True)
        store = open_store(settings)
        try:
            # Ratings are given after the answer they rate, so none of the period's is older.
            return store.questions(since=period.start), store.feedback(since=period.start)
        finally:
            store.close()
    except SQLAlchemyError as error:
        reason = str(error).strip().splitlines()[0]
        raise UsageRecordsError(f"Cannot read the store at {where}: {reason}") from None


def _document_categories(settings: Settings) -> tuple[dict[str, str], str | None]:
    if not settings.uses_chroma_server and not settings.chroma_path.exists():
        return {}, f"no index at {settings.chroma_path}"
    from bot.index import open_index

    try:
        with open_index(settings) as index:
            return {doc.doc_id: doc.category for doc in index.documents()}, None
    except Exception as error:  # busy, mismatched or unreachable: the counts stand without it
        # A busy index names the command holding it, which may be a question typed to `ask`.
        return {}, redact_personal_data(str(error).strip().splitlines()[0])[0]
