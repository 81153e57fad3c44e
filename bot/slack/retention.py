"""The bot applies the retention period itself: a background sweep while it serves."""

from __future__ import annotations

import logging
import threading

from bot.store import Store

log = logging.getLogger(__name__)

# How often expired questions and feedback are deleted: a record outlives RETENTION_DAYS by
# at most an hour. Each sweep is a few indexed deletes, so every worker may run its own.
SWEEP_SECONDS = 3600.0


class RetentionSweeper:
    """Delete what is older than `retention_days` now, then every `every` seconds, on a
    daemon thread, until closed. A failed sweep is logged and tried again next time."""

    def __init__(self, store: Store, retention_days: float, every: float = SWEEP_SECONDS) -> None:
        self._store = store
        self._days = retention_days
        self._every = every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                removed = self._store.delete_expired(self._days)
                if removed.questions or removed.feedback:
                    log.info(
                        "retention: deleted %d questions and %d ratings older than %g days",
                        removed.questions,
                        removed.feedback,
                        self._days,
                    )
            except Exception:
                log.exception("retention sweep failed; trying again in %g s", self._every)
            if self._stopped.wait(self._every):
                return

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)
