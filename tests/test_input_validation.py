"""Input that one database would store and the other would choke on is a 422 on both, wherever it
comes in: body, query, form or cursor. (Found by the fuzzer; see test_fuzzing.py.)"""

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth.models import User
from app.auth.schemas import UserCreate
from app.incident.models import Incident, IncidentTag
from app.incident.schemas import IncidentCreate, IncidentUpdate
from tests.factories import alert, assert_error, create_incident, notification

JSON = {"Content-Type": "application/json"}


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("schema", "path", "column"),
    [
        (IncidentCreate, ["title"], Incident.title),
        (IncidentUpdate, ["title", "anyOf", 0], Incident.title),
        (IncidentCreate, ["tags", "items"], IncidentTag.name),
        (UserCreate, ["full_name"], User.full_name),
    ],
)
def test_text_limits_are_the_column_limits(
    schema: type[Any], path: list[str | int], column: Any
) -> None:
    """SQLite doesn't enforce VARCHAR lengths and PostgreSQL does: the API's check is the one
    both databases get, so it must be exactly the column's length."""
    field: Any = schema.model_json_schema()["properties"]
    for key in path:
        field = field[key]
    assert field["maxLength"] == column.type.length


@pytest.mark.parametrize("text", ["nul \x00 inside", "\x00"])
def test_nul_characters_are_422_in_bodies_queries_and_forms(
    client: TestClient, member_headers: dict[str, str], text: str
) -> None:
    incident = create_incident(client, member_headers)
    for response in [
        client.post("/api/incidents", json={"title": text}, headers=member_headers),
        client.post("/api/incidents", json={"title": "ok", "tags": [text]}, headers=member_headers),
        client.post(
            f"/api/incidents/{incident['id']}/timeline", json={"text": text}, headers=member_headers
        ),
        client.get("/api/incidents", params={"q": text}, headers=member_headers),
        client.get("/api/incidents/stats", params={"tag": text}, headers=member_headers),
        client.post("/api/auth/login", data={"username": text, "password": "x" * 10}),
    ]:
        assert_error(response, 422, "validation_error")


def test_unpaired_surrogates_are_422_not_500(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    body = b'{"title": "broken \\ud800 text"}'
    response = client.post("/api/incidents", content=body, headers={**member_headers, **JSON})
    assert_error(response, 422, "validation_error")
    form = client.post(
        "/api/auth/login",
        content=b"username=a%40example.com&password=%ED%A0%80%ED%A0%80%ED%A0%80",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code in {401, 422}, form.text


def test_a_body_that_is_not_text_is_400_in_the_shared_shape(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    response = client.post(
        "/api/incidents", content=b'{"title": "\xff\xfe"}', headers={**member_headers, **JSON}
    )
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize(
    "when",
    [0, 1.5, "0", "1700000000", "yesterday", "2026-12-03T14:02:00", "0001-01-01T00:30:00+01:00"],
)
def test_times_must_be_iso_8601_with_a_zone_and_in_range(
    client: TestClient, member_headers: dict[str, str], when: object
) -> None:
    body = {"title": "Clock skew", "reported_at": when}
    assert_error(client.post("/api/incidents", json=body, headers=member_headers), 422)
    query = {"created_from": str(when)}
    assert_error(client.get("/api/incidents", params=query, headers=member_headers), 422)


def test_times_in_any_zone_come_back_in_utc(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers, reported_at="2026-12-03T15:02:00+01:00")
    assert incident["reported_at"] == "2026-12-03T14:02:00Z"
    late = {"title": "End of time", "reported_at": "9999-12-31T23:00:00-02:00"}
    assert_error(client.post("/api/incidents", json=late, headers=member_headers), 422)


@pytest.mark.parametrize(
    "position",
    [
        {"sort": "created", "order": "desc", "value": "2026-12-03T14:02:00Z", "id": 2**70},
        {"sort": "title", "order": "desc", "value": "a\x00b", "id": 5},
        {"sort": "created", "order": "desc", "value": "9999-12-31T23:00:00-02:00", "id": 5},
    ],
)
def test_crafted_incident_cursors_are_422(
    client: TestClient, member_headers: dict[str, str], position: dict[str, object]
) -> None:
    params = {"sort": position["sort"], "cursor": _cursor(position)}
    assert_error(client.get("/api/incidents", params=params, headers=member_headers), 422)


def test_crafted_user_and_timeline_cursors_are_422(
    client: TestClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    users = client.get(
        "/api/auth/users", params={"cursor": _cursor([2**70])}, headers=admin_headers
    )
    assert_error(users, 422)
    incident = create_incident(client, member_headers)
    timeline = client.get(
        f"/api/incidents/{incident['id']}/timeline",
        params={"cursor": _cursor({"order": "desc", "after_id": -(2**70)})},
        headers=member_headers,
    )
    assert_error(timeline, 422)


def test_login_fields_have_length_limits(client: TestClient, member: User) -> None:
    too_long_email = {"username": "a" * 321, "password": "x" * 10}
    assert_error(client.post("/api/auth/login", data=too_long_email), 422)
    too_long_password = {"username": member.email, "password": "x" * 129}
    assert_error(client.post("/api/auth/login", data=too_long_password), 422)


@pytest.mark.parametrize("text", ["nul \x00 inside", "\x00"])
def test_nul_characters_are_422_on_the_signal_token_and_plugin_routes(
    client: TestClient, admin_headers: dict[str, str], signal_headers: dict[str, str], text: str
) -> None:
    hook = "/api/signals/alertmanager"
    for response in [
        client.post(hook, json=notification(alert(summary=text)), headers=signal_headers),
        client.post(hook, json=notification(alert(), groupKey=text), headers=signal_headers),
        client.post(hook, json=notification(alert(**{"team": text})), headers=signal_headers),
        client.get("/api/signals", params={"alertname": text}, headers=admin_headers),
        client.post(
            "/api/auth/tokens",
            json={"name": text, "scopes": ["signals:read"]},
            headers=admin_headers,
        ),
        client.get("/api/events", params={"plugin": text}, headers=admin_headers),
        client.post("/api/events/1/retry", params={"plugin": text}, headers=admin_headers),
    ]:
        assert_error(response, 422, "validation_error")


def test_unpaired_surrogates_in_a_webhook_are_422_not_500(
    client: TestClient, signal_headers: dict[str, str]
) -> None:
    body = json.dumps(notification(alert(summary="@@"))).replace("@@", "\\ud800").encode()
    response = client.post(
        "/api/signals/alertmanager", content=body, headers={**signal_headers, **JSON}
    )
    assert_error(response, 422, "validation_error")


@pytest.mark.parametrize("when", [0, "1700000000", "9999-12-31T23:00:00-02:00"])
def test_webhook_times_must_be_iso_8601_and_in_range(
    client: TestClient, signal_headers: dict[str, str], when: object
) -> None:
    body = notification(alert())
    body["alerts"][0]["startsAt"] = when
    response = client.post("/api/signals/alertmanager", json=body, headers=signal_headers)
    assert_error(response, 422)


@pytest.mark.parametrize("url", ["/api/auth/tokens", "/api/events", "/api/signals"])
def test_crafted_token_event_and_signal_cursors_are_422(
    client: TestClient, admin_headers: dict[str, str], url: str
) -> None:
    response = client.get(url, params={"cursor": _cursor([2**70])}, headers=admin_headers)
    assert_error(response, 422)
