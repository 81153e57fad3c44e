"""The knowledge index: Chroma for vectors and metadata, BM25 beside it for keywords.

This is the only module that talks to Chroma. Chroma is the source of truth: every chunk
carries its document's content hash and chunk count, so the manifest of what is indexed is
read back from the store itself and can never disagree with it, even after a crash.
"""

from __future__ import annotations

import logging
import shutil
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
from bot.chunk_table import ChunkTable
from bot.documents import Chunk, DocumentInfo
from bot.embedding import Embedder
from bot.index_lock import acquire_lock
from bot.keyword_index import KeywordIndex
from bot.sentence_index import SentenceIndex, published_sentences
from bot.settings import Settings

log = logging.getLogger(__name__)

_PAGE = 5000
# Up to this many chunks, a search is an exact one over the snapshot's vectors: under a
# millisecond, and unlike Chroma's approximate (HNSW) index it never misses the nearest chunk
# (seen missing one at cosine 0.78, next best 0.48, in the shipped 716). Beyond, the float32
# copy it needs (1.5 KB a chunk) would take memory the 100k-chunk goal needs.
EXACT_SEARCH_CHUNKS = 20_000


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
    """What is derived from one generation of the index, read-only: its chunks, the BM25
    keyword index over them and the sentence vectors. Readers keep the snapshot they started
    with; a new generation is swapped in with one assignment."""

    generation: str
    chunks: ChunkTable
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
        # Sentence vectors of this run's writes, and of the saved sentence index, by text.
        self._sentence_vectors: dict[str, np.ndarray] | None = None
        self._checked_at = 0.0

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
        for page in self._pages(["metadatas"]):
            for chunk_id, meta in zip(page["ids"], page["metadatas"], strict=True):
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

    def sentences_to_embed(self, chunks: list[Chunk], rebuild: bool = False) -> list[str]:
        """The sentences of `chunks` the index has no vector for yet (all, to rebuild), once."""
        known = {} if rebuild else self._known_sentences()
        return [t for t in dict.fromkeys(published_sentences(chunks)) if t not in known]

    def write_documents(
        self,
        documents: list[tuple[list[Chunk], ManifestEntry | None]],
        vectors: dict[str, np.ndarray],
        sentence_vectors: dict[str, np.ndarray] | None = None,
    ) -> None:
        """Replace each document's chunks with its new ones: (chunks, what the index held).

        `vectors` holds embeddings for chunk ids the store does not have yet; chunks it
        already has keep their vectors and only get fresh metadata. `sentence_vectors` holds
        the vectors of new sentences (by text), kept for the snapshot that `commit` builds.
        The documents go to Chroma in a few large calls (one call per document took twice as
        long on the shipped corpus x5: 340 upserts 9.1 s, 2 upserts 2.7 s). A document is
        complete again only once all its chunks are written; an interrupted write is seen as
        incomplete by `manifest()` and is redone by the next ingest.
        """
        self._known_sentences().update(sentence_vectors or {})
        new: list[tuple[Chunk, int]] = []
        kept: list[tuple[Chunk, int]] = []
        stale: list[str] = []
        for chunks, old in documents:
            for chunk in chunks:
                (new if chunk.chunk_id in vectors else kept).append((chunk, len(chunks)))
            if old is not None:
                stale += sorted(old.chunk_ids - {c.chunk_id for c in chunks})
        step = self._client.get_max_batch_size()
        for start in range(0, len(new), step):
            batch = new[start : start + step]
            self._collection.upsert(
                ids=[c.chunk_id for c, _ in batch],
                embeddings=np.stack([vectors[c.chunk_id] for c, _ in batch]),
                documents=[c.text for c, _ in batch],
                metadatas=[chunk_metadata(c, count) for c, count in batch],
            )
        for start in range(0, len(kept), step):
            batch = kept[start : start + step]
            self._collection.update(
                ids=[c.chunk_id for c, _ in batch],
                metadatas=[chunk_metadata(c, count) for c, count in batch],
            )
        for start in range(0, len(stale), step):
            self._collection.delete(ids=stale[start : start + step])

    def delete_document(self, entry: ManifestEntry) -> None:
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
        self._sentence_vectors = {}  # vectors of the old model must not be reused
        shutil.rmtree(self._snapshot_dir("sentences"), ignore_errors=True)

    def commit(self) -> None:
        """Publish a finished run: its snapshot built and saved, then its generation announced.

        Until then every reader (in this process or another) keeps the snapshot of the last
        published generation, so no answer ever mixes two runs, and a run killed half-way
        leaves the last published snapshot in place for the next run to repair.
        """
        generation = _new_generation()
        snapshot = self._build_snapshot(generation)
        metadata = dict(self._collection.metadata or {})
        metadata["generation"] = generation
        metadata["embedding_model"] = self.embedder.model_name
        metadata["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self._collection.modify(metadata=metadata)
        with self._snapshot_lock:
            self._snapshot = snapshot  # one assignment: readers see the old or the new
            self._checked_at = time.monotonic()
        self._sentence_vectors = None  # saved with the snapshot; read back when next needed

    # -- read side (used by retrieval) ------------------------------------------------------

    def count(self) -> int:
        return self._collection.count()

    def dense_search(
        self,
        vector: np.ndarray,
        k: int,
        category: str | None = None,
        include_drafts: bool = False,
        snapshot: Snapshot | None = None,
    ) -> list[Hit]:
        """Nearest chunks by cosine similarity, as they are in `snapshot` (default: current).

        Up to EXACT_SEARCH_CHUNKS chunks, the snapshot's vectors are searched exactly. Beyond,
        Chroma's vector index is searched unfiltered (a metadata filter makes its search
        about a hundred times slower) for k more results than there are drafts, so that
        skipping drafts still leaves the k nearest published chunks.
        """
        snapshot = snapshot or self.snapshot()
        table = snapshot.chunks
        if not table.chunks:
            return []
        if len(table.chunks) <= EXACT_SEARCH_CHUNKS:
            nearest = table.nearest(vector, k, category, include_drafts)
            return [Hit(table.chunks[i], score) for i, score in nearest]
        if category is None:
            wanted, where = k + (0 if include_drafts else table.drafts), None
        else:
            wanted, where = k, _filter(category, include_drafts)
        result = self._collection.query(
            query_embeddings=[vector],
            n_results=min(wanted, len(table.chunks)),
            where=where,
            include=["distances"],
        )
        chunks = table.get(result["ids"][0])
        hits = [
            Hit(chunks[i], 1.0 - float(distance))
            for i, distance in zip(result["ids"][0], result["distances"][0], strict=True)
            if i in chunks and (include_drafts or chunks[i].info.status == "published")
        ]
        return hits[:k]

    def keyword_search(
        self,
        query: str,
        k: int,
        category: str | None = None,
        include_drafts: bool = False,
        snapshot: Snapshot | None = None,
    ) -> list[Hit]:
        """Best chunks by BM25 over stemmed words, in `snapshot` (default: the current one)."""
        snapshot = snapshot or self.snapshot()
        ranked = snapshot.keyword.search(query, k, category, include_drafts)
        chunks = snapshot.chunks.get(chunk_id for chunk_id, _ in ranked)
        return [Hit(chunks[i], score) for i, score in ranked if i in chunks]

    def documents(self, include_drafts: bool = True) -> list[DocumentInfo]:
        """One record per indexed document, sorted by category and title."""
        seen: dict[str, DocumentInfo] = {}
        for page in self._pages(["metadatas"]):
            for chunk_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                if meta["doc_id"] not in seen:
                    seen[meta["doc_id"]] = chunk_from_record(chunk_id, "", meta).info
        docs = [d for d in seen.values() if include_drafts or d.status == "published"]
        return sorted(docs, key=lambda d: (d.category, d.title))

    def chunks(self, include_drafts: bool = False, category: str | None = None) -> Iterator[Chunk]:
        """Every chunk (of one category, if given), read page by page."""
        where = _filter(category, include_drafts)
        for page in self._pages(["metadatas", "documents"], where):
            for chunk_id, meta, text in zip(
                page["ids"], page["metadatas"], page["documents"], strict=True
            ):
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
        """The published generation, read fresh from the store (another process may publish)."""
        collection = self._client.get_collection(
            self.settings.chroma_collection, embedding_function=None
        )
        if collection.id != self._collection.id:  # rebuilt elsewhere with a new embedding model
            self._collection = collection
        return str((collection.metadata or {}).get("generation", ""))

    def _known_sentences(self) -> dict[str, np.ndarray]:
        if self._sentence_vectors is None:
            saved = SentenceIndex.load(self._snapshot_dir("sentences"))
            self._sentence_vectors = saved.vector_by_text() if saved is not None else {}
        return self._sentence_vectors

    def _snapshot_dir(self, part: str) -> Path:
        return self.settings.snapshot_dir / self.settings.chroma_collection / part

    def _load_snapshot(self, generation: str) -> Snapshot | None:
        chunks = ChunkTable.load(self._snapshot_dir("chunks"), generation)
        keyword = KeywordIndex.load(self._snapshot_dir("keyword"), generation)
        sentences = SentenceIndex.load(self._snapshot_dir("sentences"), generation)
        if chunks is None or keyword is None or sentences is None:
            return None
        return Snapshot(generation, chunks, keyword, sentences)

    def _build_snapshot(self, generation: str) -> Snapshot:
        """Build from the store's chunks and save.

        Sentences come with their vectors from ingest; any the index has no vector for (a
        snapshot built by a worker that did not ingest, from an older saved one) are embedded.
        """
        chunks: list[Chunk] = []
        vectors: list[np.ndarray] = []
        for page in self._pages(["metadatas", "documents", "embeddings"]):
            records = zip(page["ids"], page["documents"], page["metadatas"], strict=True)
            chunks += [chunk_from_record(*record) for record in records]
            vectors.append(np.asarray(page["embeddings"], dtype=np.float32))
        table = ChunkTable.build(
            generation,
            chunks,
            np.concatenate(vectors) if vectors else np.zeros((0, self.embedder.dimension)),
        )
        keyword = KeywordIndex.build(
            generation,
            [
                (c.chunk_id, c.keyword_text, c.info.category, c.info.status == "published")
                for c in chunks
            ],
        )
        sentences = SentenceIndex.build(
            generation,
            (c for c in chunks if c.info.status == "published"),
            self.embedder.embed,
            self.embedder.dimension,
            known=self._known_sentences(),
        )
        snapshot = Snapshot(generation, table, keyword, sentences)
        try:
            snapshot.chunks.save(self._snapshot_dir("chunks"))
            keyword.save(self._snapshot_dir("keyword"))
            sentences.save(self._snapshot_dir("sentences"))
        except OSError:  # another worker saving the same generation at the same moment
            log.info("snapshot not saved (saved by another process?)", exc_info=True)
        return snapshot

    def _pages(self, include: list[str], where: dict[str, Any] | None = None) -> Iterator[Any]:
        """Every record of the collection, _PAGE at a time (Chroma's GetResult pages)."""
        offset = 0
        while True:
            page = self._collection.get(include=include, where=where, limit=_PAGE, offset=offset)
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])


@contextmanager
def open_index(settings: Settings, embedder: Embedder | None = None) -> Iterator[KnowledgeIndex]:
    """Open the index for the duration of a block (and release the embedded-store lock)."""
    index = KnowledgeIndex(settings, embedder or Embedder.for_settings(settings))
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
