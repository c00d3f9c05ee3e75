"""Fixtures: every database test runs once on SQLite and once on PostgreSQL.

PostgreSQL comes from `TEST_DATABASE_URL`. Without it the PostgreSQL half is skipped locally, and
fails under CI (`CI=true`) or `REQUIRE_POSTGRES=1`, so a missing server can never pass silently.
Each test runs inside an outer transaction that is rolled back afterwards; the app's own commits
only release savepoints inside it (`join_transaction_mode="create_savepoint"`).
"""

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _pytest.terminal import TerminalReporter
from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.auth.models import Role, User
from app.core.config import Settings, get_settings
from app.core.db import Database, create_db_engine
from app.core.migrations import alembic_config
from app.main import create_app
from tests.factories import Cast, auth_headers, make_token, make_user
from tests.receiver import Receiver

BACKENDS = ["sqlite", "postgresql"]


def _postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        return url
    message = "TEST_DATABASE_URL is not set to a PostgreSQL URL"
    if os.environ.get("CI") or os.environ.get("REQUIRE_POSTGRES"):
        pytest.fail(f"{message}, and PostgreSQL is required here", pytrace=False)
    pytest.skip(message)


def pytest_sessionstart(session: pytest.Session) -> None:
    """A PostgreSQL that was asked for but can't be reached stops the run at once, with one line,
    instead of failing each of its tests after the SQLite half has run."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        server = make_url(url).render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0]
        pytest.exit(f"PostgreSQL at {server} is unreachable: {reason}", returncode=1)
    finally:
        engine.dispose()


def _admin_engine(url: str) -> Engine:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _reset_postgres(url: str) -> None:
    """Make `url`'s database exist and be empty."""
    name = make_url(url).database
    admin = _admin_engine(url)
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head, shared by the tests of one backend."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    else:
        url = _postgres_url()
        _reset_postgres(url)
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture
def scratch_url(backend: str, tmp_path: Path) -> str:
    """An empty database of the current backend for tests that commit or migrate for real."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'scratch.db'}"
    url = make_url(_postgres_url())
    scratch = url.set(database=f"{url.database}_scratch").render_as_string(hide_password=False)
    _reset_postgres(scratch)
    return scratch


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def database(engine: Engine) -> Iterator[Database]:
    """A Database whose every unit of work lives inside one transaction rolled back at the end."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield Database(connection)
        transaction.rollback()


@pytest.fixture
def cli_env(scratch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """CLI commands run against the scratch database, from a scratch directory."""
    monkeypatch.setenv("DATABASE_URL", scratch_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def make_settings(database_url: str, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
        "VAR_DIR": tmp_path / "var",
        "DISPATCHER_ENABLED": False,  # a test that wants deliveries runs a dispatcher itself
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:  # the context manager runs the lifespan
        yield client


@pytest.fixture
def admin(database: Database) -> User:
    return make_user(database, role=Role.admin, email="admin@example.com")


@pytest.fixture
def member(database: Database) -> User:
    return make_user(database, role=Role.member, email="member@example.com")


@pytest.fixture
def viewer(database: Database) -> User:
    return make_user(database, role=Role.viewer, email="viewer@example.com")


@pytest.fixture
def people(database: Database, settings: Settings) -> Cast:
    """A commander-to-be, an admin, a participant-to-be, a bystanding member and a viewer."""
    users = {
        "commander": make_user(database),
        "admin": make_user(database, role=Role.admin),
        "participant": make_user(database),
        "member": make_user(database),
        "viewer": make_user(database, role=Role.viewer),
    }
    return Cast(users, {name: auth_headers(user, settings) for name, user in users.items()})


@pytest.fixture
def alertbot(database: Database) -> User:
    """The member Alertmanager's token belongs to: the reporter of what alerts open."""
    return make_user(database, role=Role.member, email="alertbot@example.com")


@pytest.fixture
def signal_headers(database: Database, alertbot: User) -> dict[str, str]:
    """An API token of `alertbot` with the `signals:write` scope."""
    return make_token(database, alertbot)


@pytest.fixture
def admin_headers(admin: User, settings: Settings) -> dict[str, str]:
    return auth_headers(admin, settings)


@pytest.fixture
def member_headers(member: User, settings: Settings) -> dict[str, str]:
    return auth_headers(member, settings)


@pytest.fixture
def viewer_headers(viewer: User, settings: Settings) -> dict[str, str]:
    return auth_headers(viewer, settings)


_BACKEND_ID = re.compile(r"[\[-](sqlite|postgresql)[\]-]")
_outcomes: Counter[tuple[str, str]] = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        match = _BACKEND_ID.search(report.nodeid)
        _outcomes[(match.group(1) if match else "no database", report.outcome)] += 1


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    """Say how many tests ran on each database, so a skipped PostgreSQL half is visible."""
    terminalreporter.section("per database")
    for backend in [*BACKENDS, "no database"]:
        counts = {o: n for (b, o), n in _outcomes.items() if b == backend}
        summary = ", ".join(f"{n} {o}" for o, n in sorted(counts.items())) or "none ran"
        terminalreporter.write_line(f"{backend}: {summary}")


# --- plugins ----------------------------------------------------------------------------------


@pytest.fixture
def install_plugins(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Make extra plugins discoverable, as if installed: `install_plugins(name="module:attr")`."""
    from importlib.metadata import EntryPoint

    from app.plugins import loader
    from app.plugins.base import ENTRY_POINT_GROUP

    real = list(loader.discover())

    def install(**targets: str) -> None:
        extra = [EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in targets.items()]
        monkeypatch.setattr(loader, "discover", lambda: [*real, *extra])

    return install


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver listening on 127.0.0.1 for the length of a test."""
    server = Receiver()
    yield server
    server.down()
