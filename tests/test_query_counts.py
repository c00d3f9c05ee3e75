"""How many SQL statements the busiest requests send: fixed numbers, whatever the page holds.

A page that loads something per row (tags, people) shows up here as a count that grows with the
page; these tests fill pages of 2 and of 20 incidents and expect the same count for both.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import event

from app.core.db import Database
from tests.factories import Cast, create_incident

# Statements of the test's outer transaction (each unit of work is a savepoint in it).
_HARNESS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextmanager
def counting(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(_HARNESS):
            statements.append(statement)

    event.listen(database.bind, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.bind, "before_cursor_execute", record)


def count(database: Database, request: Callable[[], Response], status: int = 200) -> int:
    with counting(database) as statements:
        response = request()
    assert response.status_code == status, response.text
    return len(statements)


@pytest.fixture
def incidents(client: TestClient, people: Cast) -> list[int]:
    """Twenty incidents, each with tags, a participant and a note."""
    ids = []
    for n in range(20):
        incident = create_incident(client, people["commander"], tags=["db", f"t{n}"])
        ids.append(incident["id"])
        client.post(
            f"/api/incidents/{incident['id']}/timeline",
            json={"text": f"note {n}"},
            headers=people["commander"],
        )
    return ids


@pytest.mark.parametrize("who", ["admin", "member"])
def test_the_incident_list_costs_the_same_for_2_or_20_incidents(
    client: TestClient, database: Database, people: Cast, incidents: list[int], who: str
) -> None:
    def page(limit: int) -> Callable[[], Response]:
        return lambda: client.get(f"/api/incidents?limit={limit}", headers=people[who])

    # The caller, then the page with each incident's tags.
    assert count(database, page(2)) == count(database, page(20)) == 2


def test_a_timeline_page_costs_the_same_for_2_or_20_entries(
    client: TestClient, database: Database, people: Cast, incidents: list[int]
) -> None:
    iid = incidents[0]
    for n in range(20):
        client.post(
            f"/api/incidents/{iid}/timeline", json={"text": f"more {n}"}, headers=people["admin"]
        )

    def page(limit: int) -> Callable[[], Response]:
        return lambda: client.get(
            f"/api/incidents/{iid}/timeline?limit={limit}", headers=people["member"]
        )

    # The caller, the incident, its tags, the entries (an open incident needs no membership check).
    assert count(database, page(2)) == count(database, page(20)) == 4


def test_reading_one_incident(
    client: TestClient, database: Database, people: Cast, incidents: list[int]
) -> None:
    """The caller, the incident, its tags."""
    path = f"/api/incidents/{incidents[0]}"
    assert count(database, lambda: client.get(path, headers=people["member"])) == 3


def test_creating_an_incident(client: TestClient, database: Database, people: Cast) -> None:
    """The caller; the incident, its tags (one statement), its commander, its timeline entry
    and its event."""
    body = {"title": "Checkout errors", "severity": "high", "tags": ["db", "eu", "web"]}
    created = count(
        database,
        lambda: client.post("/api/incidents", json=body, headers=people["member"]),
        status=201,
    )
    assert created == 6


def test_adding_a_note(
    client: TestClient, database: Database, people: Cast, incidents: list[int]
) -> None:
    """The caller, the incident, its tags; the entry and its event."""
    note = count(
        database,
        lambda: client.post(
            f"/api/incidents/{incidents[0]}/timeline",
            json={"text": "Rolled back"},
            headers=people["commander"],
        ),
        status=201,
    )
    assert note == 5
