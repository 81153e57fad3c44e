"""`bcft serve`, `bcft start` and `bcft feedback report`: running the bot and hearing back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from bot.cli.answers import chat
from bot.cli.knowledge import ingest_paths
from bot.commands import console, errors, get_settings, store_or_exit

if TYPE_CHECKING:
    from bot.settings import Settings

feedback_app = typer.Typer(help="What users said about the answers.")


def serve(
    port: Annotated[int, typer.Option(help="HTTP port for Slack's requests.")] = 3000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (more than 1 needs CHROMA_HOST).")
    ] = 1,
) -> None:
    """Run the Slack bot: Socket Mode if SLACK_APP_TOKEN is set, otherwise HTTP on --port."""
    from bot.slack.server import serve_http, serve_socket_mode

    settings = get_settings()
    _check_slack_settings(settings, workers)
    if settings.slack_app_token:
        serve_socket_mode(settings)
    else:
        serve_http(settings, host, port, workers)


def _check_slack_settings(settings: Settings, workers: int) -> None:
    missing = [] if settings.slack_bot_token else ["SLACK_BOT_TOKEN"]
    if not (settings.slack_signing_secret or settings.slack_app_token):
        missing.append("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)")
    if missing:
        errors.print(f"[red]Missing {' and '.join(missing)}[/red]: see the README's Slack setup.")
        raise typer.Exit(2)
    if workers > 1 and not settings.uses_chroma_server:
        errors.print(
            "[red]Several workers need a Chroma server[/red]: the embedded store is safe for one "
            "process only. Set CHROMA_HOST and CHROMA_PORT, or use --workers 1."
        )
        raise typer.Exit(2)


def start() -> None:
    """The main job: index the knowledge base, then the Slack bot if configured, else chat."""
    settings = get_settings()
    ingest_paths(settings, [settings.knowledge_base_dir])
    if settings.slack_bot_token:
        serve()
    else:
        console.print("No Slack tokens in .env, so here is the terminal chat (see README: Slack).")
        chat()


@feedback_app.command("report")
def feedback_report() -> None:
    """Ratings, reasons for 👎, recent comments and the most frequent unanswered questions."""
    with store_or_exit(get_settings()) as store:
        summary = store.feedback_summary()
        gaps = store.open_gaps()  # not those a published answer has closed
    console.print(
        f"{summary.up + summary.down} ratings: {summary.up} helpful, {summary.down} not right"
    )
    if summary.reasons:
        table = Table("reason", "count", title="Why answers were not right")
        for reason, count in summary.reasons.items():
            table.add_row(reason, str(count))
        console.print(table)
    if summary.recent_down:
        recent = Table("question", "reason", "comment", title="Recent 👎")
        for row in summary.recent_down:
            recent.add_row(row["question"], row["reason"], row["comment"])
        console.print(recent)
    if gaps:
        table = Table("question", "times", title="Most frequent unanswered questions")
        for gap in gaps:
            table.add_row(gap.question, str(gap.count))
        console.print(table)
