"""A damaged fitted model (calibrator, scope model, learned urgency layer) is one clear line
naming the file and the command that remakes it, and the emergency route still comes first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.answering.confidence import Calibrator
from bot.answering.scope import ScopeModel
from bot.cli import app
from bot.fitted_file import FittedModelError
from bot.index import open_index
from bot.safety.learned_urgency import LearnedUrgency
from bot.settings import Settings
from ingest.pipeline import run_ingest

KB = Path(__file__).resolve().parents[1] / "support" / "kb"
LOADERS: list[tuple[Callable[[Path], object], str]] = [
    (Calibrator.load, "bcft eval calibrate"),
    (ScopeModel.load, "bcft eval calibrate"),
    (LearnedUrgency.load, "bcft eval fit-urgency"),
]
DAMAGED = ['{"weights": [1, 2', "[]", '{"weights": "abc", "bias": 0}', ""]


@pytest.mark.parametrize(("load", "refit"), LOADERS)
@pytest.mark.parametrize("content", DAMAGED)
def test_a_damaged_file_is_one_line_naming_it_and_how_to_refit(
    tmp_path: Path, load: Callable[[Path], object], refit: str, content: str
) -> None:
    damaged = tmp_path / "model.json"
    damaged.write_text(content)
    with pytest.raises(FittedModelError) as raised:
        load(damaged)
    message = str(raised.value)
    assert len(message.splitlines()) == 1
    assert str(damaged) in message and f"`{refit}`" in message


def test_the_shipped_files_load() -> None:
    assert Calibrator.load().features
    assert ScopeModel.load().weights
    assert LearnedUrgency.load() is not None


def test_bcft_ask_with_a_damaged_model_says_so_after_the_emergency_route(
    tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    with open_index(settings, embedder) as index:
        assert run_ingest([KB], index).ok
    damaged = tmp_path / "scope_model.json"
    damaged.write_text("not json")
    monkeypatch.setattr("bot.answering.scope.SCOPE_FILE", damaged)
    env = {"DATA_DIR": str(settings.data_dir), "MODELS_DIR": str(embedder.onnx_dir)}

    urgent = "dad has taken the kids and won't give them back"
    result = CliRunner().invoke(app, ["ask", urgent], env=env)

    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("Call 999 now")
    assert len(lines) == 2 and lines[1].startswith("Cannot use a fitted model:")
    assert str(damaged) in " ".join(lines)
