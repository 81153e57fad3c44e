"""`bcft ingest --sources` against a real local web site whose pages change between runs,
into a real Chroma store with the real model."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.answering.engine import AnswerEngine
from bot.index import KnowledgeIndex
from bot.settings import Settings
from ingest.pipeline import run_ingest
from ingest.web_ingest import run_web_ingest
from ingest.web_sources import SourceListError, WebSource, load_web_sources
from ingest.web_state import load_failures
from tests.support.documents import write_markdown
from tests.support.processes import bcft, env_for

Route = Callable[[BaseHTTPRequestHandler], None]
# Every page here is a few hundred bytes; the oversized one is over this many MB.
MAX_PAGE_MB = 0.01
# Local pages answer in milliseconds; the slow one waits until the test ends.
TIMEOUT_SECONDS = 3.0


class FixtureSite:
    """A web site on 127.0.0.1 serving the files of a folder (with an ETag from their bytes,
    answering 304 to a matching If-None-Match), plus routes that misbehave. Every request is
    recorded with its headers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.routes: dict[str, Route] = {}
        self.release = threading.Event()  # lets the slow page finish when the test ends
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, dict(self.headers)))
                route = site.routes.get(self.path)
                if route is not None:
                    route(self)
                else:
                    site.serve_file(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def write(self, path: str, text: str) -> str:
        """Put a page (or robots.txt, a sitemap) on the site; its address."""
        file = self.root / path.lstrip("/")
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
        return self.url + path

    def delete(self, path: str) -> None:
        (self.root / path.lstrip("/")).unlink()

    def paths_requested(self) -> list[str]:
        return [path for path, _ in self.requests]

    def serve_file(self, handler: BaseHTTPRequestHandler) -> None:
        file = self.root / handler.path.lstrip("/")
        if not file.is_file():
            send(handler, 404, b"not here", "text/html")
            return
        body = file.read_bytes()
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if handler.headers.get("If-None-Match") == etag:
            send(handler, 304, b"", None, {"ETag": etag})
            return
        kind = {".xml": "application/xml", ".txt": "text/plain"}.get(file.suffix, "text/html")
        send(handler, 200, body, f"{kind}; charset=utf-8", {"ETag": etag})

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str | None,
    headers: dict[str, str] | None = None,
    length: bool = True,
) -> None:
    with contextlib.suppress(OSError):  # the client gave up (the slow page)
        handler.send_response(status)
        if content_type:
            handler.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if length:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def page(title: str, *paragraphs: str, links: tuple[str, ...] = ()) -> str:
    """A page with navigation (links), a header, a sidebar and a footer around its <main>."""
    anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    text = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (
        f"<html><head><title>{title} | Children's Trust</title></head><body>"
        f"<header>Site header</header><nav><ul>{anchors}</ul></nav>"
        f'<div class="sidebar"><p>Popular pages</p></div>'
        f"<main><h1>{title}</h1>{text}</main><footer>Cookie notice</footer></body></html>"
    )


def source(url: str, depth: int = 1, **extra: object) -> WebSource:
    return WebSource(url=url, category="procedure", owner="Practice leads", depth=depth, **extra)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No pause between requests, short limits, and every question answered (tiny index)."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        knowledge_base_dir=tmp_path / "kb",
        index_refresh_seconds=0,
        web_request_delay_seconds=0,
        web_timeout_seconds=TIMEOUT_SECONDS,
        web_max_page_mb=MAX_PAGE_MB,
        min_in_scope=0,
    )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[FixtureSite]:
    served = FixtureSite(tmp_path / "site")
    yield served
    served.close()


@pytest.fixture
def duty_site(site: FixtureSite) -> FixtureSite:
    """A start page linking to two pages."""
    site.write(
        "/index.html", page("Procedures", "The contents of the manual.", links=("a.html", "b.html"))
    )
    site.write("/a.html", page("Duty team", "The duty team meets on Mondays to plan the week."))
    site.write("/b.html", page("Supervision", "Supervision notes are written on the day."))
    return site


def test_each_page_becomes_a_document_cited_by_its_address(
    index: KnowledgeIndex, duty_site: FixtureSite
) -> None:
    start = f"{duty_site.url}/index.html"
    reviewed = {"last_reviewed": date(2026, 11, 23), "review_due": date(2027, 5, 23)}

    report = run_web_ingest([source(start, **reviewed)], index)

    pages = [f"{duty_site.url}/{name}" for name in ("index.html", "a.html", "b.html")]
    assert report.ok and report.added == pages and report.fetched == pages
    assert report.chunks_embedded == report.chunks_written > 0
    by_url = {doc.path: doc for doc in index.documents()}
    duty = by_url[f"{duty_site.url}/a.html"]
    assert duty.title == "Duty team"  # the main heading, not the <title>
    assert duty.sources == (duty.path,) and duty.url == duty.path
    assert (duty.category, duty.owner, duty.status) == ("procedure", "Practice leads", "published")
    assert (duty.last_reviewed, duty.review_due) == (date(2026, 11, 23), date(2027, 5, 23))
    assert duty.doc_id.startswith("web-127-0-0-1-")
    texts = " ".join(chunk.text for chunk in index.chunks())
    assert "meets on Mondays" in texts
    assert not any(words in texts for words in ("Cookie notice", "Site header", "Popular pages"))


def test_a_second_run_asks_conditionally_and_embeds_nothing(
    index: KnowledgeIndex, duty_site: FixtureSite
) -> None:
    sources = [source(f"{duty_site.url}/index.html")]
    run_web_ingest(sources, index)
    generation, embedded = index.generation, index.embedder.texts_embedded
    duty_site.requests.clear()

    report = run_web_ingest(sources, index)

    assert len(report.unchanged) == len(report.fetched) == 3
    assert not (report.added or report.updated or report.removed or report.failed)
    assert report.chunks_embedded == 0 and index.embedder.texts_embedded == embedded
    assert index.generation == generation  # nothing written, nothing published
    pages = [(path, headers) for path, headers in duty_site.requests if path.endswith(".html")]
    assert len(pages) == 3 and all("If-None-Match" in headers for _, headers in pages)


def test_same_text_in_a_new_layout_is_not_re_embedded(
    index: KnowledgeIndex, duty_site: FixtureSite
) -> None:
    sources = [source(f"{duty_site.url}/index.html")]
    run_web_ingest(sources, index)
    markup = page("Duty team", "The duty team meets on Mondays to plan the week.")
    duty_site.write("/a.html", markup.replace("Site header", "A new banner"))

    report = run_web_ingest(sources, index)

    assert f"{duty_site.url}/a.html" in report.unchanged and report.chunks_embedded == 0


def test_a_changed_page_is_what_answers_quote_after_one_run(
    index: KnowledgeIndex, duty_site: FixtureSite
) -> None:
    sources = [source(f"{duty_site.url}/index.html")]
    run_web_ingest(sources, index)
    before = {e.path: e.chunk_ids for e in index.manifest().values()}
    duty_site.write("/a.html", page("Duty team", "The duty team meets on Thursdays to plan."))
    embedded = index.embedder.texts_embedded

    report = run_web_ingest(sources, index)

    duty = f"{duty_site.url}/a.html"
    assert report.updated == [duty] and len(report.unchanged) == 2
    after = {e.path: e.chunk_ids for e in index.manifest().values()}
    assert after[duty] != before[duty]
    assert all(after[url] == before[url] for url in after if url != duty)
    # Only the changed page's new chunk and new sentence went through the model.
    assert report.chunks_embedded == len(after[duty] - before[duty]) == 1
    assert index.embedder.texts_embedded - embedded == 2
    answer = AnswerEngine(index, index.settings).ask("When does the duty team meet?")
    assert "Thursdays" in answer.answer and answer.sources[0].url == duty
    assert not any("Mondays" in chunk.text for chunk in index.chunks())


def test_a_vanished_page_goes_only_when_a_second_run_confirms_it(
    index: KnowledgeIndex, duty_site: FixtureSite
) -> None:
    sources = [source(f"{duty_site.url}/index.html")]
    run_web_ingest(sources, index)
    duty = f"{duty_site.url}/a.html"
    duty_site.delete("/a.html")
    duty_site.write("/index.html", page("Procedures", "The contents.", links=("b.html",)))

    first = run_web_ingest(sources, index)

    assert first.gone == [duty] and not first.removed and first.ok
    assert duty in {doc.path for doc in index.documents()}  # still answerable

    second = run_web_ingest(sources, index)

    assert second.removed == [duty] and not second.gone
    assert duty not in {doc.path for doc in index.documents()}
    assert not any("Mondays" in chunk.text for chunk in index.chunks())
    assert f"/{duty.rsplit('/', 1)[1]}" in duty_site.paths_requested()  # checked, not linked


def test_a_page_back_before_the_confirming_run_is_kept(
    index: KnowledgeIndex, duty_site: FixtureSite
) -> None:
    sources = [source(f"{duty_site.url}/index.html")]
    run_web_ingest(sources, index)
    markup = (duty_site.root / "a.html").read_text()
    duty_site.delete("/a.html")
    assert run_web_ingest(sources, index).gone
    duty_site.write("/a.html", markup)
    run_web_ingest(sources, index)
    duty_site.delete("/a.html")

    report = run_web_ingest(sources, index)

    assert report.gone == [f"{duty_site.url}/a.html"] and not report.removed


def test_a_page_that_moves_is_replaced_by_where_it_leads(
    index: KnowledgeIndex, duty_site: FixtureSite
) -> None:
    sources = [source(f"{duty_site.url}/index.html")]
    run_web_ingest(sources, index)
    duty_site.write("/duty-team.html", (duty_site.root / "a.html").read_text())
    duty_site.routes["/a.html"] = lambda h: send(h, 301, b"", None, {"Location": "duty-team.html"})

    report = run_web_ingest(sources, index)

    moved = f"{duty_site.url}/duty-team.html"
    assert report.removed == [f"{duty_site.url}/a.html"] and report.added == [moved]
    assert {doc.path for doc in index.documents()} == {
        f"{duty_site.url}/index.html",
        f"{duty_site.url}/b.html",
        moved,
    }


def test_a_site_whose_robots_txt_fails_is_left_alone(
    index: KnowledgeIndex, duty_site: FixtureSite
) -> None:
    sources = [source(f"{duty_site.url}/index.html")]
    run_web_ingest(sources, index)
    before = {e.path: e.chunk_ids for e in index.manifest().values()}
    duty_site.routes["/robots.txt"] = lambda h: send(h, 503, b"busy", "text/plain")
    duty_site.requests.clear()

    report = run_web_ingest(sources, index)

    reason = "robots.txt could not be read (HTTP 503 Service Unavailable); not fetched"
    assert set(report.failed.values()) == {reason} and len(report.failed) == 3
    assert duty_site.paths_requested() == ["/robots.txt"]
    assert {e.path: e.chunk_ids for e in index.manifest().values()} == before


def test_robots_txt_is_respected_and_the_bot_names_itself(
    index: KnowledgeIndex, site: FixtureSite
) -> None:
    site.write("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    start = site.write(
        "/index.html", page("Home", "Welcome.", links=("private/notes.html", "open.html"))
    )
    site.write("/private/notes.html", page("Notes", "Internal notes."))
    site.write("/open.html", page("Open", "Open to all."))

    report = run_web_ingest([source(start)], index)

    assert report.skipped == {f"{site.url}/private/notes.html": "robots.txt disallows it"}
    assert "/private/notes.html" not in site.paths_requested()
    assert {doc.path for doc in index.documents()} == {start, f"{site.url}/open.html"}
    agents = {headers.get("User-Agent") for _, headers in site.requests}
    assert agents == {index.settings.web_user_agent}


def test_depth_limits_how_far_links_are_followed(index: KnowledgeIndex, site: FixtureSite) -> None:
    start = site.write(
        "/index.html", page("Start", "Zero.", links=("one.html", "https://example.org/"))
    )
    site.write("/one.html", page("One", "One link away.", links=("two.html",)))
    site.write("/two.html", page("Two", "Two links away.", links=("three.html",)))
    site.write("/three.html", page("Three", "Three links away."))

    shallow = run_web_ingest([source(start, depth=1)], index)
    deeper = run_web_ingest([source(start, depth=2)], index)

    assert shallow.added == [start, f"{site.url}/one.html"]
    assert deeper.added == [f"{site.url}/two.html"]
    assert "/three.html" not in site.paths_requested()
    assert all(url.startswith(site.url) for url in deeper.fetched)


def test_max_pages_bounds_a_source_and_says_so(
    index: KnowledgeIndex, duty_site: FixtureSite
) -> None:
    start = f"{duty_site.url}/index.html"

    report = run_web_ingest([source(start, max_pages=2)], index)

    assert report.added == [start, f"{duty_site.url}/a.html"]
    assert report.warnings == {start: ["max_pages=2 reached; pages left out: 1"]}
    assert "/b.html" not in duty_site.paths_requested()


def test_links_outside_the_start_page_folder_are_not_followed(
    index: KnowledgeIndex, site: FixtureSite
) -> None:
    start = site.write(
        "/manual/contents.html", page("Manual", "Contents.", links=("ch1.html", "/news.html"))
    )
    site.write("/manual/ch1.html", page("Chapter 1", "The first chapter."))
    site.write("/news.html", page("News", "Not part of the manual."))

    report = run_web_ingest([source(start)], index)

    assert report.added == [start, f"{site.url}/manual/ch1.html"]
    assert "/news.html" not in site.paths_requested()


def test_the_sitemap_robots_txt_names_finds_pages_nothing_links_to(
    index: KnowledgeIndex, site: FixtureSite
) -> None:
    site.write("/robots.txt", f"User-agent: *\nAllow: /\nSitemap: {site.url}/maps/index.xml\n")
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    site.write(
        "/maps/index.xml",
        f"<sitemapindex {ns}><sitemap><loc>{site.url}/maps/pages.xml</loc></sitemap>"
        "</sitemapindex>",
    )
    site.write(
        "/maps/pages.xml",
        f"<urlset {ns}><url><loc>{site.url}/orphan.html</loc></url>"
        f"<url><loc>https://elsewhere.example/page.html</loc></url></urlset>",
    )
    start = site.write("/index.html", page("Home", "No links here."))
    site.write("/orphan.html", page("Orphan", "Only the sitemap knows this page."))

    report = run_web_ingest([source(start)], index)

    assert report.added == [start, f"{site.url}/orphan.html"] and report.ok
    assert not report.warnings


def test_bad_pages_fail_alone_with_a_reason_each(index: KnowledgeIndex, site: FixtureSite) -> None:
    def slow(handler: BaseHTTPRequestHandler) -> None:
        site.release.wait(TIMEOUT_SECONDS * 10)
        send(handler, 200, page("Slow", "At last.").encode(), "text/html")

    def redirect_to(path: str) -> Route:
        return lambda handler: send(handler, 302, b"", None, {"Location": path})

    oversized = page("Big", "word " * 4000).encode()
    site.routes.update(
        {
            "/slow.html": slow,
            "/loop-a.html": redirect_to("/loop-b.html"),
            "/loop-b.html": redirect_to("/loop-a.html"),
            "/leaflet": lambda h: send(h, 200, b"%PDF-1.4 binary", "application/pdf"),
            # No Content-Length: the limit must stop the stream itself.
            "/big.html": lambda h: send(h, 200, oversized, "text/html", length=False),
            "/bad-bytes.html": lambda h: send(
                h, 200, b"<main><h1>Caf\xe9</h1><p>\xff\xfe</p></main>", "text/html; charset=utf-8"
            ),
            "/error.html": lambda h: send(h, 503, b"busy", "text/html"),
            "/away.html": redirect_to(f"http://localhost:{site.url.rsplit(':', 1)[1]}/x.html"),
        }
    )
    bad = (
        "slow.html",
        "loop-a.html",
        "leaflet",
        "big.html",
        "bad-bytes.html",
        "error.html",
        "away.html",
    )
    start = site.write(
        "/index.html", page("Home", "Links to everything.", links=(*bad, "good.html"))
    )
    site.write("/good.html", page("Good", "This page is fine."))

    report = run_web_ingest([source(start)], index)

    reasons = {url.removeprefix(f"{site.url}/"): reason for url, reason in report.failed.items()}
    assert set(reasons) == set(bad)
    assert reasons["slow.html"].startswith("timed out")
    assert reasons["loop-a.html"].startswith("redirect loop")
    assert reasons["leaflet"] == "not an HTML page (content type application/pdf)"
    assert reasons["big.html"] == f"the page is over WEB_MAX_PAGE_MB={MAX_PAGE_MB:g}"
    assert reasons["bad-bytes.html"].startswith("invalid bytes for its encoding utf-8")
    assert reasons["error.html"] == "HTTP 503 Service Unavailable"
    assert reasons["away.html"].startswith("redirects to another site (http://localhost:")
    assert all("\n" not in reason for reason in reasons.values())
    assert report.added == [start, f"{site.url}/good.html"] and not report.ok
    assert load_failures(index.settings.web_state_path) == report.failed  # for the digest


def test_a_page_that_fails_keeps_what_it_had(index: KnowledgeIndex, duty_site: FixtureSite) -> None:
    sources = [source(f"{duty_site.url}/index.html")]
    run_web_ingest(sources, index)
    before = {e.path: e.chunk_ids for e in index.manifest().values()}
    duty_site.routes["/a.html"] = lambda h: send(h, 500, b"oops", "text/html")

    failing = run_web_ingest(sources, index)

    duty = f"{duty_site.url}/a.html"
    assert failing.failed == {duty: "HTTP 500 Internal Server Error"} and not failing.removed
    assert {e.path: e.chunk_ids for e in index.manifest().values()} == before
    del duty_site.routes["/a.html"]
    assert duty in run_web_ingest(sources, index).unchanged


def test_file_and_web_ingest_leave_each_other_alone(
    index: KnowledgeIndex, duty_site: FixtureSite, tmp_path: Path
) -> None:
    kb = tmp_path / "kb"
    write_markdown(kb, "core-groups", {"Meetings": "The core group meets within 10 working days."})
    (kb / "sources.yaml").write_text("sources: []\n")  # the sources list is not a document
    assert run_ingest([kb], index).ok
    run_web_ingest([source(f"{duty_site.url}/index.html")], index)

    files = run_ingest([kb], index)
    web = run_web_ingest([], index)  # no source listed any more: its pages go

    assert files.ok and not files.removed
    assert len(web.removed) == 3 and web.ok
    assert [doc.doc_id for doc in index.documents()] == ["core-groups"]


def test_changing_a_source_s_metadata_rewrites_its_pages_without_embedding(
    index: KnowledgeIndex, duty_site: FixtureSite
) -> None:
    start = f"{duty_site.url}/index.html"
    run_web_ingest([source(start)], index)

    report = run_web_ingest([source(start, review_due=date(2027, 1, 31))], index)

    assert len(report.updated) == 3 and report.chunks_embedded == 0
    assert {doc.review_due for doc in index.documents()} == {date(2027, 1, 31)}


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("sources:\n  - {url: https://a.example/, category: policies, owner: L}", "category"),
        ("sources:\n  - {url: ftp://a.example/, category: policy, owner: L}", "not a web address"),
        ("sources:\n  - {url: https://a.example/, category: policy, owner: L, depth: -1}", "depth"),
        ("sources:\n  - {url: https://a.example/, category: policy}", "owner"),
        ("sources:\n  - {url: https://a.example/, category: policy, owner: L, dept: 1}", "dept"),
        ("sources:\n  - {url: https://a.example/, category: policy, owner: ' '}", "owner"),
        (
            "sources:\n  - {url: https://a.example/, category: policy, owner: L}\n"
            "  - {url: 'HTTPS://A.example:443/', category: policy, owner: L}",
            "listed twice",
        ),
        ("sources: [\n", "line"),
        ("- https://a.example/\n", "expected `sources:`"),
    ],
)
def test_the_sources_list_is_checked_with_a_one_line_reason(
    tmp_path: Path, yaml_text: str, expected: str
) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(yaml_text)

    with pytest.raises(SourceListError) as raised:
        load_web_sources(path)

    message = str(raised.value)
    assert expected in message and "\n" not in message and str(path) in message


def test_the_shipped_example_fetches_nothing_until_copied(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "knowledge_base" / "sources.example.yaml"
    assert load_web_sources(example) == []
    with pytest.raises(SourceListError, match="no web sources list"):
        load_web_sources(tmp_path / "sources.yaml")


@pytest.mark.slow
def test_bcft_ingest_sources_prints_what_it_did(tmp_path: Path, duty_site: FixtureSite) -> None:
    listed = tmp_path / "sources.yaml"
    listed.write_text(
        f"sources:\n  - url: {duty_site.url}/index.html\n    category: procedure\n"
        "    owner: Practice leads\n    depth: 1\n"
    )
    env = env_for(tmp_path / "data", SOURCES_FILE=str(listed), WEB_REQUEST_DELAY_SECONDS="0")

    first = bcft("ingest", "--sources", env=env)
    second = bcft("ingest", "--sources", env=env)
    mixed = bcft("ingest", "--sources", "knowledge_base", env=env)
    listed.write_text("sources:\n  - {url: https://a.example/, category: nonsense, owner: L}\n")
    broken = bcft("ingest", "--sources", env=env)

    assert first.returncode == 0, first.stderr
    assert "newly embedded: 0" not in first.stdout
    assert second.returncode == 0 and "newly embedded: 0; unchanged pages: 3" in second.stdout
    assert mixed.returncode == 2 and "--sources indexes the web sources alone" in mixed.stderr
    assert broken.returncode == 1
    assert broken.stderr.strip().startswith("Cannot use the web sources list:")
    assert "category" in broken.stderr
