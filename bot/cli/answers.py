"""`bcft ask` and `bcft chat`: the main job without Slack."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli.common import console, services_or_exit
from bot.documents import CATEGORIES
from bot.render.terminal import render_answer
from bot.retrieval.retriever import MODES
from bot.settings import get_settings


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
    with services_or_exit(get_settings()) as services:
        answer = services.engine.ask(question, k=k, category=category, mode=retriever)
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
        history: list[str] = []
        while True:
            try:
                question = console.input("\n[bold cyan]You:[/bold cyan] ")
            except (EOFError, KeyboardInterrupt):
                console.print()
                return
            if question.strip().lower() in ("exit", "quit", "bye"):
                return
            answer = services.engine.ask(question, history=history, channel="chat")
            console.print(render_answer(answer))
            if answer.reason == "answered":
                history.append(answer.question)


def check_retriever(retriever: str) -> None:
    if retriever not in MODES:
        raise typer.BadParameter(f"choose one of {', '.join(MODES)}", param_hint="--retriever")
