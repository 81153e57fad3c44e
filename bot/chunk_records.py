"""How a chunk is stored in Chroma: its text as the document, everything else as metadata."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.documents import Chunk, DocumentInfo


def chunk_metadata(chunk: Chunk, chunk_count: int) -> dict[str, Any]:
    """Chroma metadata for a chunk: its document's fields, its place, and the run's marks."""
    info = chunk.info
    return {
        "doc_id": info.doc_id,
        "title": info.title,
        "category": info.category,
        "status": info.status,
        "owner": info.owner,
        "last_reviewed": info.last_reviewed.isoformat() if info.last_reviewed else "",
        "review_due": info.review_due.isoformat() if info.review_due else "",
        "sources": "\n".join(info.sources),
        "path": info.path,
        "file_type": info.file_type,
        "content_hash": info.content_hash,
        "chunk_count": chunk_count,
        "section": chunk.section,
        "position": chunk.position,
        "questions": "\n".join(chunk.questions),
    }


def chunk_from_record(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    """The chunk a Chroma record describes."""
    info = DocumentInfo(
        doc_id=meta["doc_id"],
        title=meta["title"],
        category=meta["category"],
        status=meta["status"],
        owner=meta.get("owner", ""),
        last_reviewed=_date(meta.get("last_reviewed")),
        review_due=_date(meta.get("review_due")),
        sources=tuple(s for s in meta.get("sources", "").split("\n") if s),
        path=meta.get("path", ""),
        file_type=meta.get("file_type", ""),
        content_hash=meta["content_hash"],
    )
    return Chunk(
        chunk_id,
        info,
        meta.get("section", ""),
        int(meta.get("position", 0)),
        text or "",
        tuple(q for q in meta.get("questions", "").split("\n") if q),
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
