"""Races that need real commits: concurrent notifications of one group open one incident."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

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
