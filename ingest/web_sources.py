"""The web sources list (`SOURCES_FILE`): which sites or pages to index, and as what.

```yaml
sources:
  - url: https://…/contents.html   # the start page
    category: procedure            # one of the knowledge base's categories
    owner: Practice leads          # who keeps it current (review reminders go to them)
    depth: 1                       # links to follow from it: 0 = this page only
    max_pages: 100                 # optional: at most this many pages from this source
    last_reviewed: 2026-11-23      # optional, both: shown with citations, never invented
    review_due: 2027-05-23
```
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ingest.metadata import Category
from ingest.web_pages import normalise_url

# Pages from one source unless it says otherwise: a section of a procedures manual, not a
# whole site. The ceiling keeps a typo (`max_pages: 100000`) from crawling a site for days.
DEFAULT_MAX_PAGES = 100
MAX_PAGES_CEILING = 5000


class SourceListError(Exception):
    """The sources list cannot be used; the message says why, in one line."""


class WebSource(BaseModel):
    """One site or page to index, with the metadata every page of it gets."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    category: Category
    owner: str = Field(min_length=1)
    depth: int = Field(0, ge=0)
    max_pages: int = Field(DEFAULT_MAX_PAGES, ge=1, le=MAX_PAGES_CEILING)
    last_reviewed: date | None = None
    review_due: date | None = None

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        url = normalise_url(value)
        if url is None:
            raise ValueError(f"not a web address (http:// or https://): {value!r}")
        return url

    @field_validator("owner")
    @classmethod
    def _owner_named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name who keeps this source current")
        return value.strip()

    @property
    def metadata_key(self) -> str:
        """What this source gives each page's metadata: a change to it rewrites the pages."""
        return f"{self.category}|{self.owner}|{self.last_reviewed}|{self.review_due}"


class _SourceList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[WebSource] = []


def load_web_sources(path: Path) -> list[WebSource]:
    """Read and check the list; raise SourceListError with a one-line reason."""
    if not path.is_file():
        raise SourceListError(
            f"no web sources list at {path}: copy sources.example.yaml there (or set "
            "SOURCES_FILE) and list the sites to index"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SourceListError(f"{path}: cannot be read ({error})") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise SourceListError(f"{path}: {problem}{where}") from error
    if data is None:
        return []
    if not isinstance(data, dict):
        raise SourceListError(f"{path}: expected `sources:` followed by a list of sources")
    try:
        sources = _SourceList.model_validate(data).sources
    except ValidationError as error:
        raise SourceListError(f"{path}: {_problems(error, data)}") from error
    seen: set[str] = set()
    for source in sources:
        if source.url in seen:
            raise SourceListError(f"{path}: {source.url} is listed twice")
        seen.add(source.url)
    return sources


def _problems(error: ValidationError, data: dict) -> str:
    """Each problem as `source 2 (https://…) depth: …`, joined on one line."""
    listed = data.get("sources") if isinstance(data.get("sources"), list) else []
    problems = []
    for problem in error.errors():
        location = list(problem["loc"])
        where = ""
        if location[:1] == ["sources"] and len(location) > 1 and isinstance(location[1], int):
            number = location[1]
            entry = listed[number] if number < len(listed) else None
            url = entry.get("url") if isinstance(entry, dict) else None
            where = f"source {number + 1}" + (f" ({url})" if url else "")
            location = location[2:]
        label = " ".join(filter(None, (where, ".".join(str(part) for part in location))))
        message = problem["msg"].removeprefix("Value error, ")
        problems.append(f"{label}: {message}" if label else message)
    return "; ".join(problems)
