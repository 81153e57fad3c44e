"""A real `bcft ingest` killed with SIGKILL part-way is repaired by the next run."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from bot.index import KnowledgeIndex, open_index
from bot.settings import Settings
from ingest.pipeline import run_ingest
from tests.support.documents import write_markdown
from tests.support.processes import BCFT, PROJECT, bcft, env_for

pytestmark = pytest.mark.slow

DOCUMENTS = 24
SECTIONS = 10


def write_corpus(folder: Path, edition: int) -> None:
    """Documents whose even sections change from one edition to the next."""
    for d in range(DOCUMENTS):
        sections = {
            f"Section {s}": (
                f"Document {d} section {s} edition {edition if s % 2 == 0 else 0}. "
                + f"It explains procedure number {d * 100 + s} for children's social care. " * 6
            )
            for s in range(SECTIONS)
        }
        write_markdown(folder, f"doc-{d:02d}", sections)


def snapshot(index: KnowledgeIndex) -> dict[str, tuple[str, str, str, str]]:
    return {
        c.chunk_id: (c.doc_id, c.info.content_hash, c.section, c.text)
        for c in index.chunks(include_drafts=True)
    }


def kill_after_writes(corpus: Path, env: dict[str, str], documents: int, delay: float) -> None:
    """Start an ingest and SIGKILL it once it has written `documents` documents (plus a delay)."""
    process = subprocess.Popen(
        [*BCFT, "-v", "ingest", str(corpus)],
        env=env,
        cwd=PROJECT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    written = 0
    assert process.stderr is not None
    for line in process.stderr:
        written += "wrote " in line
        if written >= documents:
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"


def test_killed_ingest_is_repaired_to_exactly_the_right_content(
    tmp_path: Path, settings: Settings, embedder
) -> None:
    corpus = tmp_path / "kb"
    # Two documents a group, so that a kill can land between two writes to the index.
    env = env_for(settings.data_dir, INGEST_GROUP_CHUNKS=str(2 * SECTIONS))

    # Killed while adding documents for the first time.
    write_corpus(corpus, edition=1)
    kill_after_writes(corpus, env, documents=3, delay=0.0)
    with open_index(settings, embedder) as index:
        manifest = index.manifest()
        assert 0 < len(manifest) < DOCUMENTS  # the kill really landed part-way

    # Killed while replacing half the chunks of every document.
    assert bcft("ingest", str(corpus), env=env).returncode == 0
    write_corpus(corpus, edition=2)
    kill_after_writes(corpus, env, documents=5, delay=0.05)

    result = bcft("ingest", str(corpus), env=env)
    assert result.returncode == 0, result.stderr

    reference = Settings(_env_file=None, data_dir=tmp_path / "reference")
    with open_index(reference, embedder) as clean:
        run_ingest([corpus], clean)
        expected = snapshot(clean)
        expected_hits = [h.chunk.chunk_id for h in clean.keyword_search("procedure 1203", k=5)]
    with open_index(settings, embedder) as index:
        assert snapshot(index) == expected
        assert index.count() == len(expected) == DOCUMENTS * SECTIONS
        assert all(entry.complete for entry in index.manifest().values())
        assert [
            h.chunk.chunk_id for h in index.keyword_search("procedure 1203", k=5)
        ] == expected_hits
