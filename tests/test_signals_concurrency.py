"""Races and bursts that need real commits: concurrent notifications of one group open one
incident, and more concurrent notifications than worker threads are all answered."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import httpx
import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.auth.models import Role
from app.core.db import Database
from app.core.migrations import alembic_config
from app.incident.models import Incident
from app.main import create_app
from app.signal.models import Alert, AlertGroup
from tests.conftest import make_settings
from tests.factories import alert, make_token, make_user, notification
from tests.live_server import serve


@pytest.fixture
def database(scratch_url: str) -> Iterator[Database]:
    command.upgrade(alembic_config(scratch_url), "head")
    database = Database.from_url(scratch_url)
    yield database
    database.dispose()


@pytest.fixture
def committing_client(database: Database, scratch_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(scratch_url, tmp_path), database)) as client:
        yield client


def test_concurrent_first_notifications_of_a_group_open_one_incident(
    committing_client: TestClient, database: Database
) -> None:
    headers = make_token(database, make_user(database, role=Role.member))
    racers = 8
    barrier = Barrier(racers)
    bodies = [
        notification(*(alert(f"web-{n}") for n in range(racer % 3 + 1)), group=f"g{racer % 2}")
        for racer in range(racers)
    ]

    def post(racer: int) -> int:
        barrier.wait()
        response = committing_client.post(
            "/api/signals/alertmanager", json=bodies[racer], headers=headers
        )
        assert response.status_code == 200, response.text
        incident_id: int = response.json()["incident_id"]
        return incident_id

    with ThreadPoolExecutor(racers) as pool:
        incident_ids = list(pool.map(post, range(racers)))

    assert len(set(incident_ids)) == 2  # two groups, one incident each
    with database.unit_of_work(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Incident)) == 2
        assert db.scalar(select(func.count()).select_from(AlertGroup)) == 2
        assert db.scalar(select(func.count()).select_from(Alert)) == 6  # web-0..2 in each


def test_more_concurrent_notifications_than_threads_are_all_answered(
    scratch_url: str, tmp_path: Path
) -> None:
    """SQLite writers wait for their turn on the event loop: waiting in worker threads, enough
    of them used to leave the writer holding the lock no thread to finish in (all hung)."""
    racers = 12
    with serve(scratch_url, tmp_path, THREADPOOL_SIZE="2") as (url, _):
        database = Database.from_url(scratch_url)
        headers = make_token(database, make_user(database))
        database.dispose()
        barrier = Barrier(racers)

        def post(racer: int) -> int | str:
            body = notification(alert(), group=f"burst-{racer}")
            barrier.wait()
            try:
                response = httpx.post(
                    f"{url}/api/signals/alertmanager", json=body, headers=headers, timeout=20
                )
            except httpx.TimeoutException:
                return "timeout"
            return response.status_code

        with ThreadPoolExecutor(racers) as pool:
            assert list(pool.map(post, range(racers))) == [200] * racers
