from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.auth.models import User
from app.core.db import Database
from app.incident import service
from app.incident.schemas import IncidentCreate
from app.plugins.events import EVENT_ADAPTER, IncidentUpdated, NoteAdded
from app.plugins.models import OutboxEvent
from tests.factories import create_incident


def stored_events(database: Database) -> list[OutboxEvent]:
    with database.unit_of_work(write=False) as db:
        return list(db.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))


def test_creating_an_incident_stores_an_incident_created_event_with_snapshot_and_actor(
    client: TestClient, database: Database, member: User, member_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers, title="DB failover", severity="critical")
    [event] = stored_events(database)
    payload: dict[str, Any] = event.payload
    assert event.type == payload["type"] == "incident.created"
    assert event.incident_id == incident["id"]
    assert str(event.key) == payload["id"]
    assert payload["schema_version"] == 1
    assert payload["incident"]["title"] == "DB failover"
    assert payload["incident"]["severity"] == "critical"
    assert payload["incident"]["tags"] == []
    assert payload["actor"] == {
        "id": member.id,
        "email": member.email,
        "full_name": member.full_name,
    }
    assert event.dispatched_at is None


def test_an_update_emits_updated_status_changed_and_closed_events(
    client: TestClient, database: Database, member_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers, severity="low")
    change = {"severity": "high", "title": "Worse", "status": "closed", "resolution": "Fixed."}
    response = client.patch(f"/api/incidents/{incident['id']}", json=change, headers=member_headers)
    assert response.status_code == 200, response.text
    types = [e.type for e in stored_events(database)]
    assert types == [
        "incident.created",
        "incident.updated",
        "incident.status_changed",
        "incident.closed",
    ]
    updated = EVENT_ADAPTER.validate_python(stored_events(database)[1].payload)
    assert isinstance(updated, IncidentUpdated)
    assert [(c.field, c.before, c.after) for c in updated.changes] == [
        ("title", "Checkout is down", "Worse"),
        ("severity", "low", "high"),
    ]
    assert updated.incident.status == "closed"


def test_an_update_that_changes_nothing_emits_nothing(
    client: TestClient, database: Database, member_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers, severity="low")
    client.patch(
        f"/api/incidents/{incident['id']}", json={"severity": "low"}, headers=member_headers
    )
    assert [e.type for e in stored_events(database)] == ["incident.created"]


def test_a_change_whose_transaction_rolls_back_leaves_no_event(
    database: Database, member: User
) -> None:
    def create_then_fail() -> None:
        with database.unit_of_work() as db:
            service.create(db, IncidentCreate(title="Never happened"), reporter=member)
            db.flush()
            assert db.scalar(select(func.count()).select_from(OutboxEvent)) == 1
            raise RuntimeError("the commit never comes")

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert stored_events(database) == []


def test_events_are_immutable_for_plugins(
    client: TestClient, database: Database, member_headers: dict[str, str]
) -> None:
    create_incident(client, member_headers)
    event = EVENT_ADAPTER.validate_python(stored_events(database)[0].payload)
    with pytest.raises(ValueError, match="frozen"):
        event.incident.title = "changed"  # type: ignore[misc]


def test_a_note_and_a_commander_change_emit_events(
    client: TestClient, database: Database, member_headers: dict[str, str], admin: User
) -> None:
    incident = create_incident(client, member_headers)
    url = f"/api/incidents/{incident['id']}"
    client.post(f"{url}/timeline", json={"text": "Rolled back."}, headers=member_headers)
    client.patch(url, json={"commander_id": admin.id}, headers=member_headers)
    stored = stored_events(database)
    assert [e.type for e in stored] == [
        "incident.created",
        "incident.note_added",
        "incident.updated",
    ]
    note = EVENT_ADAPTER.validate_python(stored[1].payload)
    assert isinstance(note, NoteAdded)
    assert note.note.text == "Rolled back."
    handed_over = EVENT_ADAPTER.validate_python(stored[2].payload)
    assert isinstance(handed_over, IncidentUpdated)
    assert handed_over.incident.commander_id == admin.id
