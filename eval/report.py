"""Write an evaluation's results: results.json, report.md and a self-contained report.html."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from eval.charts import pyplot, svg
from eval.runner import TOP_K

# The metrics a trainer reads first, in order, with the label the reports use.
HEADLINE = {
    **{f"answer_in_top_{k}": f"Answer in top {k}" for k in TOP_K},
    **{f"hit_at_{k}": f"Hit@{k} (expected source)" for k in TOP_K},
    "mrr": "MRR (expected source)",
    "fact_recall": "Fact recall",
    "exact_pass": "Exact pass",
    "citation_validity": "Citation validity",
    "refusal_accuracy": "Refusal accuracy",
    "oos_refusal": "Out of scope refused",
    "false_refusal": "Answerable wrongly refused",
    "refusals_pointing_to_answer": "Wrong refusals pointing to the answer",
    "oos_pointed": "Out of scope given a nearest section",
    "urgent_recall": "Urgent recall",
    "urgent_precision": "Urgent precision",
    "ece": "Expected calibration error",
    "brier": "Brier score",
    "pass_rate": "Pass rate (all questions)",
}


def side_by_side_rows(chosen: list[Any], results: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(label, one cell per set) for every headline metric: the value, then the goal and ✓/✗
    where the set has a goal for it."""
    rows = []
    for key, label in HEADLINE.items():
        cells = []
        for named in chosen:
            value = results[named.name]["summary"].get(key)
            cell = "n/a" if value is None else f"{value:.3f}"
            goal = next((g for g in named.goals if g.metric == key), None)
            if goal is not None and value is not None:
                cell += f" ({goal.describe()} {'✓' if goal.met(value) else '✗'})"
            cells.append(cell)
        rows.append((label, cells))
    counts = [
        ", ".join(f"{n} {kind}" for kind, n in results[s.name]["summary"]["questions"].items())
        for s in chosen
    ]
    rows.append(("Questions", counts))
    return rows


def write_side_by_side(chosen: list[Any], results: dict[str, Any], out: Path) -> Path:
    """out/summary.md: every set's figures in one table, each beside its goal."""
    lines = [
        "# Evaluation summary",
        "",
        "| Metric | " + " | ".join(s.name for s in chosen) + " |",
        "|---|" + "---|" * len(chosen),
    ]
    lines += [
        f"| {label} | " + " | ".join(cells) + " |"
        for label, cells in side_by_side_rows(chosen, results)
    ]
    out.mkdir(parents=True, exist_ok=True)
    path = out / "summary.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_reports(results: dict[str, Any], out: Path) -> list[Path]:
    """Write the three report files into `out` and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    environment = Environment(
        loader=PackageLoader("eval", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    failures = [q for q in results["questions"] if not q["scores"]["passed"]]
    context = {
        "results": results,
        "summary": results["summary"],
        "headline": HEADLINE,
        "failures": failures,
    }
    paths = [out / "results.json", out / "report.md", out / "report.html"]
    paths[0].write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    paths[1].write_text(environment.get_template("report.md.j2").render(**context), "utf-8")
    context["charts"] = _charts(results)
    paths[2].write_text(environment.get_template("report.html.j2").render(**context), "utf-8")
    return paths


def _charts(results: dict[str, Any]) -> dict[str, str]:
    """Inline SVG charts: metric summary, pass rate by category, latency distribution."""
    plt = pyplot()
    summary = results["summary"]
    metrics = {
        label: summary[key] for key, label in HEADLINE.items() if summary.get(key) is not None
    }
    categories = summary["pass_rate_by_category"]
    latencies = [q["latency_ms"] for q in results["questions"]]
    charts = {}

    figure, axis = plt.subplots(figsize=(7, 0.32 * len(metrics) + 0.8))
    axis.barh(list(metrics)[::-1], list(metrics.values())[::-1], color="#1d6fa5")
    axis.set_xlim(0, 1)
    axis.set_title("Metric summary")
    charts["summary"] = svg(figure)

    figure, axis = plt.subplots(figsize=(7, 0.35 * len(categories) + 0.8))
    axis.barh(list(categories)[::-1], list(categories.values())[::-1], color="#3b8f5a")
    axis.set_xlim(0, 1)
    axis.set_title("Pass rate by category")
    charts["categories"] = svg(figure)

    figure, axis = plt.subplots(figsize=(7, 3))
    axis.hist(latencies, bins=min(30, max(5, len(latencies) // 3)), color="#8a5aa8")
    axis.set_xlabel("milliseconds per question")
    axis.set_title("Latency distribution")
    charts["latency"] = svg(figure)

    bins = summary["reliability"]
    figure, axis = plt.subplots(figsize=(5, 4.5))
    axis.plot([0, 1], [0, 1], linestyle="--", color="#999", label="perfectly calibrated")
    axis.bar(
        [(b["low"] + b["high"]) / 2 for b in bins],
        [b["accuracy"] for b in bins],
        width=[b["high"] - b["low"] for b in bins],
        edgecolor="#1d6fa5",
        color="#9cc3e0",
        label="share of answers that were right",
    )
    for b in bins:
        axis.annotate(str(b["n"]), ((b["low"] + b["high"]) / 2, b["accuracy"]), ha="center")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1.05)
    axis.set_xlabel("confidence")
    axis.set_ylabel("right")
    axis.set_title(f"Reliability (ECE {summary['ece']:.3f}; numbers are questions per bin)")
    axis.legend(loc="upper left", fontsize=8)
    charts["reliability"] = svg(figure)
    return charts
