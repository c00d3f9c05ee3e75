"""Engine and unit-of-work sessions: SQLite tuned for a web server, PostgreSQL via psycopg 3.

A unit of work commits on success and rolls back on error. On SQLite, write units of work take an
in-process lock and `BEGIN IMMEDIATE`, so concurrent writers queue in order instead of spinning
in SQLite's busy handler or failing with "database is locked" when a read upgrades to a write.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    # 8 MiB per connection. Each pooled connection keeps a cache of its own, so this sets what
    # they can hold in all; at 64 MiB each they grew the server's RSS by 35 % over 100,000
    # requests (bench/README.md). The operating system's page cache holds the file anyway.
    "PRAGMA cache_size=-8192",
    "PRAGMA temp_store=MEMORY",
)
_WRITE = "app_write"


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# Connections beyond the requests' share, for background work: plugin delivery, token use.
BACKGROUND_CONNECTIONS = 5


def create_db_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    parsed = make_url(url)
    pool = {"pool_size": pool_size, "max_overflow": BACKGROUND_CONNECTIONS}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        else:
            pool = {}  # one in-memory database per connection: SQLAlchemy keeps one per thread
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False}, **pool)
        _tune_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, **pool)


def _session_factory(bind: Engine | Connection) -> sessionmaker[Session]:
    return sessionmaker(bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint")


class Database:
    """One engine and the way to open units of work on it; lives on `app.state` and in the CLI."""

    def __init__(self, engine: Engine | Connection) -> None:
        self.bind = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._sessions = _session_factory(engine)
        # Writers' connections carry the option that makes SQLite `BEGIN IMMEDIATE` (see
        # `_tune_sqlite`), set on the bind so a session opens without touching the database.
        # A test's Connection is already in its outer transaction, so it needs no such option.
        write_bind = (
            engine.execution_options(**{_WRITE: True}) if isinstance(engine, Engine) else engine
        )
        self._write_sessions = _session_factory(write_bind)
        self._write_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False, pool_size: int = 10) -> "Database":
        return cls(create_db_engine(url, echo=echo, pool_size=pool_size))

    def write_lock(self, *, write: bool) -> "threading.Lock | None":
        """SQLite's one-writer-at-a-time lock for this process; none for readers or PostgreSQL."""
        return self._write_lock if write and self.is_sqlite else None

    def session(self, *, write: bool) -> Session:
        """A new session; it touches the database only when first used."""
        return self._write_sessions() if write else self._sessions()

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        """A session whose work commits together when the block ends, or not at all."""
        with self.write_lock(write=write) or nullcontext(), self.session(write=write) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        if isinstance(self.bind, Engine):
            self.bind.dispose()
