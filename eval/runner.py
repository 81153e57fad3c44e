"""Run a question set through the answer engine and score every answer."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.answering.engine import AnswerEngine
from bot.answers import Turn
from bot.retrieval.retriever import Mode
from eval import metrics
from eval.questions import Question

TOP_K = (1, 3, 5)
Progress = Callable[[int, int, str], None]


def conversation(engine: AnswerEngine, earlier: Sequence[str], mode: Mode = "hybrid") -> list[Turn]:
    """The conversation before a follow-up as the bot has it: each earlier question asked in
    turn, with the reply it got when that reply answered it."""
    turns: list[Turn] = []
    for question in earlier:
        answer = engine.ask(question, history=turns, mode=mode)
        answered = answer.reason in ("answered", "known_gap")
        turns.append(Turn(answer.question, answer.answer if answered else ""))
    return turns


def run_evaluation(
    questions: list[Question],
    engine: AnswerEngine,
    *,
    mode: Mode = "hybrid",
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Ask every question; return `{"summary": ..., "questions": [...]}` (results.json)."""
    categories = {doc.doc_id: doc.category for doc in engine.index.documents()}
    records = []
    for done, question in enumerate(questions, start=1):
        history = conversation(engine, question.history, mode)
        started = time.perf_counter()
        answer = engine.ask(question.question, history=history, mode=mode)
        latency_ms = (time.perf_counter() - started) * 1000
        response = answer.to_dict()
        records.append(
            {
                "id": question.id,
                "kind": question.kind,
                "question": question.question,
                "must_include": question.must_include,
                "expected_sources": question.expected_sources,
                "history": question.history,
                "tags": tags(question.notes),
                "category": _category(question, response, categories),
                "latency_ms": round(latency_ms, 1),
                "scores": score_response(question, response),
                "response": response,
            }
        )
        if progress is not None:
            progress(done, len(questions), question.id)
    return {
        "summary": summarise(records),
        "run": {
            "retriever": mode,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "questions": len(records),
        },
        "questions": records,
    }


def score_response(question: Question, response: dict[str, Any]) -> dict[str, Any]:
    """Every per-question score; None where a metric does not apply to this question."""
    retrieved = response["retrieved"]
    passages = [f"{c['title']}\n{c['section']}\n{c['text']}" for c in retrieved]
    documents = [c["doc_id"] for c in retrieved]
    answerable = question.kind == "answerable"
    expected = question.expected_sources if answerable else []
    scores: dict[str, Any] = {}
    for k in TOP_K:
        scores[f"answer_in_top_{k}"] = (
            metrics.answer_in_top_k(passages, question.must_include, k) if answerable else None
        )
        scores[f"hit_at_{k}"] = metrics.hit_at_k(documents, expected, k) if expected else None
    scores["mrr"] = metrics.reciprocal_rank(documents, expected) if expected else None
    # A refusal states no fact, even when a signpost in it (who to ask, the nearest section)
    # happens to name one.
    text = response["answer"]
    stated = "" if response["refused"] else text
    scores["fact_recall"] = (
        metrics.fact_recall(stated, question.must_include) if answerable else None
    )
    scores["exact_pass"] = metrics.exact_pass(stated, question.must_include) if answerable else None
    scores["citations_valid"] = metrics.citations_valid(
        " ".join([text, *response["emergency"]]),
        [s["n"] for s in response["sources"]],
        [s["doc_id"] for s in response["sources"]],
        documents,
    )
    # Saying the knowledge base does not hold something declines to state a fact, like a
    # refusal does; for an answerable question whose answer is that gap, it is the answer.
    declined = response["refused"] or response["reason"] == "known_gap"
    scores["refusal_correct"] = metrics.refusal_correct(
        question.kind, declined if question.kind == "out_of_scope" else response["refused"]
    )
    scores["refused"] = declined if question.kind == "out_of_scope" else response["refused"]
    scores["urgent"] = response["urgent"]
    scores["acceptable"] = _acceptable(question, response)
    scores["pointed_to_answer"] = _pointed_to_answer(question, response)
    scores["pointed"] = bool(response.get("nearest_chunk"))
    scores["passed"] = _passed(question, scores)
    return scores


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Each metric over the questions it applies to."""

    def average(name: str) -> float | None:
        values = [r["scores"][name] for r in records if r["scores"][name] is not None]
        return round(metrics.mean([float(v) for v in values]), 4) if values else None

    summary: dict[str, Any] = {
        name: average(name)
        for name in (
            *(f"answer_in_top_{k}" for k in TOP_K),
            *(f"hit_at_{k}" for k in TOP_K),
            "mrr",
            "fact_recall",
            "exact_pass",
        )
    }
    summary["citation_validity"] = average("citations_valid")
    summary["refusal_accuracy"] = average("refusal_correct")
    summary["oos_refusal"] = _share(records, "out_of_scope", "refused")
    summary["false_refusal"] = _share(records, "answerable", "refused")
    summary["refusals_pointing_to_answer"] = average("pointed_to_answer")
    summary["oos_pointed"] = _share(records, "out_of_scope", "pointed")
    urgent = [r for r in records if r["kind"] == "urgent"]
    precision, recall = metrics.precision_recall(
        [r["scores"]["urgent"] for r in records], [r["kind"] == "urgent" for r in records]
    )
    summary["urgent_precision"], summary["urgent_recall"] = round(precision, 4), round(recall, 4)
    caught = sum(bool(r["scores"]["urgent"]) for r in urgent)
    summary["urgent_recall_interval"] = [
        round(v, 4) for v in metrics.wilson_interval(caught, len(urgent))
    ]
    calibrated = [r for r in records if r["scores"]["acceptable"] is not None]
    confidences = [r["response"]["confidence"] for r in calibrated]
    outcomes = [bool(r["scores"]["acceptable"]) for r in calibrated]
    summary["ece"] = round(metrics.expected_calibration_error(confidences, outcomes), 4)
    summary["brier"] = round(metrics.brier_score(confidences, outcomes), 4)
    summary["reliability"] = [
        {k: round(v, 4) for k, v in row.items()}
        for row in metrics.reliability_bins(confidences, outcomes)
    ]
    latencies = [r["latency_ms"] for r in records]
    summary["latency_p50_ms"] = round(metrics.percentile(latencies, 50), 1)
    summary["latency_p95_ms"] = round(metrics.percentile(latencies, 95), 1)
    summary["pass_rate"] = average("passed")
    kinds: dict[str, int] = defaultdict(int)
    for record in records:
        kinds[record["kind"]] += 1
    summary["questions"] = dict(kinds)
    by_category: dict[str, list[bool]] = defaultdict(list)
    for record in records:
        by_category[record["category"]].append(bool(record["scores"]["passed"]))
    summary["pass_rate_by_category"] = {
        category: round(metrics.mean([float(p) for p in passed]), 4)
        for category, passed in sorted(by_category.items())
    }
    by_tag: dict[str, list[bool]] = defaultdict(list)
    for record in records:
        for tag in record["tags"]:
            by_tag[tag].append(bool(record["scores"]["passed"]))
    summary["pass_rate_by_tag"] = {
        tag: {"n": len(passed), "pass_rate": round(metrics.mean([float(p) for p in passed]), 4)}
        for tag, passed in sorted(by_tag.items())
    }
    return summary


def tags(notes: str | None) -> list[str]:
    """A question's tags: the words of a short `notes` ("urgent fgm", "two-part chat"), or the
    first word of a longer one (shipped notes are prose that starts with their kind)."""
    words = [w.strip(".,;:()").lower() for w in (notes or "").split()]
    words = [w for w in words if w]
    return words if len(words) <= 4 else words[:1]


def _share(records: list[dict[str, Any]], kind: str, score: str) -> float | None:
    """The share of the questions of this kind for which `score` is true."""
    chosen = [r for r in records if r["kind"] == kind]
    if not chosen:
        return None
    return round(metrics.mean([float(r["scores"][score]) for r in chosen]), 4)


def _acceptable(question: Question, response: dict[str, Any]) -> bool | None:
    """What confidence predicts: would the answer the bot chose state the facts asked for?

    For a refused answerable question, the answer it withheld is judged; an out-of-scope
    question has no acceptable answer. Urgent messages are about the route, not confidence.
    """
    if question.kind == "out_of_scope":
        return False
    if question.kind != "answerable":
        return None
    text = response["withheld_answer"] if response["refused"] else response["answer"]
    return metrics.exact_pass(text or "", question.must_include)


def _pointed_to_answer(question: Question, response: dict[str, Any]) -> bool | None:
    """For a refused answerable question: does the section the refusal points to state the
    facts asked for? (No pointer counts as no.)"""
    if question.kind != "answerable" or not response["refused"]:
        return None
    nearest = response.get("nearest_chunk")
    chunk = next((c for c in response["retrieved"] if c["chunk_id"] == nearest), None)
    if chunk is None:
        return False
    return metrics.answer_in_top_k([chunk["text"]], question.must_include, 1)


def _passed(question: Question, scores: dict[str, Any]) -> bool:
    """The one yes/no a trainer reads: did the bot do the right thing for this question?"""
    if question.kind == "answerable":
        return bool(scores["exact_pass"] and scores["citations_valid"])
    if question.kind == "out_of_scope":
        return bool(scores["refusal_correct"]) and not scores["urgent"]
    return bool(scores["urgent"])


def _category(question: Question, response: dict[str, Any], categories: dict[str, str]) -> str:
    """The knowledge-base category a question is about (its kind when it is not answerable)."""
    if question.kind != "answerable":
        return question.kind.replace("_", " ")
    for doc_id in question.expected_sources:
        if doc_id in categories:
            return categories[doc_id]
    sources = response["sources"]
    return categories.get(sources[0]["doc_id"], "unknown") if sources else "unknown"
