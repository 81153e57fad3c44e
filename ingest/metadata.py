"""Document metadata: YAML front matter when present, sensible derivations when not."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.documents import CATEGORIES, DocumentInfo
from ingest.errors import LoadError

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_ANY_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
# libyaml's parser when PyYAML was built with it (the wheels are): the same safe loading,
# about five times faster, which an ingest of hundreds of files notices.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Category = Literal[
    "practice-model", "policy", "procedure", "ofsted", "onboarding", "glossary", "contacts"
]


class FrontMatter(BaseModel):
    """The front-matter fields a knowledge-base document may set; all optional on load."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str | None = None
    category: Category | None = None
    owner: str | None = None
    status: Literal["published", "draft"] = "published"
    last_reviewed: date | None = None
    review_due: date | None = None
    sources: list[str] = []
    # Questions staff might ask, by the heading of the section that answers them: they are
    # matched against what people type, so a section is found in words its text never uses.
    questions: dict[str, list[str]] = {}

    @field_validator("sources", mode="before")
    @classmethod
    def _one_source_is_a_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("sources")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not re.match(r"^https?://\S+$", url):
                raise ValueError(f"not a web address: {url!r}")
        return value

    @field_validator("questions")
    @classmethod
    def _questions_have_words(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for heading, asked in value.items():
            if not all(" ".join(question.split()) for question in asked):
                raise ValueError(f"an empty question under {heading!r}")
        return {h: [" ".join(q.split()) for q in asked] for h, asked in value.items()}


def split_front_matter(text: str) -> tuple[FrontMatter, str]:
    """Separate and validate YAML front matter; a file without any gets empty metadata."""
    match = _FRONT_MATTER.match(text)
    if not match:
        if text.startswith("---\n"):
            raise LoadError("malformed front matter: the opening '---' has no closing '---'")
        return FrontMatter(), text
    try:
        data = yaml.load(match.group(1), Loader=_SAFE_LOADER) or {}
    except yaml.YAMLError as error:
        raise LoadError(f"malformed front matter: {_yaml_problem(error)}") from error
    if not isinstance(data, dict):
        raise LoadError("malformed front matter: expected 'key: value' lines")
    try:
        return FrontMatter.model_validate(data), text[match.end() :]
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise LoadError(f"invalid front matter: {problems}") from error


def document_info(
    meta: FrontMatter, body: str, path: Path, display_path: str, fallback_title: str | None = None
) -> DocumentInfo:
    """Fill what the front matter leaves out: id from the file name, title from the first
    heading, category from the folder."""
    heading = _HEADING.search(body)
    title = meta.title or (heading.group(1) if heading else None) or fallback_title
    return DocumentInfo(
        doc_id=meta.id or slugify(path.stem),
        title=(title or path.stem.replace("-", " ").replace("_", " ").strip()).strip(),
        category=meta.category or _category_from_folder(path),
        status=meta.status,
        owner=meta.owner or "",
        last_reviewed=meta.last_reviewed,
        review_due=meta.review_due,
        sources=tuple(meta.sources),
        path=display_path,
        file_type=path.suffix.lower().lstrip("."),
    )


def section_questions(meta: FrontMatter, body: str) -> dict[str, tuple[str, ...]]:
    """The front matter's questions by heading; a heading the body does not have is an error
    (a renamed section would otherwise lose its questions without a word)."""
    unknown = [heading for heading in meta.questions if heading not in headings(body)]
    if unknown:
        raise LoadError(f"questions: no heading {unknown[0]!r} in this document")
    return {heading: tuple(asked) for heading, asked in meta.questions.items()}


def headings(body: str) -> set[str]:
    """The text of every heading of a Markdown body, at any level."""
    return set(_ANY_HEADING.findall(body))


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "document"


def _category_from_folder(path: Path) -> str:
    folder = path.parent.name.lower()
    return folder if folder in CATEGORIES else "policy"


def _yaml_problem(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    mark = getattr(error, "problem_mark", None)
    # The mark counts from the first line inside the '---' fence; the file line is one more.
    return f"{problem} (line {mark.line + 2})" if mark is not None else problem
