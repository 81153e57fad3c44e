"""The answer engine: one question in, one immutable, cited Answer out.

Its stages, each a function of what the one before produced:
- guards: urgency first (or the caller's assessment of it; an urgent message gets the
  emergency route before anything else), personal data redacted, empty and over-long
  messages answered with what to do instead;
- retrieve, extract and confidence, for each question of the message (`answer_part`):
  passages, the sentences that answer, the calibrated probabilities;
- compose: the parts into one reply, each answered, said to be a known gap or missing
  (`_compose`), with who to ask when something is missing; an LLM's reply replaces the
  text only if its citations check out;
- signposts: stale sources, with reviews recorded since ingest taken into account.
All of it reads one `Knowledge` (one index generation). The engine stores nothing: the
adapters (CLI, Slack) record answers through `Services`, and the evaluation calls
`AnswerEngine.ask` directly. It reads reviews recorded after ingest through the lookup it is
given (`Services` gives it the store's).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Literal

import numpy as np

from bot.answering.citations import Citations, stale_notices, used_chunk, with_reviews
from bot.answering.concepts import answer_type, asks_meaning, question_concepts
from bot.answering.confidence import Calibrator, OffTopic, gather_evidence
from bot.answering.conversation import with_topic
from bot.answering.extractive import MAX_SENTENCES, Extract, Sentence, extract
from bot.answering.knowledge import Knowledge, build_knowledge
from bot.answering.llm import synthesise
from bot.answering.question_parts import question_parts, situation
from bot.answering.scope import ScopeModel
from bot.answering.signposts import CALL_999
from bot.answers import Answer, Reason, Source, Turn
from bot.documents import Review
from bot.index import KnowledgeIndex
from bot.lexicons import Lexicons
from bot.retrieval.lexicon import QueryLexicon, load_query_lexicon
from bot.retrieval.retriever import Mode, RetrievalResult, Retriever
from bot.safety.learned_urgency import LearnedUrgency
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
NOT_CONFIRMED = (
    "I could not confirm an answer to this in the BCFT knowledge base, so I will not guess."
)
NEAREST = "The nearest section I found is “{place}”."
# A refusal points to the passage its best sentence came from when the question is more likely
# covered than not (P(in scope) above one half): the answer may well be there, and the reader
# can check it. Below that, the nearest passage is more often unrelated than not.
POINTER_IN_SCOPE = 0.5
ACT_ON_ROUTE = "Act on the emergency route above first."
EMPTY = (
    "Please type a question, for example: "
    "“When must an initial child protection conference be held?”"
)
_PLACEHOLDER = re.compile(r"\[[a-zA-Z ]+ removed\]")

# The latest review recorded since ingest for each of these documents (Still correct in Slack).
ReviewLookup = Callable[[Collection[str]], Mapping[str, Review]]


@dataclass(frozen=True)
class Part:
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


@dataclass(frozen=True)
class Reply:
    """The body of an answer: its text and why, before the signposts are added."""

    text: str
    reason: Reason
    refused: bool = False
    confidence: float = 0.0
    in_scope: float = 0.0
    evidence: dict[str, float] = field(default_factory=dict)
    withheld: str = ""  # what it would have said when not confident enough
    nearest: str = ""  # the chunk a refusal points to, when the question is likely covered
    mode: Literal["extractive", "llm"] = "extractive"


class AnswerEngine:
    """Answers questions from the knowledge index."""

    def __init__(
        self,
        index: KnowledgeIndex,
        settings: Settings,
        *,
        urgency: UrgencyDetector | None = None,
        calibrator: Calibrator | None = None,
        scope: ScopeModel | None = None,
        lexicon: QueryLexicon | None = None,
        chat_model: BaseChatModel | None = None,
        reviews: ReviewLookup | None = None,
    ) -> None:
        self.index = index
        self.settings = settings
        self.reviews = reviews
        self.urgency = urgency or UrgencyDetector(
            load_risk_lexicon(settings.lexicon_path), index.embedder, LearnedUrgency.load()
        )
        self.calibrator = calibrator or Calibrator.load()
        self.scope = scope or ScopeModel.load()
        self.off_topic = OffTopic(index.embedder)
        self.chat_model = chat_model
        self.lexicon = lexicon or load_query_lexicon(settings.lexicon_path)
        self.retriever = Retriever(
            index, settings.retrieval_candidates, settings.max_chunks_per_document
        )
        self._knowledge: Knowledge | None = None

    def use_lexicons(self, lexicons: Lexicons) -> None:
        """Take new word lists (a practice lead changed them) without a restart."""
        urgency = UrgencyDetector(lexicons.risks, self.index.embedder, self.urgency.learned)
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
        history: Sequence[Turn] = (),
        k: int | None = None,
        category: str | None = None,
        mode: Mode = "hybrid",
        today: date | None = None,
    ) -> Answer:
        """Answer one question; `history` holds the earlier exchanges of the conversation.

        `urgency` is the caller's assessment of this message, when it made one first.
        """
        today = today or date.today()
        urgency = urgency or self.assess_urgency(question)
        redacted, personal_data = redact_personal_data(question)
        citations = Citations(today)
        knowledge = None  # read only when needed: an empty message touches no index
        emergency: list[str] = []
        if urgency.urgent:
            knowledge = self.knowledge()
            emergency = emergency_lines(knowledge, citations)
        reply = guard_message(question, self.settings.max_question_chars)
        if reply is None:
            knowledge = knowledge or self.knowledge()  # one generation for the whole question
            reply = self._answer(
                knowledge, citations, redacted, history, k, category, mode, urgency.urgent
            )
        sources = with_reviews(citations.sources, self._reviews_of(citations.sources), today)
        return Answer(
            question=redacted,
            answer=reply.text,
            sources=sources,
            confidence=reply.confidence,
            in_scope=reply.in_scope,
            refused=reply.refused,
            urgent=urgency.urgent,
            urgent_signals=[redact_personal_data(r)[0] for r in urgency.reasons],
            personal_data=personal_data,
            retrieved=citations.retrieved,
            emergency=emergency,
            notices=stale_notices(sources),
            reason=reply.reason,
            withheld_answer=reply.withheld,
            nearest_chunk=reply.nearest,
            evidence=reply.evidence,
            mode=reply.mode,
        )

    def _reviews_of(self, sources: list[Source]) -> Mapping[str, Review]:
        """Reviews recorded since ingest for the cited documents. Never raises: if they
        cannot be read, the front matter's dates stand (a source is marked stale, not hidden)."""
        if self.reviews is None or not sources:
            return {}
        try:
            return self.reviews({source.doc_id for source in sources})
        except Exception:
            log.exception("could not read the reviews recorded since ingest")
            return {}

    # -- the answer itself ---------------------------------------------------------------

    def _answer(
        self,
        knowledge: Knowledge,
        citations: Citations,
        question: str,
        history: Sequence[Turn],
        k: int | None,
        category: str | None,
        mode: Mode,
        urgent: bool,
    ) -> Reply:
        searches = plan_searches(question, history, knowledge)
        budget = MAX_SENTENCES if len(searches) == 1 else PART_SENTENCES
        vectors = self._embed(searches, knowledge)
        parts = [
            self.answer_part(
                search,
                asks,
                budget,
                k or self.settings.retrieval_k,
                category,
                mode,
                knowledge,
                vector=vector,
            )
            for (search, asks), vector in zip(searches, vectors, strict=True)
        ]
        before = len(citations.sources)  # the emergency route's sources keep their numbers
        reply = compose_reply(parts, knowledge, citations, self.refusal_threshold, urgent)
        if self.chat_model is not None and len(parts) == 1 and reply.reason == "answered":
            reply = self._synthesise(reply, parts[0], citations, keep=before)
        return reply

    def query_vectors(self, question: str, history: Sequence[Turn] = ()) -> np.ndarray:
        """The vectors answering searches with for this message, one per question in it."""
        knowledge = self.knowledge()
        redacted, _ = redact_personal_data(question)
        return self._embed(plan_searches(redacted, history, knowledge), knowledge)

    def _embed(self, searches: list[tuple[str, str]], knowledge: Knowledge) -> np.ndarray:
        """The searches' query vectors, made in one model call."""
        return self.retriever.embed_queries(
            [search for search, _ in searches],
            knowledge.glossary,
            [asks_meaning(answer_type(asks)) for _, asks in searches],
        )

    def answer_part(
        self,
        question: str,
        asks: str,
        budget: int,
        k: int,
        category: str | None,
        mode: Mode,
        knowledge: Knowledge,
        vector: np.ndarray | None = None,
    ) -> Part:
        """Retrieve, choose sentences and weigh the evidence for one question; `asks` is the
        question itself, without a situation told before it, and `vector` its query's vector
        when the parts of a message were embedded together."""
        wanted = answer_type(asks)
        retrieval = self.retriever.retrieve(
            question,
            k,
            snapshot=knowledge.snapshot,
            glossary=knowledge.glossary,
            category=category,
            mode=mode,
            vector=vector,
            defining=asks_meaning(wanted),
        )
        keyword = knowledge.snapshot.keyword
        concepts = question_concepts(question, knowledge.glossary, keyword.idf, keyword.knows)
        chosen = extract(retrieval, question, concepts, wanted, budget)
        evidence = gather_evidence(
            retrieval,
            chosen,
            concepts,
            wanted,
            question,
            self.off_topic.closeness(retrieval.vector),
            self.scope.log_odds(retrieval.vector),
        )
        in_scope, right = self.calibrator.probabilities(evidence)
        return Part(question, retrieval, chosen, evidence, in_scope, right)

    def _synthesise(self, reply: Reply, part: Part, citations: Citations, keep: int) -> Reply:
        """The model's text instead of the extractive one, if its citations check out."""
        text = synthesise(self.chat_model, part.question, part.retrieval.chunks)
        if text is None:
            return reply
        citations.keep_first(keep)
        chunks = part.retrieval.chunks
        renumber = {
            n: citations.number(chunks[n - 1].chunk)
            for n in sorted({int(n) for n in re.findall(r"\[(\d+)\]", text)})
        }
        text = re.sub(r"\[(\d+)\]", lambda m: f"[{renumber[int(m.group(1))]}]", text)
        return replace(reply, text=text, mode="llm")


# -- the stages that need no engine: functions of what the stage before produced ----------


def guard_message(question: str, max_chars: int) -> Reply | None:
    """What to say instead of answering an empty or over-long message; None to answer it."""
    if not question.strip():
        return Reply(EMPTY, "empty", refused=True)
    if len(question) > max_chars:
        text = (
            f"Your message is {len(question):,} characters long; please ask in under "
            f"{max_chars:,} characters, one question at a time."
        )
        return Reply(text, "too_long", refused=True)
    return None


def compose_reply(
    parts: list[Part], knowledge: Knowledge, citations: Citations, threshold: float, urgent: bool
) -> Reply:
    """One reply from the parts: each answered, stated as a known gap, or said missing."""
    for part in parts:
        citations.draw_on(
            [used_chunk(r.chunk, r.score, r.dense, r.keyword) for r in part.retrieval.chunks]
        )
    outcomes = [part.outcome(threshold) for part in parts]
    answered = [p for p, o in zip(parts, outcomes, strict=True) if o == "answered"]
    reported = (
        min(answered, key=lambda p: p.confidence)
        if answered
        else max(parts, key=lambda p: p.confidence)
    )
    weighed = {
        "confidence": round(reported.confidence, 3),
        "in_scope": round(reported.in_scope, 3),
        "evidence": {name: round(value, 4) for name, value in reported.evidence.items()},
    }
    if set(outcomes) == {"refused"}:
        pointer, nearest = nearest_section(max(parts, key=lambda p: p.in_scope), citations)
        opening = ACT_ON_ROUTE if urgent else NOT_CONFIRMED if pointer else NOT_COVERED
        who = who_to_ask(knowledge, citations, parts[0].retrieval)
        withheld = " ".join(s.text for p in parts for s in p.chosen.sentences)
        text = " ".join(piece for piece in (opening, pointer, who) if piece)
        return Reply(
            text, "not_covered", refused=True, withheld=withheld, nearest=nearest, **weighed
        )
    pieces: list[str] = []
    quoted: set[str] = set()
    for number, (part, outcome) in enumerate(zip(parts, outcomes, strict=True), start=1):
        sentences = [s for s in part.chosen.sentences if s.text not in quoted]
        quoted |= {s.text for s in sentences}
        if outcome == "answered":
            pieces.append(_cited(sentences, citations))
        elif outcome == "gap":
            said = _cited([s for s in sentences if states_a_gap(s.text)], citations)
            pieces.append(f"{KNOWN_GAP} {said}")
        else:
            pieces.append(PART_NOT_COVERED.format(ordinal=_ORDINALS.get(number, "next")))
    missing = next((p for p, o in zip(parts, outcomes, strict=True) if o != "answered"), None)
    if missing is not None:
        pieces.append(who_to_ask(knowledge, citations, missing.retrieval))
    text = " ".join(piece for piece in pieces if piece)
    return Reply(text, "answered" if answered else "known_gap", **weighed)


def nearest_section(part: Part, citations: Citations) -> tuple[str, str]:
    """(the sentence pointing to the passage of the part's best sentence, its chunk id) when
    the part is likely covered (POINTER_IN_SCOPE), else ("", "")."""
    lead = max(part.chosen.sentences, key=lambda s: s.score, default=None)
    if lead is None or part.in_scope <= POINTER_IN_SCOPE:
        return "", ""
    chunk = lead.passage.chunk
    place = " – ".join(name for name in (chunk.info.title, chunk.section) if name)
    return citations.cite_signpost(NEAREST.format(place=place), chunk), chunk.chunk_id


def _cited(sentences: list[Sentence], citations: Citations) -> str:
    return citations.cite([(s.text, s.passage.chunk) for s in sentences])


def emergency_lines(knowledge: Knowledge, citations: Citations) -> list[str]:
    """999, then the emergency routes the contacts documents publish, each cited."""
    return [CALL_999] + [citations.cite_signpost(r.text, r.chunk) for r in knowledge.emergency]


def who_to_ask(knowledge: Knowledge, citations: Citations, retrieval: RetrievalResult) -> str:
    """Who to ask about this question, cited from the contacts documents."""
    ask = knowledge.ask.best_for(retrieval.vector)
    if ask is None:
        return ASK_MANAGER
    return citations.cite_signpost(ask.text, ask.chunk)


def plan_searches(
    question: str, history: Sequence[Turn], knowledge: Knowledge
) -> list[tuple[str, str]]:
    """(what to search with, the question it answers) for each question of the message.

    One question: search with the whole message, whose situation says what it is about; the
    question itself says what kind of answer is wanted. Several: each searched on its own,
    after the situation (which says what all of them are about), the ones before it counting
    as the conversation so far; the last reply says whom a "she" or "he" means.
    """
    idf = knowledge.snapshot.keyword.idf
    message = in_knowledge_base_words(question, knowledge)
    earlier = [in_knowledge_base_words(turn.question, knowledge) for turn in history]
    last_answer = history[-1].answer if history else ""
    asked = question_parts(message)
    if len(asked) == 1:
        return [(with_topic(message, earlier, idf, last_answer), asked[0])]
    told = situation(message)
    searches = []
    for text in asked:
        search = with_topic(text, earlier, idf, last_answer)
        searches.append((f"{told} {search}" if told else search, text))
        earlier.append(text)
    return searches


def in_knowledge_base_words(text: str, knowledge: Knowledge) -> str:
    """Shorthand spelled out and misspellings corrected, personal-data markers removed."""
    spelled = knowledge.lexicon.spell_out(_PLACEHOLDER.sub(" ", text))
    return knowledge.speller.correct(spelled)
