"""Numbered citations: each quoted sentence is followed by `[n]`, and `n` is listed as a source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from bot.answers import Answer, Source, UsedChunk
from bot.documents import Chunk, Review


def cite(sentences: list[tuple[str, Chunk]], sources: list[Source], today: date) -> str:
    """Join sentences, each followed by the number of its source (added to `sources`)."""
    return " ".join(
        with_marker(text, source_number(chunk, sources, today)) for text, chunk in sentences
    )


def cite_in_answer(answer: Answer, text: str, chunk: Chunk, today: date) -> str:
    """Cite one sentence, listing its chunk among those the answer drew on."""
    if all(used.chunk_id != chunk.chunk_id for used in answer.retrieved):
        answer.retrieved.append(used_chunk(chunk, 0.0, None, None))
    return cite([(text, chunk)], answer.sources, today)


def source_number(chunk: Chunk, sources: list[Source], today: date) -> int:
    """The number of the source for this chunk's document and section, added if new."""
    info = chunk.info
    for source in sources:
        if (source.doc_id, source.section) == (info.doc_id, chunk.section):
            return source.n
    sources.append(
        Source(
            n=len(sources) + 1,
            doc_id=info.doc_id,
            title=info.title,
            section=chunk.section,
            url=info.url,
            last_reviewed=info.last_reviewed.isoformat() if info.last_reviewed else None,
            review_due=info.review_due.isoformat() if info.review_due else None,
            stale=info.is_stale(today),
        )
    )
    return len(sources)


def with_marker(sentence: str, n: int) -> str:
    if sentence[-1:] in ".!?":
        return f"{sentence[:-1]} [{n}]{sentence[-1]}"
    return f"{sentence} [{n}]."


def with_reviews(sources: list[Source], reviews: Mapping[str, Review], today: date) -> list[Source]:
    """The sources with the reviews recorded since their front matter (Still correct in
    Slack): a newer review brings new dates, and the source is stale only by those."""
    return [_reviewed(source, reviews.get(source.doc_id), today) for source in sources]


def _reviewed(source: Source, review: Review | None, today: date) -> Source:
    written = date.fromisoformat(source.last_reviewed) if source.last_reviewed else None
    if review is None or not review.outranks(written):
        return source
    return replace(
        source,
        last_reviewed=review.last_reviewed.isoformat(),
        review_due=review.review_due.isoformat(),
        stale=review.review_due < today,
    )


def stale_notices(sources: list[Source]) -> list[str]:
    """One notice per cited document that is past its review date."""
    seen: set[str] = set()
    notices = []
    for source in sources:
        if source.stale and source.doc_id not in seen:
            seen.add(source.doc_id)
            notices.append(
                f"Source [{source.n}] “{source.title}” was due for review on {source.review_due};"
                " check that it is still current before relying on it."
            )
    return notices


def used_chunk(chunk: Chunk, score: float, dense: float | None, keyword: float | None) -> UsedChunk:
    return UsedChunk(
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        title=chunk.info.title,
        section=chunk.section,
        text=chunk.text,
        score=round(score, 5),
        dense_score=None if dense is None else round(dense, 4),
        keyword_score=None if keyword is None else round(keyword, 4),
    )
