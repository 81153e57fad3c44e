"""The best rows of an array of scores: what an in-memory search returns."""

from __future__ import annotations

import numpy as np


def best_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """The rows of the k highest scores (0 < k <= len(scores)), best first, ties in row order."""
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.lexsort((top, -scores[top]))]
