"""Write an evaluation's results: results.json, report.md and a self-contained report.html."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

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
    "urgent_recall": "Urgent recall",
    "urgent_precision": "Urgent precision",
    "pass_rate": "Pass rate (all questions)",
}


def write_reports(results: dict[str, Any], out: Path) -> list[Path]:
    """Write the three report files into `out` and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    environment = Environment(
        loader=PackageLoader("eval", "templates"),
        autoescape=select_autoescape(["html"]),
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
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

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
    charts["summary"] = _svg(figure)

    figure, axis = plt.subplots(figsize=(7, 0.35 * len(categories) + 0.8))
    axis.barh(list(categories)[::-1], list(categories.values())[::-1], color="#3b8f5a")
    axis.set_xlim(0, 1)
    axis.set_title("Pass rate by category")
    charts["categories"] = _svg(figure)

    figure, axis = plt.subplots(figsize=(7, 3))
    axis.hist(latencies, bins=min(30, max(5, len(latencies) // 3)), color="#8a5aa8")
    axis.set_xlabel("milliseconds per question")
    axis.set_title("Latency distribution")
    charts["latency"] = _svg(figure)
    return charts


def _svg(figure: Any) -> str:
    from matplotlib import pyplot as plt

    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]
