"""`fastapi-app worker` as real processes: killed mid-delivery, stopped gently, run in pairs."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select

from app.core.db import Database
from app.core.migrations import alembic_config
from app.incident import service
from app.incident.schemas import IncidentCreate
from app.plugins.models import DeliveryStatus, OutboxEvent
from tests.dispatching import deliveries, open_deliveries
from tests.factories import make_user
from tests.receiver import Receiver

SECRET = "worker-test-secret"
Worker = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def database(scratch_url: str) -> Iterator[Database]:
    """A real, committing database (the workers are other processes)."""
    command.upgrade(alembic_config(scratch_url), "head")
    database = Database.from_url(scratch_url)
    yield database
    database.dispose()


@pytest.fixture
def start_worker(scratch_url: str, tmp_path: Path, receiver: Receiver) -> Iterator[Worker]:
    processes: list[subprocess.Popen[bytes]] = []

    def start(**settings: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DATABASE_URL": scratch_url,
            "VAR_DIR": str(tmp_path / "var"),
            "PLUGINS_ENABLED": "webhook",
            "WEBHOOK_URLS": receiver.url,
            "WEBHOOK_SECRET": SECRET,
            "DISPATCHER_POLL_SECONDS": "0.05",
            "DELIVERY_BACKOFF_BASE_SECONDS": "0.1",
            "DELIVERY_BACKOFF_MAX_SECONDS": "0.5",
            "LOG_LEVEL": "WARNING",
            **settings,
        }
        log = (tmp_path / f"worker-{len(processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "worker"],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def create_incidents(database: Database, count: int) -> set[str]:
    """Create incidents in one transaction; the keys of the events they emitted."""
    reporter = make_user(database)
    with database.unit_of_work() as db:
        for n in range(count):
            service.create(db, IncidentCreate(title=f"incident {n}"), reporter=reporter)
    with database.unit_of_work(write=False) as db:
        return {str(key) for key in db.scalars(select(OutboxEvent.key))}


def wait_until(condition: Callable[[], bool], *, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        time.sleep(0.05)


def test_a_worker_killed_mid_delivery_loses_nothing_after_restart(
    database: Database, receiver: Receiver, start_worker: Worker
) -> None:
    keys = create_incidents(database, 10)
    receiver.delay = 0.8  # every delivery is still in flight when the worker dies
    first = start_worker(DELIVERY_TIMEOUT_SECONDS="1")
    assert receiver.arrived.wait(30), "the worker never delivered"
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert any(d.status is DeliveryStatus.delivering for d in deliveries(database))

    receiver.delay = 0
    start_worker(DELIVERY_TIMEOUT_SECONDS="1")
    wait_until(lambda: not open_deliveries(database), within=30, what="all delivered")
    assert set(receiver.keys()) == keys
    assert all(d.status is DeliveryStatus.done for d in deliveries(database))
    assert receiver.all_signed_with(SECRET)


def test_sigterm_lets_a_worker_finish_its_deliveries_and_exit_cleanly(
    database: Database, receiver: Receiver, start_worker: Worker
) -> None:
    keys = create_incidents(database, 5)
    receiver.delay = 0.5
    worker = start_worker()
    assert receiver.arrived.wait(30), "the worker never delivered"
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(15) == 0
    assert open_deliveries(database) == []
    assert receiver.keys() == dict.fromkeys(keys, 1)


def test_two_workers_deliver_1000_events_exactly_once_each(
    backend: str, database: Database, receiver: Receiver, start_worker: Worker
) -> None:
    if backend != "postgresql":
        pytest.skip("several workers share the work through PostgreSQL row locks")
    keys = create_incidents(database, 1000)
    started = time.monotonic()
    workers = [start_worker(), start_worker()]
    wait_until(lambda: len(receiver.keys()) >= 1000, within=120, what="1000 events received")
    elapsed = time.monotonic() - started
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    assert [worker.wait(15) for worker in workers] == [0, 0]
    counts = receiver.keys()
    assert set(counts) == keys
    twice = {key: n for key, n in counts.items() if n > 1}
    assert twice == {}, f"{len(twice)} events delivered more than once"
    assert open_deliveries(database) == []
    print(f"two workers: 1000 events in {elapsed:.1f}s including start-up")
