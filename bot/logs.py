"""Logging for every command: personal data is redacted before any line is written."""

from __future__ import annotations

import logging

from bot.safety.personal_data import redact_personal_data


class RedactingFormatter(logging.Formatter):
    """Format as usual, then redact the whole line, traceback included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_personal_data(super().format(record))[0]


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr through the redacting formatter; quiet the chatty libraries."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("chromadb", "httpx", "urllib3", "sentence_transformers", "bm25s"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # pypdf warns about every quirk of a damaged file; the ingest report already says why.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
