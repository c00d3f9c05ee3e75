"""Who may post alerts, and how big a notification may be."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth.models import Scope, User
from app.core.db import Database
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import alert, assert_error, make_token, notification

URL = "/api/signals/alertmanager"


@pytest.fixture
def body() -> dict[str, Any]:
    return notification(alert())


def test_a_token_with_the_write_scope_may_post(
    client: TestClient, signal_headers: dict[str, str], body: dict[str, Any]
) -> None:
    assert client.post(URL, json=body, headers=signal_headers).status_code == 200


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "not_authenticated"),
        (
            {"Authorization": "Bearer fa_made-up-token-0123456789abcdefghijklmno"},
            "invalid_api_token",
        ),
        ({"Authorization": "Token fa_abc"}, "not_authenticated"),
    ],
)
def test_missing_or_unknown_tokens_are_401(
    client: TestClient, body: dict[str, Any], headers: dict[str, str], code: str
) -> None:
    response = client.post(URL, json=body, headers=headers)
    assert_error(response, 401, code)
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_is_401(
    client: TestClient, database: Database, admin_headers: dict[str, str], body: dict[str, Any]
) -> None:
    created = client.post(
        "/api/auth/tokens",
        json={"name": "am", "scopes": ["signals:write"]},
        headers=admin_headers,
    ).json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert client.post(URL, json=body, headers=headers).status_code == 200
    client.delete(f"/api/auth/tokens/{created['id']}", headers=admin_headers)
    assert_error(client.post(URL, json=body, headers=headers), 401, "invalid_api_token")


def test_a_token_without_the_write_scope_is_403(
    client: TestClient, database: Database, alertbot: User, body: dict[str, Any]
) -> None:
    reader = make_token(database, alertbot, Scope.signals_read)
    error = assert_error(client.post(URL, json=body, headers=reader), 403, "missing_scope")
    assert "signals:write" in error["message"]


def test_signed_in_users_cannot_post_alerts(
    client: TestClient, admin_headers: dict[str, str], body: dict[str, Any]
) -> None:
    error = assert_error(client.post(URL, json=body, headers=admin_headers), 403)
    assert "API token" in error["message"]


def test_a_signals_token_cannot_do_anything_else(
    client: TestClient, signal_headers: dict[str, str]
) -> None:
    assert_error(client.get("/api/auth/users", headers=signal_headers), 403)
    incident = {"title": "By hand", "severity": "low"}
    assert_error(client.post("/api/incidents", json=incident, headers=signal_headers), 403)
    assert_error(client.get("/api/signals", headers=signal_headers), 403, "missing_scope")


def test_authentication_comes_before_validation(client: TestClient) -> None:
    assert_error(client.post(URL, json={"version": "5"}), 401)


@pytest.fixture
def small_client(database_url: str, database: Database, tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(database_url, tmp_path, SIGNALS_MAX_BODY_BYTES=4096)
    with TestClient(create_app(settings, database)) as client:
        yield client


def _padded(size: int) -> dict[str, Any]:
    body = notification(alert())
    body["commonAnnotations"] = {"description": "x" * size}
    return body


def test_a_body_under_the_limit_is_taken(
    small_client: TestClient, signal_headers: dict[str, str]
) -> None:
    assert small_client.post(URL, json=_padded(2000), headers=signal_headers).status_code == 200


def test_a_declared_oversized_body_is_413_before_anything_else(
    small_client: TestClient, signal_headers: dict[str, str]
) -> None:
    response = small_client.post(URL, json=_padded(5000), headers=signal_headers)
    error = assert_error(response, 413, "payload_too_large")
    assert "4096 bytes" in error["message"]
    assert_error(small_client.post(URL, json=_padded(5000)), 413)  # even unauthenticated


def test_an_oversized_body_without_a_length_is_cut_off_at_the_limit(
    small_client: TestClient, signal_headers: dict[str, str]
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"version": "4", "padding": "'
        for _ in range(100):
            yield b"x" * 1024  # far more than the limit, if it were all read
        yield b'"}'

    headers = {**signal_headers, "Content-Type": "application/json"}
    response = small_client.post(URL, content=chunks(), headers=headers)
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")


def test_the_limit_applies_to_signals_only(
    small_client: TestClient, admin_headers: dict[str, str]
) -> None:
    incident = {"title": "Big", "severity": "low", "description": "x" * 6000}
    response = small_client.post("/api/incidents", json=incident, headers=admin_headers)
    assert response.status_code == 201
