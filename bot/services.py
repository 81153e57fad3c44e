"""The long-lived parts of a running bot, built once per process and shared by its adapters."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.answering.engine import AnswerEngine
from bot.answering.llm import create_chat_model
from bot.documents import IngestReport
from bot.index import KnowledgeIndex, open_index
from bot.settings import Settings
from bot.store import Store


class ReindexBusyError(RuntimeError):
    """A reindex is already running in this process."""


@dataclass
class Services:
    """Index, engine and store of one process, plus the lock that serialises reindexing."""

    settings: Settings
    index: KnowledgeIndex
    engine: AnswerEngine
    store: Store
    _reindexing: threading.Lock = field(default_factory=threading.Lock)

    def warm_up(self) -> None:
        """Load the model and the keyword index now rather than on the first question."""
        self.index.embedder.embed(["warm up"])
        self.engine.retriever.glossary  # noqa: B018 - loads the keyword index and glossary

    def reindex(self, paths: list[Path] | None = None) -> IngestReport:
        """Incremental ingest of the knowledge base and uploads, from inside this process."""
        from ingest.pipeline import run_ingest

        if not self._reindexing.acquire(blocking=False):
            raise ReindexBusyError("A reindex is already running; try again when it finishes.")
        try:
            roots = paths or [
                p
                for p in (self.settings.knowledge_base_dir, self.settings.uploads_dir)
                if p.exists()
            ]
            return run_ingest(roots, self.index)
        finally:
            self._reindexing.release()


@contextmanager
def open_services(settings: Settings) -> Iterator[Services]:
    """Open the index (taking the embedded-store lock if embedded) and build the engine."""
    store = Store(settings.database_path)
    with open_index(settings) as index:
        engine = AnswerEngine(index, settings, store=store, chat_model=create_chat_model(settings))
        yield Services(settings, index, engine, store)
