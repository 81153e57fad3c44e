"""`bcft eval run` end to end on the test knowledge base: scores, reports, gate, compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answering.engine import AnswerEngine
from bot.index import open_index
from bot.settings import Settings
from eval.compare import compare_runs
from eval.questions import load_questions
from eval.report import write_reports
from eval.runner import run_evaluation
from ingest.pipeline import run_ingest
from tests.support.calibration import TEST_KB_MIN_IN_SCOPE
from tests.support.processes import bcft, env_for

SUPPORT = Path(__file__).resolve().parents[1] / "support"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    data = tmp_path_factory.mktemp("eval-data")
    with open_index(Settings(_env_file=None, data_dir=data), embedder) as index:
        assert run_ingest([SUPPORT / "kb"], index).ok
    return data


@pytest.fixture(scope="module")
def results(data_dir: Path, embedder) -> dict:
    """One evaluation run; the index is closed again so `bcft` subprocesses can open it."""
    settings = Settings(_env_file=None, data_dir=data_dir, min_in_scope=TEST_KB_MIN_IN_SCOPE)
    with open_index(settings, embedder) as index:
        known = {d.doc_id for d in index.documents()}
        questions = load_questions([SUPPORT / "questions.yaml"], known)
        return run_evaluation(questions.questions, AnswerEngine(index, index.settings))


def kb_env(data_dir: Path) -> dict[str, str]:
    return env_for(data_dir, MIN_IN_SCOPE=str(TEST_KB_MIN_IN_SCOPE))


def by_id(results: dict) -> dict[str, dict]:
    return {record["id"]: record for record in results["questions"]}


def test_scores_per_question_and_summary(results: dict) -> None:
    records = by_id(results)
    assert records["icpc-when"]["scores"]["exact_pass"] is True
    assert records["icpc-when"]["scores"]["hit_at_3"] is True
    assert records["icpc-when"]["scores"]["mrr"] >= 0.5
    assert records["impossible-fact"]["scores"]["exact_pass"] is False
    assert records["impossible-fact"]["scores"]["answer_in_top_5"] is False
    assert records["overtime"]["scores"]["refusal_correct"] is True
    assert records["overtime"]["scores"]["exact_pass"] is None
    assert records["disclosure-now"]["scores"]["urgent"] is True
    summary = results["summary"]
    assert summary["exact_pass"] == 0.75  # 3 of 4 answerable
    assert summary["refusal_accuracy"] == 1.0
    assert summary["oos_refusal"] == 1.0 and summary["false_refusal"] == 0.0
    assert records["overtime"]["scores"]["acceptable"] is False  # nothing right to say
    assert records["impossible-fact"]["scores"]["acceptable"] is False
    assert records["icpc-when"]["scores"]["acceptable"] is True
    assert records["disclosure-now"]["scores"]["acceptable"] is None
    assert 0.0 <= summary["ece"] <= 1.0 and sum(b["n"] for b in summary["reliability"]) == 5
    assert summary["urgent_recall"] == 1.0 and summary["urgent_precision"] == 1.0
    assert summary["citation_validity"] == 1.0
    assert summary["questions"] == {"answerable": 4, "out_of_scope": 1, "urgent": 1}
    assert summary["latency_p95_ms"] >= summary["latency_p50_ms"] > 0


def test_response_is_what_bcft_ask_json_prints(results: dict, data_dir: Path) -> None:
    record = by_id(results)["core-group-first"]
    printed = bcft("ask", "--json", record["question"], env=kb_env(data_dir))
    assert printed.returncode == 0, printed.stderr
    cli = json.loads(printed.stdout)
    for answer in (cli, record["response"]):
        answer.pop("ref")
    assert cli == record["response"]


def test_reports_are_written_with_charts_and_failures(results: dict, tmp_path: Path) -> None:
    paths = write_reports(results, tmp_path)
    assert [p.name for p in paths] == ["results.json", "report.md", "report.html"]
    saved = json.loads(paths[0].read_text())
    assert saved["summary"] == results["summary"]
    assert {"id", "kind", "question", "must_include", "scores", "response"} <= set(
        saved["questions"][0]
    )
    html = paths[2].read_text()
    assert html.count("<svg") == 4  # summary, categories, latency, reliability; all inline
    assert "Reliability (ECE" in html and "Pass rate by tag" in html
    assert 'src="http' not in html and 'href="http' not in html
    assert "impossible-fact" in html and "a fact no document states" in html
    assert "Child protection conferences are chaired by a person independent" in html
    markdown = paths[1].read_text()
    assert "| Exact pass | 0.750 |" in markdown and "### impossible-fact" in markdown


def test_compare_reports_deltas_and_changed_questions(results: dict) -> None:
    worse = json.loads(json.dumps(results))
    record = by_id(worse)["icpc-when"]
    record["scores"].update(passed=False, exact_pass=False, fact_recall=0.5)
    worse["summary"]["exact_pass"] = 0.5
    comparison = compare_runs(results, worse)
    assert comparison.deltas["exact_pass"] == (0.75, 0.5, -0.25)
    assert comparison.regressed == ["icpc-when"] and comparison.improved == []
    assert compare_runs(worse, results).improved == ["icpc-when"]


def test_cli_gate_exits_1_when_a_threshold_is_missed(data_dir: Path, tmp_path: Path) -> None:
    env = kb_env(data_dir)
    questions = str(SUPPORT / "questions.yaml")
    passed = bcft("eval", "run", "--questions", questions, "--out", str(tmp_path / "a"),
                  "--min", "exact_pass=0.7", "--min", "urgent_recall=1", env=env)  # fmt: skip
    assert passed.returncode == 0, passed.stderr
    assert (tmp_path / "a" / "custom" / "report.html").exists()
    assert "| Exact pass | 0.750 (≥ 0.9 ✗) |" in (tmp_path / "a" / "summary.md").read_text()
    missed = bcft("eval", "run", "--questions", questions, "--out", str(tmp_path / "b"),
                  "--min", "exact_pass=0.9", env=env)  # fmt: skip
    assert missed.returncode == 1 and "custom: exact_pass = 0.75 < 0.9" in missed.stderr
    gated = bcft("eval", "run", "--questions", questions, "--out", str(tmp_path / "c"),
                 "--gate", env=env)  # fmt: skip
    assert gated.returncode == 1 and "custom: exact_pass = 0.75 (goal ≥ 0.9)" in gated.stderr
    compared = bcft("eval", "compare", str(tmp_path / "a" / "custom" / "results.json"),
                    str(tmp_path / "b" / "custom" / "results.json"), env=env)  # fmt: skip
    assert compared.returncode == 0 and "Regressed (0)" in compared.stdout


def test_cli_rejects_bad_question_files_and_unknown_metrics(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: x\n  question: Why?\n  kind: answerable\n  must_include: [y]\n"
                   "  expected_sources: [not-a-document]\n")  # fmt: skip
    result = bcft("eval", "run", "--questions", str(bad), env=kb_env(data_dir))
    assert result.returncode == 2 and "unknown document id(s) not-a-document" in result.stderr
    result = bcft("eval", "run", "--min", "accuracy=0.9", env=kb_env(data_dir))
    assert result.returncode == 2 and "unknown metric" in result.stderr
    result = bcft("eval", "run", "--set", "secret", env=kb_env(data_dir))
    assert result.returncode == 2 and "unknown set secret" in result.stderr
