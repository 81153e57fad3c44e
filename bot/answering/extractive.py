"""The default answerer: pick the sentences of the retrieved text that answer the question.

No language model is involved, so every sentence of an answer is a sentence of the knowledge
base, quoted with its source. Sentences are scored on meaning (embedding similarity of the
sentence, and of its passage, to the question), on words (how much of what is specific about
the question they state, alone and with their section heading) and on whether they are the
kind of answer asked for (a time for "when…?", a number for "how many…?", a role for "who…?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.answering.concepts import AnswerType, Concept, asks_meaning, asks_name, coverage
from bot.retrieval.retriever import RetrievalResult, Retrieved
from bot.text import content_terms

# How much each signal counts towards a sentence's score.
W_MEANING, W_PASSAGE, W_WORDS, W_CONTEXT, W_TYPE = 0.40, 0.30, 0.20, 0.10, 0.08
MAX_SENTENCES = 4
KEEP_RATIO = 0.80  # a further sentence must score at least this share of the best one
NEIGHBOUR_RATIO = 0.70  # … or this share, if it is next to a chosen sentence in its passage
REDUNDANT = 0.90  # cosine above which two sentences say the same thing
MIN_NEW_WORDS = 0.4  # a further sentence must bring at least this share of new content words


@dataclass(frozen=True)
class Sentence:
    """A candidate sentence and where it came from."""

    text: str
    passage: Retrieved
    position: int
    meaning: float
    words: float
    score: float


@dataclass(frozen=True)
class Extract:
    """The chosen sentences in reading order, and how well they answer."""

    sentences: list[Sentence]
    best_meaning: float


def extract(
    retrieval: RetrievalResult,
    question: str,
    concepts: list[Concept],
    wanted: AnswerType | None,
    budget: int = MAX_SENTENCES,
) -> Extract:
    """At most `budget` sentences of the retrieved passages that best answer `question`."""
    candidates, vectors = _candidates(retrieval, question, concepts, wanted)
    if not candidates:
        return Extract([], 0.0)
    fitting = _fitting(candidates, wanted, question)
    chosen = _choose(candidates, vectors, budget, concepts, fitting, typed=wanted is not None)
    return Extract(
        sentences=_reading_order(chosen),
        best_meaning=max(c.meaning for c in candidates),
    )


def _candidates(
    retrieval: RetrievalResult,
    question: str,
    concepts: list[Concept],
    wanted: AnswerType | None,
) -> tuple[list[Sentence], np.ndarray]:
    """Every quotable sentence of the passages, scored, with its stored vector."""
    index = retrieval.snapshot.sentences
    rows: list[tuple[int, Retrieved, int]] = []
    for passage in retrieval.chunks:
        seen: set[str] = set()  # neighbouring chunks repeat the sentences they overlap on
        for chunk_id in passage.chunk_ids:
            for row in index.rows_of(chunk_id):
                text = index.texts[row]
                if text not in seen:
                    seen.add(text)
                    rows.append((row, passage, len(seen) - 1))
    # A glossary entry answers what a term means or what a thing is called; otherwise its
    # definition only pads the answer.
    terms = asks_meaning(wanted) or asks_name(question)
    rows = [
        (row, passage, position)
        for row, passage, position in rows
        if index.quotable[row] and (terms or passage.chunk.info.category != "glossary")
    ]
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32)
    vectors = index.vectors[[row for row, _, _ in rows]]
    meaning = vectors @ retrieval.vector
    candidates = []
    for (row, passage, position), similarity in zip(rows, meaning, strict=True):
        text = index.texts[row]
        own = set(content_terms(text))
        header = set(content_terms(f"{passage.chunk.info.title} {passage.chunk.section}"))
        said = coverage(concepts, own)
        context = coverage(concepts, own | header)
        score = (
            W_MEANING * float(similarity)
            + W_PASSAGE * (passage.dense or 0.0)
            + W_WORDS * said
            + W_CONTEXT * context
            + (W_TYPE if wanted is not None and wanted.fits(text, question) else 0.0)
        )
        candidates.append(Sentence(text, passage, position, float(similarity), said, score))
    return candidates, vectors


def _choose(
    candidates: list[Sentence],
    vectors: np.ndarray,
    budget: int,
    concepts: list[Concept],
    fitting: set[int],
    typed: bool,
) -> list[Sentence]:
    """The best sentence, then those nearly as good that add to the answer (no padding).

    A further sentence joins only if it scores nearly as well as the best (less is needed
    next to a chosen one), does not repeat what is said, and adds to the answer: it states
    something the question asks that no chosen sentence states, or has the kind of answer
    asked for (a time, a number) when none does, or continues a chosen sentence ("This…").
    A first sentence that opens by pointing back ("This must…") brings the one before it;
    one that announces a list ("… in one of three ways.") brings the list after it, unless
    a kind of answer is asked for (`typed`) that the announcing sentence does not have.
    `fitting` holds the candidates that have the kind of answer asked for.
    """
    order = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
    best = candidates[order[0]]
    chosen = [order[0]]
    before = _previous(candidates, order[0])
    if _REFERS_BACK.match(best.text) and before is not None:
        chosen.append(before)
    if _ANNOUNCES_LIST.search(best.text) and (not typed or order[0] in fitting):
        chosen += _following(candidates, order[0], budget - len(chosen))
    for i in order[1:]:
        if len(chosen) >= budget:
            break
        candidate = candidates[i]
        follows = any(_next_to(candidates[j], candidate) for j in chosen)
        threshold = (NEIGHBOUR_RATIO if follows else KEEP_RATIO) * best.score
        if i in chosen or candidate.score < threshold:
            continue
        if max(float(vectors[i] @ vectors[j]) for j in chosen) > REDUNDANT:
            continue
        if _new_words(candidate, [candidates[j] for j in chosen]) < MIN_NEW_WORDS:
            continue
        said = {term for j in chosen for term in content_terms(candidates[j].text)}
        adds = (
            candidate.passage.chunk.doc_id == best.passage.chunk.doc_id
            or any(
                not c.covered_by(said) and c.covered_by(set(content_terms(candidate.text)))
                for c in concepts
            )
            or (i in fitting and not fitting & set(chosen))
        )
        if adds:
            chosen.append(i)
    # A list item says nothing that the sentence quoting the whole list does not.
    kept = [candidates[i] for i in chosen]
    for sentence in list(kept):
        others = [other for other in kept if other is not sentence]
        if others and _new_words(sentence, others) == 0:
            kept.remove(sentence)
    return kept


# A sentence that opens by pointing back at the one before it cannot stand alone.
_REFERS_BACK = re.compile(
    r"^(?:this|that|these|those|it|its|they|their|them|he|she|his|her|however|but|also|"
    r"such|there)\b",
    re.IGNORECASE,
)


# A sentence that says a list follows: it ends in a colon, names "the following", or ends by
# counting the kinds of thing listed ("… can end in one of three ways.").
_ANNOUNCES_LIST = re.compile(
    r":$|\bthe following(?:\s+\w+){0,3}\.?$|"
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten)\s+(?:main\s+|key\s+)?(?:ways|things|"
    r"types|kinds|categories|tests|steps|stages|parts|areas|priorities|principles|options|"
    r"outcomes|levels|questions|tasks|reasons)\.?$",
    re.IGNORECASE,
)


def _next_to(a: Sentence, b: Sentence) -> bool:
    return a.passage is b.passage and abs(a.position - b.position) == 1


def _previous(candidates: list[Sentence], i: int) -> int | None:
    """The candidate just before candidate i in its passage, if there is one."""
    return next(
        (
            j
            for j, other in enumerate(candidates)
            if other.passage is candidates[i].passage
            and other.position == candidates[i].position - 1
        ),
        None,
    )


def _following(candidates: list[Sentence], i: int, count: int) -> list[int]:
    """Up to `count` candidates that follow candidate i in its passage, in order."""
    passage, position = candidates[i].passage, candidates[i].position
    after = {c.position: j for j, c in enumerate(candidates) if c.passage is passage}
    found = []
    while len(found) < count and position + len(found) + 1 in after:
        found.append(after[position + len(found) + 1])
    return found


def _fitting(candidates: list[Sentence], wanted: AnswerType | None, question: str) -> set[int]:
    if wanted is None:
        return set()
    return {i for i, c in enumerate(candidates) if wanted.fits(c.text, question)}


def _new_words(candidate: Sentence, chosen: list[Sentence]) -> float:
    """The share of the candidate's content words that the chosen sentences do not say."""
    own = set(content_terms(candidate.text))
    said = {term for sentence in chosen for term in content_terms(sentence.text)}
    return len(own - said) / len(own) if own else 0.0


def _reading_order(chosen: list[Sentence]) -> list[Sentence]:
    """Passages in order of their best sentence; sentences in their order in the passage."""
    first_seen: dict[int, int] = {}
    for rank, sentence in enumerate(chosen):
        first_seen.setdefault(id(sentence.passage), rank)
    return sorted(chosen, key=lambda s: (first_seen[id(s.passage)], s.position))
