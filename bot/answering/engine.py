"""The answer engine: one question in, one structured, cited Answer out.

Order of work: urgency first (or the caller's assessment of it), then the other guards
(input limits, personal data), then retrieval, then the answer (extractive by default, an
LLM if configured and its reply checks out), then the signposts (emergency route, who to
ask, stale sources). The engine stores nothing: the adapters (CLI, Slack) record answers
through `Services`, and the evaluation calls `AnswerEngine.ask` directly.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from datetime import date

from langchain_core.language_models import BaseChatModel

from bot.answering.concepts import Concept, answer_type, coverage, question_concepts
from bot.answering.conversation import contextualise
from bot.answering.extractive import Extract, ExtractiveAnswerer
from bot.answering.llm import synthesise
from bot.answering.models import Answer, Source, UsedChunk
from bot.answering.signposts import (
    CALL_999,
    EMERGENCY_QUERY,
    WHO_TO_ASK_QUERY,
    Signpost,
    emergency_routes,
    who_to_ask,
)
from bot.documents import Chunk
from bot.index import KnowledgeIndex
from bot.retrieval.informal import spell_out
from bot.retrieval.retriever import Mode, RetrievalResult, Retriever
from bot.safety.personal_data import redact_personal_data
from bot.safety.risk_lexicon import load_risk_lexicon
from bot.safety.urgency import UrgencyAssessment, UrgencyDetector
from bot.settings import Settings
from bot.text import content_terms

log = logging.getLogger(__name__)

NOT_COVERED = "The BCFT knowledge base does not cover this, so I will not guess."
ASK_MANAGER = "Please ask your team manager."
ACT_ON_ROUTE = "Act on the emergency route above first."
EMPTY = (
    "Please type a question, for example: "
    "“When must an initial child protection conference be held?”"
)
_PLACEHOLDER = re.compile(r"\[[a-zA-Z ]+ removed\]")


class AnswerEngine:
    """Answers questions from the knowledge index."""

    def __init__(
        self,
        index: KnowledgeIndex,
        settings: Settings,
        *,
        urgency: UrgencyDetector | None = None,
        chat_model: BaseChatModel | None = None,
    ) -> None:
        self.index = index
        self.settings = settings
        self.urgency = urgency or UrgencyDetector(
            load_risk_lexicon(settings.lexicon_path), index.embedder
        )
        self.chat_model = chat_model
        self.retriever = Retriever(
            index, settings.retrieval_candidates, settings.max_chunks_per_document
        )
        self.extractive = ExtractiveAnswerer(index.embedder)
        self._signposts: tuple[str, list[Signpost], Signpost | None] | None = None
        self._lock = threading.Lock()

    def assess_urgency(self, message: str) -> UrgencyAssessment:
        """Is a child at immediate risk? Callers ask this before anything else."""
        return self.urgency.assess(message)

    def emergency_route(self, today: date | None = None) -> list[str]:
        """The emergency lines as plain text, for replies that cannot carry an answer.

        Never raises: if the published route cannot be read, the 999 line stands alone.
        """
        try:
            routes, _ = self._signposts_for_generation()
        except Exception:
            log.exception("could not read the published emergency route")
            return [CALL_999]
        return [CALL_999] + [f"{r.text} (from “{r.chunk.info.title}”)" for r in routes]

    def ask(
        self,
        question: str,
        *,
        urgency: UrgencyAssessment | None = None,
        history: Sequence[str] = (),
        k: int | None = None,
        category: str | None = None,
        mode: Mode = "hybrid",
        today: date | None = None,
    ) -> Answer:
        """Answer one question; `history` holds the earlier questions of the conversation.

        `urgency` is the caller's assessment of this message, when it made one first.
        """
        today = today or date.today()
        urgency = urgency or self.assess_urgency(question)
        redacted, personal_data = redact_personal_data(question)
        answer = Answer(
            question=redacted,
            answer="",
            urgent=urgency.urgent,
            urgent_signals=[redact_personal_data(r)[0] for r in urgency.reasons],
            personal_data=personal_data,
        )
        if urgency.urgent:
            self._add_emergency_route(answer, today)
        if not question.strip():
            answer.answer, answer.refused, answer.reason = EMPTY, True, "empty"
        elif len(question) > self.settings.max_question_chars:
            answer.answer = (
                f"Your message is {len(question):,} characters long; please ask in under "
                f"{self.settings.max_question_chars:,} characters, one question at a time."
            )
            answer.refused, answer.reason = True, "too_long"
        else:
            self._answer(answer, redacted, history, k, category, mode, today)
        answer.notices += _stale_notices(answer.sources)
        return answer

    # -- the answer itself ---------------------------------------------------------------

    def _answer(
        self,
        answer: Answer,
        question: str,
        history: Sequence[str],
        k: int | None,
        category: str | None,
        mode: Mode,
        today: date,
    ) -> None:
        query = spell_out(contextualise(_PLACEHOLDER.sub(" ", question), history))
        retrieval = self.retriever.retrieve(
            query, k or self.settings.retrieval_k, category=category, mode=mode
        )
        keyword = self.index.keyword_index()
        concepts = question_concepts(query, self.retriever.glossary, keyword.idf, keyword.knows)
        extract = self.extractive.extract(retrieval, query, concepts, answer_type(query))
        found = [_used(r.chunk, r.score, r.dense, r.keyword) for r in retrieval.chunks]
        ids = {used.chunk_id for used in found}
        answer.retrieved = found + [u for u in answer.retrieved if u.chunk_id not in ids]
        answer.confidence = round(confidence(retrieval, extract, concepts), 3)
        if not extract.sentences or answer.confidence < self.settings.min_confidence:
            answer.withheld_answer = " ".join(s.text for s in extract.sentences)
            self._refuse(answer, today)
            return
        before = len(answer.sources)
        cited = [(s.text, s.passage.chunk) for s in extract.sentences]
        answer.answer = _cite(cited, answer.sources, today)
        if self.chat_model is not None:
            self._synthesise(answer, query, retrieval, today, keep=before)

    def _synthesise(
        self, answer: Answer, question: str, retrieval: RetrievalResult, today: date, keep: int
    ) -> None:
        """Replace the extractive text with the model's, if its citations check out."""
        text = synthesise(self.chat_model, question, retrieval.chunks)
        if text is None:
            return
        sources = answer.sources[:keep]  # the emergency route's sources keep their numbers
        renumber = {
            n: _source_number(retrieval.chunks[n - 1].chunk, sources, today)
            for n in sorted({int(n) for n in re.findall(r"\[(\d+)\]", text)})
        }
        answer.answer = re.sub(r"\[(\d+)\]", lambda m: f"[{renumber[int(m.group(1))]}]", text)
        answer.sources[:] = sources
        answer.mode = "llm"

    def _refuse(self, answer: Answer, today: date) -> None:
        answer.refused, answer.reason = True, "not_covered"
        _, ask = self._signposts_for_generation()
        opening = ACT_ON_ROUTE if answer.urgent else NOT_COVERED
        if ask is None:
            answer.answer = f"{opening} {ASK_MANAGER}"
        else:
            answer.answer = f"{opening} {_cite_signpost(answer, ask, today)}"

    def _add_emergency_route(self, answer: Answer, today: date) -> None:
        routes, _ = self._signposts_for_generation()
        answer.emergency = [CALL_999] + [_cite_signpost(answer, r, today) for r in routes]

    def _signposts_for_generation(self) -> tuple[list[Signpost], Signpost | None]:
        """Emergency routes and who-to-ask, worked out once per version of the index."""
        generation = self.index.generation
        with self._lock:
            if self._signposts is None or self._signposts[0] != generation:
                urgent = self.retriever.retrieve(EMERGENCY_QUERY, 4, category="contacts")
                ask = self.retriever.retrieve(WHO_TO_ASK_QUERY, 4, category="contacts")
                self._signposts = (
                    generation,
                    emergency_routes([r.chunk for r in urgent.chunks]),
                    who_to_ask(ask, self.index.embedder),
                )
            return self._signposts[1], self._signposts[2]


# Confidence is scaled down for each sign that the answer is about something else.
UNCOVERED_NAME = 0.6  # a name the question uses ("… in Leeds?") that the answer never mentions
UNKNOWN_WORD = 0.85  # per word (at most two) that no document uses at all ("pension")


def confidence(retrieval: RetrievalResult, extract: Extract, concepts: list[Concept]) -> float:
    """How sure we are that the chosen text answers the question, from 0 to 1.

    Combines how close the best passage is in meaning, how close the best sentence is, and
    how much of what is specific about the question the answer's passages state; then
    discounts a name the answer never mentions and words the knowledge base never uses.
    """
    if not extract.sentences:
        return 0.0
    passage = max((r.dense or 0.0) for r in retrieval.chunks)
    stated: set[str] = set()
    for sentence in extract.sentences:
        chunk = sentence.passage.chunk
        stated |= set(content_terms(f"{sentence.text} {chunk.info.title} {chunk.section}"))
    covered = coverage(concepts, stated)
    score = 0.35 * passage + 0.35 * extract.best_meaning + 0.30 * covered
    if any(c.proper_noun and not c.covered_by(stated) for c in concepts):
        score *= UNCOVERED_NAME
    score *= UNKNOWN_WORD ** min(2, sum(c.unknown for c in concepts))
    return max(0.0, min(1.0, score))


def _cite(sentences: list[tuple[str, Chunk]], sources: list[Source], today: date) -> str:
    """Join sentences, each followed by the number of its source (added to `sources`)."""
    return " ".join(
        _with_marker(text, _source_number(chunk, sources, today)) for text, chunk in sentences
    )


def _cite_signpost(answer: Answer, signpost: Signpost, today: date) -> str:
    """Cite a contacts sentence, listing its chunk among those the answer drew on."""
    if all(used.chunk_id != signpost.chunk.chunk_id for used in answer.retrieved):
        answer.retrieved.append(_used(signpost.chunk, 0.0, None, None))
    return _cite([(signpost.text, signpost.chunk)], answer.sources, today)


def _source_number(chunk: Chunk, sources: list[Source], today: date) -> int:
    """The number of the source for this chunk's document and section, added if new."""
    info = chunk.info
    for source in sources:
        if (source.doc_id, source.section) == (info.doc_id, chunk.section):
            return source.n
    sources.append(
        Source(
            n=len(sources) + 1,
            doc_id=info.doc_id,
            title=info.title,
            section=chunk.section,
            url=info.url,
            last_reviewed=info.last_reviewed.isoformat() if info.last_reviewed else None,
            review_due=info.review_due.isoformat() if info.review_due else None,
            stale=info.is_stale(today),
        )
    )
    return len(sources)


def _with_marker(sentence: str, n: int) -> str:
    if sentence[-1:] in ".!?":
        return f"{sentence[:-1]} [{n}]{sentence[-1]}"
    return f"{sentence} [{n}]."


def _stale_notices(sources: list[Source]) -> list[str]:
    seen: set[str] = set()
    notices = []
    for source in sources:
        if source.stale and source.doc_id not in seen:
            seen.add(source.doc_id)
            notices.append(
                f"Source [{source.n}] “{source.title}” was due for review on {source.review_due};"
                " check that it is still current before relying on it."
            )
    return notices


def _used(chunk: Chunk, score: float, dense: float | None, keyword: float | None) -> UsedChunk:
    return UsedChunk(
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        title=chunk.info.title,
        section=chunk.section,
        text=chunk.text,
        score=round(score, 5),
        dense_score=None if dense is None else round(dense, 4),
        keyword_score=None if keyword is None else round(keyword, 4),
    )
