"""Turn a file (Markdown, text, HTML, PDF, Word) into a SourceDocument with Markdown text.

Every loader either returns a document or raises LoadError with a reason; nothing here
touches the index.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.documents import SourceDocument
from ingest.errors import LoadError
from ingest.metadata import FrontMatter, document_info, section_questions, split_front_matter

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

TEXT_TYPES = (".md", ".markdown", ".txt", ".html", ".htm")
SUPPORTED_TYPES = (*TEXT_TYPES, ".pdf", ".docx")


def load_document(path: Path, display_path: str, max_file_mb: float) -> SourceDocument:
    """Read one file; raise LoadError if it cannot be indexed."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_TYPES:
        raise LoadError(
            f"unsupported file type {suffix or '(none)'!r}; supported: {', '.join(SUPPORTED_TYPES)}"
        )
    size = path.stat().st_size
    if size > max_file_mb * 1024 * 1024:
        raise LoadError(f"file is {size / 1024 / 1024:.1f} MB, over MAX_FILE_MB={max_file_mb:g}")
    if size == 0:
        raise LoadError("empty file")
    data = path.read_bytes()
    warnings: list[str] = []
    if suffix in TEXT_TYPES:
        text = _decode(data, warnings)
        meta, body, title = _TEXT_CONVERTERS[suffix](text)
    else:
        meta, body, title = FrontMatter(), *_BINARY_CONVERTERS[suffix](data)
    if not body.strip():
        raise LoadError("no text to index (the file has no readable words)")
    info = document_info(meta, body, path, display_path, fallback_title=title)
    info = dataclasses.replace(info, content_hash=hashlib.sha256(data).hexdigest())
    return SourceDocument(
        info=info,
        text=body,
        warnings=tuple(warnings),
        questions=section_questions(meta, body),
    )


def _decode(data: bytes, warnings: list[str]) -> str:
    """UTF-8 when valid; otherwise Windows-1252 (then Latin-1), and say so."""
    if b"\x00" in data[:8192]:
        raise LoadError("binary content in a text file (it contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        for encoding in ("cp1252", "latin-1"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            warnings.append(
                f"not valid UTF-8 (byte {error.start}); decoded as {encoding} — check the text"
            )
            return text
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _markdown(text: str) -> tuple[FrontMatter, str, str | None]:
    meta, body = split_front_matter(text)
    return meta, body, None


def _plain_text(text: str) -> tuple[FrontMatter, str, str | None]:
    return FrontMatter(), text, None


def _html(text: str) -> tuple[FrontMatter, str, str | None]:
    from bs4 import BeautifulSoup

    body, title = html_main_text(BeautifulSoup(text, "html.parser"))
    return FrontMatter(), body, title


def html_main_text(soup: BeautifulSoup) -> tuple[str, str | None]:
    """A page's main text as Markdown, and its `<title>` (HTML files and web pages alike).

    Scripts, styles, navigation, headers, footers and forms are dropped (from `soup` itself);
    the text is the page's `<main>` (or `role="main"`, or its only `<article>`) when it has
    one, else its whole body: headings, paragraphs, list items, table cells, quotes.
    """
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "form"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    articles = soup.find_all("article")
    main = (
        soup.find("main")
        or soup.find(attrs={"role": "main"})
        or (articles[0] if len(articles) == 1 else None)
    )
    lines: list[str] = []
    for element in (main or soup.body or soup).find_all(
        ["h1", "h2", "h3", "h4", "p", "li", "pre", "blockquote", "td", "dd", "dt"]
    ):
        if element.find_parent(["li", "td", "blockquote"]) and element.name in ("p", "li"):
            continue
        words = " ".join(element.get_text(" ", strip=True).split())
        if not words:
            continue
        if element.name in ("h1", "h2", "h3", "h4"):
            lines.append(f"\n{'#' * int(element.name[1])} {words}\n")
        elif element.name == "li":
            lines.append(f"- {words}")
        else:
            lines.append(f"{words}\n")
    return "\n".join(lines), title


def _pdf(data: bytes) -> tuple[str, str | None]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("the PDF is encrypted (password protected); save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or None
    except LoadError:
        raise
    except Exception as error:  # pypdf raises many exception types on damaged files
        raise LoadError(
            f"could not read the PDF ({_reason(error)}); is the file damaged?"
        ) from error
    sections = [
        f"## Page {number}\n\n{_tidy_pdf_text(text)}"
        for number, text in enumerate(pages, start=1)
        if text.strip()
    ]
    if not sections:
        raise LoadError("the PDF has no extractable text (a scanned image?); OCR it first")
    return "\n\n".join(sections), title


def _tidy_pdf_text(text: str) -> str:
    """Re-join words hyphenated across lines and keep paragraphs apart."""
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _docx(data: bytes) -> tuple[str, str | None]:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # zipfile, lxml and python-docx raise many types on damaged files
        raise LoadError(f"not a readable Word (.docx) file ({_reason(error)})") from error
    title = document.core_properties.title or None
    lines: list[str] = []
    for paragraph in document.paragraphs:
        words = " ".join(paragraph.text.split())
        if not words:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style == "Title":
            title = title or words
            lines.append(f"# {words}\n")
        elif style.startswith("Heading") and style[-1:].isdigit():
            lines.append(f"\n{'#' * min(int(style[-1]) + 1, 4)} {words}\n")
        elif "List" in style:
            lines.append(f"- {words}")
        else:
            lines.append(f"{words}\n")
    for table in document.tables:
        for row in table.rows:
            cells = [" ".join(cell.text.split()) for cell in row.cells]
            if any(cells):
                lines.append(f"- {' | '.join(cells)}")
    return "\n".join(lines), title


def _reason(error: Exception) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__


_TEXT_CONVERTERS: dict[str, Callable[[str], tuple[FrontMatter, str, str | None]]] = {
    ".md": _markdown,
    ".markdown": _markdown,
    ".txt": _plain_text,
    ".html": _html,
    ".htm": _html,
}
_BINARY_CONVERTERS: dict[str, Callable[[bytes], tuple[str, str | None]]] = {
    ".pdf": _pdf,
    ".docx": _docx,
}
