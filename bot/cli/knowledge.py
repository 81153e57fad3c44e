"""`bcft ingest` and `bcft kb status`: for practice leads who keep the knowledge base."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from bot.commands import console, get_settings, index_or_exit, progress_bar
from bot.documents import CATEGORIES, IngestReport

if TYPE_CHECKING:
    from bot.settings import Settings

kb_app = typer.Typer(help="Look after the knowledge base.")


def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: KNOWLEDGE_BASE_DIR).")
    ] = None,
    rebuild: Annotated[bool, typer.Option(help="Re-embed everything from scratch.")] = False,
) -> None:
    """Index documents incrementally: only new or changed files are embedded."""
    settings = get_settings()
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


def print_ingest_report(report: IngestReport) -> None:
    names = ("added", "updated", "unchanged", "removed", "failed")
    table = Table(*names, title="Ingest summary")
    table.add_row(*(str(len(getattr(report, name))) for name in names))
    console.print(table)
    console.print(
        f"chunks written: {report.chunks_written}, newly embedded: {report.chunks_embedded}"
    )
    for path, reason in report.failed.items():
        console.print(f"[red]failed[/red] {path}: {reason}")
    for path, notes in report.warnings.items():
        for note in notes:
            console.print(f"[yellow]warning[/yellow] {path}: {note}")
    for path in report.removed:
        console.print(f"removed {path}")


@kb_app.command("status")
def kb_status() -> None:
    """Documents, chunks and categories in the index, and documents past their review date."""
    from bot.kb_report import knowledge_base_report

    with index_or_exit(get_settings()) as index:
        report = knowledge_base_report(index, today=date.today())
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
