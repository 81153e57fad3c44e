"""Heading-aware chunking: split by Markdown headings, then to a bounded size."""

from __future__ import annotations

import hashlib
from collections import Counter

from bot.documents import Chunk, DocumentInfo, SourceDocument

_LEVELS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
# Sections that list references rather than state facts; the sources live in front matter.
REFERENCE_SECTIONS = frozenset({"sources", "references", "related", "see also", "further reading"})


def chunk_document(document: SourceDocument, size: int, overlap: int) -> list[Chunk]:
    """Cut a document into chunks that keep their section path, with stable ids."""
    # Imported here: an unchanged re-run chunks nothing and should not pay for LangChain.
    from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

    headers = MarkdownHeaderTextSplitter(_LEVELS, strip_headers=True)
    pieces = RecursiveCharacterTextSplitter(
        chunk_size=size, chunk_overlap=overlap, separators=["\n\n", "\n", ". ", "; ", " ", ""]
    )
    chunks: list[Chunk] = []
    seen: Counter[tuple[str, str]] = Counter()
    for section in headers.split_text(document.text):
        path = _section_path(section.metadata, document.info)
        if path and path[-1].lower() in REFERENCE_SECTIONS:
            continue
        body = section.page_content.replace("  \n", "\n\n")
        section_name = " > ".join(path)
        questions = document.questions.get(path[-1], ()) if path else ()
        for text in pieces.split_text(body):
            text = text.strip()
            if not text:
                continue
            occurrence = seen[(section_name, text)]
            seen[(section_name, text)] += 1
            chunk_id = _chunk_id(document.info.doc_id, section_name, occurrence, text)
            chunks.append(
                Chunk(chunk_id, document.info, section_name, len(chunks), text, questions)
            )
    return chunks


def _section_path(metadata: dict[str, str], info: DocumentInfo) -> list[str]:
    path = [metadata[key] for _, key in _LEVELS if key in metadata]
    if path and metadata.get("h1") == info.title:
        path = path[1:]
    return path


def _chunk_id(doc_id: str, section: str, occurrence: int, text: str) -> str:
    """Same text in the same place of the same document: same id."""
    key = "\x1f".join([doc_id, section, str(occurrence), text])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
