"""How `bcft` commands start: `--help` loads no heavy library, and a command that needs the
index says in one line that there is none, before doing anything else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.index import open_index
from bot.settings import Settings
from tests.support.processes import PROJECT, bcft, env_for

pytestmark = pytest.mark.slow

# What the model, the vector store, LangChain and the calibrator's fitting bring in: seconds of
# imports that `--help` must never wait for.
HEAVY = (
    "torch",
    "transformers",
    "sentence_transformers",
    "onnxruntime",
    "chromadb",
    "langchain",
    "langchain_core",
    "langchain_text_splitters",
    "sklearn",
    "scipy",
    "numpy",
)

LOADED_MODULES = """
import json, sys
from bot.cli import app
try:
    app(sys.argv[1:], prog_name="bcft")
except SystemExit:
    pass
sys.stderr.write(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize(
    "args",
    [["--help"], ["ask", "--help"], ["kb", "--help"], ["eval", "--help"], ["bench", "--help"]],
)
def test_help_loads_no_heavy_library(tmp_path: Path, args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", LOADED_MODULES, *args],
        env=env_for(tmp_path / "data"),
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert "Usage" in result.stdout
    loaded = {name.split(".")[0] for name in json.loads(result.stderr)}
    assert sorted(loaded.intersection(HEAVY)) == []


NEEDS_INDEX = [
    ["ask", "what is a strategy discussion"],
    ["chat"],
    ["kb", "status"],
    ["eval", "run", "--set", "shipped"],
    ["eval", "calibrate"],
    ["bench", "query", "--sizes", "1000"],
    ["bench", "startup", "--runs", "1"],
]


def assert_one_line_no_index(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("No index at ")
    assert result.stderr.rstrip().endswith("run `bcft ingest` first.")
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("args", NEEDS_INDEX, ids=" ".join)
def test_a_command_needing_the_index_says_there_is_none_in_one_line(
    tmp_path: Path, args: list[str]
) -> None:
    data = tmp_path / "empty"

    result = bcft(*args, env=env_for(data), timeout=120)

    assert_one_line_no_index(result)
    assert result.stdout == ""  # nothing started before the check (no scratch indexes)
    assert not data.exists()  # and nothing was created


def test_an_index_without_documents_is_no_index(settings: Settings, embedder) -> None:
    with open_index(settings, embedder):
        pass  # an empty store, as a new Chroma server or an ingest of an empty folder leaves
    env = env_for(settings.data_dir)

    for args in (["eval", "run", "--set", "shipped"], ["bench", "query", "--sizes", "1000"]):
        assert_one_line_no_index(bcft(*args, env=env, timeout=120))


def test_an_urgent_question_gets_the_emergency_route_before_the_missing_index(
    tmp_path: Path,
) -> None:
    result = bcft("ask", "dad has taken the kids and won't give them back", env=env_for(tmp_path))

    assert_one_line_no_index(result)
    assert "Call 999 now" in result.stdout


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("DATABASE_URL", "mysql://bcft:s3cret-pw@db/bcft"),
        ("RETENTION_DAYS", "-1"),
        ("LOG_FORMAT", "xml"),
    ],
)
def test_a_wrong_setting_is_one_line_naming_it_and_never_its_value(
    tmp_path: Path, setting: str, value: str
) -> None:
    result = bcft("feedback", "report", env=env_for(tmp_path / "data", **{setting: value}))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Setting {setting}:") and value not in line
