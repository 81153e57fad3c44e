"""The CI gate: the shipped knowledge base must answer the shipped question set this well.

Runs exactly what a trainer runs (`bcft ingest knowledge_base`, then `bcft eval run` with
`--min` thresholds) in a fresh data folder. The thresholds are the evaluation goals where
they are met, and the measured level where they are not yet (see the README), so any
change that makes the bot worse fails CI.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.processes import bcft, env_for

PROJECT = Path(__file__).resolve().parents[2]
GATE = {
    "answer_in_top_5": 0.92,
    "exact_pass": 0.83,
    "citation_validity": 1.0,
    "refusal_accuracy": 0.9,
    "urgent_recall": 1.0,
    "urgent_precision": 0.9,
}


def test_shipped_question_set_passes_the_gate(tmp_path: Path) -> None:
    env = env_for(tmp_path / "data")
    ingest = bcft("ingest", str(PROJECT / "knowledge_base"), env=env, timeout=600)
    assert ingest.returncode == 0, ingest.stderr

    out = tmp_path / "eval"
    minimums = [f"--min={name}={value}" for name, value in GATE.items()]
    run = bcft("eval", "run", "--set", "shipped", "--out", str(out), *minimums, env=env,
               timeout=900)  # fmt: skip
    summary = json.loads((out / "shipped" / "results.json").read_text(encoding="utf-8"))["summary"]
    missed = {name: summary[name] for name, value in GATE.items() if summary[name] < value}
    assert run.returncode == 0 and not missed, (missed, run.stdout[-2000:], run.stderr[-2000:])
    counts = summary["questions"]
    assert counts["answerable"] >= 110 and counts["out_of_scope"] >= 20 and counts["urgent"] >= 20
    assert (out / "shipped" / "report.html").stat().st_size > 0
