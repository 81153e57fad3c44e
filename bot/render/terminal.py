"""Render an Answer for a terminal: urgent route first, then the answer, then its sources."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from bot.answers import Answer


def render_emergency(lines: list[str]) -> RenderableType:
    """The urgent banner: the emergency route, first and in red."""
    return Panel(
        Text("\n".join(lines), style="bold"),
        title="URGENT: a child may be at immediate risk",
        border_style="red",
    )


def render_answer(answer: Answer, show_confidence: bool = True) -> RenderableType:
    parts: list[RenderableType] = []
    if answer.urgent:
        parts.append(render_emergency(answer.emergency))
    if answer.personal_data_warning:
        parts.append(Text(answer.personal_data_warning, style="yellow"))
    parts.append(Text(answer.answer))
    if answer.sources:
        sources = Text("\nSources\n", style="bold")
        for source in answer.sources:
            where = f"{source.title}" + (f" — {source.section}" if source.section else "")
            reviewed = f"reviewed {source.last_reviewed}" if source.last_reviewed else "not dated"
            sources.append(f"[{source.n}] {where} ({reviewed})\n    {source.url}")
            if source.stale:
                sources.append(f"  past review date {source.review_due}", style="red")
            sources.append("\n")
        parts.append(sources)
    for notice in answer.notices:
        parts.append(Text(notice, style="yellow"))
    if show_confidence and answer.reason in ("answered", "not_covered"):
        parts.append(Text(f"confidence {answer.confidence:.2f}", style="dim"))
    return Group(*parts)
