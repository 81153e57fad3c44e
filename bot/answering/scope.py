"""Is this the kind of question the knowledge base is about, judged from its meaning alone?

The other evidence (bot/answering/confidence.py) looks at what retrieval found; this looks at
the question. A logistic model over the query's embedding, fitted on several hundred labelled
questions (answerable against out of scope, with the example requests of out_of_scope.yaml),
learns which topics and kinds of request the knowledge base answers: a question about pay,
another council's triage or a court order's renewal reads differently from one about a
timescale the procedures set, even when retrieval finds a passage that shares its words. Its
log-odds is one feature among the others, weighed by the calibrator. Fitted by
`bcft eval calibrate` (eval/scope_fit.py), never on a blind set.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np

from bot.fitted_file import load_fitted

log = logging.getLogger(__name__)

SCOPE_FILE = Path(__file__).with_name("scope_model.json")


@dataclass(frozen=True)
class ScopeModel:
    """Weights over the query's embedding, a bias, and how it was fitted."""

    weights: tuple[float, ...]
    bias: float
    fitted: dict[str, object]  # on which questions, how many, when

    def log_odds(self, vector: np.ndarray) -> float:
        """How much more likely the question is answerable than out of scope, as log-odds.

        No opinion (0) from the neutral model, or from one fitted on another embedding model's
        vectors (EMBEDDING_MODEL changed and `bcft eval calibrate` not yet run).
        """
        if len(self.weights) != len(vector):
            if self.weights:
                _warn_other_model(len(self.weights), len(vector))
            return 0.0
        return self.bias + float(np.dot(self._weights, vector))

    @cached_property
    def _weights(self) -> np.ndarray:
        """The weights as an array, made once rather than for every question."""
        return np.asarray(self.weights, dtype=np.float32)

    @classmethod
    def neutral(cls) -> ScopeModel:
        """No opinion (log-odds 0 for every question): the starting point for fitting."""
        return cls((), 0.0, {})

    def save(self, path: Path = SCOPE_FILE) -> None:
        data = {"weights": [round(w, 6) for w in self.weights], "bias": self.bias}
        path.write_text(json.dumps(data | {"fitted": self.fitted}, indent=1) + "\n", "utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> ScopeModel:
        return load_fitted(path or SCOPE_FILE, cls._from_json, "bcft eval calibrate")

    @classmethod
    def _from_json(cls, data: dict[str, Any]) -> ScopeModel:
        weights = tuple(float(w) for w in data["weights"])
        return cls(weights, float(data["bias"]), dict(data["fitted"]))


@cache
def _warn_other_model(fitted: int, given: int) -> None:
    """Once per process: the scope model cannot read this embedding model's vectors."""
    log.warning(
        "the scope model was fitted on %d-dimensional embeddings, the embedding model makes %d:"
        " it gives no opinion until `bcft eval calibrate` refits it",
        fitted,
        given,
    )
