"""Polite HTTP for web ingest: robots.txt, a pause between requests to a site, conditional
requests and per-page limits.

Every request names the bot (WEB_USER_AGENT) and waits WEB_REQUEST_DELAY_SECONDS after the
last request to the same site ended (robots.txt's Crawl-delay when longer, up to a minute).
Redirects are followed by hand, at most WEB_MAX_REDIRECTS, so that each hop is checked: it
must stay on the site, robots.txt must allow it, and it must not come back to an address
already visited. Each request has WEB_TIMEOUT_SECONDS in all and WEB_MAX_PAGE_MB of body
(counted after decompression). A problem is a LoadError with a one-line reason: it fails that
page alone.

httpx rather than urllib: timeouts on connecting and on every read, a streamed body that can
be cut off at the size limit, one connection kept open per site, and no redirect handler to
subclass. It is already installed (chromadb uses it). robots.txt is read with the standard
library's `urllib.robotparser`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urljoin
from urllib.robotparser import RobotFileParser

import httpx

from bot.settings import Settings
from ingest.errors import LoadError
from ingest.web_pages import normalise_url, same_site, site_root

HTML_TYPES = ("text/html", "application/xhtml+xml")
GONE = (404, 410)
_REDIRECTS = (301, 302, 303, 307, 308)
# A Crawl-delay longer than this is taken as this: one request a minute is polite to any site,
# and a larger value (some robots.txt files say 3600) would stall a run for hours.
_MAX_CRAWL_DELAY = 60.0


@dataclass(frozen=True)
class Response:
    """What a request came to, after redirects. Only a 200 has a body."""

    url: str
    status: int
    body: bytes = b""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # a redirect's target, before it is followed


@dataclass(frozen=True)
class _Robots:
    """A site's robots.txt, or why it could not be read (then nothing is fetched there)."""

    parser: RobotFileParser
    crawl_delay: float = 0.0
    problem: str | None = None


class PageFetcher:
    """One HTTP client for a web ingest run, with each site's robots.txt read once."""

    def __init__(self, settings: Settings) -> None:
        self._agent = settings.web_user_agent
        self._delay = settings.web_request_delay_seconds
        self._timeout = settings.web_timeout_seconds
        self._max_mb = settings.web_max_page_mb
        self._max_redirects = settings.web_max_redirects
        self._client = httpx.Client(headers={"User-Agent": self._agent})
        self._robots: dict[str, _Robots] = {}
        self._last_request: dict[str, float] = {}

    def __enter__(self) -> PageFetcher:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._client.close()

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets the bot fetch `url`; LoadError if it could not be read."""
        robots = self._robots_for(url)
        if robots.problem:
            raise LoadError(f"robots.txt could not be read ({robots.problem}); not fetched")
        return robots.parser.can_fetch(self._agent, url)

    def sitemaps(self, url: str) -> list[str]:
        """The site's sitemaps: those robots.txt names, else `/sitemap.xml`."""
        robots = self._robots_for(url)
        listed = [] if robots.problem else robots.parser.site_maps() or []
        found = [u for u in map(normalise_url, listed) if u]
        return found or [urljoin(site_root(url), "/sitemap.xml")]

    def page(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Response:
        """GET an HTML page, conditionally when validators are given: 200, 304, 404 or 410.

        The validators go to `url` only, not to where it redirects: a 304 always means that
        this address is unchanged.
        """
        headers = {"If-None-Match": etag} if etag else {}
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = self._follow(url, headers, HTML_TYPES)
        if response.status not in (200, 304, *GONE):
            raise LoadError(_status_reason(response.status))
        return response

    def sitemap(self, url: str) -> Response:
        """GET a sitemap (any content type): 200 with its body, 404 or 410."""
        response = self._follow(url, {}, None)
        if response.status not in (200, *GONE):
            raise LoadError(_status_reason(response.status))
        return response

    # -- requests ------------------------------------------------------------------------

    def _robots_for(self, url: str) -> _Robots:
        site = site_root(url)
        if site not in self._robots:
            self._robots[site] = self._read_robots(site)
        return self._robots[site]

    def _read_robots(self, site: str) -> _Robots:
        """RFC 9309: a 4xx means no rules (allow all); a 5xx or no answer, fetch nothing."""
        parser = RobotFileParser(urljoin(site, "/robots.txt"))
        try:
            response = self._follow(parser.url, {}, None, check_robots=False)
        except LoadError as error:
            return _Robots(parser, problem=str(error))
        if 400 <= response.status < 500:
            parser.allow_all = True
        elif response.status == 200:
            parser.parse(response.body.decode("utf-8", errors="replace").splitlines())
        else:
            return _Robots(parser, problem=_status_reason(response.status))
        delay = float(parser.crawl_delay(self._agent) or 0)
        return _Robots(parser, crawl_delay=min(delay, _MAX_CRAWL_DELAY))

    def _follow(
        self,
        url: str,
        headers: dict[str, str],
        accept: tuple[str, ...] | None,
        check_robots: bool = True,
    ) -> Response:
        visited = [url]
        current = url
        for _ in range(self._max_redirects + 1):
            response = self._request(current, headers, accept)
            if response.status not in _REDIRECTS:
                return response
            target = normalise_url(urljoin(current, response.location or ""))
            if not response.location or target is None:
                raise LoadError(f"{_status_reason(response.status)} to no web address")
            if target in visited:
                raise LoadError(f"redirect loop ({' → '.join([*visited, target])})")
            if not same_site(target, url):
                raise LoadError(f"redirects to another site ({target}); list that address instead")
            if check_robots and not self.allowed(target):
                raise LoadError(f"redirects to {target}, which robots.txt disallows")
            visited.append(target)
            current, headers = target, {}
        raise LoadError(f"too many redirects (over WEB_MAX_REDIRECTS={self._max_redirects})")

    def _request(
        self, url: str, headers: dict[str, str], accept: tuple[str, ...] | None
    ) -> Response:
        """One GET, after this site's pause; the body is read only for a 200."""
        site = site_root(url)
        robots = self._robots.get(site)
        pause = max(self._delay, robots.crawl_delay if robots else 0.0)
        if site in self._last_request:
            time.sleep(max(0.0, self._last_request[site] + pause - time.monotonic()))
        deadline = time.monotonic() + self._timeout
        try:
            with self._client.stream("GET", url, headers=headers, timeout=self._timeout) as reply:
                return self._read(url, reply, accept, deadline)
        except httpx.TimeoutException:
            raise LoadError(f"timed out (over WEB_TIMEOUT_SECONDS={self._timeout:g})") from None
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            reason = " ".join(str(error).split())[:200] or type(error).__name__
            raise LoadError(f"could not be fetched ({reason})") from None
        finally:
            self._last_request[site] = time.monotonic()

    def _read(
        self, url: str, reply: httpx.Response, accept: tuple[str, ...] | None, deadline: float
    ) -> Response:
        status = reply.status_code
        if status != 200:
            return Response(url, status, location=reply.headers.get("location"))
        media = reply.headers.get("content-type", "").split(";")[0].strip().lower()
        if accept is not None and media not in accept:
            raise LoadError(f"not an HTML page (content type {media or 'not given'})")
        limit = int(self._max_mb * 1024 * 1024)
        too_big = LoadError(f"the page is over WEB_MAX_PAGE_MB={self._max_mb:g}")
        declared = reply.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_big
        body = bytearray()
        for piece in reply.iter_bytes():
            body += piece
            if len(body) > limit:
                raise too_big
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the whole page took too long", request=reply.request)
        return Response(
            url,
            status,
            bytes(body),
            charset=reply.charset_encoding,
            etag=reply.headers.get("etag"),
            last_modified=reply.headers.get("last-modified"),
        )


def _status_reason(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"
