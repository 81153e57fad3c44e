"""The plain records that flow through the pipeline: a loaded document and its chunks."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

CATEGORIES = (
    "practice-model",
    "policy",
    "procedure",
    "ofsted",
    "onboarding",
    "glossary",
    "contacts",
)
STATUSES = ("published", "draft")


@dataclass(frozen=True)
class DocumentInfo:
    """What is known about a document as a whole; every chunk carries a copy."""

    doc_id: str
    title: str
    category: str
    status: str = "published"
    owner: str = ""
    last_reviewed: date | None = None
    review_due: date | None = None
    sources: tuple[str, ...] = ()
    path: str = ""
    file_type: str = "md"
    content_hash: str = ""

    @property
    def url(self) -> str:
        """The link a citation shows: the first public source, else the file path."""
        return self.sources[0] if self.sources else self.path

    def is_stale(self, today: date) -> bool:
        return self.review_due is not None and self.review_due < today

    @property
    def review_period(self) -> timedelta | None:
        """How long a review lasts, as its front matter sets it (review_due - last_reviewed)."""
        if self.last_reviewed is None or self.review_due is None:
            return None
        return self.review_due - self.last_reviewed

    def reviewed(self, review: Review | None) -> DocumentInfo:
        """This document with a review recorded since it was written, when that is newer."""
        if review is None or not review.outranks(self.last_reviewed):
            return self
        return replace(self, last_reviewed=review.last_reviewed, review_due=review.review_due)


@dataclass(frozen=True)
class Review:
    """A review recorded after ingest: an owner pressed Still correct in Slack."""

    last_reviewed: date
    review_due: date
    reviewer: str = ""  # Slack user id

    def outranks(self, last_reviewed: date | None) -> bool:
        """Newer than the front matter's review. A re-ingest of the same front matter never
        undoes it; front matter reviewed later (or the same day) wins."""
        return last_reviewed is None or self.last_reviewed > last_reviewed


@dataclass(frozen=True)
class Flag:
    """An owner's report that a document needs changing (Needs change, in Slack)."""

    flagged_on: date
    flagged_by: str  # Slack user id
    what_is_wrong: str  # redacted
    last_reviewed: date | None  # the document's review date when it was flagged

    def is_open(self, written: DocumentInfo) -> bool:
        """Open until the document's own front matter says it was reviewed since it was
        flagged (a corrected file re-ingested); the store closes it on a later Still correct."""
        reviewed = written.last_reviewed
        return reviewed is None or (
            self.last_reviewed is not None and reviewed <= self.last_reviewed
        )


@dataclass(frozen=True)
class SourceDocument:
    """A loaded file: its metadata and its text as Markdown (headings mark sections)."""

    info: DocumentInfo
    text: str
    warnings: tuple[str, ...] = ()
    # Questions staff might ask that a section answers, by section heading (front matter).
    questions: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk:
    """A piece of a document that can stand alone: its section path travels with it."""

    chunk_id: str
    info: DocumentInfo
    section: str
    position: int
    text: str
    questions: tuple[str, ...] = ()  # anticipated questions its section answers

    @property
    def doc_id(self) -> str:
        return self.info.doc_id

    @property
    def search_text(self) -> str:
        """The text that is embedded and keyword-indexed: title and section as a header."""
        header = self.info.title if not self.section else f"{self.info.title} — {self.section}"
        return f"{header}\n\n{self.text}"

    @property
    def keyword_text(self) -> str:
        """What keyword search indexes: the search text and the questions its section answers
        (so a chat word the text never uses, "cin", "tm", still finds it)."""
        return "\n".join([self.search_text, *self.questions])


@dataclass
class IngestReport:
    """What one ingest run did, file by file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    chunks_written: int = 0
    chunks_embedded: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed
