"""`bcft bench store`: what the store adds to each answered question, on SQLite and PostgreSQL.

For each question the Slack path makes four store calls: claim the message (de-duplication),
count it against the person's rate limit, read the thread's earlier questions, and record the
answer. This times the four together, per question, on the embedded SQLite file and on a
throwaway local PostgreSQL server (fsync off, so the figure is the store's own work plus a
local round trip, not the disk).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bot.answers import Answer, Source
from bot.store import Store, sqlite_url
from eval.bench import latency_line
from eval.local_servers import PostgresUnavailable, start_postgres
from eval.metrics import percentile

# The store's share of an answer's time budget on PostgreSQL (issue 11): small beside
# answering (~20 ms) and Slack's own round trips.
STORE_GOAL_P95 = 0.005
# Questions answered before timing starts: the pool's first connections, the first queries'
# compilation (SQLAlchemy caches it), as after any worker's start.
_WARM_UP = 20


def bench_store(questions: int) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="bcft-bench-store-") as scratch:
        lines = [_measure("SQLite (embedded)", sqlite_url(Path(scratch) / "s.sqlite3"), questions)]
    try:
        postgres = start_postgres()
    except PostgresUnavailable as missing:
        return [*lines, f"PostgreSQL: not measured ({missing})"]
    try:
        timed = _measure("PostgreSQL (local server)", postgres.url, questions)
    finally:
        postgres.stop()
    return [*lines, timed]


def _measure(name: str, url: str, questions: int) -> str:
    store = Store(url)
    source = Source(1, "doc", "Title", "Section", "https://example.org", None, None, False)
    seconds = []
    for i in range(-_WARM_UP, questions):  # the first few open connections: not timed
        answer = Answer(question=f"question {i}", answer="An answer [1].", sources=[source])
        thread = f"CBENCH:{i % 20}"
        started = time.perf_counter()
        store.first_time_seen(f"message:{thread}:{i}")
        store.allow_request(f"U{i % 50:05d}", 1000)
        store.thread_turns(thread)
        store.record_answer(answer, channel="slack", thread=thread, user=f"U{i % 50:05d}")
        if i >= 0:
            seconds.append(time.perf_counter() - started)
    store.close()
    met = "met" if percentile(seconds, 95) <= STORE_GOAL_P95 else "NOT met"
    line = latency_line(f"{name}: store calls per answered question", seconds)
    return f"{line} (goal p95 <= {STORE_GOAL_P95 * 1000:.0f} ms: {met})"
