"""The knowledge-base summary practice leads read: sizes, categories and overdue reviews."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from bot.documents import DocumentInfo
from bot.index import KnowledgeIndex
from bot.text import split_sentences


@dataclass(frozen=True)
class KnowledgeBaseReport:
    location: str
    documents: int
    drafts: int
    chunks: int
    statements: int
    updated_at: str | None
    by_category: dict[str, list[DocumentInfo]]
    statements_by_category: Counter[str]
    overdue: list[DocumentInfo]


def knowledge_base_report(index: KnowledgeIndex, today: date) -> KnowledgeBaseReport:
    """Summarise the index; a statement is a distinct sentence of indexed text."""
    status = index.status()
    by_category: dict[str, list[DocumentInfo]] = defaultdict(list)
    for doc in status.documents:
        by_category[doc.category].append(doc)
    sentences: dict[str, set[str]] = defaultdict(set)
    for chunk in index.chunks(include_drafts=True):
        sentences[chunk.info.category].update(
            s for s in split_sentences(chunk.text) if len(s.split()) >= 5
        )
    statements = Counter({category: len(found) for category, found in sentences.items()})
    return KnowledgeBaseReport(
        location=status.location,
        documents=len(status.documents),
        drafts=sum(doc.status == "draft" for doc in status.documents),
        chunks=status.chunks,
        statements=sum(statements.values()),
        updated_at=status.updated_at,
        by_category=dict(by_category),
        statements_by_category=statements,
        overdue=sorted(
            (doc for doc in status.documents if doc.is_stale(today)),
            key=lambda d: d.review_due or today,
        ),
    )
