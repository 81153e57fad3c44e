"""Every chunk of one index generation, in memory: answering reads chunks without Chroma.

A search returns chunk ids (from Chroma's vector index, BM25 or the sentence vectors); their
text, document and vector come from here, a lookup instead of a round trip to the store.
Each document's fields are held once, however many chunks it has; the vectors are kept as
16-bit floats in a memory-mapped file (cosines change by less than 0.001).

Only `bot.index` uses this module: it builds, saves and loads it with the snapshot.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from bot.chunk_records import chunk_from_record, chunk_metadata
from bot.documents import Chunk
from bot.ranking import best_rows
from bot.saved_folder import replace_folder

log = logging.getLogger(__name__)

_CHUNK_FIELDS = ("section", "position", "chunk_count", "questions")  # per chunk, not per document


@dataclass(frozen=True)
class ChunkTable:
    """The chunks of one generation by id; row i of `vectors` is the i-th chunk's vector."""

    generation: str
    chunks: dict[str, Chunk]
    vectors: np.ndarray

    @classmethod
    def build(cls, generation: str, chunks: list[Chunk], vectors: np.ndarray) -> ChunkTable:
        return cls(
            generation, {chunk.chunk_id: chunk for chunk in chunks}, vectors.astype(np.float16)
        )

    @cached_property
    def _rows(self) -> dict[str, int]:
        return {chunk_id: row for row, chunk_id in enumerate(self.chunks)}

    def similarities(self, ids: Iterable[str], vector: np.ndarray) -> dict[str, float]:
        """Cosine similarity of each chunk of `ids` to the unit vector `vector`."""
        found = [i for i in ids if i in self._rows]
        if not found:
            return {}
        rows = self.vectors[[self._rows[i] for i in found]].astype(np.float32)
        return dict(zip(found, (rows @ vector).tolist(), strict=True))

    def nearest(
        self, vector: np.ndarray, k: int, category: str | None, include_drafts: bool
    ) -> list[tuple[str, float]]:
        """The k chunks closest in meaning to the unit vector `vector`, by an exact search
        (best first), of one category if given, drafts only if `include_drafts`."""
        usable = self._categories == category if category else np.ones(len(self.chunks), bool)
        if not include_drafts:
            usable &= self._published
        scores = np.where(usable, self._exact_vectors @ vector, -np.inf)
        k = min(k, int(usable.sum()))
        if k <= 0:
            return []
        return [(self._ids[row], float(scores[row])) for row in best_rows(scores, k)]

    @cached_property
    def _ids(self) -> list[str]:
        return list(self.chunks)

    @cached_property
    def _exact_vectors(self) -> np.ndarray:
        return np.asarray(self.vectors, dtype=np.float32)

    @cached_property
    def _categories(self) -> np.ndarray:
        return np.array([chunk.info.category for chunk in self.chunks.values()], dtype=object)

    @cached_property
    def _published(self) -> np.ndarray:
        return np.array([c.info.status == "published" for c in self.chunks.values()], dtype=bool)

    @cached_property
    def drafts(self) -> int:
        """How many chunks are not published (a search skips them)."""
        return sum(chunk.info.status != "published" for chunk in self.chunks.values())

    def published(self, category: str) -> list[Chunk]:
        """The published chunks of one category (the glossary, the contacts)."""
        return [
            c
            for c in self.chunks.values()
            if c.info.category == category and c.info.status == "published"
        ]

    def get(self, ids: Iterable[str]) -> dict[str, Chunk]:
        """The chunks of `ids` that this generation has."""
        return {i: self.chunks[i] for i in ids if i in self.chunks}

    def save(self, directory: Path) -> None:
        documents: dict[str, dict] = {}
        rows = []
        for chunk in self.chunks.values():
            if chunk.doc_id not in documents:
                meta = chunk_metadata(chunk, 0)
                documents[chunk.doc_id] = {k: v for k, v in meta.items() if k not in _CHUNK_FIELDS}
            rows.append(
                [
                    chunk.chunk_id,
                    chunk.doc_id,
                    chunk.section,
                    chunk.position,
                    chunk.text,
                    list(chunk.questions),
                ]
            )
        content = {"generation": self.generation, "documents": documents, "chunks": rows}

        def write(folder: Path) -> None:
            (folder / "chunks.json").write_text(json.dumps(content), encoding="utf-8")
            np.save(folder / "vectors.npy", self.vectors)

        replace_folder(directory, write)

    @classmethod
    def load(cls, directory: Path, generation: str) -> ChunkTable | None:
        """The saved table of this generation, or None."""
        try:
            content = json.loads((directory / "chunks.json").read_text(encoding="utf-8"))
            if content["generation"] != generation:
                return None
            infos = {
                doc_id: chunk_from_record("", "", meta).info
                for doc_id, meta in content["documents"].items()
            }
            chunks = {
                chunk_id: Chunk(chunk_id, infos[doc_id], section, position, text, tuple(asked))
                for chunk_id, doc_id, section, position, text, asked in content["chunks"]
            }
            vectors = np.load(directory / "vectors.npy", mmap_mode="r")
            if len(vectors) != len(chunks):
                raise ValueError(f"{len(vectors)} vectors for {len(chunks)} chunks")
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.info("chunk table at %s not usable (%s)", directory, error)
            return None
        return cls(generation, chunks, vectors)
