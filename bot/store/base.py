"""The connection to the store's database: embedded SQLite by default, PostgreSQL by URL.

`DATABASE_URL` unset means one SQLite file under DATA_DIR (WAL mode, shared safely by the
worker processes of one host). Set, it names a PostgreSQL database shared by several hosts
(`postgresql://user:password@host:5432/bcft`; psycopg 3 is the driver, through a pool).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, delete, event, text
from sqlalchemy.dialects import postgresql, sqlite

from bot.settings import Settings

# How long a SQLite writer waits for another process's write to finish before failing.
_SQLITE_BUSY_SECONDS = 30
_WAL_RETRY_SECONDS = 0.05  # between attempts to switch a new database to WAL mode
# Connections each process keeps open to PostgreSQL, and how many more it may open under a
# burst: a worker's listener and answer threads each hold one for a few milliseconds. They
# are not pinged before each use (a round trip on every store call): after a database
# restart the first call on a dead connection fails, and SQLAlchemy then renews the pool.
_PG_POOL_SIZE = 5
_PG_POOL_OVERFLOW = 10


def database_url(settings: Settings) -> str:
    """DATABASE_URL if set, else the SQLite file under DATA_DIR."""
    return settings.database_url or sqlite_url(settings.database_path)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def connect(url: str) -> Engine:
    """An engine for `url`: PostgreSQL through psycopg 3, or a SQLite file in WAL mode."""
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": _SQLITE_BUSY_SECONDS, "check_same_thread": False}
        )
        _take_over_sqlite_transactions(engine)
        return engine
    return create_engine(url, pool_size=_PG_POOL_SIZE, max_overflow=_PG_POOL_OVERFLOW)


def _take_over_sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, begin transactions (SQLAlchemy's documented
    recipe), so a transaction can be `BEGIN IMMEDIATE` when it must hold the write lock."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_SECONDS * 1000}")
        _use_wal(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(db: Connection) -> None:
        db.exec_driver_sql(f"BEGIN {db.get_execution_options().get('sqlite_begin', '')}")


def _use_wal(dbapi_connection: sqlite3.Connection) -> None:
    """Put the database in WAL mode. Processes opening a new database at once race for the
    exclusive lock this takes, and SQLite can tell the loser "database is locked" at once
    instead of waiting its busy timeout: the loser tries again until that timeout."""
    deadline = time.monotonic() + _SQLITE_BUSY_SECONDS
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(_WAL_RETRY_SECONDS)


class StoreBase:
    """What every part of the store shares: the engine, transactions, dialect-aware inserts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # On PostgreSQL a statement that stands alone commits as it runs, saving the BEGIN
        # and COMMIT round trips; SQLite keeps its transactions (no round trips to save, and
        # its locking relies on them).
        postgres = engine.dialect.name == "postgresql"
        self._alone = engine.execution_options(isolation_level="AUTOCOMMIT") if postgres else engine

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """One transaction, committed when the block ends without an error."""
        with self.engine.begin() as db:
            yield db

    def _insert(self, table: Table) -> Any:
        """An INSERT that supports ON CONFLICT on this database (both dialects spell it so)."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    @contextmanager
    def _single(self) -> Iterator[Connection]:
        """A connection for one statement, atomic on its own (see `_alone`)."""
        with self._alone.begin() as db:
            yield db

    def _claim_once(self, table: Table, **key: object) -> bool:
        """Insert-if-absent into a claims table (its key columns and `sent_at`): True for the
        one caller, on any worker or host, whose row went in."""
        insert_once = (
            self._insert(table)
            .values(**key, sent_at=time.time())
            .on_conflict_do_nothing()
            .returning(*table.primary_key.columns)
        )
        with self._begin() as db:
            return db.execute(insert_once).first() is not None

    def _release_claim(self, table: Table, **key: object) -> None:
        """Give a claim back (what it claimed could not be done), so a later call claims it."""
        with self._begin() as db:
            db.execute(delete(table).where(*(table.c[name] == v for name, v in key.items())))

    def ping(self) -> None:
        """Raise if the database cannot be reached (readiness checks)."""
        with self._begin() as db:
            db.execute(text("SELECT 1"))

    def close(self) -> None:
        """Close pooled connections (a process that forks must not share them)."""
        self.engine.dispose()
