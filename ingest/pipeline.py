"""`bcft ingest`: files in, an up-to-date index out — incremental, repairable, file by file.

For each file: load → chunk → embed only the chunks the store lacks → write as a unit.
A file that fails is reported and skipped; it never stops the batch or touches the index.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.documents import Chunk, IngestReport, SourceDocument
from bot.index import IndexMismatchError, KnowledgeIndex, ManifestEntry
from ingest.chunking import chunk_document
from ingest.errors import LoadError
from ingest.loaders import load_document

log = logging.getLogger(__name__)

# Bump when loading or chunking changes in a way that should re-chunk every document.
PIPELINE_VERSION = "1"

# Called after each file with (files done, files in all, file path).
Progress = Callable[[int, int, str], None]


@dataclass
class PendingDocument:
    """A document that must be (re)written, with its chunks and what the index holds of it."""

    document: SourceDocument
    chunks: list[Chunk]
    old: ManifestEntry | None


def run_ingest(
    paths: Iterable[Path],
    index: KnowledgeIndex,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index in line with the files under `paths`; report what happened."""
    settings = index.settings
    report = IngestReport()
    roots = [Path(p) for p in paths]
    try:
        index.check_model()
    except IndexMismatchError:
        if not rebuild:
            raise
        index.reset()
    manifest = index.manifest()
    signature = pipeline_signature(index)

    files, missing = discover(roots)
    report.failed.update({display_path(p): "no such file or folder" for p in missing})
    tick = _ticker(progress, len(files))
    seen_ids: dict[str, str] = {}
    failed_paths: set[str] = set()
    pending: list[PendingDocument] = []
    for path in files:
        shown = display_path(path)
        try:
            document = _load(path, shown, settings.max_file_mb, signature)
            _check_unique_id(document, seen_ids, manifest)
        except LoadError as error:
            report.failed[shown] = str(error)
            failed_paths.add(shown)
            tick(shown)
            continue
        seen_ids[document.info.doc_id] = shown
        if document.warnings:
            report.warnings[shown] = list(document.warnings)
        old = manifest.get(document.info.doc_id)
        if not rebuild and old and old.complete and old.content_hash == document.info.content_hash:
            report.unchanged.append(shown)
            tick(shown)
            continue
        chunks = chunk_document(document, settings.chunk_size, settings.chunk_overlap)
        pending.append(PendingDocument(document, chunks, old))
        (report.updated if old else report.added).append(shown)

    write_documents(pending, index, rebuild, report, tick)

    for entry in manifest.values():
        if (
            entry.doc_id not in seen_ids
            and entry.path not in failed_paths
            and not is_web_page(entry.path)
            and _is_under(entry.path, roots)
        ):
            index.delete_document(entry)
            report.removed.append(entry.path)

    if pending or report.removed or rebuild:
        index.commit()
    return report


def pipeline_signature(index: KnowledgeIndex) -> str:
    """What every document's content hash covers besides its text: a change re-chunks all."""
    settings = index.settings
    return (
        f"v{PIPELINE_VERSION};{settings.chunk_size};{settings.chunk_overlap};"
        f"{index.embedder.model_name}"
    )


def is_web_page(path: str) -> bool:
    """Whether an indexed document came from the web (`bcft ingest --sources`): its path is
    its address. File ingest never deletes one, and web ingest touches nothing else."""
    return path.startswith(("http://", "https://"))


def write_documents(
    pending: list[PendingDocument],
    index: KnowledgeIndex,
    rebuild: bool,
    report: IngestReport,
    tick: Callable[[str], None],
) -> None:
    """Embed new chunks and sentences in large batches, then write the batch's documents."""
    for group in _groups(pending, index.settings.ingest_group_chunks):
        needed = [
            chunk
            for doc in group
            for chunk in doc.chunks
            if rebuild or doc.old is None or chunk.chunk_id not in doc.old.chunk_ids
        ]
        # Chunks and their new sentences in one batched pass through the model.
        sentences = index.sentences_to_embed([c for doc in group for c in doc.chunks], rebuild)
        vectors = index.embedder.embed([*(c.search_text for c in needed), *sentences])
        by_id = dict(zip((c.chunk_id for c in needed), vectors[: len(needed)], strict=True))
        by_text = dict(zip(sentences, vectors[len(needed) :], strict=True))
        index.write_documents([(doc.chunks, doc.old) for doc in group], by_id, by_text)
        for doc in group:
            log.debug("wrote %s (%d chunks)", doc.document.info.path, len(doc.chunks))
            report.chunks_written += len(doc.chunks)
            tick(doc.document.info.path)
        report.chunks_embedded += len(needed)


def _groups(pending: list[PendingDocument], chunk_limit: int) -> Iterable[list[PendingDocument]]:
    """Consecutive documents with about `chunk_limit` chunks between them."""
    group: list[PendingDocument] = []
    for item in pending:
        group.append(item)
        if sum(len(doc.chunks) for doc in group) >= chunk_limit:
            yield group
            group = []
    if group:
        yield group


# A folder of word lists (risk words, shorthand, synonyms) beside the documents, not documents.
LEXICON_FOLDER = "lexicon"
# The list of web sources (`SOURCES_FILE`, by default in the knowledge base folder) and its
# example: settings for `bcft ingest --sources`, not documents.
SOURCE_LISTS = ("sources.yaml", "sources.example.yaml")


def discover(roots: list[Path]) -> tuple[list[Path], list[Path]]:
    """Every file under the roots, and the roots that are missing.

    Hidden files and folders are skipped, and so are the lexicon folder and the web sources
    list at the top of a root.
    """
    files: list[Path] = []
    missing: list[Path] = []
    for root in roots:
        if root.is_file():
            files.append(root)
        elif root.is_dir():
            files.extend(
                sorted(
                    p
                    for p in root.rglob("*")
                    if p.is_file() and _is_document(p.relative_to(root).parts)
                )
            )
        else:
            missing.append(root)
    return list(dict.fromkeys(files)), missing


def _is_document(parts: tuple[str, ...]) -> bool:
    if parts[0] == LEXICON_FOLDER or (len(parts) == 1 and parts[0] in SOURCE_LISTS):
        return False
    return not any(part.startswith(".") for part in parts)


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it, so the index is portable."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _load(path: Path, shown: str, max_file_mb: float, signature: str) -> SourceDocument:
    """Load a file and make its content hash cover the pipeline settings and its place."""
    try:
        document = load_document(path, shown, max_file_mb)
    except OSError as error:
        raise LoadError(f"could not read the file ({error.strerror or error})") from error
    key = "\x1f".join([signature, shown, document.info.content_hash])
    info = dataclasses.replace(document.info, content_hash=hashlib.sha256(key.encode()).hexdigest())
    return dataclasses.replace(document, info=info)


def _check_unique_id(
    document: SourceDocument, seen: dict[str, str], manifest: dict[str, ManifestEntry]
) -> None:
    doc_id, shown = document.info.doc_id, document.info.path
    other = seen.get(doc_id)
    if other is None and doc_id in manifest:
        indexed = manifest[doc_id].path
        if indexed != shown and (is_web_page(indexed) or Path(indexed).exists()):
            other = indexed
    if other is not None:
        raise LoadError(
            f"document id {doc_id!r} is already used by {other}; give this file its own id"
        )


def _is_under(shown: str, roots: list[Path]) -> bool:
    for root in roots:
        prefix = display_path(root)
        if shown == prefix or shown.startswith(prefix.rstrip("/") + "/"):
            return True
    return False


def _ticker(progress: Progress | None, total: int) -> Callable[[str], None]:
    done = 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, label)

    return tick
