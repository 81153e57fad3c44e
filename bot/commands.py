"""What every terminal command shares, `bcft`'s and the evaluation's: the consoles, opening the
index or the services with one readable line when they cannot be used, a progress bar.

Both `bot.cli` and `eval.cli` import this module, and neither imports the other's helpers, so
`bcft` can mount the evaluation's commands without an import cycle. It imports only typer and
rich at the top: the index, the model and the engine load inside the command that needs them,
so that `bcft --help` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from bot.answering.confidence import Calibrator
    from bot.answering.scope import ScopeModel
    from bot.index import KnowledgeIndex
    from bot.services import Services
    from bot.settings import Settings
    from bot.store import Store

console = Console()
errors = Console(stderr=True)

ProgressCallback = Callable[[int, int, str], None]


def get_settings() -> Settings:
    """`bot.settings.get_settings()`, imported when a command runs: `--help` loads no pydantic.

    A setting that is wrong (in `.env` or the environment) is one line naming it, and exit
    status 2.
    """
    from pydantic import ValidationError

    from bot import settings

    try:
        return settings.get_settings()
    except ValidationError as error:
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"]).upper()
            # The value is not repeated: it may be a token or a password.
            errors.print(f"[red]Setting {name}:[/red] {problem['msg']}", soft_wrap=True)
        raise typer.Exit(2) from None


@contextmanager
def index_or_exit(settings: Settings, *, must_exist: bool = True) -> Iterator[KnowledgeIndex]:
    """Open the index; a busy or mismatched index is one clear line and exit status 2, and a
    missing one (unless `must_exist` is false, as for `bcft ingest`) one line and status 1."""
    if must_exist:
        _exit_if_no_store(settings)
    from bot.index import open_index

    with _readable_errors(settings), open_index(settings) as index:
        if must_exist and not index.count():
            _no_index(index.location)
        yield index


@contextmanager
def services_or_exit(
    settings: Settings,
    question: str | None = None,
    calibrator: Calibrator | None = None,
    scope: ScopeModel | None = None,
) -> Iterator[Services]:
    """Index, engine and store for one command, with the same readable failures.

    If they cannot be opened (or there is no index yet) and `question` describes a child at
    immediate risk, the 999 line is printed before the error: the emergency route needs no
    index.
    """
    _exit_if_no_store(settings, question)
    from bot.services import open_services

    with (
        _readable_errors(settings, question),
        open_services(settings, calibrator, scope) as services,
    ):
        if not services.index.count():
            _no_index(services.index.location, settings, question)
        yield services


@contextmanager
def store_or_exit(settings: Settings) -> Iterator[Store]:
    """Open the store (DATABASE_URL, else SQLite under DATA_DIR); if it cannot be reached or
    migrated, one clear line and exit status 2."""
    from bot.store import open_store

    with _readable_errors(settings):
        store = open_store(settings)
        try:
            yield store
        finally:
            store.close()


def exit_if_no_index(settings: Settings) -> None:
    """One line and exit status 1 if there is no index, for a command that needs it only after
    long work of its own (`bcft bench query` builds scratch indexes before its ablation)."""
    with index_or_exit(settings):
        pass


def check_retriever(retriever: str) -> None:
    from bot.retrieval.retriever import MODES

    if retriever not in MODES:
        raise typer.BadParameter(f"choose one of {', '.join(MODES)}", param_hint="--retriever")


def _exit_if_no_store(settings: Settings, question: str | None = None) -> None:
    """No embedded store in DATA_DIR at all: say so before creating anything or loading Chroma."""
    if not settings.uses_chroma_server and not settings.chroma_path.exists():
        where = f"{settings.chroma_path} (collection {settings.chroma_collection})"
        _no_index(where, settings, question)


def _no_index(
    where: str, settings: Settings | None = None, question: str | None = None
) -> NoReturn:
    if settings is not None and question is not None and _urgent_by_words(settings, question):
        _print_call_999()
    errors.print(f"[red]No index at {where}[/red]: run `bcft ingest` first.", soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def _readable_errors(settings: Settings, question: str | None = None) -> Iterator[None]:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.fitted_file import FittedModelError
    from bot.index import IndexMismatchError
    from bot.index_lock import IndexBusyError

    try:
        yield
    except (IndexBusyError, IndexMismatchError, SQLAlchemyError, FittedModelError) as error:
        if question is not None and _urgent_by_words(settings, question):
            _print_call_999()
        what = "the index"
        if isinstance(error, SQLAlchemyError):
            what = "the store"
        elif isinstance(error, FittedModelError):
            what = "a fitted model"
        reason = str(error).strip().splitlines()[0]
        errors.print(f"[red]Cannot use {what}:[/red] {reason}", soft_wrap=True)
        raise typer.Exit(2) from None


def _urgent_by_words(settings: Settings, question: str) -> bool:
    """The words layer alone: no model or index needed. Local words if they can be read."""
    from bot.safety.risk_lexicon import LexiconError, load_risk_lexicon
    from bot.safety.urgency import UrgencyDetector

    try:
        lexicon = load_risk_lexicon(settings.lexicon_path)
    except LexiconError:
        lexicon = load_risk_lexicon()
    return UrgencyDetector(lexicon).assess(question).urgent


def _print_call_999() -> None:
    from bot.answering.signposts import CALL_999

    console.print(f"[bold red]{CALL_999}[/bold red]")


@contextmanager
def progress_bar(verb: str) -> Iterator[ProgressCallback | None]:
    """A progress bar on a terminal, fed with (done, total, label); nothing when piped."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(verb, total=None)

        def update(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=f"{verb} {label[-40:]}")

        yield update
