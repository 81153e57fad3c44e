"""`bcft ingest` and `bcft kb status`: for practice leads who keep the knowledge base."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from bot.commands import console, errors, get_settings, index_or_exit, progress_bar
from bot.documents import CATEGORIES, IngestReport

if TYPE_CHECKING:
    from bot.kb_report import KnowledgeBaseReport
    from bot.settings import Settings
    from ingest.web_ingest import WebIngestReport

kb_app = typer.Typer(help="Look after the knowledge base.")


def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: KNOWLEDGE_BASE_DIR).")
    ] = None,
    rebuild: Annotated[bool, typer.Option(help="Re-embed everything from scratch.")] = False,
    sources: Annotated[
        bool,
        typer.Option(
            "--sources", help="Index the web pages listed in SOURCES_FILE instead of files."
        ),
    ] = False,
) -> None:
    """Index documents incrementally: only new or changed files (or web pages) are embedded."""
    settings = get_settings()
    if sources and (paths or rebuild):
        errors.print(
            "--sources indexes the web sources alone: index files with a separate "
            "`bcft ingest [PATH...] [--rebuild]`.",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    if sources:
        report: IngestReport = ingest_web_sources(settings)
    else:
        report = ingest_paths(settings, paths or [settings.knowledge_base_dir], rebuild=rebuild)
    raise typer.Exit(0 if report.ok else 1)


def ingest_paths(settings: Settings, paths: list[Path], rebuild: bool = False) -> IngestReport:
    """Run an ingest with a progress bar and print its summary."""
    from bot.lexicons import check_lexicon_folders
    from ingest.pipeline import run_ingest

    with index_or_exit(settings, must_exist=False) as index, progress_bar("Indexing") as progress:
        report = run_ingest(paths, index, rebuild=rebuild, progress=progress)
    check_lexicon_folders(paths, report)
    print_ingest_report(report)
    return report


def ingest_web_sources(settings: Settings) -> WebIngestReport:
    """Fetch and index the web sources with a progress bar, and print what happened."""
    from ingest.web_ingest import run_web_ingest
    from ingest.web_sources import SourceListError, load_web_sources

    try:
        sources = load_web_sources(settings.sources_path)
    except SourceListError as error:
        errors.print(f"[red]Cannot use the web sources list:[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from None
    with index_or_exit(settings, must_exist=False) as index, progress_bar("Fetching") as progress:
        report = run_web_ingest(sources, index, progress=progress)
    names = ("fetched", "added", "changed", "unchanged", "removed", "gone", "skipped", "failed")
    counts = {
        name: len(getattr(report, "updated" if name == "changed" else name)) for name in names
    }
    table = Table(*names, title="Web sources")
    table.add_row(*(str(counts[name]) for name in names))
    console.print(table)
    console.print(
        f"chunks written: {report.chunks_written}, newly embedded: {report.chunks_embedded}; "
        f"unchanged pages: {counts['unchanged']} (not re-embedded)"
    )
    for url in report.gone:
        console.print(f"[yellow]gone[/yellow] {url}: kept until the next run confirms it")
    for url, reason in report.skipped.items():
        console.print(f"skipped {url}: {reason}")
    _print_outcomes(report)
    return report


def print_ingest_report(report: IngestReport) -> None:
    names = ("added", "updated", "unchanged", "removed", "failed")
    table = Table(*names, title="Ingest summary")
    table.add_row(*(str(len(getattr(report, name))) for name in names))
    console.print(table)
    console.print(
        f"chunks written: {report.chunks_written}, newly embedded: {report.chunks_embedded}"
    )
    _print_outcomes(report)


def _print_outcomes(report: IngestReport) -> None:
    """Each failure, warning and removal on a line of its own."""
    for path, reason in report.failed.items():
        console.print(f"[red]failed[/red] {path}: {reason}")
    for path, notes in report.warnings.items():
        for note in notes:
            console.print(f"[yellow]warning[/yellow] {path}: {note}")
    for path in report.removed:
        console.print(f"removed {path}")


@kb_app.command("status")
def kb_status() -> None:
    """Documents, chunks and categories in the index; documents past their review date,
    reviewed or flagged in Slack, and owners Slack does not know."""
    from bot.services import knowledge_base_status
    from bot.store import open_store

    settings = get_settings()
    with index_or_exit(settings) as index, contextlib.closing(open_store(settings)) as store:
        report = knowledge_base_status(index, store, settings, date.today())
    console.print(f"Index: {report.location}")
    console.print(
        f"{report.documents} documents ({report.drafts} drafts), {report.chunks} chunks, "
        f"{report.statements} statements; last ingest: {report.updated_at or 'never'}"
    )
    table = Table("category", "documents", "statements", "titles")
    for category in CATEGORIES:
        docs = report.by_category.get(category, [])
        titles = "\n".join(f"{d.title}{' (draft)' if d.status == 'draft' else ''}" for d in docs)
        table.add_row(
            category, str(len(docs)), str(report.statements_by_category[category]), titles
        )
    console.print(table)
    if report.overdue:
        overdue = Table("document", "review due", "owner", "path", title="Past their review date")
        for doc in report.overdue:
            overdue.add_row(doc.title, str(doc.review_due), doc.owner, doc.path)
        console.print(overdue)
    else:
        console.print("No document is past its review date.")
    _print_upkeep(report)


def _print_upkeep(report: KnowledgeBaseReport) -> None:
    """What owners recorded in Slack, and the owners DOCUMENT_OWNERS does not map."""
    if report.reviewed_in_slack:
        reviewed = Table("document", "reviewed", "by", "next review", title="Reviewed in Slack")
        for doc, review in report.reviewed_in_slack:
            reviewed.add_row(
                doc.title, str(review.last_reviewed), review.reviewer, str(review.review_due)
            )
        console.print(reviewed)
    if report.flagged:
        flagged = Table("document", "flagged", "by", "what is wrong", title="Needs change")
        for doc, flag in report.flagged:
            flagged.add_row(doc.title, str(flag.flagged_on), flag.flagged_by, flag.what_is_wrong)
        console.print(flagged)
    if report.no_owner_in_slack:
        unmapped = Table(
            "owner", "documents", title="No owner in Slack (add them to DOCUMENT_OWNERS)"
        )
        for owner, docs in sorted(report.no_owner_in_slack.items()):
            unmapped.add_row(owner or "(none)", "\n".join(d.title for d in docs))
        console.print(unmapped)
