"""Races that need real commits: these tests use their own database, not a rolled-back one."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier, Event

import pytest
from alembic import command
from fastapi.testclient import TestClient

from app.auth import service
from app.auth.models import Role
from app.auth.schemas import UserCreate
from app.auth.service import EmailTaken
from app.core.db import Database
from app.core.migrations import alembic_config
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import PASSWORD, auth_headers, create_incident, make_user


@pytest.fixture
def committing_client(scratch_url: str, tmp_path: Path) -> Iterator[TestClient]:
    command.upgrade(alembic_config(scratch_url), "head")
    settings = make_settings(scratch_url, tmp_path, REGISTRATION_ENABLED=True)
    with TestClient(create_app(settings)) as client:
        yield client


def test_concurrent_registrations_of_one_email_give_one_201_and_409s(
    committing_client: TestClient,
) -> None:
    racers = 6
    barrier = Barrier(racers)

    def register(n: int) -> int:
        email = "Race@Example.com" if n % 2 else "race@example.COM"
        body = {"email": email, "full_name": f"R{n}", "password": PASSWORD}
        barrier.wait()
        response = committing_client.post("/api/auth/register", json=body)
        assert response.status_code in (201, 409), response.text
        return response.status_code

    with ThreadPoolExecutor(racers) as pool:
        statuses = sorted(pool.map(register, range(racers)))
    assert statuses == [201] + [409] * (racers - 1)


def test_email_race_past_the_existence_check_is_still_a_conflict(scratch_url: str) -> None:
    """The second writer checks before the first commits; the database's constraint decides."""
    command.upgrade(alembic_config(scratch_url), "head")
    database = Database.from_url(scratch_url)
    data = UserCreate(email="same@example.com", full_name="Same", password=PASSWORD)
    first_flushed, release_first = Event(), Event()

    def first() -> None:
        with database.unit_of_work() as db:
            service.create(db, data)
            first_flushed.set()
            release_first.wait(5)

    def second() -> str:
        first_flushed.wait(5)
        try:
            with database.unit_of_work() as db:
                service.create(db, data)
        except EmailTaken:
            return "conflict"
        return "created"

    with ThreadPoolExecutor(2) as pool:
        pool.submit(first)
        outcome = pool.submit(second)
        time.sleep(0.3)  # let the second writer reach the database while the first holds its row
        release_first.set()
        assert outcome.result(timeout=10) == "conflict"
    database.dispose()


def test_more_concurrent_requests_than_connections_and_threads_all_finish(
    scratch_url: str, tmp_path: Path
) -> None:
    """Requests wait for a database slot on the event loop; waiting for a pooled connection in a
    worker thread instead would hold every thread while the connections' holders need one."""
    command.upgrade(alembic_config(scratch_url), "head")
    settings = make_settings(scratch_url, tmp_path, THREADPOOL_SIZE=2, DATABASE_POOL_SIZE=2)
    app = create_app(settings)
    user = make_user(app.state.database, role=Role.member)
    with TestClient(app) as client:
        headers = auth_headers(user, settings)
        with ThreadPoolExecutor(40) as pool:
            futures = [
                pool.submit(client.get, "/api/incidents", headers=headers) for _ in range(40)
            ]
            # Far beyond the few seconds this takes; a deadlock would wait out the pool's 30 s.
            statuses = [future.result(timeout=25).status_code for future in futures]
    app.state.database.dispose()
    assert statuses == [200] * 40


def test_many_concurrent_writes_to_one_incident_all_finish(
    scratch_url: str, tmp_path: Path
) -> None:
    """Writers of one incident queue for its row lock. Waiting for it inside worker threads
    could hold every thread while the lock's holder needs one to finish: all must answer."""
    command.upgrade(alembic_config(scratch_url), "head")
    settings = make_settings(scratch_url, tmp_path, THREADPOOL_SIZE=2)
    app = create_app(settings)
    user = make_user(app.state.database, role=Role.admin)
    headers = auth_headers(user, settings)
    with TestClient(app) as client:
        incident = create_incident(client, headers)
        path = f"/api/incidents/{incident['id']}/timeline"
        with ThreadPoolExecutor(20) as pool:
            futures = [
                pool.submit(client.post, path, json={"text": f"note {n}"}, headers=headers)
                for n in range(20)
            ]
            statuses = [future.result(timeout=25).status_code for future in futures]
    app.state.database.dispose()
    assert statuses == [201] * 20
