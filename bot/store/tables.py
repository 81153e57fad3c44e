"""The store's tables as they are after every migration: what the queries are written against.

`bot.store.migrations` builds them step by step; a test checks that a database migrated from
nothing has exactly these columns, so the two cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
)

metadata = MetaData()

# Every answer given: the redacted question, the answer, why, and how sure (audit, knowledge
# gaps, follow-ups in a thread, feedback, usage reports).
questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", Text, unique=True, nullable=False),
    Column("asked_at", Float, nullable=False),
    Column("channel", Text, nullable=False),
    Column("thread", Text),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("sources", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("personal_data", Text, nullable=False),
    Column("user_id", Text, nullable=False, server_default=""),
    Column("urgent_signals", Text, nullable=False, server_default="[]"),
    Index("questions_reason", "reason", "asked_at"),
    Index("questions_thread", "thread", "asked_at"),
    Index("questions_user", "user_id", "asked_at"),
    Index("questions_asked_at", "asked_at"),
)

# 👍 and 👎 on an answer, with a copy of what was rated (the answer may later be deleted).
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("ref", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("rating", Text, nullable=False),
    Column("reason", Text),
    Column("comment", Text),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("sources", Text, nullable=False),
    Index("feedback_created_at", "created_at"),
    Index("feedback_user", "user_id"),
)

# Slack event and message keys already handled (insert-if-absent makes each handled once).
seen_events = Table(
    "seen_events",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("seen_at", Float, nullable=False),
    Index("seen_events_seen_at", "seen_at"),
)

# One row per request in the last minute, per user: the sliding window of the rate limit.
rate_requests = Table(
    "rate_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Text, nullable=False),
    Column("at", Float, nullable=False),
    Index("rate_requests_user", "user_id", "at"),
)

# Still correct in Slack: an owner confirmed a document, so its review dates move on. The
# latest row per document is in force while it is newer than the front matter's review.
document_reviews = Table(
    "document_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("doc_id", Text, nullable=False),
    Column("reviewed_at", Float, nullable=False),
    Column("reviewer", Text, nullable=False),
    Column("last_reviewed", Date, nullable=False),
    Column("review_due", Date, nullable=False),
    Index("document_reviews_doc", "doc_id", "reviewed_at"),
)

# Needs change in Slack: what an owner said is wrong with a document (redacted), open until a
# later review.
document_flags = Table(
    "document_flags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("doc_id", Text, nullable=False),
    Column("flagged_at", Float, nullable=False),
    Column("flagged_by", Text, nullable=False),
    Column("what_is_wrong", Text, nullable=False),
    Column("last_reviewed", Date),
    Index("document_flags_doc", "doc_id", "flagged_at"),
)

# Review reminders claimed: one per document per review period (its review_due), whichever
# worker or host claims it first.
review_reminders = Table(
    "review_reminders",
    metadata,
    Column("doc_id", Text, primary_key=True),
    Column("review_due", Date, primary_key=True),
    Column("sent_at", Float, nullable=False),
)

# Owners told that an answer citing their document was rated out of date: once per answer
# and document.
out_of_date_notices = Table(
    "out_of_date_notices",
    metadata,
    Column("ref", Text, primary_key=True),
    Column("doc_id", Text, primary_key=True),
    Column("sent_at", Float, nullable=False),
)

# Answers practice leads wrote in Slack for a knowledge gap: a draft document until a second
# practice lead publishes it (four eyes) or one discards it. `gap` is the gap's question as
# `open_gaps` groups it ("" if the gap was gone when the draft was saved); a published row
# marks the gap's questions asked before `decided_at` as answered.
gap_answers = Table(
    "gap_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("doc_id", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("gap", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("drafted_at", Float, nullable=False),
    Column("state", Text, nullable=False),  # draft | published | discarded
    Column("decided_by", Text),
    Column("decided_at", Float),
    Index("gap_answers_state", "state", "drafted_at"),
)

# People told that a question they asked is now covered: claimed once per question.
gap_notices = Table(
    "gap_notices",
    metadata,
    Column("ref", Text, primary_key=True),
    Column("gap_answer", Integer, nullable=False),
    Column("sent_at", Float, nullable=False),
)

# The weekly digest claimed: one per ISO week ("2026-W48"), whichever worker or host is first.
weekly_digests = Table(
    "weekly_digests",
    metadata,
    Column("week", Text, primary_key=True),
    Column("sent_at", Float, nullable=False),
)

# The numbered migrations applied so far (see bot.store.migrations).
schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", Float, nullable=False),
)
