"""`bcft`: the command line. Each command parses its arguments and delegates.

The command modules import at the top only what their options need (typer, rich, small
domain records) and the rest inside the command that uses it, so that `bcft --help` and light
commands never load the model, Chroma or LangChain (tests/bot/test_commands.py checks it). The
shared helpers are in `bot.commands`, which the evaluation's commands (`eval.cli`, mounted
here as `bcft eval`, `bcft bench` and `bcft report`) use too.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli import answers, data, knowledge, slack
from bot.commands import get_settings
from eval.cli import bench_app, eval_app, report_app

app = typer.Typer(help="BCFT practice companion: cited answers for new social workers.")


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more detail.")] = False,
) -> None:
    """Configure logging once for every command."""
    from bot.logs import configure_logging

    settings = get_settings()
    configure_logging("DEBUG" if verbose else settings.log_level, settings.log_format)


app.command()(knowledge.ingest)
app.add_typer(knowledge.kb_app, name="kb")
app.command()(answers.ask)
app.command()(answers.chat)
app.command()(slack.serve)
app.command()(slack.start)
app.add_typer(slack.feedback_app, name="feedback")
app.add_typer(data.data_app, name="data")
app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")
app.add_typer(report_app, name="report")
