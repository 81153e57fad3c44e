"""The two embedding backends: the ONNX export gives the PyTorch model's vectors."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from bot.embedding import Embedder
from bot.settings import Settings

TEXTS = [
    "had the strat yday and s47 agreed - whens the icpc due by?",
    "A strategy discussion is held whenever there is reasonable cause to suspect harm. " * 40,
    "",
    "  lado  ",
]


def test_onnx_vectors_equal_the_pytorch_ones(embedder: Embedder) -> None:
    """Padding, truncation at 256 tokens, empty and spaced texts all match."""
    onnx = embedder.embed(TEXTS)
    torch = Embedder().embed(TEXTS)
    assert onnx.shape == torch.shape == (len(TEXTS), 384)
    assert np.abs(onnx - torch).max() < 1e-5
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)


def test_a_batch_gives_each_text_its_own_vector(embedder: Embedder) -> None:
    """Sorting by length for batching must not mix up the order of the answers."""
    together = embedder.embed(TEXTS)
    alone = np.stack([embedder.embed([text])[0] for text in TEXTS])
    assert np.abs(together - alone).max() < 1e-5


def test_the_export_is_made_once_and_reused(models_dir: Path, embedder: Embedder) -> None:
    embedder.embed(["warm"])
    exports = list(models_dir.glob("*.onnx"))
    assert len(exports) == 1
    again = Embedder(onnx_dir=models_dir)
    again.embed(["again"])
    assert list(models_dir.glob("*.onnx")) == exports
    assert not list(models_dir.glob("*.part"))


def test_once_exported_answering_needs_no_torch(models_dir: Path, embedder: Embedder) -> None:
    embedder.embed(["warm"])
    code = (
        "import sys; from pathlib import Path; from bot.embedding import Embedder; "
        f"Embedder(onnx_dir=Path({str(models_dir)!r})).embed(['hello']); "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_settings_choose_the_backend(tmp_path: Path) -> None:
    onnx = Embedder.for_settings(Settings(_env_file=None, data_dir=tmp_path, models_dir=None))
    assert onnx.onnx_dir == tmp_path / "models"
    torch = Embedder.for_settings(
        Settings(_env_file=None, data_dir=tmp_path, embedding_backend="torch")
    )
    assert torch.onnx_dir is None


def test_a_fixed_list_is_embedded_once_then_read(embedder: Embedder) -> None:
    """Example messages are not embedded again in every new process."""
    first = Embedder(onnx_dir=embedder.onnx_dir)
    examples = ["a child is at home alone tonight", "what is a core group?"]
    vectors = first.embed_fixed(examples)
    assert np.abs(vectors - first.embed(examples)).max() < 1e-6
    fresh = Embedder(onnx_dir=embedder.onnx_dir)
    assert np.array_equal(fresh.embed_fixed(examples), vectors)
    assert fresh.texts_embedded == 0
    changed = fresh.embed_fixed([*examples, "one more example"])
    assert changed.shape == (3, 384) and fresh.texts_embedded == 3


def test_a_folder_it_cannot_write_costs_time_not_the_vectors(
    tmp_path: Path, embedder: Embedder
) -> None:
    """Example vectors that cannot be kept are embedded again next time; nothing fails."""
    examples = ["a child is alone at home tonight"]
    expected = embedder.embed(examples)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    unwritable = Embedder(onnx_dir=embedder.onnx_dir)
    unwritable.embed(["load the export"])
    unwritable.onnx_dir = blocker / "models"  # cannot be created: a file is in the way
    assert np.abs(unwritable.embed_fixed(examples) - expected).max() < 1e-6
    assert np.abs(unwritable.embed_fixed(examples) - expected).max() < 1e-6
    assert unwritable.texts_embedded == 1 + 2  # embedded each time, as nothing could be kept


def test_threads_keeping_the_same_fixed_list_at_once_all_keep_it(
    embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    """Twenty threads warming up at once: each writes aside on its own, none fails."""
    examples = [f"example message number {n} for the race" for n in range(40)]
    shared = Embedder(onnx_dir=embedder.onnx_dir)
    shared.embed(["load the export"])
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda _: shared.embed_fixed(examples), range(20)))
    assert all(np.abs(r - results[0]).max() < 1e-6 for r in results)
    assert not [r for r in caplog.records if "could not keep" in r.getMessage()]
    assert not list(embedder.onnx_dir.glob("*.part"))
