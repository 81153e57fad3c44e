"""The knowledge index: Chroma for vectors and metadata, BM25 beside it for keywords.

This is the only module that talks to Chroma. Chroma is the source of truth: every chunk
carries its document's content hash and chunk count, so the manifest of what is indexed is
read back from the store itself and can never disagree with it, even after a crash.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np

from bot.chunk_records import chunk_from_record, chunk_metadata
from bot.documents import Chunk, DocumentInfo
from bot.embedding import Embedder
from bot.index_lock import acquire_lock
from bot.keyword_index import KeywordIndex
from bot.sentence_index import SentenceIndex
from bot.settings import Settings

log = logging.getLogger(__name__)

_PAGE = 5000


class IndexMismatchError(RuntimeError):
    """The store was built with a different embedding model."""


@dataclass(frozen=True)
class ManifestEntry:
    """What the store holds for one document."""

    doc_id: str
    content_hash: str
    path: str
    chunk_ids: frozenset[str]
    complete: bool


@dataclass(frozen=True)
class Hit:
    """A chunk found by one retriever, with that retriever's score."""

    chunk: Chunk
    score: float


@dataclass(frozen=True)
class Snapshot:
    """What is derived from one generation of the index, read-only: the BM25 keyword index
    over chunks and the sentence vectors. Readers keep the snapshot they started with."""

    generation: str
    keyword: KeywordIndex
    sentences: SentenceIndex


@dataclass(frozen=True)
class IndexStatus:
    """What `bcft kb status` and the App Home show."""

    documents: list[DocumentInfo]
    chunks: int
    updated_at: str | None
    location: str


class KnowledgeIndex:
    """Read and write access to the indexed knowledge base."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._lock_file: IO[str] | None = None
        if not settings.uses_chroma_server:
            self._lock_file = acquire_lock(settings.data_dir)
        self._client = _connect(settings)
        self._collection = self._client.get_or_create_collection(
            settings.chroma_collection,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": embedder.model_name, "generation": _new_generation()},
        )
        self._snapshot: Snapshot | None = None
        self._snapshot_lock = threading.Lock()
        self._checked_at = 0.0
        self._changed = False

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def location(self) -> str:
        s = self.settings
        where = f"{s.chroma_host}:{s.chroma_port}" if s.uses_chroma_server else s.chroma_path
        return f"{where} (collection {s.chroma_collection})"

    def check_model(self) -> None:
        """Refuse to mix vectors from two embedding models in one collection."""
        built_with = self._collection.metadata.get("embedding_model")
        if built_with and built_with != self.embedder.model_name and self.count():
            raise IndexMismatchError(
                f"The index was built with embedding model {built_with!r} but EMBEDDING_MODEL is "
                f"{self.embedder.model_name!r}. Run `bcft ingest --rebuild` to re-embed."
            )

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # -- write side (used by ingest) -------------------------------------------------------

    def manifest(self) -> dict[str, ManifestEntry]:
        """Every document in the store, with whether all its chunks agree on one version."""
        chunks: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for ids, metadatas, _ in self._pages(["metadatas"]):
            for chunk_id, meta in zip(ids, metadatas, strict=True):
                chunks[meta["doc_id"]].append((chunk_id, meta))
        manifest = {}
        for doc_id, rows in chunks.items():
            hashes = {meta["content_hash"] for _, meta in rows}
            counts = {meta["chunk_count"] for _, meta in rows}
            complete = len(hashes) == 1 and counts == {len(rows)}
            manifest[doc_id] = ManifestEntry(
                doc_id=doc_id,
                content_hash=rows[0][1]["content_hash"] if len(hashes) == 1 else "",
                path=rows[0][1]["path"],
                chunk_ids=frozenset(chunk_id for chunk_id, _ in rows),
                complete=complete,
            )
        return manifest

    def write_document(
        self, chunks: list[Chunk], vectors: dict[str, np.ndarray], old: ManifestEntry | None
    ) -> None:
        """Replace one document's chunks with `chunks`.

        `vectors` holds embeddings for chunk ids the store does not have yet; chunks it
        already has keep their vectors and only get fresh metadata. The document is complete
        again only once the last step has run; an interrupted write is seen as incomplete by
        `manifest()` and is redone by the next ingest.
        """
        self._mark_changed()
        new_ids = [c.chunk_id for c in chunks if c.chunk_id in vectors]
        if new_ids:
            by_id = {c.chunk_id: c for c in chunks}
            self._collection.upsert(
                ids=new_ids,
                embeddings=np.stack([vectors[i] for i in new_ids]),
                documents=[by_id[i].text for i in new_ids],
                metadatas=[chunk_metadata(by_id[i], len(chunks)) for i in new_ids],
            )
        kept = [c for c in chunks if c.chunk_id not in vectors]
        if kept:
            self._collection.update(
                ids=[c.chunk_id for c in kept],
                metadatas=[chunk_metadata(c, len(chunks)) for c in kept],
            )
        if old is not None:
            stale = old.chunk_ids - {c.chunk_id for c in chunks}
            if stale:
                self._collection.delete(ids=sorted(stale))

    def delete_document(self, entry: ManifestEntry) -> None:
        self._mark_changed()
        self._collection.delete(ids=sorted(entry.chunk_ids))

    def reset(self) -> None:
        """Drop everything (used when the embedding model changes)."""
        name = self.settings.chroma_collection
        self._client.delete_collection(name)
        self._collection = self._client.create_collection(
            name,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": self.embedder.model_name, "generation": _new_generation()},
        )
        self._snapshot = None

    def commit(self) -> None:
        """Publish a finished run: a new generation, and its snapshot built and saved."""
        self._mark_changed(stamp=True)
        self._changed = False
        with self._snapshot_lock:
            self._snapshot = self._build_snapshot(self._generation())

    def _mark_changed(self, stamp: bool = False) -> None:
        """Give the store a new generation so every reader rebuilds its keyword index.

        Done before the first write of a run as well as at the end, so that a run killed
        half-way still leaves readers knowing their keyword index is out of date.
        """
        if self._changed and not stamp:
            return
        self._changed = True
        metadata = dict(self._collection.metadata or {})
        metadata["generation"] = _new_generation()
        metadata["embedding_model"] = self.embedder.model_name
        if stamp:
            metadata["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self._collection.modify(metadata=metadata)
        self._snapshot = None

    # -- read side (used by retrieval) ------------------------------------------------------

    def count(self) -> int:
        return self._collection.count()

    def dense_search(
        self, vector: np.ndarray, k: int, category: str | None = None, include_drafts: bool = False
    ) -> list[Hit]:
        """Nearest chunks by cosine similarity."""
        if not self.count():
            return []
        result = self._collection.query(
            query_embeddings=[vector],
            n_results=k,
            where=_filter(category, include_drafts),
            include=["documents", "metadatas", "distances"],
        )
        return [
            Hit(chunk_from_record(i, text, meta), 1.0 - float(distance))
            for i, text, meta, distance in zip(
                result["ids"][0],
                result["documents"][0],
                result["metadatas"][0],
                result["distances"][0],
                strict=True,
            )
        ]

    def keyword_search(
        self, query: str, k: int, category: str | None = None, include_drafts: bool = False
    ) -> list[Hit]:
        """Best chunks by BM25 over stemmed words."""
        ranked = self.snapshot().keyword.search(query, k, category, include_drafts)
        chunks = self.get_chunks([chunk_id for chunk_id, _ in ranked])
        return [Hit(chunks[i], score) for i, score in ranked if i in chunks]

    def similarities(self, ids: list[str], vector: np.ndarray) -> dict[str, float]:
        """Cosine similarity of stored chunk vectors to `vector` (both are unit length)."""
        if not ids:
            return {}
        result = self._collection.get(ids=ids, include=["embeddings"])
        return {
            chunk_id: float(np.asarray(embedding, dtype=np.float32) @ vector)
            for chunk_id, embedding in zip(result["ids"], result["embeddings"], strict=True)
        }

    def get_chunks(self, ids: list[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        result = self._collection.get(ids=ids, include=["documents", "metadatas"])
        return {
            i: chunk_from_record(i, text, meta)
            for i, text, meta in zip(
                result["ids"], result["documents"], result["metadatas"], strict=True
            )
        }

    def documents(self, include_drafts: bool = True) -> list[DocumentInfo]:
        """One record per indexed document, sorted by category and title."""
        seen: dict[str, DocumentInfo] = {}
        for ids, metadatas, _ in self._pages(["metadatas"]):
            for chunk_id, meta in zip(ids, metadatas, strict=True):
                if meta["doc_id"] not in seen:
                    seen[meta["doc_id"]] = chunk_from_record(chunk_id, "", meta).info
        docs = [d for d in seen.values() if include_drafts or d.status == "published"]
        return sorted(docs, key=lambda d: (d.category, d.title))

    def chunks(self, include_drafts: bool = False, category: str | None = None) -> Iterator[Chunk]:
        """Every chunk (of one category, if given), read page by page."""
        where = _filter(category, include_drafts)
        for ids, metadatas, texts in self._pages(["metadatas", "documents"], where):
            for chunk_id, meta, text in zip(ids, metadatas, texts, strict=True):
                yield chunk_from_record(chunk_id, text, meta)

    def status(self) -> IndexStatus:
        return IndexStatus(
            documents=self.documents(),
            chunks=self.count(),
            updated_at=(self._collection.metadata or {}).get("updated_at"),
            location=self.location,
        )

    def snapshot(self) -> Snapshot:
        """The snapshot of the store's current generation (loaded or built as needed).

        The generation is checked at most every INDEX_REFRESH_SECONDS, so a re-index by
        another worker is picked up without a restart.
        """
        with self._snapshot_lock:
            now = time.monotonic()
            if self._snapshot is not None and now - self._checked_at < (
                self.settings.index_refresh_seconds
            ):
                return self._snapshot
            self._checked_at = now
            generation = self._generation()
            if self._snapshot is None or self._snapshot.generation != generation:
                self._snapshot = self._load_snapshot(generation) or self._build_snapshot(generation)
            return self._snapshot

    @property
    def generation(self) -> str:
        """Changes whenever the indexed content changes; readers use it to drop caches."""
        return self.snapshot().generation

    # -- internals --------------------------------------------------------------------------

    def _generation(self) -> str:
        collection = self._client.get_collection(
            self.settings.chroma_collection, embedding_function=None
        )
        self._collection = collection
        return str((collection.metadata or {}).get("generation", ""))

    def _snapshot_dirs(self) -> tuple[Path, Path]:
        name = self.settings.chroma_collection
        return self.settings.keyword_index_dir / name, self.settings.sentence_index_dir / name

    def _load_snapshot(self, generation: str) -> Snapshot | None:
        keyword_dir, sentence_dir = self._snapshot_dirs()
        keyword = KeywordIndex.load(keyword_dir, generation)
        sentences = SentenceIndex.load(sentence_dir, generation)
        if keyword is None or sentences is None:
            return None
        return Snapshot(generation, keyword, sentences)

    def _build_snapshot(self, generation: str) -> Snapshot:
        """Build from the store's chunks (embedding only sentences not seen before), and save."""
        chunks = list(self.chunks(include_drafts=True))
        keyword = KeywordIndex.build(
            generation,
            [
                (c.chunk_id, c.search_text, c.info.category, c.info.status == "published")
                for c in chunks
            ],
        )
        keyword_dir, sentence_dir = self._snapshot_dirs()
        sentences = SentenceIndex.build(
            generation,
            (c for c in chunks if c.info.status == "published"),
            self.embedder.embed,
            self.embedder.dimension,
            known=SentenceIndex.load(sentence_dir),
        )
        try:
            keyword.save(keyword_dir)
            sentences.save(sentence_dir)
        except OSError:  # another worker saving the same generation at the same moment
            log.info("snapshot not saved (saved by another process?)", exc_info=True)
        return Snapshot(generation, keyword, sentences)

    def _pages(
        self, include: list[str], where: dict[str, Any] | None = None
    ) -> Iterator[tuple[list[str], list[Any], list[Any]]]:
        offset = 0
        while True:
            page = self._collection.get(include=include, where=where, limit=_PAGE, offset=offset)
            if not page["ids"]:
                return
            yield page["ids"], page["metadatas"] or [], page["documents"] or []
            offset += len(page["ids"])


@contextmanager
def open_index(settings: Settings, embedder: Embedder | None = None) -> Iterator[KnowledgeIndex]:
    """Open the index for the duration of a block (and release the embedded-store lock)."""
    index = KnowledgeIndex(
        settings, embedder or Embedder(settings.embedding_model, settings.embedding_batch_size)
    )
    try:
        yield index
    finally:
        index.close()


def _connect(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.uses_chroma_server:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def _new_generation() -> str:
    return uuid.uuid4().hex


def _filter(category: str | None, include_drafts: bool) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if not include_drafts:
        clauses.append({"status": "published"})
    if category:
        clauses.append({"category": category})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
