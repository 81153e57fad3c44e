"""Hybrid retrieval: dense and keyword results fused, diversified and merged."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.documents import Chunk
from bot.index import Hit, KnowledgeIndex, Snapshot
from bot.retrieval.glossary import Glossary
from bot.sentence_index import SentenceHit

Mode = Literal["hybrid", "dense", "keyword"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "keyword")
RRF_K = 60
# The chunks of the SENTENCE_HITS sentences closest to the question form a third ranking,
# weighted SENTENCE_WEIGHT against 1 for the chunk rankings: a tie-breaker, because it
# measures meaning as chunk search does. Both chosen on the shipped set (answer in top 5
# 0.928 -> 0.953 with exact pass unchanged; 40 hits or weight 1 made it worse).
SENTENCE_HITS = 10
SENTENCE_WEIGHT = 0.3
# The chunks of the QUESTION_HITS anticipated questions (front matter `questions:`) closest to
# the question form a fourth ranking, weighted QUESTION_WEIGHT. Chosen on the shipped set:
# answer in top 5 0.940 -> 0.970 at 0.3 and 0.5 (0.957 at 1); with the questions also in the
# keyword index, exact pass 0.719 at 0.5 against 0.706 without this ranking.
QUESTION_HITS = 10
QUESTION_WEIGHT = 0.5
_MIN_OVERLAP = 20


@dataclass(frozen=True)
class Retrieved:
    """A chunk chosen as context, with the evidence for choosing it."""

    chunk: Chunk
    score: float  # reciprocal rank fusion
    dense: float | None = None  # cosine similarity to the question
    keyword: float | None = None  # BM25, when the keyword retriever found it
    merged: tuple[str, ...] = ()  # the chunks joined into this passage (when neighbours)

    @property
    def chunk_ids(self) -> tuple[str, ...]:
        """Every chunk this passage is made of, in reading order."""
        return self.merged or (self.chunk.chunk_id,)


@dataclass(frozen=True)
class RetrievalResult:
    query: str
    expanded_query: str
    vector: np.ndarray
    chunks: list[Retrieved]
    snapshot: Snapshot  # the generation the passages' sentences come from
    agreement: bool = False  # meaning and keyword searches share a passage in their top 5


def reciprocal_rank_fusion(
    rankings: list[list[str]], k: int = RRF_K, weights: list[float] | None = None
) -> dict[str, float]:
    """Sum of weight / (k + rank) over the rankings each id appears in (ranks start at 1)."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores


class Retriever:
    """Finds the chunks that best answer a question."""

    def __init__(
        self, index: KnowledgeIndex, candidates: int = 40, max_per_document: int = 2
    ) -> None:
        self.index = index
        self.candidates = candidates
        self.max_per_document = max_per_document

    def embed_queries(
        self, queries: list[str], glossary: Glossary, defining: list[bool] | None = None
    ) -> np.ndarray:
        """The vectors `retrieve` searches with for these queries, made in one model call
        (a message asking two things costs one call, not two); `defining` says, query for
        query, whether it asks what a term means."""
        defining = defining or [False] * len(queries)
        return self.index.embedder.embed(
            [glossary.expand(q, defining=d) for q, d in zip(queries, defining, strict=True)]
        )

    def retrieve(
        self,
        query: str,
        k: int,
        *,
        snapshot: Snapshot,
        glossary: Glossary,
        category: str | None = None,
        mode: Mode = "hybrid",
        vector: np.ndarray | None = None,
        defining: bool = False,
    ) -> RetrievalResult:
        """The k best chunks for `query`, at most a few per document, neighbours merged.

        Three rankings are fused: chunks by meaning (Chroma), chunks by keywords (BM25), and
        the chunks of the sentences closest in meaning, which finds a single fact that its
        passage as a whole does not resemble. `snapshot` is the generation searched and
        `glossary` the one built from it, which expands the query's terms. `vector` is the
        query's from `embed_queries`, when the caller embedded several queries at once.
        `defining` says the query asks what a term means: the glossary then adds the other
        names even of terms most documents use.
        """
        expanded = glossary.expand(query, defining=defining)
        if vector is None:
            (vector,) = self.embed_queries([query], glossary, [defining])
        dense: list[Hit] = []
        keyword: list[Hit] = []
        sentence_hits: list[SentenceHit] = []
        question_hits: list[SentenceHit] = []
        if mode in ("hybrid", "dense"):
            dense = self.index.dense_search(vector, self.candidates, category, snapshot=snapshot)
            sentences = snapshot.sentences
            allowed = None if category is None else sentences.categories == category
            sentence_hits, question_hits = sentences.search(
                vector, SENTENCE_HITS, allowed, questions=QUESTION_HITS
            )
        by_sentence = _chunks_of(snapshot, sentence_hits)
        by_question = _chunks_of(snapshot, question_hits)
        if mode in ("hybrid", "keyword"):
            keyword = self.index.keyword_search(
                expanded, self.candidates, category, snapshot=snapshot
            )
        rankings = [
            ([h.chunk.chunk_id for h in dense], 1.0),
            ([h.chunk.chunk_id for h in keyword], 1.0),
            (by_sentence, SENTENCE_WEIGHT),
            (by_question, QUESTION_WEIGHT),
        ]
        rankings = [(ranking, weight) for ranking, weight in rankings if ranking]
        fused = reciprocal_rank_fusion(
            [ranking for ranking, _ in rankings], weights=[weight for _, weight in rankings]
        )
        found = {h.chunk.chunk_id: h.chunk for h in (*dense, *keyword)}
        found |= snapshot.chunks.get(i for i in (*by_sentence, *by_question) if i not in found)
        dense_scores = {h.chunk.chunk_id: h.score for h in dense}
        keyword_scores = {h.chunk.chunk_id: h.score for h in keyword}
        ranked = [
            Retrieved(found[i], score, dense_scores.get(i), keyword_scores.get(i))
            for i, score in sorted(fused.items(), key=lambda item: (-item[1], item[0]))
            if i in found
        ]
        chosen = _diversify(ranked, k, self.max_per_document)
        missing = [r.chunk.chunk_id for r in chosen if r.dense is None]
        if missing:  # found by keywords only: how close in meaning is it anyway?
            similarity = snapshot.chunks.similarities(missing, vector)
            chosen = [
                r
                if r.dense is not None
                else dataclasses.replace(r, dense=similarity.get(r.chunk.chunk_id))
                for r in chosen
            ]
        return RetrievalResult(
            query,
            expanded,
            vector,
            _merge_neighbours(chosen),
            snapshot,
            agreement=bool(
                {h.chunk.chunk_id for h in dense[:5]} & {h.chunk.chunk_id for h in keyword[:5]}
            ),
        )


def _chunks_of(snapshot: Snapshot, hits: list[SentenceHit]) -> list[str]:
    """Chunk ids in the order of their best row among `hits` (sentences or questions)."""
    return list(dict.fromkeys(snapshot.sentences.chunk_ids[hit.row] for hit in hits))


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
            merged=(*first.chunk_ids, chunk.chunk_id),
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
