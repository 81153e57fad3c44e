"""Numbered citations: each quoted sentence is followed by `[n]`, and `n` is listed as a source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from bot.answers import Source, UsedChunk
from bot.documents import Chunk, Review


@dataclass
class Citations:
    """What an answer under construction cites, numbered in the order first cited, and the
    passages it drew on: the `sources` and `retrieved` of the finished `Answer`."""

    today: date
    sources: list[Source] = field(default_factory=list)
    retrieved: list[UsedChunk] = field(default_factory=list)

    def cite(self, sentences: list[tuple[str, Chunk]]) -> str:
        """Join sentences, each followed by the number of its source."""
        return " ".join(with_marker(text, self.number(chunk)) for text, chunk in sentences)

    def cite_signpost(self, text: str, chunk: Chunk) -> str:
        """Cite a signpost (an emergency route, who to ask), listing the passage it is from."""
        self.draw_on([used_chunk(chunk, 0.0, None, None)])
        return self.cite([(text, chunk)])

    def draw_on(self, passages: list[UsedChunk]) -> None:
        """List passages the answer was chosen from (each once, in order)."""
        known = {used.chunk_id for used in self.retrieved}
        for used in passages:
            if used.chunk_id not in known:
                known.add(used.chunk_id)
                self.retrieved.append(used)

    def number(self, chunk: Chunk) -> int:
        """The number of the source for this chunk's document and section, added if new."""
        info = chunk.info
        for source in self.sources:
            if (source.doc_id, source.section) == (info.doc_id, chunk.section):
                return source.n
        self.sources.append(
            Source(
                n=len(self.sources) + 1,
                doc_id=info.doc_id,
                title=info.title,
                section=chunk.section,
                url=info.url,
                last_reviewed=info.last_reviewed.isoformat() if info.last_reviewed else None,
                review_due=info.review_due.isoformat() if info.review_due else None,
                stale=info.is_stale(self.today),
            )
        )
        return len(self.sources)

    def keep_first(self, count: int) -> None:
        """Forget the sources after the first `count` (an LLM reply cites afresh)."""
        del self.sources[count:]


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
