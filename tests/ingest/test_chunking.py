"""Chunks keep their section path, stand alone, stay within size and have stable ids."""

from __future__ import annotations

from pathlib import Path

from ingest.chunking import chunk_document
from ingest.loaders import load_document
from tests.support.documents import write_markdown


def chunks_of(path: Path, size: int = 400, overlap: int = 50):
    return chunk_document(load_document(path, path.name, 5), size, overlap)


def test_chunks_carry_title_and_section_path(tmp_path: Path) -> None:
    path = write_markdown(
        tmp_path,
        "core-groups",
        {"The first meeting": "The first core group meets within 10 working days."},
        title="Core groups",
    )
    (chunk,) = chunks_of(path)
    assert chunk.section == "The first meeting"
    assert chunk.search_text.startswith("Core groups — The first meeting\n\n")
    assert chunk.text == "The first core group meets within 10 working days."


def test_nested_headings_form_a_path(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text("# Guide\n\n## Visits\n\n### Unannounced\n\nSome visits are unannounced.\n")
    (chunk,) = chunks_of(path)
    assert chunk.section == "Visits > Unannounced"


def test_chunks_carry_the_questions_their_section_answers(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(
        "---\nquestions:\n  Unannounced: [do we ever just turn up]\n---\n# Guide\n\n"
        "Visits matter.\n\n## Visits\n\nVisits are planned.\n\n### Unannounced\n\n"
        "Some visits are unannounced.\n"
    )
    assert [(c.section, c.questions) for c in chunks_of(path)] == [
        ("", ()),
        ("Visits", ()),
        ("Visits > Unannounced", ("do we ever just turn up",)),
    ]


def test_reference_sections_are_not_indexed(tmp_path: Path) -> None:
    path = write_markdown(
        tmp_path,
        "doc",
        {"Facts": "A fact.", "Related": "- [Other](other.md)", "Sources": "- https://x.org"},
    )
    assert [c.section for c in chunks_of(path)] == ["Facts"]


def test_long_sections_are_split_within_the_size_bound(tmp_path: Path) -> None:
    body = " ".join(f"Sentence number {i} states one checkable fact." for i in range(60))
    path = write_markdown(tmp_path, "long", {"Many facts": body})
    chunks = chunks_of(path, size=400, overlap=50)
    assert len(chunks) > 3
    assert all(len(c.text) <= 400 for c in chunks)
    assert {c.section for c in chunks} == {"Many facts"}
    assert [c.position for c in chunks] == list(range(len(chunks)))


def test_ids_are_stable_and_change_only_where_text_changes(tmp_path: Path) -> None:
    sections = {"One": "First section text.", "Two": "Second section text."}
    path = write_markdown(tmp_path, "doc", sections)
    before = {c.section: c.chunk_id for c in chunks_of(path)}
    assert before == {c.section: c.chunk_id for c in chunks_of(path)}

    write_markdown(tmp_path, "doc", {**sections, "Two": "Second section, edited."})
    after = {c.section: c.chunk_id for c in chunks_of(path)}
    assert after["One"] == before["One"]
    assert after["Two"] != before["Two"]


def test_identical_text_in_one_section_gets_distinct_ids(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    paragraph = "The same paragraph, long enough to fill most of one chunk on its own. " * 2
    path.write_text("# Doc\n\n## A\n\n" + "\n\n".join([paragraph.strip()] * 2) + "\n")
    ids = [c.chunk_id for c in chunks_of(path, size=200, overlap=0)]
    assert len(ids) == len(set(ids)) == 2
