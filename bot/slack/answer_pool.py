"""Answering off the acknowledging path: a few threads, the most pressing work first.

Slack's request is acknowledged by the thread that received it and never waits for an answer;
the answer is worked out here. Answering is CPU work (the model, retrieval), so the pool has
about one thread per CPU (`SLACK_ANSWER_THREADS`): more threads would not answer sooner, and
through the GIL they would slow the threads that acknowledge Slack. Questions beyond that wait
in the queue, cheaply.

Work runs by priority, then in order of arrival: assessing a message for urgency comes before
any answering, and answering an urgent message before an ordinary one, so a queue of ordinary
questions never holds back the emergency route.

Sending a reply to Slack waits on the network, not the CPU, so it is handed to threads of its
own (`send`): an answer thread never sits idle while Slack receives a message.

Work runs in a copy of the context it was queued from, so the log fields of the question it
belongs to (`bot.logs.log_context`) follow it from thread to thread.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import IntEnum
from functools import partial

from bot.slack.metrics import SlackMetrics

log = logging.getLogger(__name__)


class Priority(IntEnum):
    ASSESS = 0  # is this message urgent? (one small embedding: milliseconds)
    URGENT = 1  # answering a message assessed as urgent
    ROUTINE = 2  # answering everything else


_STOP = max(Priority) + 1  # after all queued work
# A Slack API call takes ~100-300 ms from a server to Slack; one worker answers up to ~30
# questions a second on 2 cores (`bcft bench slack`), so ~9 replies are on the way at once.
SEND_THREADS = 16


def answer_threads(configured: int | None) -> int:
    """SLACK_ANSWER_THREADS, or one thread per CPU this process may run on."""
    if configured:
        return configured
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class AnswerPool:
    """`threads` threads working through submitted work by priority, then arrival, and
    SEND_THREADS threads sending what they produce to Slack."""

    def __init__(self, threads: int, metrics: SlackMetrics) -> None:
        self._metrics = metrics
        self._sending = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="slack-send")
        self._queue: queue.PriorityQueue[tuple[int, int, Callable[[], None] | None]] = (
            queue.PriorityQueue()
        )
        self._arrival = itertools.count()
        self._threads = [
            threading.Thread(target=self._work, name=f"slack-answer-{i}", daemon=True)
            for i in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, priority: Priority, work: Callable[[], None]) -> None:
        """Queue `work`; it runs on a pool thread. Never blocks."""
        self._metrics.queued(+1)
        self._queue.put((priority, next(self._arrival), _in_this_context(work)))

    def send(self, work: Callable[[], None]) -> None:
        """Run `work` (a call to Slack) on a sending thread. Never blocks."""
        self._sending.submit(self._logged, _in_this_context(work))

    def waiting(self) -> int:
        """How many pieces of work are queued and not yet started."""
        return self._queue.qsize()

    def close(self, timeout: float = 60) -> None:
        """Finish the queued work, then stop the threads."""
        for _ in self._threads:
            self._queue.put((_STOP, next(self._arrival), None))
        for thread in self._threads:
            thread.join(timeout)
        self._sending.shutdown(wait=True)

    def _work(self) -> None:
        while True:
            _, _, work = self._queue.get()
            if work is None:
                return
            self._metrics.queued(-1)
            self._logged(work)

    def _logged(self, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:
            self._metrics.count_error("unexpected")
            log.exception("unexpected failure in queued Slack work")


def _in_this_context(work: Callable[[], None]) -> Callable[[], None]:
    """`work`, to run in a copy of the caller's context (its log fields) on another thread."""
    return partial(contextvars.copy_context().run, work)
