"""The store's tables as they are after every migration: what the queries are written against.

`bot.store.migrations` builds them step by step; a test checks that a database migrated from
nothing has exactly these columns, so the two cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
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

# The numbered migrations applied so far (see bot.store.migrations).
schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", Float, nullable=False),
)
