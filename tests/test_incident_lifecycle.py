"""The status machine, per role: who may move an incident where, and what gets stamped."""

import pytest
from fastapi.testclient import TestClient

from app.auth.models import User
from app.core.db import Database
from tests.factories import Cast, assert_error, create_incident, make_user, update_incident

STATUSES = ["active", "stable", "closed"]
ALLOWED = {("active", "stable"), ("active", "closed"), ("stable", "closed"), ("closed", "active")}
CLOSE = {"status": "closed", "resolution": "Rolled back the deploy."}
ACTORS = ["commander", "admin", "participant", "member", "viewer"]


def _incident_in(client: TestClient, people: Cast, status: str) -> int:
    """An incident in `status`, with `participant` taking part as scribe."""
    incident = create_incident(client, people["commander"])
    added = client.post(
        f"/api/incidents/{incident['id']}/participants",
        json={"user_id": people.users["participant"].id, "role": "scribe"},
        headers=people["commander"],
    )
    assert added.status_code == 201, added.text
    moves = {"active": [], "stable": [{"status": "stable"}], "closed": [CLOSE]}[status]
    for move in moves:
        assert update_incident(client, people["admin"], incident["id"], **move).status_code == 200
    return int(incident["id"])


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("target", STATUSES)
@pytest.mark.parametrize("start", STATUSES)
def test_every_transition_for_every_role(
    client: TestClient,
    people: Cast,
    start: str,
    target: str,
    actor: str,
) -> None:
    incident_id = _incident_in(client, people, start)
    body = CLOSE if target == "closed" else {"status": target}
    response = update_incident(client, people[actor], incident_id, **body)

    if actor not in ("commander", "admin"):
        assert_error(response, 403)
    elif start == target:
        assert response.status_code == 200
        assert response.json()["status"] == start
    elif (start, target) in ALLOWED:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == target
    else:
        error = assert_error(response, 409, "invalid_transition")
        allowed = sorted(to for frm, to in ALLOWED if frm == start)
        assert error["details"][0]["allowed"] == allowed
        assert all(name in error["message"] for name in allowed)


def test_transitions_stamp_times_and_reopen_clears_closing(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers)
    assert incident["reported_at"] is not None
    assert incident["stable_at"] is None

    stable = update_incident(client, member_headers, incident["id"], status="stable").json()
    assert stable["stable_at"] is not None
    closed = update_incident(client, member_headers, incident["id"], **CLOSE).json()
    assert closed["closed_at"] is not None
    assert closed["resolution"] == CLOSE["resolution"]
    assert closed["stable_at"] == stable["stable_at"]

    reopened = update_incident(client, member_headers, incident["id"], status="active").json()
    assert reopened["status"] == "active"
    assert reopened["closed_at"] is None
    assert reopened["resolution"] is None


def test_closing_needs_a_resolution(client: TestClient, member_headers: dict[str, str]) -> None:
    incident = create_incident(client, member_headers)
    response = update_incident(client, member_headers, incident["id"], status="closed")
    assert_error(response, 422, "resolution_required")


def test_closing_straight_from_active_also_stamps_stable(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers)
    closed = update_incident(client, member_headers, incident["id"], **CLOSE).json()
    assert closed["stable_at"] == closed["closed_at"]


def test_commander_defaults_to_reporter_and_can_be_handed_over(
    client: TestClient, member: User, member_headers: dict[str, str], database: Database
) -> None:
    other = make_user(database)
    incident = create_incident(client, member_headers)
    assert incident["commander_id"] == member.id

    handed = update_incident(client, member_headers, incident["id"], commander_id=other.id)
    assert handed.json()["commander_id"] == other.id
    people = client.get(f"/api/incidents/{incident['id']}/participants", headers=member_headers)
    roles = {p["user"]["id"]: p["role"] for p in people.json()}
    assert roles == {member.id: "observer", other.id: "commander"}
    # The old commander is now only a participant: running the incident is no longer theirs.
    assert_error(update_incident(client, member_headers, incident["id"], severity="low"), 403)


def test_commander_must_be_an_active_user(
    client: TestClient, member_headers: dict[str, str], database: Database
) -> None:
    gone = make_user(database, is_active=False)
    incident = create_incident(client, member_headers)
    for commander_id in [gone.id, 999_999]:
        response = update_incident(
            client, member_headers, incident["id"], commander_id=commander_id
        )
        assert_error(response, 422)
    body = {"title": "x", "commander_id": gone.id}
    assert_error(client.post("/api/incidents", json=body, headers=member_headers), 422)


def test_participants_edit_but_only_the_commander_runs_the_incident(
    client: TestClient, people: Cast
) -> None:
    incident_id = _incident_in(client, people, "active")
    edit = update_incident(client, people["participant"], incident_id, title="Renamed")
    assert edit.status_code == 200
    for field, value in [("severity", "critical"), ("visibility", "restricted")]:
        response = update_incident(client, people["participant"], incident_id, **{field: value})
        assert_error(response, 403)
    assert_error(update_incident(client, people["member"], incident_id, title="Nope"), 403)
    assert update_incident(client, people["admin"], incident_id, severity="low").status_code == 200
