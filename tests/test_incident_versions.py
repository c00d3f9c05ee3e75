"""Lost updates: a change based on a stale version is refused with 412, never applied."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import pytest
from alembic import command
from fastapi.testclient import TestClient

from app.auth.models import Role
from app.core.db import Database
from app.core.migrations import alembic_config
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import assert_error, auth_headers, create_incident, make_user, update_incident


def test_reads_carry_the_version_in_body_and_etag(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers)
    response = client.get(f"/api/incidents/{incident['id']}", headers=member_headers)
    assert response.json()["version"] == 1
    assert response.headers["etag"] == '"1"'
    changed = update_incident(client, member_headers, incident["id"], title="New")
    assert changed.json()["version"] == 2
    assert changed.headers["etag"] == '"2"'


def test_stale_if_match_is_412_with_the_current_version(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers)
    url = f"/api/incidents/{incident['id']}"
    assert (
        client.patch(
            url, json={"title": "A"}, headers={**member_headers, "If-Match": '"1"'}
        ).status_code
        == 200
    )
    stale = client.patch(url, json={"title": "B"}, headers={**member_headers, "If-Match": '"1"'})
    error = assert_error(stale, 412, "stale_version")
    assert error["details"] == [{"current_version": 2}]
    assert client.get(url, headers=member_headers).json()["title"] == "A"


def test_stale_body_version_is_412(client: TestClient, member_headers: dict[str, str]) -> None:
    incident = create_incident(client, member_headers)
    update_incident(client, member_headers, incident["id"], title="A", version=1)
    assert_error(update_incident(client, member_headers, incident["id"], title="B", version=1), 412)


def test_malformed_if_match_is_422(client: TestClient, member_headers: dict[str, str]) -> None:
    incident = create_incident(client, member_headers)
    url = f"/api/incidents/{incident['id']}"
    response = client.patch(
        url, json={"title": "A"}, headers={**member_headers, "If-Match": "yesterday"}
    )
    assert_error(response, 422)
    wildcard = client.patch(url, json={"title": "A"}, headers={**member_headers, "If-Match": "*"})
    assert wildcard.status_code == 200


@pytest.fixture
def committing(scratch_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    command.upgrade(alembic_config(scratch_url), "head")
    settings = make_settings(scratch_url, tmp_path)
    database = Database.from_url(scratch_url)
    admin = make_user(database, role=Role.admin)
    with TestClient(create_app(settings, database)) as client:
        yield client, auth_headers(admin, settings)


def test_two_concurrent_updates_from_one_version_one_wins_one_412(
    committing: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = committing
    incident = create_incident(client, headers)
    url = f"/api/incidents/{incident['id']}"
    barrier = Barrier(2)

    def change(title: str) -> int:
        barrier.wait()
        response = client.patch(url, json={"title": title}, headers={**headers, "If-Match": '"1"'})
        return response.status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(change, ["First", "Second"]))
    assert statuses == [200, 412]
    entries = client.get(f"{url}/timeline", headers=headers).json()["items"]
    assert [e["kind"] for e in entries] == ["updated", "created"]
    assert client.get(url, headers=headers).json()["version"] == 2
