"""The learned layer of the urgency check: a logistic model over a message's embedding.

Patterns and example messages catch the kinds of risk someone thought to write down; messages
written blind by others kept finding a few that neither named (a debt being "worked off", a
bed found empty). This model has read several hundred labelled messages, urgent and not, and
scores the message as a whole. It only adds alarms: a message it scores at or above the
threshold is urgent whatever the cues about time say, and one it scores low keeps whatever
the other layers decided. Fitted by `bcft eval fit-urgency` (eval/urgency_fit.py) on the
development probes and the shipped and held-out question sets, never on a blind set.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from bot.fitted_file import load_fitted

MODEL_FILE = Path(__file__).with_name("urgency_model.json")


@dataclass(frozen=True)
class LearnedUrgency:
    """Weights over the embedding, a bias, the alarm threshold and how it was fitted."""

    weights: tuple[float, ...]
    bias: float
    threshold: float  # urgent at or above this probability
    fitted: dict[str, object]  # on which messages, how many, when

    def probability(self, vector: np.ndarray) -> float:
        """P(urgent) for a message's unit embedding."""
        z = self.bias + float(np.dot(self._weights, vector))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @cached_property
    def _weights(self) -> np.ndarray:
        """The weights as an array, made once rather than for every message."""
        return np.asarray(self.weights, dtype=np.float32)

    def save(self, path: Path = MODEL_FILE) -> None:
        data = {
            "weights": [round(w, 6) for w in self.weights],
            "bias": self.bias,
            "threshold": self.threshold,
            "fitted": self.fitted,
        }
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> LearnedUrgency | None:
        """The fitted model, or None when there is none (the other layers then decide)."""
        path = path or MODEL_FILE
        if not path.is_file():
            return None
        return load_fitted(path, cls._from_json, "bcft eval fit-urgency")

    @classmethod
    def _from_json(cls, data: dict[str, Any]) -> LearnedUrgency:
        weights = tuple(float(w) for w in data["weights"])
        return cls(weights, float(data["bias"]), float(data["threshold"]), dict(data["fitted"]))
