"""Every change writes a timeline entry in the same transaction; people add notes."""

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Cast, assert_error, create_incident, update_incident


def _timeline(
    client: TestClient, headers: dict[str, str], incident_id: int, **params: Any
) -> list[dict[str, Any]]:
    response = client.get(f"/api/incidents/{incident_id}/timeline", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_every_change_is_on_the_timeline_with_actor_and_before_after(
    client: TestClient, people: Cast
) -> None:
    commander, headers = people.users["commander"], people["commander"]
    incident = create_incident(client, headers, severity="medium")
    iid = incident["id"]
    someone = people.users["participant"]
    steps = [
        lambda: update_incident(client, headers, iid, severity="critical"),
        lambda: update_incident(client, headers, iid, title="Renamed", tags=["db", "eu"]),
        lambda: client.post(
            f"/api/incidents/{iid}/participants", json={"user_id": someone.id}, headers=headers
        ),
        lambda: client.patch(
            f"/api/incidents/{iid}/participants/{someone.id}",
            json={"role": "scribe"},
            headers=headers,
        ),
        lambda: client.post(
            f"/api/incidents/{iid}/timeline", json={"text": "Rolling back"}, headers=headers
        ),
        lambda: update_incident(client, headers, iid, status="stable"),
        lambda: update_incident(client, headers, iid, status="closed", resolution="Rolled back"),
        lambda: update_incident(client, headers, iid, status="active"),
        lambda: client.delete(f"/api/incidents/{iid}/participants/{someone.id}", headers=headers),
        lambda: update_incident(client, headers, iid, commander_id=people.users["admin"].id),
    ]
    for step in steps:
        assert step().status_code in (200, 201, 204)

    entries = _timeline(client, headers, iid, order="asc", limit=100)
    assert len(entries) == 1 + len(steps)  # "created" plus one per change
    assert [e["kind"] for e in entries] == [
        "created",
        "updated",
        "updated",
        "participant_added",
        "participant_changed",
        "note",
        "status_changed",
        "status_changed",
        "status_changed",
        "participant_removed",
        "updated",
    ]
    assert all(e["actor_id"] == commander.id for e in entries)
    assert entries[1]["changes"] == [{"field": "severity", "before": "medium", "after": "critical"}]
    renamed = {c["field"]: (c["before"], c["after"]) for c in entries[2]["changes"]}
    assert renamed == {"title": ("Checkout is down", "Renamed"), "tags": ([], ["db", "eu"])}
    assert entries[5]["text"] == "Rolling back"
    assert entries[6]["changes"][0] == {"field": "status", "before": "active", "after": "stable"}


def test_no_op_updates_write_nothing(client: TestClient, member_headers: dict[str, str]) -> None:
    incident = create_incident(client, member_headers)
    same = update_incident(
        client, member_headers, incident["id"], title=incident["title"], severity="high"
    )
    assert same.json()["version"] == incident["version"]
    assert len(_timeline(client, member_headers, incident["id"])) == 1


def test_timeline_pages_newest_or_oldest_first(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers)
    for n in range(5):
        client.post(
            f"/api/incidents/{incident['id']}/timeline",
            json={"text": f"note {n}"},
            headers=member_headers,
        )
    for order in ["asc", "desc"]:
        seen: list[int] = []
        cursor = None
        while True:
            params = {"order": order, "limit": 2} | ({"cursor": cursor} if cursor else {})
            page = client.get(
                f"/api/incidents/{incident['id']}/timeline", params=params, headers=member_headers
            ).json()
            seen += [e["id"] for e in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(seen) == 6
        assert seen == sorted(seen, reverse=order == "desc")


def test_bad_notes_and_cursors_are_422(client: TestClient, member_headers: dict[str, str]) -> None:
    incident = create_incident(client, member_headers)
    url = f"/api/incidents/{incident['id']}/timeline"
    for body in [{"text": ""}, {"text": "x" * 10_001}, {}]:
        assert_error(client.post(url, json=body, headers=member_headers), 422)
    client.post(url, json={"text": "more"}, headers=member_headers)
    page = client.get(url, params={"limit": 1, "order": "asc"}, headers=member_headers).json()
    assert page["next_cursor"]
    other_order = {"cursor": page["next_cursor"], "order": "desc"}
    assert_error(client.get(url, params=other_order, headers=member_headers), 422)
    assert_error(client.get(url, params={"cursor": "garbage!"}, headers=member_headers), 422)


def test_viewers_cannot_add_notes(
    client: TestClient, member_headers: dict[str, str], viewer_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers)
    response = client.post(
        f"/api/incidents/{incident['id']}/timeline", json={"text": "hi"}, headers=viewer_headers
    )
    assert_error(response, 403)
