"""What web ingest remembers between runs, in a small JSON file under DATA_DIR.

Per page: the source it belongs to, the validators its server sent (ETag, Last-Modified) for
conditional requests, the hash of its text, its links (a page answered with 304 Not Modified
sends no body to read them from) and when a 404/410 was first seen. And the pages the last
run could not fetch, with why (the weekly digest lists them). The index stays the truth
about what is indexed: losing this file costs full downloads and one more run before a
vanished page is removed, never a wrong answer.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_VERSION = 1


@dataclass
class PageState:
    """One page as the last run left it."""

    source: str
    etag: str | None = None
    last_modified: str | None = None
    text_hash: str = ""
    links: list[str] = field(default_factory=list)
    gone_since: str | None = None  # when a 404/410 was first seen; removal waits for another


def load_state(path: Path) -> dict[str, PageState]:
    """Pages by address; an unreadable file is logged and treated as empty."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != _VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {_VERSION}")
        return {url: PageState(**page) for url, page in data["pages"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        log.warning("ignoring the unreadable web page state %s (%s)", path, error)
        return {}


def load_failures(path: Path) -> dict[str, str]:
    """The pages the last run could not fetch, with the reason; none if never run."""
    try:
        failed = json.loads(path.read_text(encoding="utf-8")).get("failed", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {str(url): str(reason) for url, reason in failed.items()}


def save_state(path: Path, pages: dict[str, PageState], failed: dict[str, str]) -> None:
    """Write the file whole, then rename it over the old one: never half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    data = {
        "version": _VERSION,
        "pages": {url: asdict(page) for url, page in sorted(pages.items())},
        "failed": dict(sorted(failed.items())),
    }
    partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(partial, path)
