"""Every sentence of the published knowledge base with its vector, made once per generation.

Answers quote single sentences, so sentences are embedded at ingest rather than at question
time: a question then costs one embedding (its own), and the best sentences of the whole
knowledge base can be found directly, not only inside the passages a chunk search returned.
A new generation re-embeds only sentences whose text it has not seen before.

The anticipated questions of each chunk (front matter `questions:`) are rows too, marked
`asked`: they are searched to find the chunk, never quoted.

Only `bot.index` uses this module: it decides when to build, load and query it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.documents import Chunk
from bot.ranking import best_rows
from bot.saved_folder import replace_folder
from bot.sentences import SENTENCES_VERSION, chunk_sentences, quotable

log = logging.getLogger(__name__)

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class SentenceHit:
    """One sentence found by meaning: its row in the index and its cosine to the question."""

    row: int
    score: float


@dataclass
class SentenceIndex:
    """Row i is sentence `texts[i]`, at `positions[i]` in chunk `chunk_ids[i]` of category
    `categories[i]`, with vector row i; `asked[i]` marks an anticipated question."""

    generation: str
    texts: list[str]
    chunk_ids: list[str]
    categories: np.ndarray
    positions: np.ndarray
    quotable: np.ndarray
    asked: np.ndarray
    vectors: np.ndarray
    _rows_by_chunk: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for row, chunk_id in enumerate(self.chunk_ids):
            if not self.asked[row]:
                self._rows_by_chunk.setdefault(chunk_id, []).append(row)

    @classmethod
    def build(
        cls,
        generation: str,
        chunks: Iterable[Chunk],
        embed: Embed,
        dimension: int,
        known: Mapping[str, np.ndarray] | None = None,
    ) -> SentenceIndex:
        """Split every chunk into sentences, add its questions; embed only texts `known` has
        no vector for."""
        texts: list[str] = []
        chunk_ids: list[str] = []
        categories: list[str] = []
        positions: list[int] = []
        asked: list[bool] = []
        for chunk in sorted(chunks, key=lambda c: c.chunk_id):
            sentences = chunk_sentences(chunk.text)
            for position, text in enumerate([*sentences, *chunk.questions]):
                texts.append(text)
                chunk_ids.append(chunk.chunk_id)
                categories.append(chunk.info.category)
                positions.append(position)
                asked.append(position >= len(sentences))
        reuse = known or {}
        missing = [t for t in dict.fromkeys(texts) if t not in reuse]
        fresh = dict(zip(missing, embed(missing), strict=True)) if missing else {}
        log.info("sentence index: %d rows, %d newly embedded", len(texts), len(missing))
        is_asked = np.array(asked, dtype=bool)
        vectors = (
            np.stack([fresh[t] if t in fresh else reuse[t] for t in texts]).astype(np.float32)
            if texts
            else np.zeros((0, dimension), dtype=np.float32)
        )
        return cls(
            generation=generation,
            texts=texts,
            chunk_ids=chunk_ids,
            categories=np.array(categories, dtype=object),
            positions=np.array(positions, dtype=np.int32),
            quotable=np.array([quotable(t) for t in texts], dtype=bool) & ~is_asked,
            asked=is_asked,
            vectors=vectors,
        )

    def vector_by_text(self) -> dict[str, np.ndarray]:
        return dict(zip(self.texts, self.vectors, strict=True))

    def rows_of(self, chunk_id: str) -> list[int]:
        """The rows of one chunk's sentences (not its questions), in reading order."""
        return self._rows_by_chunk.get(chunk_id, [])

    def search(
        self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None, questions: int = 0
    ) -> tuple[list[SentenceHit], list[SentenceHit]]:
        """The k quotable sentences and the `questions` anticipated questions closest in
        meaning to `vector`, among `allowed` rows (one pass over the vectors)."""
        if not len(self.texts):
            return [], []
        scores = self.vectors @ vector
        within = np.ones(len(self.texts), dtype=bool) if allowed is None else allowed
        sentences = _best(scores, self.quotable & within, k)
        asked = _best(scores, self.asked & within, questions)
        return sentences, asked

    def save(self, directory: Path) -> None:
        def write(folder: Path) -> None:
            rows = {
                "generation": self.generation,
                "sentences_version": SENTENCES_VERSION,
                "texts": self.texts,
                "chunk_ids": self.chunk_ids,
                "categories": self.categories.tolist(),
                "positions": self.positions.tolist(),
                "asked": self.asked.tolist(),
            }
            (folder / "rows.json").write_text(json.dumps(rows), encoding="utf-8")
            np.save(folder / "vectors.npy", self.vectors)

        replace_folder(directory, write)

    @classmethod
    def load(cls, directory: Path, generation: str | None = None) -> SentenceIndex | None:
        """The saved index, or None. With a `generation`, only an index of that generation split
        into sentences as today (`SENTENCES_VERSION`); without, any (its vectors are reused)."""
        try:
            rows = json.loads((directory / "rows.json").read_text(encoding="utf-8"))
            if generation is not None and (
                rows["generation"] != generation
                or rows.get("sentences_version") != SENTENCES_VERSION
            ):
                return None
            vectors = np.load(directory / "vectors.npy")
        except (OSError, ValueError, KeyError) as error:
            log.info("sentence index at %s not usable (%s)", directory, error)
            return None
        asked = np.array(rows.get("asked", [False] * len(rows["texts"])), dtype=bool)
        return cls(
            generation=rows["generation"],
            texts=rows["texts"],
            chunk_ids=rows["chunk_ids"],
            categories=np.array(rows["categories"], dtype=object),
            positions=np.array(rows["positions"], dtype=np.int32),
            quotable=np.array([quotable(t) for t in rows["texts"]], dtype=bool) & ~asked,
            asked=asked,
            vectors=vectors.astype(np.float32, copy=False),
        )


def _best(scores: np.ndarray, usable: np.ndarray, k: int) -> list[SentenceHit]:
    """The k best `usable` rows, best first."""
    rows = np.flatnonzero(usable)
    k = min(k, len(rows))
    if k <= 0:
        return []
    return [SentenceHit(int(rows[i]), float(scores[rows[i]])) for i in best_rows(scores[rows], k)]


def published_sentences(chunks: Iterable[Chunk]) -> list[str]:
    """The sentences and questions an index of these chunks holds (drafts are never quoted)."""
    return [
        text
        for chunk in chunks
        if chunk.info.status == "published"
        for text in [*chunk_sentences(chunk.text), *chunk.questions]
    ]
