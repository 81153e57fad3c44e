"""Builders for test documents in every supported format."""

from __future__ import annotations

import io
from pathlib import Path


def write_markdown(
    folder: Path,
    doc_id: str,
    sections: dict[str, str],
    *,
    title: str | None = None,
    category: str = "procedure",
    status: str = "published",
    review_due: str = "2099-01-01",
    sources: tuple[str, ...] = ("https://example.org/source",),
) -> Path:
    """A knowledge-base Markdown file with front matter and one `##` section per entry."""
    title = title or doc_id.replace("-", " ").capitalize()
    lines = [
        "---",
        f"id: {doc_id}",
        f'title: "{title}"',
        f"category: {category}",
        "owner: Test owner",
        f"status: {status}",
        "last_reviewed: 2026-01-01",
        f"review_due: {review_due}",
        "sources:",
        *(f"  - {url}" for url in sources),
        "---",
        "",
        f"# {title}",
        "",
    ]
    for heading, body in sections.items():
        lines += [f"## {heading}", "", body, ""]
    path = folder / category / f"{doc_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def pdf_bytes(lines: list[str]) -> bytes:
    """A minimal, valid one-page PDF whose text layer holds `lines`."""
    text = " ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj 0 -16 Td" for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td {text} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def encrypted_pdf_bytes() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_bytes(["Secret text."]))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(title: str, sections: dict[str, list[str]]) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=0)
    for heading, paragraphs in sections.items():
        document.add_heading(heading, level=1)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
