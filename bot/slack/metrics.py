"""Prometheus metrics of the Slack service: what was asked, how it went, how fast.

Each gunicorn worker counts in its own process. In prometheus-client's multiprocess mode the
workers write their counts to files in one directory (DATA_DIR/metrics), and whichever worker
answers `GET /metrics` adds up every worker's files, so a scrape sees the whole host. That
mode is chosen when prometheus_client is first imported, from PROMETHEUS_MULTIPROC_DIR, so it
is imported inside the functions here, after `use_multiprocess_dir` has named the directory.

Labels are fixed words (entry points, outcomes, ratings, kinds of error): never what a person
typed, never who they are.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bot.answers import Reason

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram
    from prometheus_client.core import Metric

    from bot.index import KnowledgeIndex

log = logging.getLogger(__name__)

# Where a question was asked: an @mention, a direct message (with a file or without), /ask,
# the assistant panel.
EntryPoint = Literal["mention", "dm", "dm_file", "ask", "assistant"]
# What became of a question: the answer's reason, or no answer at all.
Outcome = Reason | Literal["rate_limited", "failed"]
# answering: the engine failed (the person got an apology); sending: Slack did not take a
# reply; store: de-duplication or rate limits could not be read (handled anyway);
# urgency_check: the assessment failed (treated as urgent); unexpected: anything else.
ErrorKind = Literal["answering", "sending", "store", "urgency_check", "unexpected"]

# Question received → reply sent. The goal is 1 s at p95 (`bcft bench slack`: p50 ~90 ms at
# 5 questions a second); a burst queues for seconds, so the buckets reach 30 s.
ANSWER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Request received → acknowledged. The goal is 100 ms at p95; Slack gives up at 3 s.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0)


def use_multiprocess_dir(directory: Path) -> None:
    """Before the workers start: empty `directory` and make it where every process counts."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before its multiprocess directory")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def worker_exited(pid: int) -> None:
    """Drop a dead worker's queue depth; its counts stay in the totals."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)


class SlackMetrics:
    """The instruments of one worker process, and the exposition of the host's totals.

    `index` returns the open index, or None while the worker starts. `multiprocess_dir` is
    given when `use_multiprocess_dir` named it (gunicorn); without it the counts are this
    process's alone.
    """

    def __init__(
        self,
        index: Callable[[], KnowledgeIndex | None],
        multiprocess_dir: Path | None = None,
    ) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self._index = _IndexCollector(index)
        self._multiprocess_dir = multiprocess_dir
        self._registry = CollectorRegistry()
        # In multiprocess mode the counts live in files, which the exposition reads.
        registry = None if multiprocess_dir else self._registry
        if multiprocess_dir is None:
            self._registry.register(self._index)
        self._questions: Counter = Counter(
            "bcft_questions",
            "Questions received (Slack's retries not counted), by where they were asked.",
            ["entry_point"],
            registry=registry,
        )
        self._answers: Counter = Counter(
            "bcft_answers",
            "What became of each question: the answer's reason, rate_limited or failed; and "
            "whether the message was urgent.",
            ["outcome", "urgent"],
            registry=registry,
        )
        self._feedback: Counter = Counter(
            "bcft_feedback", "Ratings of answers.", ["rating"], registry=registry
        )
        self._errors: Counter = Counter(
            "bcft_errors", "Failures, by kind.", ["kind"], registry=registry
        )
        self._answer_seconds: Histogram = Histogram(
            "bcft_answer_seconds",
            "Seconds from a question's arrival to its reply being sent.",
            buckets=ANSWER_BUCKETS,
            registry=registry,
        )
        self._ack_seconds: Histogram = Histogram(
            "bcft_ack_seconds",
            "Seconds from Slack's request arriving to its acknowledgement.",
            buckets=ACK_BUCKETS,
            registry=registry,
        )
        self._queue_depth: Gauge = Gauge(
            "bcft_answer_queue_depth",
            "Work waiting for an answer thread (urgency checks, answers, uploads).",
            registry=registry,
            multiprocess_mode="livesum",  # the host's total, of live workers only
        )

    # Counting never stands in the way of a reply: a failure to count (the metrics folder
    # gone, a full disk) is logged and the work goes on, an urgent reply above all.

    def count_question(self, entry_point: EntryPoint) -> None:
        _safely(lambda: self._questions.labels(entry_point=entry_point).inc())

    def count_answer(self, outcome: Outcome, urgent: bool) -> None:
        _safely(lambda: self._answers.labels(outcome=outcome, urgent=str(urgent).lower()).inc())

    def count_feedback(self, rating: Literal["up", "down"]) -> None:
        _safely(lambda: self._feedback.labels(rating=rating).inc())

    def count_error(self, kind: ErrorKind) -> None:
        _safely(lambda: self._errors.labels(kind=kind).inc())

    def observe_answer(self, seconds: float) -> None:
        _safely(lambda: self._answer_seconds.observe(seconds))

    def observe_ack(self, seconds: float) -> None:
        _safely(lambda: self._ack_seconds.observe(seconds))

    def queued(self, change: int) -> None:
        """Work added to (+1) or taken from (-1) the answer queue."""
        _safely(lambda: self._queue_depth.inc(change))

    def exposition(self) -> tuple[str, bytes]:
        """The content type and text of `GET /metrics`: every worker's counts, and the index."""
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = self._registry
        if self._multiprocess_dir is not None:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=str(self._multiprocess_dir))
            registry.register(self._index)
        return CONTENT_TYPE_LATEST, generate_latest(registry)


def _safely(count: Callable[[], None]) -> None:
    try:
        count()
    except Exception:
        log.warning("could not count a metric", exc_info=True)


class _IndexCollector:
    """The index answers come from, read when scraped: its generation, chunks and documents.

    Every worker of a host reads the same index, so the worker answering the scrape speaks
    for all of them.
    """

    def __init__(self, index: Callable[[], KnowledgeIndex | None]) -> None:
        self._index = index
        self._documents: tuple[str, int] = ("", 0)  # (generation, documents) counted last

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily

        index = self._index()
        if index is None:
            return
        try:
            snapshot = index.snapshot()
        except Exception:
            log.warning("index metrics unavailable", exc_info=True)
            return
        chunks = snapshot.chunks.chunks
        if self._documents[0] != snapshot.generation:
            documents = len({chunk.doc_id for chunk in chunks.values()})
            self._documents = (snapshot.generation, documents)
        yield InfoMetricFamily(
            "bcft_index",
            "The index generation answers come from (a new one with every re-index).",
            value={"generation": snapshot.generation},
        )
        yield GaugeMetricFamily(
            "bcft_index_documents", "Documents in the index, drafts included.", self._documents[1]
        )
        yield GaugeMetricFamily("bcft_index_chunks", "Chunks in the index.", len(chunks))
