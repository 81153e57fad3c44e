"""The long-lived parts of a running bot, built once per process and shared by its adapters."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.answering.confidence import Calibrator
from bot.answering.engine import AnswerEngine
from bot.answering.llm import create_chat_model
from bot.answering.scope import ScopeModel
from bot.answers import Answer, Turn
from bot.documents import IngestReport
from bot.index import KnowledgeIndex, open_index
from bot.kb_report import KnowledgeBaseReport, knowledge_base_report
from bot.lexicons import check_lexicon_folders, load_lexicons, load_lexicons_or_built_in
from bot.safety.learned_urgency import LearnedUrgency
from bot.safety.urgency import UrgencyDetector
from bot.settings import Settings
from bot.store import Store, open_store

log = logging.getLogger(__name__)


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
        """Load the model, the risk examples and the keyword index before the first question."""
        self.index.embedder.embed(["warm up"])
        self.engine.urgency.warm_up()
        self.engine.knowledge()  # the snapshot, glossary, speller and signposts

    def answer(
        self, question: str, *, channel: str, thread: str | None = None, user: str = "", **ask: Any
    ) -> Answer:
        """Answer with the engine, then keep the (redacted) record.

        A store that fails loses the record, never the answer: the person asking comes first.
        """
        answer = self.engine.ask(question, **ask)
        try:
            self.store.record_answer(answer, channel=channel, thread=thread, user=user)
        except Exception:
            log.exception("could not record answer %s", answer.ref)
        return answer

    def thread_history(self, thread: str) -> list[Turn]:
        """Earlier exchanges of a conversation; none if the store cannot be read."""
        try:
            return self.store.thread_turns(thread)
        except Exception:
            log.exception("could not read the conversation so far")
            return []

    def reindex(self, paths: list[Path] | None = None) -> IngestReport:
        """Incremental ingest of the knowledge base and uploads, from inside this process."""
        # ingest is a layer below this one ([tool.importlinter] in pyproject.toml), imported
        # here rather than at the top because only a reindex needs it: its splitters load
        # LangChain, which answering a question does not.
        from ingest.pipeline import run_ingest

        if not self._reindexing.acquire(blocking=False):
            raise ReindexBusyError("A reindex is already running; try again when it finishes.")
        try:
            roots = paths or [
                p
                for p in (self.settings.knowledge_base_dir, self.settings.uploads_path)
                if p.exists()
            ]
            report = run_ingest(roots, self.index)
            if paths is None:  # a full reindex: the word lists may have changed too
                check_lexicon_folders(roots, report)
                if not report.failed:
                    self.engine.use_lexicons(load_lexicons(self.settings.lexicon_path))
            return report
        finally:
            self._reindexing.release()


def knowledge_base_status(
    index: KnowledgeIndex, store: Store, settings: Settings, today: date
) -> KnowledgeBaseReport:
    """The knowledge base report with the reviews and flags recorded in Slack, and the
    documents whose owner DOCUMENT_OWNERS does not map to Slack (`bcft kb status`, `/kb
    status` and the practice leads' App Home)."""
    return knowledge_base_report(
        index,
        today,
        reviews=store.reviews(),
        flags=store.flags(),
        owners=settings.document_owners,
    )


@contextmanager
def open_services(
    settings: Settings, calibrator: Calibrator | None = None, scope: ScopeModel | None = None
) -> Iterator[Services]:
    """Open the index (taking the embedded-store lock if embedded) and build the engine.

    `calibrator` and `scope` replace the fitted ones (fitting new ones starts from neutral).
    """
    store = open_store(settings)
    lexicons = load_lexicons_or_built_in(settings.lexicon_path)
    with contextlib.closing(store), open_index(settings) as index:
        engine = AnswerEngine(
            index,
            settings,
            urgency=UrgencyDetector(lexicons.risks, index.embedder, LearnedUrgency.load()),
            lexicon=lexicons.terms,
            calibrator=calibrator,
            scope=scope,
            chat_model=create_chat_model(settings),
            reviews=store.reviews,
        )
        yield Services(settings, index, engine, store)
