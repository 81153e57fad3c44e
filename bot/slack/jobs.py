"""Work the Slack bot does by itself, on a timer: retention, review reminders, the digest.

Each job runs on its own daemon thread, once at start and then every `every` seconds, in each
worker process. A job must therefore be safe to run on several workers and hosts at once
(deleting what has expired is; anything sent to people is claimed in the store first, so it
goes out once). A job that fails is logged and tried again next time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from bot.services import Services
from bot.slack.digest import DIGEST_CHECK_SECONDS, post_weekly_digest
from bot.slack.reviews import send_review_reminders

log = logging.getLogger(__name__)

# How often expired questions and feedback are deleted: a record outlives RETENTION_DAYS by
# at most an hour. Each sweep is a few indexed deletes, so every worker may run its own.
RETENTION_SWEEP_SECONDS = 3600.0
# Review dates are days, so owners are reminded daily (and at start): an owner hears of a
# document within a day of it falling due. Claims make a second worker's run send nothing.
REVIEW_REMINDER_SECONDS = 86_400.0


class Periodic:
    """Run `job` now, then every `every` seconds on a daemon thread, until closed."""

    def __init__(self, name: str, every: float, job: Callable[[], None]) -> None:
        self.name = name
        self._every = every
        self._job = job
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                self._job()
            except Exception:
                log.exception("%s failed; trying again in %g s", self.name, self._every)
            if self._stopped.wait(self._every):
                return

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)


def delete_expired(services: Services) -> None:
    """Delete questions and feedback older than RETENTION_DAYS."""
    days = services.settings.retention_days
    removed = services.store.delete_expired(days)
    if removed.questions or removed.feedback:
        log.info(
            "retention: deleted %d questions and %d ratings older than %g days",
            removed.questions,
            removed.feedback,
            days,
        )


def start_jobs(services: Services, client: Any) -> list[Periodic]:
    """Start the bot's timed jobs; `client` is the Slack Web API client for jobs that post."""
    return [
        Periodic("retention", RETENTION_SWEEP_SECONDS, lambda: delete_expired(services)),
        Periodic(
            "review-reminders",
            REVIEW_REMINDER_SECONDS,
            lambda: send_review_reminders(services, client),
        ),
        Periodic(
            "weekly-digest",
            DIGEST_CHECK_SECONDS,
            lambda: post_weekly_digest(services, client),
        ),
    ]
