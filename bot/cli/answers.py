"""`bcft ask` and `bcft chat`: the main job without Slack."""

from __future__ import annotations

import json
import logging
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.answers import Answer, Turn
from bot.commands import check_retriever, console, errors, get_settings, services_or_exit
from bot.documents import CATEGORIES
from bot.render.terminal import render_answer, render_emergency

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    k: Annotated[int | None, typer.Option("--k", min=1, max=20, help="Passages to use.")] = None,
    category: Annotated[
        str | None, typer.Option(help=f"Only this category: {', '.join(CATEGORIES)}.")
    ] = None,
    retriever: Annotated[str, typer.Option(help="hybrid, dense or keyword.")] = "hybrid",
) -> None:
    """Answer one question with its sources."""
    if category is not None and category not in CATEGORIES:
        raise typer.BadParameter(f"choose one of {', '.join(CATEGORIES)}", param_hint="--category")
    check_retriever(retriever)
    with services_or_exit(get_settings(), question) as services:
        answer = answer_or_explain(
            services, question, channel="cli", k=k, category=category, mode=retriever
        )
    if answer is None:
        raise typer.Exit(1)
    if as_json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        console.print(render_answer(answer))


def chat() -> None:
    """A conversation in the terminal; follow-up questions build on the one before."""
    with services_or_exit(get_settings()) as services:
        console.print(
            "[bold]BCFT practice companion[/bold] — ask about practice, procedures and Ofsted."
            " Type [italic]exit[/italic] or press Ctrl-D to leave."
        )
        history: list[Turn] = []
        while True:
            try:
                question = console.input("\n[bold cyan]You:[/bold cyan] ")
            except (EOFError, KeyboardInterrupt):
                console.print()
                return
            if question.strip().lower() in ("exit", "quit", "bye"):
                return
            answer = answer_or_explain(services, question, history=history, channel="chat")
            if answer is None:
                continue
            console.print(render_answer(answer))
            if answer.reason == "answered":
                history.append(Turn(answer.question, answer.answer))


def answer_or_explain(services: Services, question: str, **ask: Any) -> Answer | None:
    """Urgency first, then the answer; if answering fails, the emergency route (when urgent)
    and one line saying what happened, with a reference to find the details in the log."""
    urgency = services.engine.assess_urgency(question)
    try:
        return services.answer(question, urgency=urgency, **ask)
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.debug("answering failed (reference %s)", reference, exc_info=True)
        if urgency.urgent:
            console.print(render_emergency(services.engine.emergency_route()))
        errors.print(
            f"[red]Something went wrong while answering[/red] (reference {reference}); "
            "run with --verbose to see why."
        )
        return None
