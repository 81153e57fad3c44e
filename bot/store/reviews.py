"""Document upkeep recorded in Slack: reviews (Still correct), flags (Needs change), and the
claims that send each review reminder and out-of-date notice once across workers and hosts."""

from __future__ import annotations

import time
from collections.abc import Collection
from datetime import date

from sqlalchemy import exists, func, select

from bot.documents import Flag, Review
from bot.store.audit import redacted
from bot.store.base import StoreBase
from bot.store.tables import document_flags, document_reviews, out_of_date_notices, review_reminders


class ReviewRecords(StoreBase):
    def claim_reminder(self, doc_id: str, review_due: date) -> bool:
        """True once per document and review period (its review_due), across every host."""
        return self._claim_once(review_reminders, doc_id=doc_id, review_due=review_due)

    def release_reminder(self, doc_id: str, review_due: date) -> None:
        """Give a claim back when its reminder reached nobody, so the next run sends it."""
        self._release_claim(review_reminders, doc_id=doc_id, review_due=review_due)

    def claim_out_of_date_notice(self, ref: str, doc_id: str) -> bool:
        """True once per answer and cited document: owners hear of an out-of-date rating once."""
        return self._claim_once(out_of_date_notices, ref=ref, doc_id=doc_id)

    def release_out_of_date_notice(self, ref: str, doc_id: str) -> None:
        """Give a claim back when its notice reached nobody, so a later rating sends it."""
        self._release_claim(out_of_date_notices, ref=ref, doc_id=doc_id)

    def record_review(self, doc_id: str, review: Review) -> None:
        """Keep a Still correct: the document's new review dates, and who confirmed it."""
        row = {
            "doc_id": doc_id,
            "reviewed_at": time.time(),
            "reviewer": review.reviewer,
            "last_reviewed": review.last_reviewed,
            "review_due": review.review_due,
        }
        with self._begin() as db:
            db.execute(document_reviews.insert().values(row))

    def reviews(self, doc_ids: Collection[str] | None = None) -> dict[str, Review]:
        """The latest review recorded for each document (of `doc_ids`, if given)."""
        latest = select(func.max(document_reviews.c.id)).group_by(document_reviews.c.doc_id)
        query = select(document_reviews).where(document_reviews.c.id.in_(latest))
        if doc_ids is not None:
            query = query.where(document_reviews.c.doc_id.in_(list(doc_ids)))
        with self._begin() as db:
            rows = db.execute(query).mappings().all()
        return {
            row["doc_id"]: Review(row["last_reviewed"], row["review_due"], row["reviewer"])
            for row in rows
        }

    def flag_document(
        self, doc_id: str, *, flagged_by: str, what_is_wrong: str, last_reviewed: date | None
    ) -> Flag:
        """Keep a Needs change: what is wrong (redacted here), by whom, and the document's
        review date at the time (a corrected file reviewed later closes the flag)."""
        now = time.time()
        flag = Flag(date.fromtimestamp(now), flagged_by, redacted(what_is_wrong), last_reviewed)
        row = {
            "doc_id": doc_id,
            "flagged_at": now,
            "flagged_by": flag.flagged_by,
            "what_is_wrong": flag.what_is_wrong,
            "last_reviewed": last_reviewed,
        }
        with self._begin() as db:
            db.execute(document_flags.insert().values(row))
        return flag

    def flags(self) -> dict[str, Flag]:
        """Each document's latest flag, unless a review was recorded after it (Still correct
        closes a flag; whether the front matter has closed it is `Flag.is_open`'s to say)."""
        latest = select(func.max(document_flags.c.id)).group_by(document_flags.c.doc_id)
        reviewed_since = exists().where(
            document_reviews.c.doc_id == document_flags.c.doc_id,
            document_reviews.c.reviewed_at >= document_flags.c.flagged_at,
        )
        query = select(document_flags).where(document_flags.c.id.in_(latest), ~reviewed_since)
        with self._begin() as db:
            rows = db.execute(query).mappings().all()
        return {
            row["doc_id"]: Flag(
                date.fromtimestamp(row["flagged_at"]),
                row["flagged_by"],
                row["what_is_wrong"],
                row["last_reviewed"],
            )
            for row in rows
        }
