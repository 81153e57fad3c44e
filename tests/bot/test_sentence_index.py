"""Sentence vectors made once per generation, at ingest: only new sentences are embedded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bot.documents import Chunk, DocumentInfo
from bot.embedding import Embedder
from bot.sentence_index import SentenceIndex
from bot.sentences import SENTENCES_VERSION


def chunk(
    chunk_id: str, text: str, category: str = "procedure", questions: tuple[str, ...] = ()
) -> Chunk:
    info = DocumentInfo(doc_id=chunk_id.split("#")[0], title="T", category=category)
    return Chunk(chunk_id, info, "Section", 0, text, questions)


class Counting:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.texts: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        return self.embedder.embed(texts)


def test_sentences_are_stored_in_reading_order_with_unit_vectors(embedder: Embedder) -> None:
    embed = Counting(embedder)
    index = SentenceIndex.build(
        "g1",
        [chunk("a#1", "The first core group meets within 10 working days. It plans the work.")],
        embed,
        embedder.dimension,
    )
    rows = index.rows_of("a#1")
    assert [index.texts[r] for r in rows] == [
        "The first core group meets within 10 working days.",
        "It plans the work.",
    ]
    assert list(index.quotable[rows]) == [True, True]
    assert np.allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-4)
    (hit,), _ = index.search(embedder.embed(["when does the core group first meet"])[0], 1)
    assert index.texts[hit.row].startswith("The first core group")


def test_a_new_generation_embeds_only_sentences_it_has_not_seen(
    embedder: Embedder, tmp_path: Path
) -> None:
    first = SentenceIndex.build(
        "g1", [chunk("a#1", "One sentence here. Another sentence there.")],
        Counting(embedder), embedder.dimension,
    )  # fmt: skip
    first.save(tmp_path / "sentences")
    embed = Counting(embedder)
    chunks = [
        chunk("a#1", "One sentence here. A changed sentence now."),
        chunk("b#1", "Another sentence there."),
    ]
    known = SentenceIndex.load(tmp_path / "sentences")
    assert known is not None
    second = SentenceIndex.build(
        "g2", chunks, embed, embedder.dimension, known=known.vector_by_text()
    )
    assert embed.texts == ["A changed sentence now."]
    assert len(second.texts) == 3


def test_a_saved_index_belongs_to_its_generation(embedder: Embedder, tmp_path: Path) -> None:
    index = SentenceIndex.build(
        "g1", [chunk("a#1", "Only one sentence in it.")], embedder.embed, embedder.dimension
    )
    index.save(tmp_path / "s")
    assert SentenceIndex.load(tmp_path / "s", "g1").texts == ["Only one sentence in it."]
    assert SentenceIndex.load(tmp_path / "s", "g2") is None
    assert SentenceIndex.load(tmp_path / "nowhere") is None


def test_sentences_that_only_point_to_another_page_are_left_out(embedder: Embedder) -> None:
    """Navigation ("More is in [x](x.md)") is not a fact an answer can quote; a fact that
    carries a link is kept, in plain text."""
    text = (
        "The core group meets within 10 working days ([details](core-groups.md)). "
        "More is in [child protection plans](plans.md). "
        "The plan is reviewed at conferences, which are described in [reviews](reviews.md). "
        "See [the glossary](../glossary/glossary.md). "
        "For court work, see [the Public Law Outline](plo.md).\n\n"
        "- [Supervision](../procedure/supervision.md)\n\n"
        "The plan is a contract with the family; see [the plan](plan.md)."
    )
    index = SentenceIndex.build("g1", [chunk("a#1", text)], embedder.embed, embedder.dimension)
    assert index.texts == [
        "The core group meets within 10 working days (details).",
        "The plan is a contract with the family; see the plan.",
    ]


def test_an_index_split_another_way_is_rebuilt_with_its_vectors_reused(
    embedder: Embedder, tmp_path: Path
) -> None:
    index = SentenceIndex.build(
        "g1", [chunk("a#1", "Only one sentence in it.")], embedder.embed, embedder.dimension
    )
    index.save(tmp_path / "s")
    saved = tmp_path / "s" / "rows.json"
    rows = json.loads(saved.read_text(encoding="utf-8"))
    saved.write_text(json.dumps(rows | {"sentences_version": SENTENCES_VERSION - 1}), "utf-8")
    assert SentenceIndex.load(tmp_path / "s", "g1") is None  # not served: split another way
    reused = SentenceIndex.load(tmp_path / "s")  # but its vectors are still the sentences'
    assert reused is not None and reused.texts == ["Only one sentence in it."]


def test_anticipated_questions_find_their_chunk_but_are_never_quoted(
    embedder: Embedder, tmp_path: Path
) -> None:
    chunks = [
        chunk("a#1", "Core groups meet every six weeks.", questions=("how often is cg",)),
        chunk(
            "b#1",
            "Supervision with your team manager is held every month.",
            questions=("how often do i see my manager",),
        ),
    ]
    built = SentenceIndex.build("g1", chunks, embedder.embed, embedder.dimension)
    built.save(tmp_path / "s")
    index = SentenceIndex.load(tmp_path / "s", "g1")
    assert index is not None
    assert [index.texts[r] for r in index.rows_of("a#1")] == ["Core groups meet every six weeks."]
    vector = embedder.embed(["how often will i see my manager"])[0]
    sentences, (hit, *_) = index.search(vector, 4, questions=2)
    assert [index.texts[h.row] for h in sentences] == [
        "Supervision with your team manager is held every month.",
        "Core groups meet every six weeks.",
    ]
    assert (index.texts[hit.row], index.chunk_ids[hit.row]) == (
        "how often do i see my manager",
        "b#1",
    )
