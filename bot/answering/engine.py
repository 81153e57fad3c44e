"""The answer engine: one question in, one structured, cited Answer out.

Order of work: urgency first (or the caller's assessment of it), then the other guards
(input limits, personal data), then retrieval, then the answer (extractive by default, an
LLM if configured and its reply checks out), then the signposts (emergency route, who to
ask, stale sources). The engine stores nothing: the adapters (CLI, Slack) record answers
through `Services`, and the evaluation calls `AnswerEngine.ask` directly. It reads reviews
recorded after ingest through the lookup it is given (`Services` gives it the store's).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.answering.citations import (
    cite,
    cite_in_answer,
    source_number,
    stale_notices,
    used_chunk,
    with_reviews,
)
from bot.answering.concepts import answer_type, question_concepts
from bot.answering.confidence import Calibrator, OffTopic, gather_evidence
from bot.answering.conversation import with_topic
from bot.answering.extractive import MAX_SENTENCES, Extract, Sentence, extract
from bot.answering.knowledge import Knowledge, build_knowledge
from bot.answering.llm import synthesise
from bot.answering.question_parts import question_parts
from bot.answering.signposts import CALL_999
from bot.answers import Answer
from bot.documents import Review
from bot.index import KnowledgeIndex
from bot.lexicons import Lexicons
from bot.retrieval.lexicon import QueryLexicon, load_query_lexicon
from bot.retrieval.retriever import Mode, RetrievalResult, Retriever
from bot.safety.personal_data import redact_personal_data
from bot.safety.risk_lexicon import load_risk_lexicon
from bot.safety.urgency import UNASSESSED, UrgencyAssessment, UrgencyDetector
from bot.sentences import states_a_gap
from bot.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

NOT_COVERED = "The BCFT knowledge base does not cover this, so I will not guess."
KNOWN_GAP = "The BCFT knowledge base says this is not in the public record it was written from:"
PART_NOT_COVERED = "The knowledge base does not cover the {ordinal} part of your question."
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth"}
PART_SENTENCES = 2  # sentences per part when a message asks two or more things
ASK_MANAGER = "Please ask your team manager."
ACT_ON_ROUTE = "Act on the emergency route above first."
EMPTY = (
    "Please type a question, for example: "
    "“When must an initial child protection conference be held?”"
)
_PLACEHOLDER = re.compile(r"\[[a-zA-Z ]+ removed\]")

# The latest review recorded since ingest for each of these documents (Still correct in Slack).
ReviewLookup = Callable[[Collection[str]], Mapping[str, Review]]


@dataclass(frozen=True)
class _Part:
    """One question of a message, with what answering it found."""

    question: str
    retrieval: RetrievalResult
    chosen: Extract
    evidence: dict[str, float]
    in_scope: float  # P(the knowledge base covers it): decides whether to answer
    confidence: float  # P(the chosen answer is right): what the answer reports

    def outcome(self, threshold: float) -> str:
        """Known "gap" (the knowledge base says it does not hold this), else "answered" when
        the question is likely in scope, else "refused"."""
        lead = max(self.chosen.sentences, key=lambda s: s.score, default=None)
        if lead is not None and states_a_gap(lead.text) and self.evidence["lead_coverage"] > 0:
            return "gap"
        return "answered" if lead is not None and self.in_scope > threshold else "refused"


def _cited(sentences: list[Sentence], answer: Answer, today: date) -> str:
    return cite([(s.text, s.passage.chunk) for s in sentences], answer.sources, today)


class AnswerEngine:
    """Answers questions from the knowledge index."""

    def __init__(
        self,
        index: KnowledgeIndex,
        settings: Settings,
        *,
        urgency: UrgencyDetector | None = None,
        calibrator: Calibrator | None = None,
        lexicon: QueryLexicon | None = None,
        chat_model: BaseChatModel | None = None,
        reviews: ReviewLookup | None = None,
    ) -> None:
        self.index = index
        self.settings = settings
        self.reviews = reviews
        self.urgency = urgency or UrgencyDetector(
            load_risk_lexicon(settings.lexicon_path), index.embedder
        )
        self.calibrator = calibrator or Calibrator.load()
        self.off_topic = OffTopic(index.embedder)
        self.chat_model = chat_model
        self.lexicon = lexicon or load_query_lexicon(settings.lexicon_path)
        self.retriever = Retriever(
            index, settings.retrieval_candidates, settings.max_chunks_per_document
        )
        self._knowledge: Knowledge | None = None

    def use_lexicons(self, lexicons: Lexicons) -> None:
        """Take new word lists (a practice lead changed them) without a restart."""
        urgency = UrgencyDetector(lexicons.risks, self.index.embedder)
        urgency.warm_up()
        self.urgency = urgency
        self.lexicon = lexicons.terms  # the next question's Knowledge is built with them

    def knowledge(self) -> Knowledge:
        """What answering reads: the index's current generation and what is derived from it.

        Built when the generation or the word lists change and published with one assignment,
        without a lock: two questions arriving at a new generation may both build it, and
        either result serves.
        """
        snapshot, lexicon = self.index.snapshot(), self.lexicon
        current = self._knowledge
        if current is None or current.snapshot is not snapshot or current.lexicon is not lexicon:
            current = build_knowledge(snapshot, lexicon, self.retriever)
            self._knowledge = current
        return current

    @property
    def refusal_threshold(self) -> float:
        """Questions at or below this P(in scope) are not answered (MIN_IN_SCOPE overrides)."""
        override = self.settings.min_in_scope
        return self.calibrator.threshold if override is None else override

    def assess_urgency(self, message: str) -> UrgencyAssessment:
        """Is a child at immediate risk? Callers ask this before anything else.

        Never raises: if the check fails, the message is treated as urgent (UNASSESSED).
        """
        try:
            return self.urgency.assess(message)
        except Exception:
            log.exception("urgency could not be assessed; treating the message as urgent")
            return UNASSESSED

    def emergency_route(self, today: date | None = None) -> list[str]:
        """The emergency lines as plain text, for replies that cannot carry an answer.

        Never raises: if the published route cannot be read, the 999 line stands alone.
        """
        try:
            routes = self.knowledge().emergency
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
        knowledge = None  # read only when needed: an empty question touches no index
        if urgency.urgent:
            knowledge = self.knowledge()
            _add_emergency_route(answer, knowledge, today)
        if not question.strip():
            answer.answer, answer.refused, answer.reason = EMPTY, True, "empty"
        elif len(question) > self.settings.max_question_chars:
            answer.answer = (
                f"Your message is {len(question):,} characters long; please ask in under "
                f"{self.settings.max_question_chars:,} characters, one question at a time."
            )
            answer.refused, answer.reason = True, "too_long"
        else:
            knowledge = knowledge or self.knowledge()  # one generation for the whole question
            self._answer(answer, knowledge, redacted, history, k, category, mode, today)
        answer.sources = with_reviews(answer.sources, self._reviews_of(answer), today)
        answer.notices += stale_notices(answer.sources)
        return answer

    def _reviews_of(self, answer: Answer) -> Mapping[str, Review]:
        """Reviews recorded since ingest for the cited documents. Never raises: if they
        cannot be read, the front matter's dates stand (a source is marked stale, not hidden)."""
        if self.reviews is None or not answer.sources:
            return {}
        try:
            return self.reviews({source.doc_id for source in answer.sources})
        except Exception:
            log.exception("could not read the reviews recorded since ingest")
            return {}

    # -- the answer itself ---------------------------------------------------------------

    def _answer(
        self,
        answer: Answer,
        knowledge: Knowledge,
        question: str,
        history: Sequence[str],
        k: int | None,
        category: str | None,
        mode: Mode,
        today: date,
    ) -> None:
        idf = knowledge.snapshot.keyword.idf
        message = _in_knowledge_base_words(question, knowledge)
        earlier = [_in_knowledge_base_words(h, knowledge) for h in history]
        asked = question_parts(message)
        if len(asked) == 1:
            # One question: search with the whole message, whose situation says what it is
            # about; the question itself says what kind of answer is wanted.
            searches = [(with_topic(message, earlier, idf), asked[0])]
        else:
            searches = []
            for text in asked:
                searches.append((with_topic(text, earlier, idf), text))
                earlier.append(text)
        budget = MAX_SENTENCES if len(searches) == 1 else PART_SENTENCES
        parts = [
            self._answer_part(
                search, asks, budget, k or self.settings.retrieval_k, category, mode, knowledge
            )
            for search, asks in searches
        ]
        before = len(answer.sources)  # the emergency route's sources keep their numbers
        self._compose(answer, parts, knowledge, today)
        if self.chat_model is not None and len(parts) == 1 and answer.reason == "answered":
            self._synthesise(answer, parts[0].question, parts[0].retrieval, today, keep=before)

    def _answer_part(
        self,
        question: str,
        asks: str,
        budget: int,
        k: int,
        category: str | None,
        mode: Mode,
        knowledge: Knowledge,
    ) -> _Part:
        """Retrieve, choose sentences and weigh the evidence for one question; `asks` is the
        question itself, without a situation told before it."""
        retrieval = self.retriever.retrieve(
            question,
            k,
            snapshot=knowledge.snapshot,
            glossary=knowledge.glossary,
            category=category,
            mode=mode,
        )
        keyword = knowledge.snapshot.keyword
        concepts = question_concepts(question, knowledge.glossary, keyword.idf, keyword.knows)
        wanted = answer_type(asks)
        chosen = extract(retrieval, question, concepts, wanted, budget)
        evidence = gather_evidence(
            retrieval,
            chosen,
            concepts,
            wanted,
            question,
            self.off_topic.closeness(retrieval.vector),
        )
        in_scope, right = self.calibrator.probabilities(evidence)
        return _Part(question, retrieval, chosen, evidence, in_scope, right)

    def _compose(
        self, answer: Answer, parts: list[_Part], knowledge: Knowledge, today: date
    ) -> None:
        """One answer from the parts: each answered, stated as a known gap, or said missing."""
        for part in parts:
            known = {used.chunk_id for used in answer.retrieved}
            answer.retrieved += [
                used_chunk(r.chunk, r.score, r.dense, r.keyword)
                for r in part.retrieval.chunks
                if r.chunk.chunk_id not in known
            ]
        outcomes = [part.outcome(self.refusal_threshold) for part in parts]
        answered = [p for p, o in zip(parts, outcomes, strict=True) if o == "answered"]
        reported = (
            min(answered, key=lambda p: p.confidence)
            if answered
            else max(parts, key=lambda p: p.confidence)
        )
        answer.confidence = round(reported.confidence, 3)
        answer.in_scope = round(reported.in_scope, 3)
        answer.evidence = {name: round(value, 4) for name, value in reported.evidence.items()}
        if set(outcomes) == {"refused"}:
            answer.withheld_answer = " ".join(s.text for p in parts for s in p.chosen.sentences)
            answer.refused, answer.reason = True, "not_covered"
            opening = ACT_ON_ROUTE if answer.urgent else NOT_COVERED
            answer.answer = f"{opening} {_ask(answer, knowledge, parts[0].retrieval, today)}"
            return
        pieces: list[str] = []
        quoted: set[str] = set()
        for number, (part, outcome) in enumerate(zip(parts, outcomes, strict=True), start=1):
            sentences = [s for s in part.chosen.sentences if s.text not in quoted]
            quoted |= {s.text for s in sentences}
            if outcome == "answered":
                pieces.append(_cited(sentences, answer, today))
            elif outcome == "gap":
                said = _cited([s for s in sentences if states_a_gap(s.text)], answer, today)
                pieces.append(f"{KNOWN_GAP} {said}")
            else:
                pieces.append(PART_NOT_COVERED.format(ordinal=_ORDINALS.get(number, "next")))
        missing = next((p for p, o in zip(parts, outcomes, strict=True) if o != "answered"), None)
        if missing is not None:
            pieces.append(_ask(answer, knowledge, missing.retrieval, today))
        answer.reason = "answered" if answered else "known_gap"
        answer.answer = " ".join(piece for piece in pieces if piece)

    def _synthesise(
        self, answer: Answer, question: str, retrieval: RetrievalResult, today: date, keep: int
    ) -> None:
        """Replace the extractive text with the model's, if its citations check out."""
        text = synthesise(self.chat_model, question, retrieval.chunks)
        if text is None:
            return
        sources = answer.sources[:keep]
        renumber = {
            n: source_number(retrieval.chunks[n - 1].chunk, sources, today)
            for n in sorted({int(n) for n in re.findall(r"\[(\d+)\]", text)})
        }
        answer.answer = re.sub(r"\[(\d+)\]", lambda m: f"[{renumber[int(m.group(1))]}]", text)
        answer.sources[:] = sources
        answer.mode = "llm"


def _add_emergency_route(answer: Answer, knowledge: Knowledge, today: date) -> None:
    """999, then the emergency routes the contacts documents publish, each cited."""
    answer.emergency = [CALL_999] + [
        cite_in_answer(answer, r.text, r.chunk, today) for r in knowledge.emergency
    ]


def _in_knowledge_base_words(text: str, knowledge: Knowledge) -> str:
    """Shorthand spelled out and misspellings corrected, personal-data markers removed."""
    spelled = knowledge.lexicon.spell_out(_PLACEHOLDER.sub(" ", text))
    return knowledge.speller.correct(spelled)


def _ask(answer: Answer, knowledge: Knowledge, retrieval: RetrievalResult, today: date) -> str:
    """Who to ask about this question, cited from the contacts documents."""
    ask = knowledge.ask.best_for(retrieval.vector)
    if ask is None:
        return ASK_MANAGER
    return cite_in_answer(answer, ask.text, ask.chunk, today)
