"""What a web page is to the knowledge base: its address, its links and its document.

Pure functions over addresses, HTML and sitemap XML; fetching is `ingest.fetching`'s.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup

from bot.documents import DocumentInfo, SourceDocument
from ingest.errors import LoadError
from ingest.loaders import html_main_text
from ingest.metadata import slugify

if TYPE_CHECKING:
    from ingest.web_sources import WebSource

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Links to these are files, not pages: they are not followed (web ingest indexes HTML only).
_FILE_SUFFIXES = (
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".rtf", ".csv",
    ".zip", ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".mp3", ".mp4", ".ics",
)  # fmt: skip
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
# How much of a page's start a `<meta charset>` must be in (the HTML standard's 1,024 bytes).
_CHARSET_SNIFF_BYTES = 1024
# The part of an id made from the address; the hash after it keeps ids unique.
_ID_WORDS = 48


def normalise_url(url: str) -> str | None:
    """One spelling per page: lower-case scheme and host, no default port, no fragment, a
    path of at least `/`. None for anything but an http(s) address with a host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def same_site(url: str, other: str) -> bool:
    """The same host and port (http and https of one host are one site)."""
    return urlsplit(url).netloc == urlsplit(other).netloc


def in_scope(url: str, start: str) -> bool:
    """Whether a link is one a source follows: on its site and under its start page's folder
    (`https://site/a/b/` covers `/a/b/…`; `https://site/a/page.html` covers `/a/…`)."""
    folder = urlsplit(start).path.rsplit("/", 1)[0] + "/"
    return same_site(url, start) and urlsplit(url).path.startswith(folder)


def site_root(url: str) -> str:
    """The site's own address (scheme and host), where robots.txt and sitemap.xml live."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def page_id(url: str) -> str:
    """A stable document id for a page: readable words from its address and a hash of it."""
    parts = urlsplit(url)
    words = slugify(f"{parts.netloc} {parts.path} {parts.query}")[:_ID_WORDS].strip("-")
    return f"web-{words}-{hashlib.sha256(url.encode()).hexdigest()[:10]}"


def decode_page(body: bytes, charset: str | None) -> str:
    """The page's text in the encoding it declares (its Content-Type header, else a `<meta
    charset>`, else UTF-8); bytes that are invalid in that encoding fail the page."""
    declared = charset
    if declared is None:
        found = _META_CHARSET.search(body[:_CHARSET_SNIFF_BYTES])
        declared = found.group(1).decode("ascii") if found else None
    encoding = declared or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise LoadError(f"the page declares an unknown encoding {encoding!r}") from None
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as error:
        raise LoadError(
            f"invalid bytes for its encoding {encoding} (byte {error.start}); not indexed"
        ) from None


@dataclass(frozen=True)
class ParsedPage:
    """A page's title, main text (Markdown) and the same-site-or-not links it holds."""

    title: str
    text: str
    links: tuple[str, ...]


def parse_page(url: str, html: str) -> ParsedPage:
    """Links first (navigation included), then the main text by the loaders' rule; the title
    is the main text's first heading, else the `<title>`, else the address."""
    soup = BeautifulSoup(html, "html.parser")
    base_tag = soup.find("base", href=True)
    base = urljoin(url, str(base_tag["href"])) if base_tag else url
    links: dict[str, None] = {}
    for anchor in soup.find_all("a", href=True):
        link = normalise_url(urljoin(base, str(anchor["href"])))
        if link and not urlsplit(link).path.lower().endswith(_FILE_SUFFIXES):
            links[link] = None
    text, html_title = html_main_text(soup)
    heading = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
    return ParsedPage(title=heading or html_title or url, text=text, links=tuple(links))


def text_hash(page: ParsedPage) -> str:
    """What identifies a page's content between runs: its title and main text."""
    return hashlib.sha256(f"{page.title}\n{page.text}".encode()).hexdigest()


def content_hash(signature: str, url: str, source: WebSource, page_text_hash: str) -> str:
    """The document's hash in the index: its text, the pipeline settings and its metadata
    from sources.yaml, so a change to any of them rewrites the page."""
    key = "\x1f".join([signature, url, source.metadata_key, page_text_hash])
    return hashlib.sha256(key.encode()).hexdigest()


def page_document(url: str, page: ParsedPage, source: WebSource, hashed: str) -> SourceDocument:
    """The page as a knowledge-base document: cited by its address, described by its source."""
    if not page.text.strip():
        raise LoadError("no text to index (the page's main content has no readable words)")
    info = DocumentInfo(
        doc_id=page_id(url),
        title=page.title,
        category=source.category,
        status="published",
        owner=source.owner,
        last_reviewed=source.last_reviewed,
        review_due=source.review_due,
        sources=(url,),
        path=url,
        file_type="html",
        content_hash=hashed,
    )
    return SourceDocument(info=info, text=page.text)


def sitemap_locations(data: bytes) -> tuple[list[str], list[str]]:
    """The pages a sitemap lists, and the sitemaps a sitemap index lists (either is empty)."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise LoadError(f"the sitemap is not valid XML ({error})") from None
    locations = [
        element.text.strip()
        for element in root.iter()
        if element.tag.rsplit("}", 1)[-1] == "loc" and element.text and element.text.strip()
    ]
    if root.tag.rsplit("}", 1)[-1] == "sitemapindex":
        return [], locations
    return locations, []
