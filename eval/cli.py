"""`bcft eval` (answer quality on question sets) and `bcft bench` (speed and memory)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.answers import check_retriever
from bot.cli.common import console, errors, progress_bar, services_or_exit
from bot.settings import get_settings

eval_app = typer.Typer(help="Measure answer quality on question sets.")
bench_app = typer.Typer(help="Measure speed and memory; prints figures, asserts nothing.")

SHIPPED_QUESTIONS = Path(__file__).resolve().parent / "questions"


@eval_app.command("run")
def eval_run(
    questions: Annotated[
        list[Path] | None,
        typer.Option(help="Question files or folders (default: the shipped set)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for results.json and the reports.")] = Path(
        "eval-out"
    ),
    retriever: Annotated[str, typer.Option(help="hybrid, dense or keyword.")] = "hybrid",
    minimum: Annotated[
        list[str] | None, typer.Option("--min", help="METRIC=VALUE; exit 1 if missed.")
    ] = None,
    judge: Annotated[bool, typer.Option(help="Add LLM-judged faithfulness (needs LLM_*).")] = False,
) -> None:
    """Run question sets through the bot and write results.json, report.md and report.html."""
    from bot.answering.engine import AnswerEngine
    from eval.judge import add_judgements
    from eval.questions import QuestionSetError, load_questions
    from eval.report import write_reports
    from eval.runner import run_evaluation

    check_retriever(retriever)
    thresholds = _thresholds(minimum or [])
    settings = get_settings()
    with services_or_exit(settings) as services:
        if judge and services.engine.chat_model is None:
            errors.print("[red]--judge needs an LLM[/red]: set LLM_PROVIDER and LLM_MODEL.")
            raise typer.Exit(2)
        known = {doc.doc_id for doc in services.index.documents()}
        try:
            question_set = load_questions(questions or [SHIPPED_QUESTIONS], known)
        except QuestionSetError as error:
            errors.print(f"[red]Invalid question set:[/red]\n{error}")
            raise typer.Exit(2) from None
        # A fresh engine without the store: evaluation questions are not users' questions.
        engine = AnswerEngine(services.index, settings, chat_model=services.engine.chat_model)
        with progress_bar("Evaluating") as progress:
            results = run_evaluation(
                question_set.questions, engine, mode=retriever, progress=progress
            )
        if judge:
            add_judgements(services.engine.chat_model, results)
    paths = write_reports(results, out)
    _print_summary(results["summary"])
    console.print("Reports: " + ", ".join(str(p) for p in paths))
    missed = [
        f"{name} = {results['summary'].get(name)} < {value}"
        for name, value in thresholds.items()
        if (results["summary"].get(name) or 0.0) < value
    ]
    for line in missed:
        errors.print(f"[red]below threshold:[/red] {line}")
    raise typer.Exit(1 if missed else 0)


def _thresholds(pairs: list[str]) -> dict[str, float]:
    from eval.report import HEADLINE

    known = {*HEADLINE, "llm_faithfulness", "llm_relevance"}
    thresholds = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            thresholds[name.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(f"{pair!r} is not METRIC=VALUE", param_hint="--min") from None
        if name.strip() not in known:
            raise typer.BadParameter(
                f"unknown metric {name!r}; choose from {', '.join(sorted(known))}",
                param_hint="--min",
            )
    return thresholds


def _print_summary(summary: dict[str, object]) -> None:
    from eval.report import HEADLINE

    table = Table("metric", "value", title="Evaluation summary")
    for key, label in HEADLINE.items():
        value = summary.get(key)
        table.add_row(label, "n/a" if value is None else f"{value:.3f}")
    table.add_row(
        "Latency p50 / p95 (ms)", f"{summary['latency_p50_ms']} / {summary['latency_p95_ms']}"
    )
    console.print(table)


@eval_app.command("compare")
def eval_compare(
    old: Annotated[Path, typer.Argument(help="results.json of the earlier run.")],
    new: Annotated[Path, typer.Argument(help="results.json of the later run.")],
) -> None:
    """Metric deltas between two runs, and the questions that regressed or improved."""
    from eval.compare import compare_runs

    comparison = compare_runs(
        json.loads(old.read_text(encoding="utf-8")), json.loads(new.read_text(encoding="utf-8"))
    )
    table = Table("metric", "old", "new", "change", title="What changed")
    for name, (before, after, delta) in comparison.deltas.items():
        style = "green" if delta > 0 else "red" if delta < 0 else ""
        table.add_row(
            name, f"{before:g}", f"{after:g}", f"[{style}]{delta:+g}[/{style}]" if style else "0"
        )
    console.print(table)
    console.print(
        f"Regressed ({len(comparison.regressed)}): {', '.join(comparison.regressed) or '—'}"
    )
    console.print(f"Improved ({len(comparison.improved)}): {', '.join(comparison.improved) or '—'}")
    if comparison.only_old or comparison.only_new:
        console.print(
            f"Only in old: {', '.join(comparison.only_old) or '—'}; "
            f"only in new: {', '.join(comparison.only_new) or '—'}"
        )


def _shipped_questions(kinds: tuple[str, ...] = ("answerable",)) -> list[str]:
    from eval.questions import load_questions

    return [q.question for q in load_questions([SHIPPED_QUESTIONS]).questions if q.kind in kinds]


@bench_app.command("ingest")
def bench_ingest_command(
    source: Annotated[Path | None, typer.Argument(help="Default: KNOWLEDGE_BASE_DIR.")] = None,
    copies: Annotated[int, typer.Option(min=1, help="Copies of the corpus to ingest.")] = 5,
) -> None:
    """Chunks per second end to end vs the raw embedding rate, unchanged re-run, peak memory."""
    from eval.bench.ingest import bench_ingest

    settings = get_settings()
    for line in bench_ingest(source or settings.knowledge_base_dir, copies, settings):
        console.print(line)


@bench_app.command("query")
def bench_query_command(
    sizes: Annotated[str, typer.Option(help="Comma-separated index sizes (chunks).")] = (
        "1000,10000,100000"
    ),
) -> None:
    """`ask` latency p50/p95 and peak memory at each index size; dense/keyword/hybrid ablation."""
    from bot.answering.engine import AnswerEngine
    from eval.bench.query import bench_ablation, bench_query
    from eval.questions import load_questions

    settings = get_settings()
    questions = _shipped_questions()
    console.print("[bold]Latency and memory by index size[/bold]")
    sizes_list = [int(size) for size in sizes.split(",")]
    for line in bench_query(settings, settings.knowledge_base_dir, questions, sizes_list):
        console.print(line)
    console.print("[bold]Retriever ablation on the shipped question set[/bold]")
    with services_or_exit(settings) as services:
        known = {doc.doc_id for doc in services.index.documents()}
        question_set = load_questions([SHIPPED_QUESTIONS], known).questions
        for line in bench_ablation(AnswerEngine(services.index, settings), question_set):
            console.print(line)


@bench_app.command("slack")
def bench_slack_command(
    events: Annotated[int, typer.Option(min=1)] = 200,
    concurrency: Annotated[int, typer.Option(min=1)] = 20,
) -> None:
    """Event received -> chat.postMessage p50/p95 and ack p95, through `bcft serve`."""
    from eval.bench.slack import bench_slack

    settings = get_settings()
    for line in bench_slack(settings.knowledge_base_dir, _shipped_questions(), events, concurrency):
        console.print(line)
