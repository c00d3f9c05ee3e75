"""Reading signals: the list with its filters, and the alerts of one incident — both only for
incidents the reader may see, by people or by tokens with `signals:read`."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth.models import Scope, User
from app.core.db import Database
from tests.factories import (
    alert,
    assert_error,
    make_token,
    notification,
    post_signal,
    resolved,
    update_incident,
)


def _items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
def two_groups(client: TestClient, signal_headers: dict[str, str]) -> dict[str, int]:
    """checkout: web-1 resolved, web-2 firing; search: DiskFull on db-1 firing."""
    web1, web2 = alert("web-1"), alert("web-2")
    checkout = post_signal(client, signal_headers, notification(web1, web2))
    post_signal(client, signal_headers, notification(resolved(web1), web2))
    search = post_signal(
        client, signal_headers, notification(alert("db-1", name="DiskFull"), group="search")
    )
    return {"checkout": checkout["incident_id"], "search": search["incident_id"]}


def test_the_list_is_newest_first_and_filters(
    client: TestClient, member_headers: dict[str, str], two_groups: dict[str, int]
) -> None:
    def instances(**params: Any) -> list[str]:
        response = client.get("/api/signals", params=params, headers=member_headers)
        return [a["labels"]["instance"] for a in _items(response)]

    assert instances() == ["db-1", "web-2", "web-1"]
    assert instances(status="firing") == ["db-1", "web-2"]
    assert instances(status="resolved") == ["web-1"]
    assert instances(incident_id=two_groups["checkout"]) == ["web-2", "web-1"]
    assert instances(alertname="DiskFull") == ["db-1"]
    [db1] = _items(
        client.get("/api/signals", params={"alertname": "DiskFull"}, headers=member_headers)
    )
    assert instances(group_id=db1["group_id"]) == ["db-1"]
    assert instances(fingerprint=db1["fingerprint"].upper()) == ["db-1"]
    assert instances(incident_id=999_999) == []


def test_the_list_pages_with_a_cursor(
    client: TestClient, member_headers: dict[str, str], two_groups: dict[str, int]
) -> None:
    first = client.get("/api/signals", params={"limit": 2}, headers=member_headers).json()
    assert len(first["items"]) == 2
    rest = client.get(
        "/api/signals", params={"limit": 2, "cursor": first["next_cursor"]}, headers=member_headers
    ).json()
    assert [a["labels"]["instance"] for a in rest["items"]] == ["web-1"]
    assert rest["next_cursor"] is None
    bad = client.get("/api/signals", params={"cursor": "nonsense"}, headers=member_headers)
    assert_error(bad, 422)


@pytest.mark.parametrize(
    "params",
    [{"status": "pending"}, {"limit": 0}, {"incident_id": 0}, {"fingerprint": "xyz"}, {"foo": 1}],
)
def test_bad_list_parameters_are_422(
    client: TestClient, member_headers: dict[str, str], params: dict[str, Any]
) -> None:
    assert_error(client.get("/api/signals", params=params, headers=member_headers), 422)


def test_the_signals_of_an_incident_come_with_their_group(
    client: TestClient, viewer_headers: dict[str, str], two_groups: dict[str, int]
) -> None:
    response = client.get(
        f"/api/incidents/{two_groups['checkout']}/signals", headers=viewer_headers
    )
    assert response.status_code == 200, response.text
    signals = response.json()
    [group] = signals["groups"]
    assert group["group_labels"] == {"alertname": "HighErrorRate", "service": "checkout"}
    assert group["receiver"] == "fastapi-app"
    assert group["status"] == "firing"
    assert [a["labels"]["instance"] for a in signals["items"]] == ["web-2", "web-1"]
    firing = client.get(
        f"/api/incidents/{two_groups['checkout']}/signals",
        params={"status": "firing"},
        headers=viewer_headers,
    )
    assert [a["labels"]["instance"] for a in _items(firing)] == ["web-2"]
    assert_error(client.get("/api/incidents/999999/signals", headers=viewer_headers), 404)


def test_alerts_of_a_restricted_incident_are_invisible_to_outsiders(
    client: TestClient,
    database: Database,
    member: User,
    member_headers: dict[str, str],
    admin_headers: dict[str, str],
    two_groups: dict[str, int],
) -> None:
    hidden = two_groups["search"]
    assert update_incident(client, admin_headers, hidden, visibility="restricted").is_success
    listed = _items(client.get("/api/signals", headers=member_headers))
    assert hidden not in {a["incident_id"] for a in listed}
    assert_error(client.get(f"/api/incidents/{hidden}/signals", headers=member_headers), 404)
    reader = make_token(database, member, Scope.signals_read)
    assert_error(client.get(f"/api/incidents/{hidden}/signals", headers=reader), 404)
    assert hidden in {
        a["incident_id"] for a in _items(client.get("/api/signals", headers=admin_headers))
    }


def test_a_token_with_the_read_scope_reads_signals_and_nothing_else(
    client: TestClient, database: Database, member: User, two_groups: dict[str, int]
) -> None:
    reader = make_token(database, member, Scope.signals_read)
    assert len(_items(client.get("/api/signals", headers=reader))) == 3
    signals = client.get(f"/api/incidents/{two_groups['search']}/signals", headers=reader)
    assert signals.status_code == 200
    assert_error(client.get(f"/api/incidents/{two_groups['search']}", headers=reader), 403)


def test_reading_signals_needs_credentials(client: TestClient) -> None:
    assert_error(client.get("/api/signals"), 401)
    assert_error(client.get("/api/incidents/1/signals"), 401)
