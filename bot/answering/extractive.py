"""The default answerer: pick the sentences of the retrieved text that answer the question.

No language model is involved, so every sentence of an answer is a sentence of the knowledge
base, quoted with its source. Sentences are scored on meaning (embedding similarity of the
sentence, and of its passage, to the question), on words (how much of what is specific about
the question they state, alone and with their section heading) and on whether they are the
kind of answer asked for (a time for "when…?", a number for "how many…?", a role for "who…?").
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from bot.answering.concepts import AnswerType, Concept, coverage
from bot.embedding import Embedder
from bot.retrieval.retriever import RetrievalResult, Retrieved
from bot.text import content_terms, split_sentences

# How much each signal counts towards a sentence's score.
W_MEANING, W_PASSAGE, W_WORDS, W_CONTEXT, W_TYPE = 0.40, 0.30, 0.20, 0.10, 0.08
MAX_SENTENCES = 4
KEEP_RATIO = 0.80  # a further sentence must score at least this share of the best one
NEIGHBOUR_RATIO = 0.70  # … or this share, if it is next to a chosen sentence in its passage
REDUNDANT = 0.90  # cosine above which two sentences say the same thing
MIN_NEW_WORDS = 0.4  # a further sentence must bring at least this share of new content words

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`]{1,3}")
# Sentences about the document itself ("This guide explains…") tell a reader nothing.
_ABOUT_THE_DOCUMENT = re.compile(
    r"^(?:this|the) (?:document|guide|page|note|section|summary)\b|^it (?:covers|explains|"
    r"sets out|lists|describes|brings together)\b|^this is the (?:first )?(?:page|guide)\b",
    re.IGNORECASE,
)
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instructions?|prompts?|rules|above)\b|"
    r"\b(?:system prompt|you are now|as an ai|act as)\b",
    re.IGNORECASE,
)


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
    coverage: float


def clean_sentence(text: str) -> str:
    """Plain text for quoting: no Markdown links, emphasis or stray whitespace."""
    return " ".join(_MARKUP.sub("", _LINK.sub(r"\1", text)).split())


def looks_like_instruction(text: str) -> bool:
    """Text addressed to a model rather than a reader; treated as data and never quoted."""
    return bool(_INSTRUCTION.search(text))


class ExtractiveAnswerer:
    """Chooses 1-4 sentences from the retrieved passages."""

    def __init__(self, embedder: Embedder, cache_size: int = 20_000) -> None:
        self.embedder = embedder
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def extract(
        self,
        retrieval: RetrievalResult,
        question: str,
        concepts: list[Concept],
        wanted: AnswerType | None,
    ) -> Extract:
        """The sentences that best answer `question`, and how well they do."""
        candidates = self._candidates(retrieval, question, concepts, wanted)
        if not candidates:
            return Extract([], 0.0, 0.0)
        chosen = _choose(candidates, self._vectors([c.text for c in candidates]))
        covered = set()
        for sentence in chosen:
            covered |= set(content_terms(sentence.text))
        return Extract(
            sentences=_reading_order(chosen),
            best_meaning=max(c.meaning for c in candidates),
            coverage=coverage(concepts, covered),
        )

    def _candidates(
        self,
        retrieval: RetrievalResult,
        question: str,
        concepts: list[Concept],
        wanted: AnswerType | None,
    ) -> list[Sentence]:
        raw: list[tuple[str, Retrieved, int]] = []
        for passage in retrieval.chunks:
            for position, sentence in enumerate(split_sentences(passage.chunk.text)):
                text = clean_sentence(sentence)
                if _quotable(text):
                    raw.append((text, passage, position))
        if not raw:
            return []
        vectors = self._vectors([text for text, _, _ in raw])
        meaning = vectors @ retrieval.vector
        candidates = []
        for (text, passage, position), similarity in zip(raw, meaning, strict=True):
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
        return candidates

    def _vectors(self, texts: list[str]) -> np.ndarray:
        """Embeddings, cached: the same sentences come back for related questions."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            fresh = self.embedder.embed(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            return np.stack([self._cache[t] for t in texts])


def _quotable(text: str) -> bool:
    return (
        len(text.split()) >= 4
        and not text.lower().startswith(("also called:", "also known as:", "see also"))
        and not looks_like_instruction(text)
        and not _ABOUT_THE_DOCUMENT.search(text)
    )


def _choose(candidates: list[Sentence], vectors: np.ndarray) -> list[Sentence]:
    """The best sentence, then the next best that add something and score nearly as well."""
    order = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
    best = candidates[order[0]]
    chosen = [order[0]]
    for i in order[1:]:
        if len(chosen) == MAX_SENTENCES:
            break
        candidate = candidates[i]
        follows = any(
            candidates[j].passage is candidate.passage
            and abs(candidates[j].position - candidate.position) == 1
            for j in chosen
        )
        threshold = (NEIGHBOUR_RATIO if follows else KEEP_RATIO) * best.score
        if candidate.score < threshold:
            continue
        if max(float(vectors[i] @ vectors[j]) for j in chosen) > REDUNDANT:
            continue
        if _new_words(candidate, [candidates[j] for j in chosen]) < MIN_NEW_WORDS:
            continue
        chosen.append(i)
    # A list item says nothing that the sentence quoting the whole list does not.
    kept = [candidates[i] for i in chosen]
    for sentence in list(kept):
        others = [other for other in kept if other is not sentence]
        if others and _new_words(sentence, others) == 0:
            kept.remove(sentence)
    return kept


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
