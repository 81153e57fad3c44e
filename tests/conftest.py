"""Shared fixtures: the real bundled model (loaded once), a real Chroma store per test, a real
PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answering.engine import AnswerEngine
from bot.embedding import Embedder
from bot.index import KnowledgeIndex, open_index
from bot.settings import Settings
from eval.local_servers import LocalPostgres, PostgresUnavailable, start_postgres
from ingest.pipeline import run_ingest

SUPPORT_KB = Path(__file__).resolve().parent / "support" / "kb"


@pytest.fixture(scope="session", autouse=True)
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One ONNX export of the model for the whole session (and its `bcft` subprocesses)."""
    folder = tmp_path_factory.mktemp("models")
    os.environ["MODELS_DIR"] = str(folder)
    yield folder
    os.environ.pop("MODELS_DIR", None)


@pytest.fixture(scope="session")
def embedder(models_dir: Path) -> Embedder:
    """The bundled all-MiniLM-L6-v2 on ONNX Runtime (the default), shared by every test."""
    return Embedder(onnx_dir=models_dir)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for an isolated data folder; no `.env` is read."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        knowledge_base_dir=tmp_path / "kb",
        index_refresh_seconds=0,
    )


@pytest.fixture
def index(settings: Settings, embedder: Embedder) -> Iterator[KnowledgeIndex]:
    with open_index(settings, embedder) as opened:
        yield opened


@pytest.fixture(scope="module")
def support_engine(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[AnswerEngine]:
    """An engine over the small test knowledge base (tests/support/kb), one per test module."""
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("data"))
    with open_index(settings, embedder) as index:
        assert run_ingest([SUPPORT_KB], index).ok
        yield AnswerEngine(index, settings)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    """One throwaway PostgreSQL server for the session (Debian's `postgresql` package)."""
    try:
        server = start_postgres()
    except PostgresUnavailable as missing:
        pytest.skip(f"{missing}; .ci/run installs it")
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: LocalPostgres) -> str:
    """A new, empty database on the session's server."""
    import psycopg

    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return postgres_server.url.rsplit("/", 1)[0] + f"/{name}"
