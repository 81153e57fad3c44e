"""`bcft data`: retention, and people's rights over what the bot stores about them (UK GDPR).

For the Trust's data protection officer or IT team: export everything stored about one Slack
user (a subject-access request), erase it (an erasure request), or apply the retention period
now (the Slack bot also applies it by itself, every few hours).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer

from bot.commands import console, get_settings, store_or_exit

data_app = typer.Typer(help="Retention, export and erasure of stored questions and feedback.")

# A Slack user id: U (or W in an Enterprise Grid), then capital letters and digits.
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")

UserOption = Annotated[
    str, typer.Option("--user", help="The person's Slack user id, e.g. U0123ABCD.")
]


def _check_user(user: str) -> str:
    if not _SLACK_USER.fullmatch(user):
        raise typer.BadParameter("a Slack user id looks like U0123ABCD", param_hint="--user")
    return user


@data_app.command("export")
def export(
    user: UserOption,
    out: Annotated[
        Path | None, typer.Option(help="Write the JSON here (default: print it).")
    ] = None,
) -> None:
    """Everything stored about one person, as JSON (a subject-access request)."""
    with store_or_exit(get_settings()) as store:
        exported = json.dumps(store.export_user(_check_user(user)), indent=2, ensure_ascii=False)
    if out is None:
        print(exported)
        return
    out.write_text(exported + "\n", encoding="utf-8")
    console.print(f"Wrote what is stored about {user} to {out}.")


@data_app.command("erase")
def erase(
    user: UserOption,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete one person's questions and feedback (an erasure request)."""
    _check_user(user)
    if not yes:
        typer.confirm(f"Delete every question and rating stored for {user}?", abort=True)
    with store_or_exit(get_settings()) as store:
        removed = store.erase_user(user)
    console.print(
        f"Erased {removed.questions} questions and {removed.feedback} ratings of {user}; "
        f"removed their question from {removed.copies} ratings by others."
    )


@data_app.command("expire")
def expire() -> None:
    """Delete questions and feedback older than RETENTION_DAYS now."""
    settings = get_settings()
    with store_or_exit(settings) as store:
        removed = store.delete_expired(settings.retention_days)
    console.print(
        f"Deleted {removed.questions} questions and {removed.feedback} ratings older than "
        f"{settings.retention_days:g} days."
    )
