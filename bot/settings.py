"""The one settings object: read from `.env` and the environment, nowhere else."""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Nothing may fetch model weights or send telemetry at run time. These are set before any
# Hugging Face or Chroma import happens, because both read them at import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


# The databases the store supports: PostgreSQL (psycopg 3), or a SQLite file.
_DATABASE_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://", "sqlite:///")


class Settings(BaseSettings):
    """Every setting of the practice companion, with its default (see `.env.example`)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Where things live
    data_dir: Path = Path("./data")
    knowledge_base_dir: Path = Path("./knowledge_base")
    # Documents practice leads send in Slack; blank = DATA_DIR/uploads. Several hosts share one.
    uploads_dir: Path | None = None
    lexicon_dir: Path | None = None

    # Embedding and index
    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_batch_size: int = Field(64, ge=1)
    # onnx: ONNX Runtime from an export kept under DATA_DIR/models (same vectors, ~3x faster);
    # torch: sentence-transformers on PyTorch.
    embedding_backend: Literal["onnx", "torch"] = "onnx"
    models_dir: Path | None = None  # where the ONNX export is kept; default DATA_DIR/models
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_collection: str = "bcft_kb"
    index_refresh_seconds: float = Field(5.0, ge=0)

    # Ingestion
    chunk_size: int = Field(900, ge=200)
    chunk_overlap: int = Field(120, ge=0)
    max_file_mb: float = Field(20.0, gt=0)
    # Chunks embedded in one model call (with their new sentences) and written to the index
    # together. The model pads each batch to its longest text and sorts a call's texts by
    # length, so a larger call mixes fewer lengths: 2,048 embedded the shipped corpus x5 in
    # 62 s where 256 took 70 s (one call: 59 s). Smaller groups use less memory.
    ingest_group_chunks: int = Field(2048, ge=1)

    # Web sources (`bcft ingest --sources`)
    sources_file: Path | None = None  # default KNOWLEDGE_BASE_DIR/sources.yaml
    web_user_agent: str = "bcft-practice-companion/0.1 (knowledge base indexer)"
    # Seconds between two requests to one site (robots.txt's Crawl-delay when longer, up to
    # a minute): one request a second is the usual courtesy to a small public site.
    web_request_delay_seconds: float = Field(1.0, ge=0)
    # Per request, all in: a public page that takes longer than this is treated as broken.
    web_timeout_seconds: float = Field(20.0, gt=0)
    # A text page's HTML is rarely over 1 MB; 5 leaves room for inline scripts and styles.
    web_max_page_mb: float = Field(5.0, gt=0)
    # RFC 9309 asks crawlers to follow at least five redirects; beyond that it is a loop.
    web_max_redirects: int = Field(5, ge=0)

    # Retrieval and answering
    retrieval_k: int = Field(6, ge=1, le=20)
    retrieval_candidates: int = Field(40, ge=5)
    max_chunks_per_document: int = Field(2, ge=1)
    min_in_scope: float | None = Field(None, ge=0, le=1)
    max_question_chars: int = Field(2000, ge=50)

    # Optional LLM synthesis (any provider LangChain's init_chat_model supports)
    llm_provider: str | None = None
    llm_model: str | None = None
    llm_temperature: float = 0.0

    # Slack
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    admin_user_ids: Annotated[list[str], NoDecode] = []
    admin_usergroup_id: str | None = None
    rate_limit_per_minute: int = Field(10, ge=1)
    slack_listener_threads: int = Field(16, ge=1)
    slack_answer_threads: int | None = Field(None, ge=1)  # None: one per CPU
    # Review reminders: each document's `owner` (exactly as its front matter writes it) → a
    # Slack member id (U…/W…, a direct message) or user group id (S…, a message to each
    # member), as JSON: {"Practice leads": "S0123ABCD"}. Unmapped owners: `bcft kb status`.
    document_owners: Annotated[dict[str, str], NoDecode] = {}
    # How long a Still correct lasts when a document's front matter gives no period of its
    # own (review_due - last_reviewed): 183 days, the six months half the shipped documents
    # use (the other half use twelve), so a document without one is never left longer.
    review_period_days: int = Field(183, ge=1)

    # Answers practice leads write for knowledge gaps in the App Home: the `owner` their front
    # matter names. Unset: the author, by their DOCUMENT_OWNERS name if they have one, else
    # their Slack member id.
    gap_answer_owner: str | None = None
    # The channel (id) the weekly digest is posted to, for practice leads only; unset: none.
    digest_channel: str | None = None

    # The store: unset, one SQLite file under DATA_DIR; a PostgreSQL URL
    # (postgresql://user:password@host:5432/bcft) to share it between hosts.
    database_url: str | None = None
    # Questions and feedback are deleted this many days after they were made.
    retention_days: float = Field(180, gt=0)

    log_level: str = "INFO"
    # text: one readable line per event; json: one JSON object per line (time, level, logger,
    # message, and the answer's `ref` or Slack's `event` id while a question is handled).
    log_format: Literal["text", "json"] = "text"

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(_DATABASE_SCHEMES):
            raise ValueError("use postgresql://user:password@host:5432/name, or leave it blank")
        return value

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("document_owners", mode="before")
    @classmethod
    def _owners_from_json(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return {}
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"DOCUMENT_OWNERS is not JSON ({error.msg}); write it as "
                '{"Owner name": "U0123ABCD", "Another owner": "S0123ABCD"}'
            ) from None

    @field_validator("document_owners")
    @classmethod
    def _slack_ids(cls, owners: dict[str, str]) -> dict[str, str]:
        for owner, slack_id in owners.items():
            if not re.fullmatch(r"[UWS][A-Z0-9]{2,}", slack_id):
                raise ValueError(
                    f"DOCUMENT_OWNERS: {owner!r} maps to {slack_id!r}, which is not a Slack "
                    "member id (U…, W…) or user group id (S…)"
                )
        return owners

    @field_validator(
        "chroma_host",
        "database_url",
        "lexicon_dir",
        "uploads_dir",
        "sources_file",
        "models_dir",
        "min_in_scope",
        "llm_provider",
        "llm_model",
        "admin_usergroup_id",
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_answer_threads",
        "gap_answer_owner",
        "digest_channel",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def uses_chroma_server(self) -> bool:
        return bool(self.chroma_host)

    @property
    def lexicon_path(self) -> Path:
        """Practice leads' word lists: local risk words, shorthand and synonyms."""
        return self.lexicon_dir or self.knowledge_base_dir / "lexicon"

    @property
    def sources_path(self) -> Path:
        """The list of web sites and pages `bcft ingest --sources` indexes."""
        return self.sources_file or self.knowledge_base_dir / "sources.yaml"

    @property
    def web_state_path(self) -> Path:
        """What web ingest keeps between runs: each page's validators, links and 404s."""
        return self.data_dir / "web_pages.json"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def snapshot_dir(self) -> Path:
        """What is derived from each index generation: chunks, keyword index, sentence vectors."""
        return self.data_dir / "snapshot"

    @property
    def onnx_dir(self) -> Path:
        """Where the embedding model exported for ONNX Runtime is kept."""
        return self.models_dir or self.data_dir / "models"

    @property
    def database_path(self) -> Path:
        """The embedded store's file, used when DATABASE_URL is not set."""
        return self.data_dir / "bcft.sqlite3"

    @property
    def metrics_dir(self) -> Path:
        """Where the Slack workers' Prometheus counts are kept (emptied by `bcft serve`)."""
        return self.data_dir / "metrics"

    @property
    def uploads_path(self) -> Path:
        """Where documents practice leads send in Slack are kept (default DATA_DIR/uploads)."""
        return self.uploads_dir or self.data_dir / "uploads"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_model)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
