import pytest
from fastapi.testclient import TestClient

from app.auth.models import User
from tests.factories import assert_error, create_incident


def test_member_reports_an_incident_and_is_its_reporter(
    client: TestClient, member: User, member_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers, title="  API down  ", description="5xx")
    assert incident["title"] == "API down"
    assert incident["reporter_id"] == member.id
    assert incident["status"] == "active"
    assert incident["created_at"].endswith("Z") or incident["created_at"].endswith("+00:00")
    fetched = client.get(f"/api/incidents/{incident['id']}", headers=member_headers)
    assert fetched.json() == incident


def test_viewer_reads_but_cannot_write(
    client: TestClient, member_headers: dict[str, str], viewer_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers)
    assert client.get(f"/api/incidents/{incident['id']}", headers=viewer_headers).status_code == 200
    assert client.get("/api/incidents", headers=viewer_headers).status_code == 200
    assert_error(client.post("/api/incidents", json={"title": "x"}, headers=viewer_headers), 403)
    assert_error(
        client.patch(
            f"/api/incidents/{incident['id']}", json={"title": "y"}, headers=viewer_headers
        ),
        403,
    )


def test_anonymous_callers_get_401_everywhere(client: TestClient) -> None:
    for method, path in [
        ("GET", "/api/incidents"),
        ("POST", "/api/incidents"),
        ("GET", "/api/incidents/1"),
        ("PATCH", "/api/incidents/1"),
    ]:
        assert_error(client.request(method, path, json={"title": "x"}), 401)


def test_over_long_title_is_rejected_not_truncated(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    assert_error(
        client.post("/api/incidents", json={"title": "x" * 201}, headers=member_headers), 422
    )
    assert create_incident(client, member_headers, title="x" * 200)["title"] == "x" * 200
    assert_error(client.post("/api/incidents", json={"title": "  "}, headers=member_headers), 422)


def test_unknown_incident_is_404_in_the_shared_error_shape(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    assert_error(
        client.get("/api/incidents/4242", headers=member_headers), 404, "incident_not_found"
    )


def test_malformed_json_is_422(client: TestClient, member_headers: dict[str, str]) -> None:
    response = client.post(
        "/api/incidents",
        content=b'{"title": ',
        headers={**member_headers, "Content-Type": "application/json"},
    )
    assert_error(response, 422, "validation_error")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"title": "x"}'),
        ("", b'{"title": "x"}'),  # unlabelled
        ("application/x-www-form-urlencoded", b"title=x"),
    ],
)
def test_a_body_that_is_not_labelled_json_is_415_naming_json(
    client: TestClient, member_headers: dict[str, str], content_type: str, body: bytes
) -> None:
    response = client.post(
        "/api/incidents", content=body, headers={**member_headers, "Content-Type": content_type}
    )
    assert_error(response, 415, "unsupported_media_type")
    assert "application/json" in response.json()["error"]["message"]


def test_no_body_at_all_is_422_saying_what_is_missing(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    assert_error(client.post("/api/incidents", headers=member_headers), 422, "validation_error")


def test_unknown_fields_and_bad_enum_values_are_422(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    for body in [{"title": "x", "colour": "red"}, {"title": "x", "severity": "apocalyptic"}]:
        assert_error(client.post("/api/incidents", json=body, headers=member_headers), 422)


def test_update_changes_only_the_given_fields(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    incident = create_incident(client, member_headers, description="before")
    response = client.patch(
        f"/api/incidents/{incident['id']}", json={"severity": "low"}, headers=member_headers
    )
    assert response.status_code == 200
    assert response.json()["severity"] == "low"
    assert response.json()["description"] == "before"


def test_list_is_newest_first_and_pages_by_cursor(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    created = [create_incident(client, member_headers, title=f"i{n}")["id"] for n in range(5)]
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/incidents", params=params, headers=member_headers).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created))


def test_bad_pagination_values_are_422(client: TestClient, member_headers: dict[str, str]) -> None:
    for query in ["limit=0", "limit=101", "limit=abc", "cursor=%%%", "cursor=WzFd"]:
        assert_error(client.get(f"/api/incidents?{query}", headers=member_headers), 422)
