"""One process per embedded store (a clear refusal otherwise); many on a Chroma server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.index import open_index
from bot.index_lock import IndexBusyError
from bot.settings import Settings
from ingest.pipeline import run_ingest
from tests.support.documents import write_markdown
from tests.support.processes import bcft, env_for, start_chroma_server, stop

pytestmark = pytest.mark.slow


def test_second_process_is_refused_while_the_embedded_store_is_open(
    tmp_path: Path, settings: Settings, embedder
) -> None:
    kb = tmp_path / "kb"
    write_markdown(kb, "lado", {"Referral": "Refer to the LADO within 1 working day."})
    with open_index(settings, embedder) as index:
        run_ingest([kb], index)
        write_markdown(kb, "new-doc", {"New": "A document added while the bot serves."})

        result = bcft("ingest", str(kb), env=env_for(settings.data_dir))

        assert result.returncode == 2
        assert "in use by" in result.stderr and "nothing was changed" in result.stderr
        assert set(index.manifest()) == {"lado"}
        assert index.keyword_search("LADO referral", k=3)
    result = bcft("ingest", str(kb), env=env_for(settings.data_dir))
    assert result.returncode == 0, result.stderr
    with open_index(settings, embedder) as index:
        assert set(index.manifest()) == {"lado", "new-doc"}  # added once the store is free


def test_same_process_cannot_open_the_embedded_store_twice(settings: Settings, embedder) -> None:
    with open_index(settings, embedder), pytest.raises(IndexBusyError, match="in use by"):
        open_index(settings, embedder).__enter__()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    process, port = start_chroma_server(tmp_path_factory.mktemp("chroma-server"))
    yield port
    stop(process)


def test_processes_share_a_chroma_server_and_see_each_others_writes(
    tmp_path: Path, embedder, chroma_server: int
) -> None:
    def server_settings(name: str) -> Settings:
        return Settings(
            _env_file=None,
            data_dir=tmp_path / name,
            chroma_host="127.0.0.1",
            chroma_port=chroma_server,
            chroma_collection="shared_test",
            index_refresh_seconds=0,
        )

    kb = tmp_path / "kb"
    write_markdown(kb, "lado", {"Referral": "Refer to the LADO within 1 working day."})
    with open_index(server_settings("reader"), embedder) as reader:
        assert not (tmp_path / "reader" / "index.lock").exists()
        assert reader.keyword_search("LADO", k=3) == []

        # A separate `bcft ingest` process writes through the same server.
        env = env_for(
            tmp_path / "writer",
            CHROMA_HOST="127.0.0.1",
            CHROMA_PORT=str(chroma_server),
            CHROMA_COLLECTION="shared_test",
        )
        result = bcft("ingest", str(kb), env=env)
        assert result.returncode == 0, result.stderr

        hits = reader.keyword_search("LADO referral", k=3)
        assert [h.chunk.doc_id for h in hits] == ["lado"]
        vector = embedder.embed(["who handles allegations against staff"])[0]
        assert reader.dense_search(vector, k=1)[0].chunk.doc_id == "lado"

        (kb / "procedure" / "lado.md").unlink()
        write_markdown(kb, "plo", {"Timescale": "Care proceedings finish within 26 weeks."})
        assert bcft("ingest", str(kb), env=env).returncode == 0
        assert [h.chunk.doc_id for h in reader.keyword_search("LADO proceedings", k=3)] == ["plo"]


def test_ask_gives_the_emergency_route_before_saying_the_index_is_busy(
    settings: Settings, embedder
) -> None:
    with open_index(settings, embedder):
        env = env_for(settings.data_dir)
        urgent = bcft("ask", "dad has taken the kids and won't give them back", env=env)
        general = bcft("ask", "what is a core group?", env=env)
    assert urgent.returncode == general.returncode == 2
    assert "Call 999 now" in urgent.stdout and "in use by" in urgent.stderr
    assert "999" not in general.stdout and "in use by" in general.stderr
