"""`bcft ingest --sources`: the web pages sources.yaml lists, kept in the index incrementally.

For each source: its start page; then, when `depth` is 1 or more, the pages its site's
sitemap lists under the start page's folder; then links under that folder, breadth first, up
to `depth` links away; at most `max_pages` pages. Pages indexed before are checked again even
when nothing links to them any more: that is how a deleted page is noticed.

What happens to a page:
- fetched conditionally (If-None-Match / If-Modified-Since) when the index holds the version
  its validators describe; 304 Not Modified: unchanged, nothing embedded;
- 200: its main text is hashed; the same as indexed: unchanged, nothing embedded; otherwise it
  is chunked and written through the file pipeline's write path (only new chunks embedded);
- 404 or 410: the first time, kept and reported as gone; the next run that sees it gone again
  removes it (a page missing for a moment during a site update is not lost);
- robots.txt disallows it: not fetched, and removed if indexed (it can no longer be checked);
- any other problem (timeout, redirect loop, not HTML, too big, bad bytes, a server error):
  reported with its reason; the page keeps what it had in the index.
Web documents whose source is no longer listed are removed. Documents from files are never
touched, as file ingest never touches web documents.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.documents import IngestReport
from bot.index import KnowledgeIndex, ManifestEntry
from ingest.chunking import chunk_document
from ingest.errors import LoadError
from ingest.fetching import GONE, PageFetcher, Response
from ingest.pipeline import (
    PendingDocument,
    Progress,
    is_web_page,
    pipeline_signature,
    write_documents,
)
from ingest.web_pages import (
    content_hash,
    decode_page,
    in_scope,
    normalise_url,
    page_document,
    page_id,
    parse_page,
    sitemap_locations,
    text_hash,
)
from ingest.web_sources import WebSource
from ingest.web_state import PageState, load_state, save_state

log = logging.getLogger(__name__)

# Sitemaps read per source, sitemap indexes included: a site's index rarely lists more than a
# handful, and this bounds a run against one that lists thousands.
_MAX_SITEMAPS = 20


@dataclass
class WebIngestReport(IngestReport):
    """What a web ingest run did, page by page (`updated` holds the changed pages)."""

    fetched: list[str] = field(default_factory=list)  # answered 200 or 304
    gone: list[str] = field(default_factory=list)  # 404/410 once: removed if still gone next run
    skipped: dict[str, str] = field(default_factory=dict)  # not indexed, and not an error


def run_web_ingest(
    sources: list[WebSource], index: KnowledgeIndex, progress: Progress | None = None
) -> WebIngestReport:
    """Bring the index's web pages in line with the sources; report what happened."""
    index.check_model()
    run = _WebRun(sources, index, progress)
    with PageFetcher(index.settings) as fetcher:
        for source in sources:
            run.crawl(source, fetcher)
    return run.finish()


class _WebRun:
    """One run's view of the index and of the last run's pages, and what it has done."""

    def __init__(
        self, sources: list[WebSource], index: KnowledgeIndex, progress: Progress | None
    ) -> None:
        self.index = index
        self.listed = {source.url: source for source in sources}
        self.progress = progress
        self.signature = pipeline_signature(index)
        self.manifest = index.manifest()
        self.indexed = {e.path: e for e in self.manifest.values() if is_web_page(e.path)}
        self.last = load_state(index.settings.web_state_path)
        self.next: dict[str, PageState] = {}
        self.report = WebIngestReport()
        self.pending: list[PendingDocument] = []
        self.removals: list[ManifestEntry] = []
        self.handled: set[str] = set()
        self.owners = {
            url: owner
            for url in {*self.last, *self.indexed}
            if (owner := self._owner(url)) is not None
        }

    def crawl(self, source: WebSource, fetcher: PageFetcher) -> None:
        """The source's pages, breadth first, then its known pages nothing led to."""
        queue: deque[tuple[str, int]] = deque([(source.url, 0)])
        queued = {source.url}
        beyond: set[str] = set()

        def enqueue(urls: list[str], depth: int) -> None:
            for url in urls:
                if url in queued or not in_scope(url, source.url):
                    continue
                if len(queued) >= source.max_pages:
                    beyond.add(url)
                    continue
                queued.add(url)
                queue.append((url, depth))

        if source.depth:
            enqueue(self._sitemap_pages(source, fetcher), 1)
        while queue:
            url, depth = queue.popleft()
            links = self._visit(url, source, fetcher, waiting=len(queue))
            if depth < source.depth:
                enqueue(links, depth + 1)
        for url, owner in self.owners.items():
            if owner == source and url not in self.handled:
                self._visit(url, source, fetcher, waiting=0)
        if beyond:
            self.report.warnings.setdefault(source.url, []).append(
                f"max_pages={source.max_pages} reached; pages left out: {len(beyond)}"
            )

    def finish(self) -> WebIngestReport:
        """Remove what no source covers, write, publish, and remember the pages."""
        for url, entry in self.indexed.items():
            if url not in self.owners and url not in self.handled:
                self._remove(url, entry)
        write_documents(self.pending, self.index, rebuild=False, report=self.report, tick=_quietly)
        for entry in self.removals:
            self.index.delete_document(entry)
        if self.pending or self.removals:
            self.index.commit()
        save_state(self.index.settings.web_state_path, self.next, self.report.failed)
        return self.report

    # -- one page ------------------------------------------------------------------------

    def _visit(self, url: str, source: WebSource, fetcher: PageFetcher, waiting: int) -> list[str]:
        """Fetch a page and settle it; the in-scope links to follow from it."""
        if url in self.handled:
            return []
        self.handled.add(url)
        if self.progress is not None:
            self.progress(len(self.handled), len(self.handled) + waiting, url)
        last = self.last.get(url)
        try:
            if not fetcher.allowed(url):
                self._skip(url, "robots.txt disallows it")
                return []
            if last is not None and self._is_indexed(url, source, last.text_hash):
                response = fetcher.page(url, last.etag, last.last_modified)
            else:
                response = fetcher.page(url)
            if response.url != url:
                return self._redirected(url, source, response)
            return self._settle(url, source, response)
        except LoadError as error:
            log.info("web page failed: %s: %s", url, error)
            self.report.failed[url] = str(error)
            if last is not None:
                self.next[url] = last  # keeps its chunks, and is checked again next run
            return last.links if last else []

    def _redirected(self, url: str, source: WebSource, response: Response) -> list[str]:
        """A page that now redirects is replaced by where it leads (indexed once)."""
        if url in self.indexed:
            self._remove(url, self.indexed[url])
        if response.url in self.handled:
            return []
        self.handled.add(response.url)
        return self._settle(response.url, source, response)

    def _settle(self, url: str, source: WebSource, response: Response) -> list[str]:
        last = self.last.get(url)
        if response.status in GONE:
            self._gone(url, source, response.status, last)
            return []
        self.report.fetched.append(url)
        if response.status == 304 and last is not None:
            self.report.unchanged.append(url)
            self.next[url] = dataclasses.replace(last, gone_since=None)
            return last.links
        page = parse_page(url, decode_page(response.body, response.charset))
        hashed = text_hash(page)
        links = [link for link in page.links if in_scope(link, source.url)]
        if self._is_indexed(url, source, hashed):
            self.report.unchanged.append(url)
        else:
            self._check_id(url)
            document = page_document(url, page, source, self._content_hash(url, source, hashed))
            settings = self.index.settings
            chunks = chunk_document(document, settings.chunk_size, settings.chunk_overlap)
            old = self.indexed.get(url)
            self.pending.append(PendingDocument(document, chunks, old))
            (self.report.updated if old else self.report.added).append(url)
        self.next[url] = PageState(source.url, response.etag, response.last_modified, hashed, links)
        return links

    def _gone(self, url: str, source: WebSource, status: int, last: PageState | None) -> None:
        """404/410: a page never indexed is a broken link; an indexed one goes on the second."""
        entry = self.indexed.get(url)
        if entry is None:
            self.report.skipped[url] = f"broken link (HTTP {status})"
        elif last is not None and last.gone_since:
            self._remove(url, entry)
        else:
            now = datetime.now(UTC).isoformat(timespec="seconds")
            kept = last or PageState(source.url)
            self.next[url] = dataclasses.replace(kept, gone_since=now)
            self.report.gone.append(url)

    def _skip(self, url: str, reason: str) -> None:
        self.report.skipped[url] = reason
        if url in self.indexed:
            self._remove(url, self.indexed[url])

    def _remove(self, url: str, entry: ManifestEntry) -> None:
        self.removals.append(entry)
        self.report.removed.append(url)

    # -- helpers -------------------------------------------------------------------------

    def _content_hash(self, url: str, source: WebSource, hashed_text: str) -> str:
        return content_hash(self.signature, url, source, hashed_text)

    def _is_indexed(self, url: str, source: WebSource, hashed_text: str) -> bool:
        """Whether the index holds exactly this text of the page, with this source's metadata."""
        entry = self.indexed.get(url)
        return (
            entry is not None
            and entry.complete
            and entry.content_hash == self._content_hash(url, source, hashed_text)
        )

    def _check_id(self, url: str) -> None:
        entry = self.manifest.get(page_id(url))
        if entry is not None and entry.path != url:
            raise LoadError(f"its document id {entry.doc_id!r} is already used by {entry.path}")

    def _owner(self, url: str) -> WebSource | None:
        """The listed source a known page belongs to: the one that found it, else the first
        whose scope covers it; None when no listed source does."""
        remembered = self.last.get(url)
        if remembered is not None and remembered.source in self.listed:
            return self.listed[remembered.source]
        return next((s for s in self.listed.values() if in_scope(url, s.url)), None)

    def _sitemap_pages(self, source: WebSource, fetcher: PageFetcher) -> list[str]:
        """The pages the site's sitemaps list under the source's folder (problems: warnings)."""
        todo, read, pages = fetcher.sitemaps(source.url), set(), []
        while todo and len(read) < _MAX_SITEMAPS:
            sitemap = todo.pop(0)
            if sitemap in read:
                continue
            read.add(sitemap)
            try:
                if not fetcher.allowed(sitemap):
                    continue
                response = fetcher.sitemap(sitemap)
                if response.status in GONE:
                    continue
                found, children = sitemap_locations(response.body)
            except LoadError as error:
                self.report.warnings.setdefault(source.url, []).append(f"{sitemap}: {error}")
                continue
            pages += [url for url in map(normalise_url, found) if url and in_scope(url, source.url)]
            todo += [url for url in map(normalise_url, children) if url]
        return pages


def _quietly(label: str) -> None:
    """No progress while writing: pages were counted as they were fetched."""
