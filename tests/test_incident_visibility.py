"""A restricted incident does not exist for anyone but its participants and admins."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Cast, assert_error, create_incident, ids

SECRET = "zebracorn"  # a word only the restricted incident contains


@pytest.fixture
def restricted(client: TestClient, people: Cast) -> dict[str, Any]:
    incident = create_incident(
        client, people["commander"], title=f"Breach {SECRET}", visibility="restricted"
    )
    added = client.post(
        f"/api/incidents/{incident['id']}/participants",
        json={"user_id": people.users["participant"].id},
        headers=people["commander"],
    )
    assert added.status_code == 201
    return incident


SEES = [("member", False), ("viewer", False), ("participant", True), ("admin", True)]


@pytest.mark.parametrize(("actor", "sees"), SEES)
def test_get(
    client: TestClient, people: Cast, restricted: dict[str, Any], actor: str, sees: bool
) -> None:
    response = client.get(f"/api/incidents/{restricted['id']}", headers=people[actor])
    if sees:
        assert response.status_code == 200
    else:
        assert_error(response, 404, "incident_not_found")


@pytest.mark.parametrize(("actor", "sees"), SEES)
def test_list(
    client: TestClient, people: Cast, restricted: dict[str, Any], actor: str, sees: bool
) -> None:
    listed = ids(client.get("/api/incidents", headers=people[actor]))
    assert (restricted["id"] in listed) is sees


@pytest.mark.parametrize(("actor", "sees"), SEES)
def test_search(
    client: TestClient, people: Cast, restricted: dict[str, Any], actor: str, sees: bool
) -> None:
    found = ids(client.get(f"/api/incidents?q={SECRET}", headers=people[actor]))
    assert found == ([restricted["id"]] if sees else [])


@pytest.mark.parametrize(("actor", "sees"), SEES)
def test_counts(
    client: TestClient, people: Cast, restricted: dict[str, Any], actor: str, sees: bool
) -> None:
    stats = client.get(f"/api/incidents/stats?q={SECRET}", headers=people[actor]).json()
    assert stats["total"] == (1 if sees else 0)
    assert stats["by_severity"]["high"] == (1 if sees else 0)


@pytest.mark.parametrize(("actor", "sees"), SEES)
def test_timeline(
    client: TestClient, people: Cast, restricted: dict[str, Any], actor: str, sees: bool
) -> None:
    response = client.get(f"/api/incidents/{restricted['id']}/timeline", headers=people[actor])
    if sees:
        assert response.status_code == 200
        assert response.json()["items"]
    else:
        assert_error(response, 404, "incident_not_found")


@pytest.mark.parametrize(("actor", "sees"), SEES)
def test_participants(
    client: TestClient, people: Cast, restricted: dict[str, Any], actor: str, sees: bool
) -> None:
    response = client.get(f"/api/incidents/{restricted['id']}/participants", headers=people[actor])
    if sees:
        assert response.status_code == 200
    else:
        assert_error(response, 404, "incident_not_found")


@pytest.mark.parametrize("actor", ["member", "viewer"])
def test_writes_to_a_hidden_incident_are_404_not_403(
    client: TestClient, people: Cast, restricted: dict[str, Any], actor: str
) -> None:
    base = f"/api/incidents/{restricted['id']}"
    headers = people[actor]
    assert_error(client.patch(base, json={"title": "x"}, headers=headers), 404)
    assert_error(client.post(f"{base}/timeline", json={"text": "x"}, headers=headers), 404)
    assert_error(client.post(f"{base}/participants", json={"user_id": 1}, headers=headers), 404)


def test_a_removed_participant_loses_sight_of_it(
    client: TestClient, people: Cast, restricted: dict[str, Any]
) -> None:
    participant = people.users["participant"]
    url = f"/api/incidents/{restricted['id']}/participants/{participant.id}"
    assert client.delete(url, headers=people["commander"]).status_code == 204
    response = client.get(f"/api/incidents/{restricted['id']}", headers=people["participant"])
    assert_error(response, 404)


def test_opening_it_makes_it_visible(
    client: TestClient, people: Cast, restricted: dict[str, Any]
) -> None:
    url = f"/api/incidents/{restricted['id']}"
    assert (
        client.patch(url, json={"visibility": "open"}, headers=people["commander"]).status_code
        == 200
    )
    assert client.get(url, headers=people["member"]).status_code == 200
