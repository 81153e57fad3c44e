"""Does the knowledge base cover the question, and how sure is the bot that its answer is right?

Evidence comes from what answering already computed (how close the best passage and sentences
are in meaning, how strongly keywords matched and whether both searches agree, how much of
what is specific about the question the answer states, words no document uses, the kind of
answer asked for, closeness to requests the bot does not handle, and what the scope model
makes of the question's meaning: bot/answering/scope.py). Two logistic models, fitted
by `bcft eval calibrate`, read the same evidence:

- **in scope**: the probability that the question is one the knowledge base covers, learned
  from the shipped and held-out sets. The bot answers only above a threshold set on their
  out-of-scope questions, so that about a share alpha of such questions are answered
  (cross-conformal; see eval/calibrate.py).
- **right**: the probability that the chosen answer states what was asked, learned from the
  held-out set, shown as the answer's confidence and checked for calibration in every
  evaluation.

Two models, because "is this covered?" and "did I pick the right sentences?" are different
questions: a covered question can get a wrong answer, and teaching one model both made it
refuse covered questions whose answers it got wrong.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from bot.answering.concepts import AnswerType, Concept, coverage
from bot.fitted_file import load_fitted
from bot.retrieval.retriever import RetrievalResult
from bot.text import content_terms

if TYPE_CHECKING:
    from bot.answering.extractive import Extract
    from bot.embedding import Embedder

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
OUT_OF_SCOPE_FILE = Path(__file__).with_name("out_of_scope.yaml")

FEATURES = (
    "sentence_meaning",  # cosine of the closest sentence among the passages
    "answer_meaning",  # cosine of the answer's first-choice sentence
    "agreement",  # 1 if meaning and keyword searches share a top-5 passage
    "coverage",  # weighted share of the question's concepts the answer (and its headings) states
    "lead_coverage",  # the same, in the answer's first-choice sentence alone
    "rarest_covered",  # 1 if the question's rarest concept is stated
    "unknown_words",  # share of the question's concepts no document uses
    "lead_type_missing",  # 1 if a kind of answer is asked for and the first choice has none
    "off_topic",  # closeness to requests the bot does not answer (HR, IT, drafting...)
    "topic_in_scope",  # the scope model's log-odds that the question is one it answers
)
# Evidence that speaks against an answer: its weight must not be positive (and the others'
# not negative); tests/bot/test_confidence.py checks the fitted models keep to this.
AGAINST = frozenset({"unknown_words", "lead_type_missing", "off_topic"})


def gather_evidence(
    retrieval: RetrievalResult,
    chosen: Extract,
    concepts: list[Concept],
    wanted: AnswerType | None,
    question: str,
    off_topic: float,
    topic_in_scope: float,
) -> dict[str, float]:
    """The features of one answer, by name (all 0 when nothing could be chosen, except the
    two read from the question alone)."""
    about_question = {"off_topic": off_topic, "topic_in_scope": topic_in_scope}
    if not chosen.sentences:
        return {name: 0.0 for name in FEATURES} | about_question
    headed: set[str] = set()
    for sentence in chosen.sentences:
        chunk = sentence.passage.chunk
        headed |= set(content_terms(f"{sentence.text} {chunk.info.title} {chunk.section}"))
    rarest = max(concepts, key=lambda c: c.weight, default=None)
    lead = max(chosen.sentences, key=lambda s: s.score)
    return {
        "sentence_meaning": chosen.best_meaning,
        "answer_meaning": lead.meaning,
        "agreement": float(retrieval.agreement),
        "coverage": coverage(concepts, headed),
        "lead_coverage": lead.words,
        "rarest_covered": float(rarest is None or rarest.covered_by(headed)),
        "unknown_words": sum(c.unknown for c in concepts) / len(concepts) if concepts else 0.0,
        "lead_type_missing": float(wanted is not None and not wanted.fits(lead.text, question)),
    } | about_question


@dataclass(frozen=True)
class LogisticModel:
    """Weights and bias over standardised evidence."""

    weights: tuple[float, ...]
    bias: float


@dataclass(frozen=True)
class Calibrator:
    """Both models over the same standardised features, and the in-scope threshold."""

    features: tuple[str, ...]
    lows: tuple[float, ...]  # the range of each feature when fitted: evidence outside it is
    highs: tuple[float, ...]  # clipped to it, so a model never extrapolates
    means: tuple[float, ...]
    scales: tuple[float, ...]
    in_scope: LogisticModel
    right: LogisticModel
    threshold: float  # answer only when P(in scope) is above this
    fitted: dict[str, object]  # on which set, how many questions, alpha, date

    def probabilities(self, evidence: dict[str, float]) -> tuple[float, float]:
        """(P(the question is covered), P(the answer is right)) from the evidence."""
        x = [
            (min(max(evidence[name], low), high) - mean) / scale
            for name, low, high, mean, scale in zip(
                self.features, self.lows, self.highs, self.means, self.scales, strict=True
            )
        ]
        return _sigmoid(self.in_scope, x), _sigmoid(self.right, x)

    @classmethod
    def neutral(cls) -> Calibrator:
        """Everything at 0.5 and nothing withheld: the starting point for fitting."""
        zeros = tuple(0.0 for _ in FEATURES)
        flat = LogisticModel(zeros, 0.0)
        ones = tuple(1.0 for _ in FEATURES)
        return cls(FEATURES, zeros, ones, zeros, ones, flat, flat, 0.0, {})

    @classmethod
    def load(cls, path: Path | None = None) -> Calibrator:
        return load_fitted(path or CALIBRATION_FILE, cls._from_json, "bcft eval calibrate")

    @classmethod
    def _from_json(cls, data: dict[str, Any]) -> Calibrator:
        calibrator = cls(
            features=tuple(data["features"]),
            lows=tuple(data["lows"]),
            highs=tuple(data["highs"]),
            means=tuple(data["means"]),
            scales=tuple(data["scales"]),
            in_scope=LogisticModel(tuple(data["in_scope"]["weights"]), data["in_scope"]["bias"]),
            right=LogisticModel(tuple(data["right"]["weights"]), data["right"]["bias"]),
            threshold=float(data["threshold"]),
            fitted=dict(data["fitted"]),
        )
        if calibrator.features != FEATURES:
            raise ValueError("it was fitted on other evidence than the engine gathers")
        return calibrator

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def _sigmoid(model: LogisticModel, x: list[float]) -> float:
    z = model.bias + sum(w * v for w, v in zip(model.weights, x, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class OffTopic:
    """How close a question comes to the kinds of request the bot does not answer."""

    def __init__(self, embedder: Embedder, path: Path = OUT_OF_SCOPE_FILE) -> None:
        self.embedder = embedder
        self.path = path

    @cached_property
    def _examples(self) -> np.ndarray:
        kinds = yaml.safe_load(self.path.read_text(encoding="utf-8"))["kinds"]
        return self.embedder.embed_fixed([t for examples in kinds.values() for t in examples])

    def closeness(self, vector: np.ndarray) -> float:
        """The highest cosine between the question and any example request."""
        return float((self._examples @ vector).max())
