"""The snapshot of each index generation: saved with it, and swapped under readers safely."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import numpy as np

from bot.answering.engine import AnswerEngine
from bot.chunk_table import ChunkTable
from bot.index import KnowledgeIndex
from bot.keyword_index import KeywordIndex
from bot.text import TERMS_VERSION
from ingest.pipeline import run_ingest
from tests.support.documents import write_markdown

TOPICS = {
    "strategy-discussions": "A strategy discussion decides whether to start enquiries",
    "core-groups": "The core group meets to put the child protection plan into action",
    "lado": "The designated officer manages allegations against people who work with children",
    "visits": "Statutory visits see the child alone and record their wishes",
}


def write_edition(folder: Path, edition: int) -> None:
    """Every sentence of every document names its edition."""
    for doc_id, topic in TOPICS.items():
        text = " ".join(f"{topic} in edition {edition}, part {n}." for n in range(1, 4))
        write_markdown(folder, doc_id, {"Overview": text, "Detail": text.replace("part", "step")})


def test_the_chunk_table_is_saved_and_read_back(index: KnowledgeIndex, tmp_path: Path) -> None:
    write_edition(tmp_path / "kb", 1)
    run_ingest([tmp_path / "kb"], index)
    table = index.snapshot().chunks
    assert set(table.chunks) == {c.chunk_id for c in index.chunks(include_drafts=True)}

    table.save(tmp_path / "table")
    loaded = ChunkTable.load(tmp_path / "table", table.generation)
    assert loaded is not None and loaded.chunks == table.chunks
    assert np.array_equal(loaded.vectors, table.vectors)
    assert ChunkTable.load(tmp_path / "table", "another generation") is None
    (tmp_path / "table" / "chunks.json").write_text("{not json", encoding="utf-8")
    assert ChunkTable.load(tmp_path / "table", table.generation) is None


def test_chunk_vectors_in_the_snapshot_give_the_stored_cosines(
    index: KnowledgeIndex, tmp_path: Path
) -> None:
    write_edition(tmp_path / "kb", 1)
    run_ingest([tmp_path / "kb"], index)
    vector = index.embedder.embed(["who manages allegations against staff?"])[0]
    hits = index.dense_search(vector, k=8, include_drafts=True)
    table = index.snapshot().chunks
    cosines = table.similarities([h.chunk.chunk_id for h in hits], vector)
    assert len(cosines) == len(hits) == len(table.chunks)
    for hit in hits:
        assert abs(cosines[hit.chunk.chunk_id] - hit.score) < 2e-3
    assert table.similarities(["no-such-chunk"], vector) == {}


def test_answers_during_reindexing_each_come_from_one_whole_generation(
    index: KnowledgeIndex, tmp_path: Path
) -> None:
    """20 threads answer while the knowledge base is re-indexed under them, edition by edition.

    No answer fails, and every passage an answer was chosen from belongs to the same edition.
    """
    kb = tmp_path / "kb"
    write_edition(kb, 1)
    run_ingest([kb], index)
    engine = AnswerEngine(index, index.settings)
    questions = [f"what does the {topic.split()[1]} do?" for topic in TOPICS.values()]
    engine.ask(questions[0])  # warm: the readers answer edition 1 before it is replaced
    errors: list[BaseException] = []
    editions_seen: list[set[str]] = []
    stop = threading.Event()

    def answer_until_stopped(offset: int) -> None:
        n = offset
        while not stop.is_set():
            try:
                answer = engine.ask(questions[n % len(questions)])
            except BaseException as error:  # any failure fails the test
                errors.append(error)
                return
            editions_seen.append(
                {e for chunk in answer.retrieved for e in re.findall(r"edition (\d+)", chunk.text)}
            )
            n += 1

    threads = [threading.Thread(target=answer_until_stopped, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    try:
        for edition in (2, 3, 4):
            write_edition(kb, edition)
            report = run_ingest([kb], index)
            assert report.ok and len(report.updated) == len(TOPICS)
        deadline = time.monotonic() + 60
        while not any("4" in e for e in editions_seen) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    assert not errors, errors[:3]
    assert all(len(editions) == 1 for editions in editions_seen), [
        e for e in editions_seen if len(e) != 1
    ][:3]
    assert {"1", "4"} <= set().union(*editions_seen)  # the swap happened under the readers


def test_a_possessive_matches_its_word_and_an_index_of_other_terms_is_rebuilt(
    tmp_path: Path,
) -> None:
    rows = [
        ("c1", "BCFT's chief executive leads the Trust.", "policy", True),
        ("c2", "The core group meets within ten working days.", "procedure", True),
    ]
    keyword = KeywordIndex.build("g1", rows)
    assert [chunk_id for chunk_id, _ in keyword.search("who runs bcft?", 2)] == ["c1"]

    keyword.save(tmp_path / "keyword")
    assert KeywordIndex.load(tmp_path / "keyword", "g1") is not None
    saved = tmp_path / "keyword" / "rows.json"
    made_before = json.loads(saved.read_text(encoding="utf-8")) | {
        "terms_version": TERMS_VERSION - 1
    }
    saved.write_text(json.dumps(made_before), encoding="utf-8")
    assert KeywordIndex.load(tmp_path / "keyword", "g1") is None  # rebuilt from the store


def test_a_search_by_meaning_finds_the_nearest_chunks_exactly(
    index: KnowledgeIndex, tmp_path: Path
) -> None:
    write_edition(tmp_path / "kb", 1)
    write_markdown(tmp_path / "kb", "contacts", {"Emergencies": "Call 999."}, category="contacts")
    run_ingest([tmp_path / "kb"], index)
    table = index.snapshot().chunks
    for question in ("who manages allegations?", "what does a core group do?", "999"):
        vector = index.embedder.embed([question])[0]
        by_cosine = sorted(
            table.similarities(list(table.chunks), vector).items(), key=lambda x: -x[1]
        )
        hits = index.dense_search(vector, k=3)
        assert [h.chunk.chunk_id for h in hits] == [i for i, _ in by_cosine[:3]]
    contacts = index.dense_search(vector, k=3, category="contacts")
    assert [h.chunk.doc_id for h in contacts] == ["contacts"]
