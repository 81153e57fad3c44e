"""`python -m bot.cli` runs `bcft`."""

from bot.cli import app

app()
