"""Incremental ingest into a real Chroma store with the real embedding model."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.embedding import Embedder
from bot.index import IndexMismatchError, KnowledgeIndex, open_index
from ingest.pipeline import run_ingest
from tests.support.documents import write_markdown


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    write_markdown(
        folder,
        "core-groups",
        {
            "First meeting": "The first core group meets within 10 working days of the conference.",
            "Members": "The core group is family members and the professionals doing the plan.",
        },
    )
    write_markdown(
        folder,
        "lado",
        {"Referral": "Refer an allegation against a staff member to the LADO within 1 day."},
    )
    write_markdown(
        folder,
        "draft-visits",
        {"Visits": "Draft text about visiting frequency."},
        status="draft",
        category="policy",
    )
    return folder


def chunk_ids_by_doc(index: KnowledgeIndex) -> dict[str, set[str]]:
    return {doc_id: set(entry.chunk_ids) for doc_id, entry in index.manifest().items()}


def test_first_run_adds_every_document(index: KnowledgeIndex, kb: Path) -> None:
    report = run_ingest([kb], index)
    assert sorted(Path(p).stem for p in report.added) == ["core-groups", "draft-visits", "lado"]
    assert report.ok and report.chunks_embedded == report.chunks_written == index.count() == 4
    assert all(entry.complete for entry in index.manifest().values())


def test_unchanged_tree_embeds_nothing(index: KnowledgeIndex, kb: Path) -> None:
    run_ingest([kb], index)
    generation = index.generation
    embedded_before = index.embedder.texts_embedded

    report = run_ingest([kb], index)

    assert len(report.unchanged) == 3 and not (report.added or report.updated or report.removed)
    assert index.embedder.texts_embedded == embedded_before
    assert index.generation == generation


def test_changed_file_replaces_exactly_its_own_chunks(index: KnowledgeIndex, kb: Path) -> None:
    run_ingest([kb], index)
    before = chunk_ids_by_doc(index)
    write_markdown(
        kb,
        "core-groups",
        {
            "First meeting": "The first core group meets within 10 working days of the conference.",
            "Members": "The core group brings together the family and the professionals.",
        },
    )
    embedded_before = index.embedder.texts_embedded

    report = run_ingest([kb], index)

    after = chunk_ids_by_doc(index)
    assert [Path(p).stem for p in report.updated] == ["core-groups"]
    assert report.chunks_embedded == 1  # only the edited section
    # … and its one new sentence, for the sentence index; the unchanged one is reused.
    assert index.embedder.texts_embedded - embedded_before == 2
    assert after["lado"] == before["lado"] and after["draft-visits"] == before["draft-visits"]
    assert len(after["core-groups"] & before["core-groups"]) == 1
    assert len(after["core-groups"]) == 2
    texts = [c.text for c in index.chunks(include_drafts=True) if c.doc_id == "core-groups"]
    assert not any("family members and the professionals doing" in t for t in texts)


def test_removed_file_has_its_chunks_deleted(index: KnowledgeIndex, kb: Path) -> None:
    run_ingest([kb], index)
    (kb / "procedure" / "lado.md").unlink()

    report = run_ingest([kb], index)

    assert [Path(p).stem for p in report.removed] == ["lado"]
    assert "lado" not in index.manifest()
    assert not index.keyword_search("LADO allegation", k=5, include_drafts=True)


def test_files_outside_the_synced_folder_are_kept(
    index: KnowledgeIndex, kb: Path, tmp_path: Path
) -> None:
    extra = write_markdown(tmp_path / "extra", "extra-note", {"Note": "An extra note about PLO."})
    run_ingest([kb], index)
    run_ingest([extra], index)
    report = run_ingest([kb], index)
    assert not report.removed
    assert "extra-note" in index.manifest()


def test_bad_files_fail_alone_and_change_nothing(index: KnowledgeIndex, kb: Path) -> None:
    run_ingest([kb], index)
    before = chunk_ids_by_doc(index)
    lado = kb / "procedure" / "lado.md"
    lado.write_text("---\nid: lado\ntitle: [broken\n---\n# LADO\nText.\n")
    (kb / "procedure" / "broken.pdf").write_bytes(b"%PDF-1.4 damaged")
    write_markdown(kb, "new-doc", {"New": "A new document about strategy discussions."})

    report = run_ingest([kb], index)

    assert set(report.failed) == {str(lado), str(kb / "procedure" / "broken.pdf")}
    assert "malformed front matter" in report.failed[str(lado)]
    assert [Path(p).stem for p in report.added] == ["new-doc"]
    after = chunk_ids_by_doc(index)
    assert after["lado"] == before["lado"]  # a file that fails to load keeps its old chunks
    assert not report.removed


def test_duplicate_ids_fail_the_second_file(index: KnowledgeIndex, kb: Path) -> None:
    write_markdown(kb, "lado", {"Other": "Another file claiming the same id."}, category="policy")
    report = run_ingest([kb], index)
    assert any("already used by" in reason for reason in report.failed.values())
    assert len([c for c in index.chunks() if c.doc_id == "lado"]) == 1


def test_drafts_are_indexed_but_not_returned_by_default(index: KnowledgeIndex, kb: Path) -> None:
    run_ingest([kb], index)
    vector = index.embedder.embed(["visiting frequency"])[0]
    assert all(h.chunk.info.status == "published" for h in index.dense_search(vector, k=5))
    assert "draft-visits" in {
        h.chunk.doc_id for h in index.dense_search(vector, 5, include_drafts=True)
    }
    assert not index.keyword_search("visiting frequency draft", k=5)
    assert index.keyword_search("visiting frequency draft", k=5, include_drafts=True)


def test_category_filter_limits_both_retrievers(index: KnowledgeIndex, kb: Path) -> None:
    run_ingest([kb], index)
    vector = index.embedder.embed(["core group"])[0]
    hits = index.dense_search(vector, k=5, category="policy", include_drafts=True)
    assert {h.chunk.info.category for h in hits} == {"policy"}
    assert not index.keyword_search("core group", k=5, category="policy")


def test_rebuild_re_embeds_everything(index: KnowledgeIndex, kb: Path) -> None:
    run_ingest([kb], index)
    ids = chunk_ids_by_doc(index)
    report = run_ingest([kb], index, rebuild=True)
    assert report.chunks_embedded == 4 and len(report.updated) == 3
    assert chunk_ids_by_doc(index) == ids


def test_a_different_model_needs_a_rebuild(settings, embedder, kb: Path) -> None:
    with open_index(settings, embedder) as index:
        run_ingest([kb], index)
    other = Embedder("/models/some-other-model")
    with open_index(settings, other) as index, pytest.raises(IndexMismatchError, match="--rebuild"):
        run_ingest([kb], index)


def test_the_lexicon_folder_holds_word_lists_not_documents(tmp_path: Path) -> None:
    from bot.documents import IngestReport
    from bot.lexicons import check_lexicon_folders
    from ingest.pipeline import discover

    kb = tmp_path / "kb"
    write_markdown(kb, "lado", {"Referral": "Refer to the LADO within 1 working day."})
    (kb / "lexicon").mkdir()
    (kb / "lexicon" / "terms.yaml").write_text("synonyms:\n  - [alone]\n", encoding="utf-8")
    files, missing = discover([kb])
    assert [f.name for f in files] == ["lado.md"] and missing == []

    report = IngestReport()
    check_lexicon_folders([kb], report)
    ((path, reason),) = report.failed.items()
    assert path.endswith("terms.yaml") and "two or more names" in reason


def test_sentences_are_embedded_with_their_chunks(index: KnowledgeIndex, kb: Path) -> None:
    """One pass through the model at ingest; the snapshot then needs no model call."""
    calls: list[list[str]] = []
    embed = index.embedder.embed
    index.embedder.embed = lambda texts: calls.append(texts) or embed(texts)  # type: ignore[method-assign]
    try:
        run_ingest([kb], index)
        snapshot = index.snapshot()
    finally:
        del index.embedder.embed
    assert len(calls) == 1
    published = [c for c in index.chunks() if c.info.status == "published"]
    assert set(snapshot.sentences.texts) <= set(calls[0])
    assert {c.search_text for c in published} <= set(calls[0])


def test_rebuild_re_embeds_the_sentences_too(index: KnowledgeIndex, kb: Path) -> None:
    """Sentence vectors of the model an index was built with are never reused."""
    run_ingest([kb], index)
    before = index.embedder.texts_embedded
    report = run_ingest([kb], index, rebuild=True)
    sentences = len(set(index.snapshot().sentences.texts))
    assert index.embedder.texts_embedded - before == report.chunks_embedded + sentences
