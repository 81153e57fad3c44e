"""Optional LLM-judged faithfulness and relevance (only when an LLM is configured)."""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from eval import metrics

JUDGE_PROMPT = """You grade answers given by a knowledge-base assistant for social workers.
Given the question, the passages the assistant could use, and its answer, reply with JSON only:
{"faithfulness": <0 to 1: share of the answer's statements supported by the passages>,
 "relevance": <0 to 1: how directly the answer addresses the question>}"""
_JSON = re.compile(r"\{.*\}", re.DOTALL)


def judge_record(model: BaseChatModel, record: dict[str, Any]) -> dict[str, float | None]:
    """Scores for one answered question; None when the judge's reply cannot be read."""
    response = record["response"]
    passages = "\n\n".join(f"[{c['doc_id']}] {c['text']}" for c in response["retrieved"])
    message = (
        f"Question: {record['question']}\n\nPassages:\n{passages}\n\nAnswer: {response['answer']}"
    )
    reply = model.invoke([SystemMessage(JUDGE_PROMPT), HumanMessage(message)]).text
    return parse_judgement(reply)


def parse_judgement(reply: str) -> dict[str, float | None]:
    """Read the judge's JSON, clamping scores to 0..1."""
    scores: dict[str, float | None] = {"faithfulness": None, "relevance": None}
    match = _JSON.search(reply or "")
    if not match:
        return scores
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return scores
    for name in scores:
        value = data.get(name)
        if isinstance(value, int | float):
            scores[name] = max(0.0, min(1.0, float(value)))
    return scores


def add_judgements(model: BaseChatModel, results: dict[str, Any]) -> None:
    """Judge every answered (not refused) question and add the means to the summary."""
    for record in results["questions"]:
        if record["response"]["refused"]:
            continue
        record["scores"].update(judge_record(model, record))
    for name in ("faithfulness", "relevance"):
        values = [
            r["scores"][name] for r in results["questions"] if r["scores"].get(name) is not None
        ]
        results["summary"][f"llm_{name}"] = round(metrics.mean(values), 4) if values else None
