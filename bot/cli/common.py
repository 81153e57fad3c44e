"""What every command shares: the consoles, opening the index, a progress bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.answering.confidence import Calibrator
from bot.answering.signposts import CALL_999
from bot.index import IndexMismatchError, KnowledgeIndex, open_index
from bot.index_lock import IndexBusyError
from bot.safety.risk_lexicon import LexiconError, load_risk_lexicon
from bot.safety.urgency import UrgencyDetector
from bot.services import Services, open_services
from bot.settings import Settings

console = Console()
errors = Console(stderr=True)

ProgressCallback = Callable[[int, int, str], None]


@contextmanager
def index_or_exit(settings: Settings) -> Iterator[KnowledgeIndex]:
    """Open the index; a busy or mismatched index is one clear line and exit status 2."""
    with _readable_index_errors(settings), open_index(settings) as index:
        yield index


@contextmanager
def services_or_exit(
    settings: Settings, question: str | None = None, calibrator: Calibrator | None = None
) -> Iterator[Services]:
    """Index, engine and store for one command, with the same readable failures.

    If they cannot be opened and `question` describes a child at immediate risk, the 999
    line is printed before the error: the emergency route needs no index.
    """
    with (
        _readable_index_errors(settings, question),
        open_services(settings, calibrator) as services,
    ):
        yield services


@contextmanager
def _readable_index_errors(settings: Settings, question: str | None = None) -> Iterator[None]:
    try:
        yield
    except (IndexBusyError, IndexMismatchError) as error:
        if question is not None and _urgent_by_words(settings, question):
            console.print(f"[bold red]{CALL_999}[/bold red]")
        errors.print(f"[red]Cannot use the index:[/red] {error}")
        raise typer.Exit(2) from None


def _urgent_by_words(settings: Settings, question: str) -> bool:
    """The words layer alone: no model or index needed. Local words if they can be read."""
    try:
        lexicon = load_risk_lexicon(settings.lexicon_path)
    except LexiconError:
        lexicon = load_risk_lexicon()
    return UrgencyDetector(lexicon).assess(question).urgent


@contextmanager
def progress_bar(verb: str) -> Iterator[ProgressCallback | None]:
    """A progress bar on a terminal, fed with (done, total, label); nothing when piped."""
    if not console.is_terminal:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(verb, total=None)

        def update(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=f"{verb} {label[-40:]}")

        yield update
