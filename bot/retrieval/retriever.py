"""Hybrid retrieval: dense and keyword results fused, diversified and merged."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.documents import Chunk
from bot.index import Hit, KnowledgeIndex
from bot.retrieval.glossary import Glossary

Mode = Literal["hybrid", "dense", "keyword"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "keyword")
RRF_K = 60
_MIN_OVERLAP = 20


@dataclass(frozen=True)
class Retrieved:
    """A chunk chosen as context, with the evidence for choosing it."""

    chunk: Chunk
    score: float  # reciprocal rank fusion
    dense: float | None = None  # cosine similarity to the question
    keyword: float | None = None  # BM25, when the keyword retriever found it


@dataclass(frozen=True)
class RetrievalResult:
    query: str
    expanded_query: str
    vector: np.ndarray
    chunks: list[Retrieved]


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K) -> dict[str, float]:
    """Sum of 1 / (k + rank) over the rankings each id appears in (ranks start at 1)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return scores


class Retriever:
    """Finds the chunks that best answer a question."""

    def __init__(
        self, index: KnowledgeIndex, candidates: int = 40, max_per_document: int = 2
    ) -> None:
        self.index = index
        self.candidates = candidates
        self.max_per_document = max_per_document
        self._glossary: tuple[str, Glossary] | None = None
        self._lock = threading.Lock()

    @property
    def glossary(self) -> Glossary:
        """The glossary of the current index generation (re-read when the index changes)."""
        generation = self.index.generation
        with self._lock:
            if self._glossary is None or self._glossary[0] != generation:
                chunks = (c for c in self.index.chunks() if c.info.category == "glossary")
                self._glossary = (generation, Glossary.from_chunks(chunks))
            return self._glossary[1]

    def retrieve(
        self, query: str, k: int, category: str | None = None, mode: Mode = "hybrid"
    ) -> RetrievalResult:
        """The k best chunks for `query`, at most a few per document, neighbours merged."""
        expanded = self.glossary.expand(query)
        vector = self.index.embedder.embed([expanded])[0]
        dense: list[Hit] = []
        keyword: list[Hit] = []
        if mode in ("hybrid", "dense"):
            dense = self.index.dense_search(vector, self.candidates, category)
        if mode in ("hybrid", "keyword"):
            keyword = self.index.keyword_search(expanded, self.candidates, category)
        fused = reciprocal_rank_fusion(
            [[h.chunk.chunk_id for h in hits] for hits in (dense, keyword) if hits]
        )
        found = {h.chunk.chunk_id: h.chunk for h in (*dense, *keyword)}
        dense_scores = {h.chunk.chunk_id: h.score for h in dense}
        keyword_scores = {h.chunk.chunk_id: h.score for h in keyword}
        ranked = [
            Retrieved(found[i], score, dense_scores.get(i), keyword_scores.get(i))
            for i, score in sorted(fused.items(), key=lambda item: (-item[1], item[0]))
        ]
        chosen = _diversify(ranked, k, self.max_per_document)
        missing = [r.chunk.chunk_id for r in chosen if r.dense is None]
        if missing:  # found by keywords only: how close in meaning is it anyway?
            similarity = self.index.similarities(missing, vector)
            chosen = [
                r
                if r.dense is not None
                else dataclasses.replace(r, dense=similarity.get(r.chunk.chunk_id))
                for r in chosen
            ]
        return RetrievalResult(query, expanded, vector, _merge_neighbours(chosen))


def _diversify(ranked: list[Retrieved], k: int, max_per_document: int) -> list[Retrieved]:
    """Best first, no more than `max_per_document` from one document unless too few remain."""
    chosen: list[Retrieved] = []
    held_back: list[Retrieved] = []
    per_document: dict[str, int] = {}
    for item in ranked:
        if len(chosen) == k:
            break
        count = per_document.get(item.chunk.doc_id, 0)
        limit = 1 if item.chunk.info.category == "glossary" else max_per_document
        if count < limit:
            chosen.append(item)
            per_document[item.chunk.doc_id] = count + 1
        else:
            held_back.append(item)
    chosen += held_back[: k - len(chosen)]
    return sorted(chosen, key=lambda r: -r.score)


def _merge_neighbours(chosen: list[Retrieved]) -> list[Retrieved]:
    """Join chunks that follow each other in the same section into one passage."""
    merged: list[Retrieved] = []
    by_place: dict[tuple[str, str, int], int] = {}
    for item in sorted(chosen, key=lambda r: (r.chunk.doc_id, r.chunk.position)):
        chunk = item.chunk
        before = by_place.get((chunk.doc_id, chunk.section, chunk.position - 1))
        if before is None:
            by_place[(chunk.doc_id, chunk.section, chunk.position)] = len(merged)
            merged.append(item)
            continue
        first = merged[before]
        text = _join_overlapping(first.chunk.text, chunk.text)
        merged[before] = dataclasses.replace(
            first,
            chunk=dataclasses.replace(first.chunk, text=text),
            score=max(first.score, item.score),
            dense=_max(first.dense, item.dense),
            keyword=_max(first.keyword, item.keyword),
        )
        by_place[(chunk.doc_id, chunk.section, chunk.position)] = before
    return sorted(merged, key=lambda r: -r.score)


def _join_overlapping(first: str, second: str) -> str:
    """Concatenate, dropping the overlap the splitter repeated at the start of `second`."""
    for size in range(min(len(first), len(second)), _MIN_OVERLAP - 1, -1):
        if first.endswith(second[:size]):
            return first + second[size:]
    return f"{first}\n\n{second}"


def _max(a: float | None, b: float | None) -> float | None:
    values = [v for v in (a, b) if v is not None]
    return max(values) if values else None
