"""Anticipated questions (front matter `questions:`) find their section in words its text
never uses, survive the store, and are never quoted."""

from __future__ import annotations

from pathlib import Path

from bot.index import KnowledgeIndex
from bot.retrieval.glossary import Glossary
from bot.retrieval.retriever import Retriever
from ingest.pipeline import run_ingest
from tests.support.documents import write_markdown

ASKED = "how often does cg meet"


def write_knowledge_base(folder: Path) -> None:
    path = write_markdown(
        folder,
        "core-groups",
        {
            "Who attends": "The family and the professionals who work with them attend.",
            "Meetings": "The plan is reviewed at least every six weeks.",
        },
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n\n", f"questions:\n  Meetings: [{ASKED}]\n---\n\n", 1))
    write_markdown(folder, "visits", {"Meetings": "Visits are arranged with the family."})


def test_a_question_in_chat_shorthand_finds_the_section_it_was_written_for(
    index: KnowledgeIndex, tmp_path: Path
) -> None:
    write_knowledge_base(tmp_path / "kb")
    run_ingest([tmp_path / "kb"], index)
    snapshot = index.snapshot()
    (meetings,) = [c for c in snapshot.chunks.chunks.values() if c.questions]
    assert (meetings.doc_id, meetings.section, meetings.questions) == (
        "core-groups",
        "Meetings",
        (ASKED,),
    )

    retriever = Retriever(index)
    for mode in ("keyword", "hybrid"):
        found = retriever.retrieve(
            "cg", 3, snapshot=snapshot, glossary=Glossary([]), mode=mode
        ).chunks
        assert found[0].chunk.chunk_id == meetings.chunk_id, mode

    sentences = snapshot.sentences
    assert ASKED in sentences.texts
    assert ASKED not in [sentences.texts[r] for r in sentences.rows_of(meetings.chunk_id)]
    assert not sentences.quotable[sentences.texts.index(ASKED)]
