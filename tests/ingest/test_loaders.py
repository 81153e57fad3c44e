"""Each supported format loads; each kind of bad input fails alone with a clear reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.errors import LoadError
from ingest.loaders import load_document
from tests.support.documents import docx_bytes, encrypted_pdf_bytes, pdf_bytes, write_markdown


def load(path: Path, max_file_mb: float = 5):
    return load_document(path, path.name, max_file_mb)


def test_markdown_front_matter_becomes_document_info(tmp_path: Path) -> None:
    path = write_markdown(
        tmp_path, "lado", {"Referral": "Refer within 1 working day."}, title="The LADO"
    )
    document = load(path)
    assert document.info.doc_id == "lado"
    assert document.info.title == "The LADO"
    assert document.info.category == "procedure"
    assert document.info.review_due == date(2099, 1, 1)
    assert document.info.url == "https://example.org/source"
    assert "Refer within 1 working day." in document.text
    assert "id: lado" not in document.text


def test_file_without_front_matter_gets_derived_metadata(tmp_path: Path) -> None:
    folder = tmp_path / "onboarding"
    folder.mkdir()
    path = folder / "Week_One notes.md"
    path.write_text("Intro line.\n\n# Your first week\n\nMeet your team manager.\n")
    info = load(path).info
    assert info.doc_id == "week-one-notes"
    assert info.title == "Your first week"
    assert info.category == "onboarding"
    assert info.status == "published"
    assert info.url == "Week_One notes.md"


def test_plain_text_title_falls_back_to_file_name(tmp_path: Path) -> None:
    path = tmp_path / "visiting-guide.txt"
    path.write_text("Visits happen often.\n")
    assert load(path).info.title == "visiting guide"


def test_html_keeps_headings_and_drops_scripts(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Core groups</title><script>var x=1;</script></head><body>"
        "<nav>Menu</nav><h1>Core groups</h1><h2>First meeting</h2>"
        "<p>The first core group meets within 10 working days.</p>"
        "<ul><li>Family members attend.</li></ul></body></html>"
    )
    document = load(path)
    assert document.info.title == "Core groups"
    assert "## First meeting" in document.text
    assert "- Family members attend." in document.text
    assert "var x" not in document.text and "Menu" not in document.text


def test_pdf_text_is_extracted_page_by_page(tmp_path: Path) -> None:
    path = tmp_path / "guide.pdf"
    path.write_bytes(pdf_bytes(["Supervision is regular.", "It has time for reflection."]))
    document = load(path)
    assert "## Page 1" in document.text
    assert "Supervision is regular." in document.text


def test_docx_headings_become_sections(tmp_path: Path) -> None:
    path = tmp_path / "policy.docx"
    path.write_bytes(docx_bytes("Recording policy", {"Case notes": ["Write notes the same day."]}))
    document = load(path)
    assert document.info.title == "Recording policy"
    assert "## Case notes" in document.text
    assert "Write notes the same day." in document.text


def test_invalid_utf8_is_decoded_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes(b"Caf\xe9 notes about the front door.\n")
    document = load(path)
    assert "Café notes" in document.text
    assert any("not valid UTF-8" in warning for warning in document.warnings)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "empty file"),
        ("blank.md", b"   \n\n  ", "no text"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary content"),
        ("notes.xyz", b"some text", "unsupported file type '.xyz'"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "could not read the PDF"),
        ("broken.docx", b"PK\x03\x04 not a zip really", "not a readable Word"),
        ("bad.md", b"---\nid: [unclosed\n---\n# T\nText.\n", "malformed front matter"),
        ("open.md", b"---\nid: x\n# T\nText.\n", "no closing '---'"),
        ("wrong.md", b"---\ncategory: gossip\n---\n# T\nText.\n", "category"),
        ("url.md", b"---\nsources: [not-a-url]\n---\n# T\nText.\n", "not a web address"),
        (
            "renamed.md",
            b"---\nquestions: {Visits: [how often do i visit]}\n---\n# T\n## Visiting\nText.\n",
            "questions: no heading 'Visits'",
        ),
        ("blank.md", b"---\nquestions: {T: ['  ']}\n---\n# T\nText.\n", "an empty question"),
    ],
)
def test_bad_input_is_rejected_with_a_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load(path)


def test_encrypted_pdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypted_pdf_bytes())
    with pytest.raises(LoadError, match="encrypted"):
        load(path)


def test_file_over_the_size_limit_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text("word " * 300_000)
    with pytest.raises(LoadError, match="over MAX_FILE_MB=1"):
        load(path, max_file_mb=1)
