"""A BM25 index over chunk texts, saved beside Chroma and rebuilt from it when stale.

Only `bot.index` uses this module: it decides when to build, load and query it.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.ranking import best_rows
from bot.saved_folder import replace_folder
from bot.text import TERMS_VERSION, content_terms

# bm25s is imported where an index is built or read: an ingest that changes nothing never
# needs it, and skips its import.
if TYPE_CHECKING:
    import bm25s

log = logging.getLogger(__name__)


@dataclass
class KeywordIndex:
    """BM25 scores plus, row for row, each chunk's id, category and published flag."""

    generation: str
    chunk_ids: list[str]
    categories: np.ndarray
    published: np.ndarray
    bm25: bm25s.BM25 | None

    @classmethod
    def build(cls, generation: str, rows: list[tuple[str, str, str, bool]]) -> KeywordIndex:
        """Index rows of (chunk_id, search_text, category, published), in chunk-id order."""
        rows = sorted(rows)
        bm25 = None
        corpus = [content_terms(text) or [""] for _, text, _, _ in rows]
        if corpus:
            import bm25s

            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
        return cls(
            generation=generation,
            chunk_ids=[row[0] for row in rows],
            categories=np.array([row[2] for row in rows], dtype=object),
            published=np.array([row[3] for row in rows], dtype=bool),
            bm25=bm25,
        )

    def search(
        self, query: str, k: int, category: str | None = None, include_drafts: bool = False
    ) -> list[tuple[str, float]]:
        """The k best (chunk_id, score) pairs with a positive BM25 score."""
        if self.bm25 is None:
            return []
        vocab = self.bm25.vocab_dict
        terms = [t for t in content_terms(query) if t in vocab]
        if not terms:
            return []
        mask = np.ones(len(self.chunk_ids), dtype=np.float32)
        if not include_drafts:
            mask *= self.published
        if category:
            mask *= self.categories == category
        scores = self.bm25.get_scores(terms, weight_mask=mask)
        k = min(k, len(scores))
        top = best_rows(scores, k)
        return [(self.chunk_ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def knows(self, term: str) -> bool:
        """Does any indexed chunk contain this stemmed term?"""
        return self.bm25 is not None and term in self.bm25.vocab_dict

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term over chunks (high when rare or absent)."""
        count = len(self.chunk_ids)
        frequency = 0
        if self.knows(term):
            column = self.bm25.vocab_dict[term]
            indptr = self.bm25.scores["indptr"]
            frequency = int(indptr[column + 1] - indptr[column])
        return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))

    def save(self, directory: Path) -> None:
        """Write atomically: a reader never sees half an index."""

        def write(folder: Path) -> None:
            if self.bm25 is not None:
                self.bm25.save(str(folder / "bm25"))
            rows = {
                "generation": self.generation,
                "terms_version": TERMS_VERSION,
                "chunk_ids": self.chunk_ids,
                "categories": self.categories.tolist(),
                "published": self.published.tolist(),
            }
            (folder / "rows.json").write_text(json.dumps(rows), encoding="utf-8")

        replace_folder(directory, write)

    @classmethod
    def load(cls, directory: Path, generation: str) -> KeywordIndex | None:
        """The saved index if it belongs to this generation of the store and was made with
        today's terms (`TERMS_VERSION`), else None."""
        try:
            rows = json.loads((directory / "rows.json").read_text(encoding="utf-8"))
            if rows["generation"] != generation:
                return None
            if rows.get("terms_version") != TERMS_VERSION:
                log.info("keyword index at %s made with other terms; rebuilding", directory)
                return None
            bm25_dir = directory / "bm25"
            import bm25s

            bm25 = bm25s.BM25.load(str(bm25_dir)) if bm25_dir.exists() else None
        except (OSError, ValueError, KeyError) as error:
            log.info("keyword index at %s not usable (%s); rebuilding", directory, error)
            return None
        return cls(
            generation=generation,
            chunk_ids=rows["chunk_ids"],
            categories=np.array(rows["categories"], dtype=object),
            published=np.array(rows["published"], dtype=bool),
            bm25=bm25,
        )
