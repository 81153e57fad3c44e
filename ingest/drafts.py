"""Knowledge-base documents written in Slack: a draft with complete front matter, published
later by a second practice lead; and a staff question added to a section it answers.

A draft is `KNOWLEDGE_BASE_DIR/<category>/<id>.md`, its id made from its title and never
the id or file of another document. Its review date follows the knowledge base's own
practice (`review_due`): nothing here sets a timescale of its own.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from bot.documents import DocumentInfo
from ingest.errors import LoadError
from ingest.metadata import headings, slugify, split_front_matter

# The front matter as `_document` writes it: between two lines of three dashes.
_FRONT_MATTER = re.compile(r"---\n(.*?\n)---\n", re.DOTALL)
# Ids made from a title are cut to this many characters (at a word), so file names stay short.
_MAX_ID_CHARS = 60


@dataclass(frozen=True)
class Draft:
    """What a practice lead wrote: the question it answers (the title), the answer, its
    public source, its category, who owns it and who drafted it (Slack user ids or names)."""

    title: str
    answer: str
    source: str
    category: str
    owner: str
    drafted_by: str


def review_due(
    category: str, documents: Iterable[DocumentInfo], today: date, otherwise: timedelta
) -> date:
    """When a document of `category` reviewed `today` is next due: after the review period
    (review_due - last_reviewed) its category's published documents use most, else after
    `otherwise` (REVIEW_PERIOD_DAYS)."""
    periods = Counter(
        doc.review_period
        for doc in documents
        if doc.category == category and doc.status == "published" and doc.review_period
    )
    return today + (periods.most_common(1)[0][0] if periods else otherwise)


def write_draft(
    knowledge_base: Path, draft: Draft, *, today: date, due: date, taken: Collection[str]
) -> tuple[str, Path]:
    """Write `draft` as a new file and return its id and path; never replaces a file, and
    skips ids in `taken` (those already indexed)."""
    folder = knowledge_base / draft.category
    folder.mkdir(parents=True, exist_ok=True)
    stem = _short_id(draft.title)
    for n in itertools.count(1):
        doc_id = stem if n == 1 else f"{stem}-{n}"
        path = folder / f"{doc_id}.md"
        if doc_id in taken:
            continue
        front = {
            "id": doc_id,
            "title": draft.title,
            "category": draft.category,
            "owner": draft.owner,
            "status": "draft",
            "last_reviewed": today,
            "review_due": due,
            "sources": [draft.source],
            "drafted_by": draft.drafted_by,
        }
        body = f"\n# {draft.title}\n\n{draft.answer.strip()}\n\n## Sources\n\n- {draft.source}\n"
        try:
            with path.open("x", encoding="utf-8") as out:  # "x": fails if the file exists
                out.write(_document(front, body))
        except FileExistsError:
            continue
        return doc_id, path
    raise AssertionError("unreachable")  # itertools.count never ends


def set_status(path: Path, status: str, by: str | None = None) -> None:
    """Make a draft published (noting who published it, `by`) or a draft again."""
    front, body = _read(path)
    front["status"] = status
    front.pop("published_by", None)
    if by is not None:
        front["published_by"] = by
    _replace(path, _document(front, body))


def _replace(path: Path, text: str) -> None:
    """Write `text` over the file at once, if ingest will read it."""
    split_front_matter(text)  # what ingest will read must still be valid
    partial = path.with_name(f".{path.name}.tmp")  # hidden: ingest skips it
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)  # readers see the old file or the new one, never half


def add_question(path: Path, heading: str, question: str) -> None:
    """Add `question` to the anticipated questions of the section `heading` of a Markdown
    document (front matter `questions:`); nothing changes if it is there already."""
    front, body = _read(path)
    if heading not in headings(body):
        raise LoadError(f"no heading {heading!r} in {path.name}")
    asked = front.get("questions") or {}
    if question in asked.get(heading, []):
        return
    front["questions"] = {**asked, heading: [*asked.get(heading, []), question]}
    _replace(path, _document(front, body))


def _read(path: Path) -> tuple[dict[str, object], str]:
    """The front matter's fields (all of them, not only those ingest reads) and the body."""
    text = path.read_text(encoding="utf-8")
    split_front_matter(text)  # a hand-edited file that ingest would refuse stops here
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise LoadError("the draft has no front matter")
    return yaml.safe_load(match.group(1)), text[match.end() :]


def _document(front: dict[str, object], body: str) -> str:
    dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{dumped}---\n{body}"


def _short_id(title: str) -> str:
    slug = slugify(title)
    if len(slug) <= _MAX_ID_CHARS:
        return slug
    return slug[:_MAX_ID_CHARS].rsplit("-", 1)[0] or slug[:_MAX_ID_CHARS]
