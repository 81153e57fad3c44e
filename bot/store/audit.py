"""The audit of answers: every question (redacted) with its answer, for gaps and follow-ups."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.answers import Turn
from bot.safety.personal_data import redact_personal_data
from bot.store.base import StoreBase
from bot.store.tables import questions

if TYPE_CHECKING:
    from bot.answers import Answer

# Answers whose question was in scope and answered from the knowledge base (a known gap
# quotes the knowledge base saying the public record does not hold the answer).
_ANSWERED = ("answered", "known_gap")
# Answers that leave a knowledge gap: refused as not covered, or a known gap (see GapAnswers).
GAP_REASONS = ("not_covered", "known_gap")


class AuditLog(StoreBase):
    def record_answer(
        self, answer: Answer, *, channel: str, thread: str | None = None, user: str = ""
    ) -> None:
        """Keep the (redacted) question and its answer, for audit, gaps, feedback and threads."""
        question = redacted(answer.question)
        payload = answer.to_dict()
        payload["retrieved"] = []  # the passages are in the index; keep the record small
        payload["question"] = question
        row = {
            "ref": answer.ref,
            "asked_at": time.time(),
            "channel": channel,
            "thread": thread,
            "question": question,
            "answer": answer.answer,  # knowledge-base text: the question was redacted before use
            "sources": json.dumps(payload["sources"]),
            "payload": json.dumps(payload),
            "reason": answer.reason,
            "urgent": answer.urgent,
            "confidence": answer.confidence,
            "personal_data": ",".join(answer.personal_data),
            "user_id": user,
            "urgent_signals": json.dumps([redacted(s) for s in answer.urgent_signals]),
        }
        insert = self._insert(questions).values(row)
        with self._single() as db:
            db.execute(insert.on_conflict_do_update(index_elements=["ref"], set_=row))

    def answer(self, ref: str) -> dict[str, Any] | None:
        """The recorded question and answer with this reference, if any."""
        with self._single() as db:
            row = db.execute(select(questions).where(questions.c.ref == ref)).mappings().first()
        return dict(row) if row else None

    def thread_turns(self, thread: str, within_seconds: float = 3600, limit: int = 3) -> list[Turn]:
        """The last questions answered in a conversation and their replies, oldest first (for
        follow-ups)."""
        query = (
            select(questions.c.question, questions.c.answer)
            .where(
                questions.c.thread == thread,
                questions.c.asked_at > time.time() - within_seconds,
                questions.c.reason.in_(_ANSWERED),
            )
            .order_by(questions.c.id.desc())
            .limit(limit)
        )
        with self._single() as db:
            found = [Turn(question, answer) for question, answer in db.execute(query)]
        return found[::-1]

    def recent_questions(self, user: str, limit: int = 5) -> list[str]:
        """One person's own latest questions (redacted), newest first."""
        query = (
            select(questions.c.question)
            .where(questions.c.user_id == user)
            .order_by(questions.c.id.desc())
            .limit(limit)
        )
        with self._single() as db:
            return list(db.scalars(query))

    def questions(self, since: float = 0.0) -> list[dict[str, Any]]:
        """Every recorded answer asked at or after `since` (unix seconds), oldest first."""
        query = select(questions).where(questions.c.asked_at >= since).order_by(questions.c.id)
        with self._single() as db:
            return [dict(row) for row in db.execute(query).mappings()]


def redacted(text: str) -> str:
    return redact_personal_data(text)[0]
