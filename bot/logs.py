"""Logging for every command: personal data is redacted before any line is written.

Two formats (`LOG_FORMAT`): readable text, or one JSON object per line for a log collector.
While a question is handled, `log_context` names it on every JSON line: the answer's
reference (`ref`), or before the answer exists Slack's id for the request (`event`). Lines
carry references, never what a person typed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal

from bot.safety.personal_data import redact_personal_data

LogFormat = Literal["text", "json"]

# The fields `log_context` adds; a context variable, so each thread (and each piece of work
# queued with a copy of the context) sees those of the question it is handling.
_fields: ContextVar[dict[str, str] | None] = ContextVar("log_fields", default=None)


@contextmanager
def log_context(**fields: str) -> Iterator[None]:
    """Add `fields` (empty ones left out) to every JSON line logged in this block."""
    token = _fields.set({**(_fields.get() or {}), **{k: v for k, v in fields.items() if v}})
    try:
        yield
    finally:
        _fields.reset(token)


class RedactingFormatter(logging.Formatter):
    """Format as usual, then redact the whole line, traceback included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_personal_data(super().format(record))[0]


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the context's fields and any
    traceback; the message and traceback redacted."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact_personal_data(record.getMessage())[0],
            **(_fields.get() or {}),
        }
        if record.exc_info:
            line["exception"] = redact_personal_data(self.formatException(record.exc_info))[0]
        if record.stack_info:
            line["stack"] = redact_personal_data(self.formatStack(record.stack_info))[0]
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str = "INFO", log_format: LogFormat = "text") -> None:
    """Log to stderr through a redacting formatter; quiet the chatty libraries."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("chromadb", "httpx", "httpcore", "urllib3", "sentence_transformers", "bm25s"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # At DEBUG, Slack's and the LLM providers' clients log whole requests, and an assistant
    # thread's title or an LLM prompt holds the question's words (its personal data removed).
    for verbatim in ("slack_sdk", "openai", "anthropic"):
        logging.getLogger(verbatim).setLevel(max(logging.INFO, root.level))
    # pypdf warns about every quirk of a damaged file; the ingest report already says why.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
