"""Knowledge gaps and the answers practice leads write for them in Slack.

A gap is the questions the knowledge base could not answer (or answered only by saying its
sources do not hold the answer) whose redacted text, trimmed and lower-cased, is the same:
the grouping the App Home and `bcft feedback report` show. An answer is a draft document
until a practice lead other than its author publishes it; publishing closes the gap for every
question of it asked until then, so a question asked after that and still not answered opens
the gap again. A gap a published section already answers is closed the same way, by a record
published at once.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select, update

from bot.store.audit import GAP_REASONS
from bot.store.base import StoreBase
from bot.store.tables import gap_answers, questions

DRAFT, PUBLISHED, DISCARDED = "draft", "published", "discarded"


@dataclass(frozen=True)
class Gap:
    """A knowledge gap: its questions' shared (redacted, normalised) text, and how many."""

    question: str
    count: int

    @property
    def id(self) -> str:
        """A short, stable name for the gap in Slack buttons (whose values are size-limited)."""
        return hashlib.sha256(self.question.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class GapAnswer:
    """A document written for a gap, and what became of it."""

    id: int
    doc_id: str
    title: str
    category: str
    path: str
    gap: str
    author: str
    drafted_at: float
    state: str
    decided_by: str | None = None
    decided_at: float | None = None


class GapAnswers(StoreBase):
    def open_gaps(
        self,
        limit: int | None = 10,
        *,
        since: float | None = None,
        until: float | None = None,
        urgent: bool = True,
    ) -> list[Gap]:
        """The most often asked gaps no published answer has closed, most asked first;
        optionally only questions asked in [since, until), and without urgent messages."""
        text = _gap_text()
        count = func.count().label("n")
        closed = exists().where(
            gap_answers.c.state == PUBLISHED,
            gap_answers.c.gap == text,
            gap_answers.c.decided_at >= questions.c.asked_at,
        )
        query = select(text.label("q"), count).where(questions.c.reason.in_(GAP_REASONS), ~closed)
        if since is not None:
            query = query.where(questions.c.asked_at >= since)
        if until is not None:
            query = query.where(questions.c.asked_at < until)
        if not urgent:
            query = query.where(questions.c.urgent.is_(False))
        query = (
            query.group_by(text)
            .order_by(count.desc(), func.max(questions.c.asked_at).desc())
            .limit(limit)
        )
        with self._begin() as db:
            return [Gap(row.q, row.n) for row in db.execute(query)]

    def open_gap(self, gap_id: str) -> Gap | None:
        """The open gap with this id, if it is still open."""
        return next((gap for gap in self.open_gaps(limit=None) if gap.id == gap_id), None)

    def add_gap_answer(
        self,
        *,
        doc_id: str,
        title: str,
        category: str,
        path: str,
        gap: str,
        author: str,
        published: bool = False,
    ) -> GapAnswer:
        """Record a draft written for `gap` ("" if it answers no open gap); with `published`,
        a published section that answers it (a practice lead added the gap's question to it),
        published at once by `author` and closing the gap like a published answer."""
        now = time.time()
        row: dict[str, Any] = {
            "doc_id": doc_id,
            "title": title,
            "category": category,
            "path": path,
            "gap": gap,
            "author": author,
            "drafted_at": now,
            "state": DRAFT,
        }
        if published:
            row |= {"state": PUBLISHED, "decided_by": author, "decided_at": now}
        with self._begin() as db:
            (answer_id,) = db.execute(gap_answers.insert().values(row)).inserted_primary_key
        return GapAnswer(id=answer_id, **row)

    def gap_answer(self, answer_id: int) -> GapAnswer | None:
        with self._begin() as db:
            row = db.execute(select(gap_answers).where(gap_answers.c.id == answer_id)).first()
        return GapAnswer(**row._mapping) if row else None

    def gap_answer_drafts(self, limit: int = 20) -> list[GapAnswer]:
        """Drafts waiting for a second practice lead, oldest first."""
        query = (
            select(gap_answers)
            .where(gap_answers.c.state == DRAFT)
            .order_by(gap_answers.c.drafted_at, gap_answers.c.id)
            .limit(limit)
        )
        with self._begin() as db:
            return [GapAnswer(**row._mapping) for row in db.execute(query)]

    def publish_gap_answer(self, answer_id: int, publisher: str) -> GapAnswer | None:
        """Mark a draft published by `publisher`, who must not be its author (four eyes).
        None unless this call made the change: a second click, or two leads at once on two
        hosts, publish once."""
        return self._decide(answer_id, publisher, PUBLISHED, gap_answers.c.author != publisher)

    def discard_gap_answer(self, answer_id: int, user: str) -> GapAnswer | None:
        """Mark a draft discarded; None unless this call made the change."""
        return self._decide(answer_id, user, DISCARDED)

    def reopen_gap_answer(self, answer_id: int) -> None:
        """Make a publication that could not be completed (its ingest failed) a draft again."""
        with self._begin() as db:
            db.execute(
                update(gap_answers)
                .where(gap_answers.c.id == answer_id)
                .values(state=DRAFT, decided_by=None, decided_at=None)
            )

    def gap_askers(self, answer: GapAnswer) -> list[dict[str, Any]]:
        """Where the questions a published answer closed were asked in Slack: the ref and
        thread of each, oldest first."""
        if answer.state != PUBLISHED or not answer.gap:
            return []
        query = (
            select(questions.c.ref, questions.c.thread)
            .where(
                questions.c.reason.in_(GAP_REASONS),
                _gap_text() == answer.gap,
                questions.c.asked_at <= answer.decided_at,
                questions.c.channel == "slack",
                questions.c.thread.is_not(None),
            )
            .order_by(questions.c.id)
        )
        with self._begin() as db:
            return [dict(row) for row in db.execute(query).mappings()]

    def _decide(
        self, answer_id: int, user: str, state: str, *conditions: ColumnElement[bool]
    ) -> GapAnswer | None:
        change = (
            update(gap_answers)
            .where(gap_answers.c.id == answer_id, gap_answers.c.state == DRAFT, *conditions)
            .values(state=state, decided_by=user, decided_at=time.time())
            .returning(*gap_answers.c)
        )
        with self._begin() as db:
            row = db.execute(change).first()
        return GapAnswer(**row._mapping) if row else None


def _gap_text() -> ColumnElement[str]:
    """A question as gaps group it: its redacted text, trimmed and lower-cased."""
    return func.lower(func.trim(questions.c.question))
