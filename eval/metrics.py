"""Evaluation metrics as pure functions: no model, no index, easy to check by hand."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

_PUNCTUATION = re.compile(r"[^\w\s]|_")
_CITATION = re.compile(r"\[(\d+)\]")


_NUMBER_WORDS = {
    word: str(n)
    for n, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, whitespace collapsed, small numbers as digits.

    "Section-47, " -> "section 47"; "five referrals" -> "5 referrals".
    """
    plain = _PUNCTUATION.sub(" ", text.lower().replace("’", "'").replace("'", ""))
    return " ".join(_NUMBER_WORDS.get(word, word) for word in plain.split())


def states(text: str, fact: str) -> bool:
    """Does the text state the fact (as a whole-word phrase, after normalising both)?"""
    return f" {normalise(fact)} " in f" {normalise(text)} "


def fact_recall(answer: str, must_include: Sequence[str]) -> float:
    """Share of the required facts the answer states (1.0 when none are required)."""
    if not must_include:
        return 1.0
    return sum(states(answer, fact) for fact in must_include) / len(must_include)


def exact_pass(answer: str, must_include: Sequence[str]) -> bool:
    return fact_recall(answer, must_include) == 1.0


def answer_in_top_k(chunks: Sequence[str], must_include: Sequence[str], k: int) -> bool:
    """Does one of the first k retrieved chunks contain every required fact?"""
    return any(all(states(chunk, fact) for fact in must_include) for chunk in chunks[:k])


def hit_at_k(documents: Sequence[str], expected: Sequence[str], k: int) -> bool:
    """Is an expected document among the first k retrieved (documents may repeat)?"""
    return any(doc in expected for doc in documents[:k])


def reciprocal_rank(documents: Sequence[str], expected: Sequence[str]) -> float:
    """1 / rank of the first retrieved chunk from an expected document; 0 if none."""
    for rank, doc in enumerate(documents, start=1):
        if doc in expected:
            return 1.0 / rank
    return 0.0


def citations_valid(
    text: str,
    source_numbers: Sequence[int],
    cited_documents: Sequence[str],
    retrieved_documents: Sequence[str],
) -> bool:
    """Every [n] points to a listed source, and every listed source was retrieved."""
    listed = set(source_numbers)
    if any(int(n) not in listed for n in _CITATION.findall(text)):
        return False
    return set(cited_documents) <= set(retrieved_documents)


def refusal_correct(kind: str, refused: bool) -> bool | None:
    """Out of scope should be refused, answerable should not; urgent does not count."""
    if kind == "out_of_scope":
        return refused
    if kind == "answerable":
        return not refused
    return None


def precision_recall(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[float, float]:
    """Precision and recall of a yes/no prediction (1.0 when there is nothing to get wrong)."""
    true_positive = sum(p and a for p, a in zip(predicted, actual, strict=True))
    flagged, positive = sum(predicted), sum(actual)
    precision = true_positive / flagged if flagged else 1.0
    recall = true_positive / positive if positive else 1.0
    return precision, recall


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default); (0, 1) when n is 0.

    Small sets prove little: 18 of 20 gives 0.70-0.97, 3 of 3 gives 0.44-1.
    """
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - spread), min(1.0, centre + spread)


def reliability_bins(
    confidences: Sequence[float], outcomes: Sequence[bool], bins: int = 10
) -> list[dict[str, float]]:
    """Confidence cut into equal-width bins: per non-empty bin, its count, mean confidence
    and the share of outcomes that were right (a reliability diagram's points)."""
    rows = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [
            (c, o)
            for c, o in zip(confidences, outcomes, strict=True)
            if low <= c < high or (b == bins - 1 and c == 1.0)
        ]
        if inside:
            rows.append(
                {
                    "low": low,
                    "high": high,
                    "n": len(inside),
                    "confidence": mean([c for c, _ in inside]),
                    "accuracy": mean([float(o) for _, o in inside]),
                }
            )
    return rows


def expected_calibration_error(
    confidences: Sequence[float], outcomes: Sequence[bool], bins: int = 10
) -> float:
    """ECE = sum over bins of (bin size / N) x |accuracy - mean confidence| (Guo et al. 2017)."""
    total = len(confidences)
    if not total:
        return 0.0
    return sum(
        row["n"] / total * abs(row["accuracy"] - row["confidence"])
        for row in reliability_bins(confidences, outcomes, bins)
    )


def brier_score(confidences: Sequence[float], outcomes: Sequence[bool]) -> float:
    """Mean squared gap between confidence and outcome (0 is perfect)."""
    pairs = list(zip(confidences, outcomes, strict=True))
    return mean([(c - float(o)) ** 2 for c, o in pairs])
