"""The knowledge-base summary practice leads read: sizes, categories, reviews and flags."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bot.documents import DocumentInfo, Flag, Review
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
    overdue: list[DocumentInfo]  # by their review dates in force (front matter or Slack)
    reviewed_in_slack: list[tuple[DocumentInfo, Review]]  # reviews in force over front matter
    flagged: list[tuple[DocumentInfo, Flag]]  # open Needs change flags
    no_owner_in_slack: dict[str, list[DocumentInfo]]  # by owner name ("" for none)


def knowledge_base_report(
    index: KnowledgeIndex,
    today: date,
    *,
    reviews: Mapping[str, Review] | None = None,
    flags: Mapping[str, Flag] | None = None,
    owners: Mapping[str, str] | None = None,
) -> KnowledgeBaseReport:
    """Summarise the index; a statement is a distinct sentence of indexed text.

    `reviews` and `flags` are those recorded in Slack (the store's); `owners` maps owner
    names to Slack ids (DOCUMENT_OWNERS), and documents whose owner it lacks are listed.
    """
    reviews, flags = reviews or {}, flags or {}
    status = index.status()
    written = {doc.doc_id: doc for doc in status.documents}
    documents = [doc.reviewed(reviews.get(doc.doc_id)) for doc in status.documents]
    by_category: dict[str, list[DocumentInfo]] = defaultdict(list)
    for doc in documents:
        by_category[doc.category].append(doc)
    sentences: dict[str, set[str]] = defaultdict(set)
    for chunk in index.chunks(include_drafts=True):
        sentences[chunk.info.category].update(
            s for s in split_sentences(chunk.text) if len(s.split()) >= 5
        )
    statements = Counter({category: len(found) for category, found in sentences.items()})
    unmapped: dict[str, list[DocumentInfo]] = defaultdict(list)
    for doc in documents:
        if owners is not None and doc.owner not in owners:
            unmapped[doc.owner].append(doc)
    return KnowledgeBaseReport(
        location=status.location,
        documents=len(documents),
        drafts=sum(doc.status == "draft" for doc in documents),
        chunks=status.chunks,
        statements=sum(statements.values()),
        updated_at=status.updated_at,
        by_category=dict(by_category),
        statements_by_category=statements,
        overdue=sorted(
            (doc for doc in documents if doc.is_stale(today)),
            key=lambda d: d.review_due or today,
        ),
        reviewed_in_slack=[
            (doc, review)
            for doc in documents
            if (review := reviews.get(doc.doc_id))
            and review.outranks(written[doc.doc_id].last_reviewed)
        ],
        flagged=[
            (doc, flags[doc.doc_id])
            for doc in documents
            if doc.doc_id in flags and flags[doc.doc_id].is_open(written[doc.doc_id])
        ],
        no_owner_in_slack=dict(unmapped),
    )
