"""`bcft eval` (answer quality on question sets), `bcft bench` (speed and memory) and
`bcft report` (what the bot was used for)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.table import Table

from bot.commands import (
    check_retriever,
    console,
    errors,
    exit_if_no_index,
    get_settings,
    progress_bar,
    services_or_exit,
)

if TYPE_CHECKING:
    from eval.urgency_probe import ProbeResult

eval_app = typer.Typer(help="Measure answer quality on question sets.")
bench_app = typer.Typer(help="Measure speed and memory; prints figures, asserts nothing.")
report_app = typer.Typer(help="Reports for trainers from what the bot recorded (counts only).")

SHIPPED_QUESTIONS = Path(__file__).resolve().parent / "questions"


@eval_app.command("run")
def eval_run(
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", help="shipped, held-out, blind, blind-2 or blind-3 (default: all)."),
    ] = None,
    questions: Annotated[
        list[Path] | None,
        typer.Option(help="Other question files or folders, measured as one set: custom."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the reports, one folder per set.")] = Path(
        "eval-out"
    ),
    retriever: Annotated[str, typer.Option(help="hybrid, dense or keyword.")] = "hybrid",
    minimum: Annotated[
        list[str] | None, typer.Option("--min", help="METRIC=VALUE; exit 1 if missed.")
    ] = None,
    gate: Annotated[bool, typer.Option(help="Exit 1 if any set misses one of its goals.")] = False,
    judge: Annotated[bool, typer.Option(help="Add LLM-judged faithfulness (needs LLM_*).")] = False,
) -> None:
    """Measure question sets side by side, each figure beside its goal; write the reports."""
    from eval.judge import add_judgements
    from eval.questions import QuestionSetError, load_questions
    from eval.report import write_reports, write_side_by_side
    from eval.runner import run_evaluation
    from eval.sets import missed_goals

    check_retriever(retriever)
    thresholds = _thresholds(minimum or [])
    chosen = _chosen_sets(sets or [], questions or [])
    settings = get_settings()
    results: dict[str, dict] = {}
    with services_or_exit(settings) as services:
        if judge and services.engine.chat_model is None:
            errors.print("[red]--judge needs an LLM[/red]: set LLM_PROVIDER and LLM_MODEL.")
            raise typer.Exit(2)
        known = {doc.doc_id for doc in services.index.documents()}
        try:
            loaded = {s.name: load_questions(s.paths, known).questions for s in chosen}
        except QuestionSetError as error:
            errors.print(f"[red]Invalid question set:[/red]\n{error}")
            raise typer.Exit(2) from None
        engine = services.engine
        for named in chosen:
            with progress_bar(f"Evaluating {named.name}") as progress:
                results[named.name] = run_evaluation(
                    loaded[named.name], engine, mode=retriever, progress=progress
                )
            if judge:
                add_judgements(engine.chat_model, results[named.name])
    paths = [path for name, r in results.items() for path in write_reports(r, out / name)]
    paths.append(write_side_by_side(chosen, results, out))
    _print_goals(chosen, results)
    console.print("Reports: " + ", ".join(str(p) for p in paths))
    missed = [
        f"{named.name}: {line}"
        for named in chosen
        for line in (missed_goals(named, results[named.name]["summary"]) if gate else [])
    ]
    missed += [
        f"{name}: {metric} = {r['summary'].get(metric)} < {value}"
        for name, r in results.items()
        for metric, value in thresholds.items()
        if (r["summary"].get(metric) or 0.0) < value
    ]
    for line in missed:
        errors.print(f"[red]missed:[/red] {line}")
    raise typer.Exit(1 if missed else 0)


def _chosen_sets(names: list[str], paths: list[Path]) -> list:
    from eval.sets import SETS, NamedSet

    unknown = [name for name in names if name not in SETS]
    if unknown:
        raise typer.BadParameter(
            f"unknown set {', '.join(unknown)}; choose from {', '.join(SETS)}", param_hint="--set"
        )
    chosen = [SETS[name] for name in dict.fromkeys(names)]
    if paths:
        chosen.append(NamedSet("custom", tuple(paths)))
    return chosen or list(SETS.values())


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


def _print_goals(chosen: list, results: dict[str, dict]) -> None:
    """One row per metric, one column per set, the goal beside each figure."""
    from eval.report import side_by_side_rows

    table = Table(
        "metric", *(s.name for s in chosen), title="Evaluation, each figure beside its goal"
    )
    for label, cells in side_by_side_rows(chosen, results):
        table.add_row(label, *cells)
    console.print(table)


# The share of out-of-scope questions the bot may answer. 0.1 minimises the expected cost on
# the held-out set when a confident answer to a question the knowledge base does not cover
# counts twice as bad as a refusal (2 x 0.09 + 0.32; 0.05 gives 0.60, 0.2 gives 0.57).
ALPHA = 0.1


@eval_app.command("calibrate")
def eval_calibrate(
    alpha: Annotated[
        float, typer.Option(min=0.001, max=0.5, help="Share of out-of-scope questions answered.")
    ] = ALPHA,
) -> None:
    """Fit the scope model, then the confidence calibrator and refusal threshold on the
    shipped and held-out sets, never a blind set (maintainers)."""
    from bot.answering.confidence import CALIBRATION_FILE, Calibrator
    from bot.answering.scope import SCOPE_FILE, ScopeModel
    from eval.calibrate import fit_calibrator
    from eval.questions import load_questions
    from eval.scope_fit import cross_fitted_records
    from eval.sets import SETS

    fitting_sets = ("shipped", "held-out")
    source = " and ".join(fitting_sets)
    settings = get_settings()
    neutral = {"calibrator": Calibrator.neutral(), "scope": ScopeModel.neutral()}
    with services_or_exit(settings, **neutral) as services:
        by_set = {name: load_questions(SETS[name].paths).questions for name in fitting_sets}
        fitting = [q for name in fitting_sets for q in by_set[name]]
        with progress_bar(f"Answering {source}, cross-fitted") as progress:
            records, scope = cross_fitted_records(services.engine, fitting, progress)
    scope.save(SCOPE_FILE)
    # The shipped set was written with the knowledge base open, and its answers are right far
    # more often than those of any set written without it: "right" learns from held-out only.
    fit = fit_calibrator(records, alpha, source, {q.id for q in by_set["held-out"]})
    fit.calibrator.save(CALIBRATION_FILE)
    calibrator = fit.calibrator
    table = Table("feature", "in scope", "right", title=f"Fitted on {source} (right: held-out)")
    for name, in_scope, right in zip(
        calibrator.features, calibrator.in_scope.weights, calibrator.right.weights, strict=True
    ):
        table.add_row(name, f"{in_scope:+.3f}", f"{right:+.3f}")
    console.print(table)
    console.print(
        f"threshold {fit.calibrator.threshold:.3f} (alpha {alpha}); on {source}, each "
        f"question scored by models that did not see it: out of scope answered "
        f"{fit.oos_answered:.3f}, answerable refused {fit.answerable_refused:.3f}, in-scope "
        f"AUC {fit.auc:.3f}. Saved {SCOPE_FILE} and {CALIBRATION_FILE}."
    )


@eval_app.command("urgency")
def eval_urgency(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Probe files (default: each frozen probe in eval/urgency)."),
    ] = None,
    show: Annotated[
        bool,
        typer.Option(help="Print the messages missed or wrongly flagged (spoils a blind probe)."),
    ] = False,
    gate: Annotated[
        bool, typer.Option(help="Exit 1 if recall or precision misses its goal.")
    ] = False,
) -> None:
    """The urgency check alone on labelled messages: recall and precision by kind of risk."""
    from bot.embedding import Embedder
    from bot.fitted_file import FittedModelError
    from bot.safety.learned_urgency import LearnedUrgency
    from bot.safety.risk_lexicon import load_risk_lexicon
    from bot.safety.urgency import UrgencyDetector
    from eval.questions import QuestionSetError
    from eval.urgency_probe import PROBES, load_probes, measure_urgency

    files = paths or sorted(PROBES.glob("*.yaml"))
    try:
        probes = {path: load_probes([path]) for path in files}
    except QuestionSetError as error:
        errors.print(f"[red]Invalid probe:[/red]\n{error}")
        raise typer.Exit(2) from None
    settings = get_settings()
    try:
        learned = LearnedUrgency.load()
    except FittedModelError as error:
        errors.print(f"[red]Cannot use a fitted model:[/red] {error}", soft_wrap=True)
        raise typer.Exit(2) from None
    detector = UrgencyDetector(
        load_risk_lexicon(settings.lexicon_path), Embedder.for_settings(settings), learned
    )
    detector.warm_up()  # a model that cannot load fails here, not silently per message
    missed = []
    for path, messages in probes.items():
        result = measure_urgency(messages, lambda text: detector.assess(text).urgent)
        missed += [f"{path.name}: {line}" for line in _print_probe(path.name, result, show)]
    for line in missed:
        errors.print(f"[red]goal missed:[/red] {line}")
    raise typer.Exit(1 if gate and missed else 0)


@eval_app.command("fit-urgency")
def eval_fit_urgency() -> None:
    """Refit the urgency check's learned layer on the labelled messages (maintainers)."""
    from bot.embedding import Embedder
    from bot.safety.learned_urgency import MODEL_FILE
    from eval.questions import QuestionSetError
    from eval.urgency_fit import fit_learned_urgency, training_messages

    try:
        messages = training_messages()
    except QuestionSetError as error:
        errors.print(f"[red]Invalid labelled messages:[/red]\n{error}")
        raise typer.Exit(2) from None
    model = fit_learned_urgency(messages, Embedder.for_settings(get_settings()).embed)
    model.save(MODEL_FILE)
    console.print(
        f"Fitted on {model.fitted['messages']} messages ({model.fitted['urgent']} urgent), "
        f"threshold {model.threshold}. Saved {MODEL_FILE}; measure with `bcft eval urgency`."
    )


def _print_probe(name: str, result: ProbeResult, show: bool) -> list[str]:
    """One probe's figures by kind of risk and against the goals; the goals it misses."""
    from eval.sets import GOALS

    table = Table("kind of risk", "urgent caught", "not urgent flagged", title=name)
    for kind in result.kinds:
        table.add_row(
            kind.category, f"{kind.caught}/{kind.urgent}", f"{kind.flagged}/{kind.not_urgent}"
        )
    console.print(table)
    goals = {goal.metric: goal for goal in GOALS}
    missed = []
    for metric, value in (("urgent_recall", result.recall), ("urgent_precision", result.precision)):
        goal = goals[metric]
        shown = "n/a" if value is None else f"{value:.3f}"
        console.print(f"{metric}: {shown} (goal {goal.describe()})")
        if not goal.met(value):
            missed.append(f"{metric} = {shown} (goal {goal.describe()})")
    console.print(
        f"missed: {', '.join(m.id for m in result.missed) or '—'}; "
        f"false alarms: {', '.join(m.id for m in result.false_alarms) or '—'}"
    )
    if show:
        for message in [*result.missed, *result.false_alarms]:
            console.print(f"{message.id} ({message.category}): {message.message}", markup=False)
    return missed


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
    repeat: Annotated[
        int, typer.Option(min=1, help="Fresh ingests to take the median ratio of.")
    ] = 1,
) -> None:
    """Chunks per second end to end vs the raw embedding rate, unchanged re-run, peak memory."""
    from eval.bench.ingest import bench_ingest

    settings = get_settings()
    for line in bench_ingest(source or settings.knowledge_base_dir, copies, settings, repeat):
        console.print(line)


@bench_app.command("query")
def bench_query_command(
    sizes: Annotated[str, typer.Option(help="Comma-separated index sizes (chunks).")] = (
        "1000,10000,100000"
    ),
) -> None:
    """`ask` latency p50/p95 and peak memory at each index size; dense/keyword/hybrid ablation."""
    from bot.answering.engine import AnswerEngine
    from eval.bench.query import bench_ablation, bench_query, stress_questions
    from eval.questions import load_questions
    from eval.sets import SETS

    settings = get_settings()
    exit_if_no_index(settings)  # the ablation needs it: say so before minutes of scratch indexes
    questions = _shipped_questions()
    console.print("[bold]Latency and memory by index size[/bold]")
    sizes_list = [int(size) for size in sizes.split(",")]
    every_question = [
        q.question for named in SETS.values() for q in load_questions(named.paths).questions
    ]
    for line in bench_query(
        settings,
        settings.knowledge_base_dir,
        questions,
        sizes_list,
        stress_questions(every_question),
    ):
        console.print(line)
    console.print("[bold]Retriever ablation on the shipped question set[/bold]")
    with services_or_exit(settings) as services:
        known = {doc.doc_id for doc in services.index.documents()}
        question_set = load_questions([SHIPPED_QUESTIONS], known).questions
        for line in bench_ablation(AnswerEngine(services.index, settings), question_set):
            console.print(line)


@bench_app.command("startup")
def bench_startup_command(
    runs: Annotated[int, typer.Option(min=1, help="Fresh processes per command.")] = 5,
) -> None:
    """Fresh-process time of `bcft --help` and of one `bcft ask`, each beside its goal."""
    from eval.bench.startup import bench_startup

    exit_if_no_index(get_settings())
    for line in bench_startup(runs):
        console.print(line)


@bench_app.command("slack")
def bench_slack_command(
    events: Annotated[
        int | None, typer.Option(min=1, help="Default: 200 on one host, 50 on several.")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1)] = 20,
    hosts: Annotated[
        int, typer.Option(min=1, max=4, help="2+: hosts sharing Chroma and PostgreSQL.")
    ] = 1,
) -> None:
    """Event received -> chat.postMessage p50/p95 and ack p95, through `bcft serve`; with
    --hosts 2, answers given twice or never and ratings lost across two hosts."""
    _import_tests_from_checkout()
    settings = get_settings()
    if hosts > 1:
        from eval.bench.hosts import bench_hosts

        lines = bench_hosts(settings.knowledge_base_dir, _shipped_questions(), hosts, events or 50)
    else:
        from eval.bench.slack import bench_slack

        lines = bench_slack(
            settings.knowledge_base_dir, _shipped_questions(), events or 200, concurrency
        )
    for line in lines:
        console.print(line)


@bench_app.command("store")
def bench_store_command(
    questions: Annotated[int, typer.Option(min=10, help="Answered questions to time.")] = 500,
) -> None:
    """Store time per answered question on SQLite and on a local PostgreSQL, beside its goal."""
    from eval.bench.store import bench_store

    for line in bench_store(questions):
        console.print(line)


def _import_tests_from_checkout() -> None:
    """The Slack bench uses the tests' fake Slack Web API (tests/support/fake_slack.py), so it
    runs from a source checkout: put the checkout on the import path, or say why it cannot."""
    checkout = Path(__file__).resolve().parent.parent
    if not (checkout / "tests" / "support" / "fake_slack.py").is_file():
        errors.print(
            "[red]`bcft bench slack` runs from a source checkout[/red]: it needs "
            "tests/support/fake_slack.py.",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    if str(checkout) not in sys.path:
        sys.path.append(str(checkout))


@report_app.command("usage")
def report_usage(
    since: Annotated[str, typer.Option(help="First day of the period, YYYY-MM-DD.")],
    until: Annotated[
        str | None, typer.Option(help="Last day of the period, YYYY-MM-DD (default: today).")
    ] = None,
    out: Annotated[Path, typer.Option(help="The HTML file to write.")] = Path("usage-report.html"),
) -> None:
    """A self-contained HTML page of the period's usage: questions per week by category,
    most-cited documents, refusal and feedback rates, knowledge gaps. Counts only."""
    from eval.usage import Period, usage_figures
    from eval.usage_records import UsageRecordsError, read_usage_records
    from eval.usage_report import write_usage_report

    first = _day("--since", since)
    last = _day("--until", until) if until else max(first, date.today())
    if last < first:
        _fail(f"--until ({last}) is before --since ({first}).", status=2)
    period = Period(first, last)
    try:
        records = read_usage_records(get_settings(), period)
    except UsageRecordsError as error:
        _fail(str(error))
    if records.why_no_categories:
        errors.print(
            f"Document categories unavailable ({records.why_no_categories}): answered "
            "questions are counted under “category unknown”.",
            markup=False,
            soft_wrap=True,
        )
    figures = usage_figures(records.questions, records.feedback, period, records.categories)
    try:
        path = write_usage_report(figures, out)
    except OSError as error:
        _fail(f"Cannot write {out}: {error.strerror or error}")
    asked = figures.totals.asked
    console.print(
        f"{asked} questions from {period.since} to {period.until}: {path}"
        if asked
        else f"No questions from {period.since} to {period.until}; the page says so: {path}",
        markup=False,
        soft_wrap=True,
    )


def _day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option} must be a date like 2026-11-02 (year-month-day), not {text!r}.", status=2)


def _fail(message: str, status: int = 1) -> NoReturn:
    """One red line on stderr, then exit."""
    errors.print(message, style="red", markup=False, soft_wrap=True)
    raise typer.Exit(status)
