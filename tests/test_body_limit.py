"""Request bodies over MAX_BODY_BYTES get 413 in the shared error shape, whether they declare
their length or stream in chunks, and nothing past the limit is read."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.body_limit import BodySizeLimitMiddleware
from app.core.db import Database
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import alert, assert_error, notification

LIMIT = 2048


@pytest.fixture
def app(database_url: str, tmp_path: Path, database: Database) -> FastAPI:
    return create_app(make_settings(database_url, tmp_path, MAX_BODY_BYTES=LIMIT), database)


def incident_body(size: int) -> bytes:
    """A valid incident whose JSON is exactly `size` bytes long."""
    empty = json.dumps({"title": "Big", "description": ""}).encode()
    return json.dumps({"title": "Big", "description": "x" * (size - len(empty))}).encode()


def post(client: TestClient, headers: dict[str, str], content: Any) -> Any:
    headers = {**headers, "Content-Type": "application/json"}
    return client.post("/api/incidents", content=content, headers=headers)


def test_a_body_at_the_limit_is_accepted(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    assert post(client, member_headers, incident_body(LIMIT)).status_code == 201


def test_a_declared_length_over_the_limit_is_413_before_reading(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    response = post(client, member_headers, incident_body(LIMIT + 1))
    error = assert_error(response, 413, "payload_too_large")
    assert str(LIMIT) in error["message"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "x-request-id" in response.headers


def test_a_chunked_body_over_the_limit_is_413(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    body = incident_body(LIMIT + 500)

    def chunks() -> Iterator[bytes]:  # no Content-Length: httpx sends it chunked
        yield from (body[i : i + 100] for i in range(0, len(body), 100))

    assert_error(post(client, member_headers, chunks()), 413, "payload_too_large")
    listed = client.get("/api/incidents", headers=member_headers).json()
    assert listed["items"] == []


def test_the_login_form_is_limited_too(client: TestClient) -> None:
    response = client.post(
        "/api/auth/login", data={"username": "a@example.com", "password": "x" * (LIMIT * 2)}
    )
    assert_error(response, 413, "payload_too_large")


def test_streamed_chunks_stop_being_read_once_past_the_limit() -> None:
    """At the ASGI level: the app reads chunk by chunk; the middleware cuts it off."""
    reads: list[int] = []
    sent: list[dict[str, Any]] = []
    chunk = b"x" * 1000

    async def receive() -> dict[str, Any]:
        reads.append(len(chunk))
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:  # an app that would read forever
            await receive()

    middleware = BodySizeLimitMiddleware(app, max_body_bytes=LIMIT)
    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    anyio.run(middleware, scope, receive, send)
    assert len(reads) == 3  # 1000, 2000, 3000 > 2048: stop
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "payload_too_large"


def test_the_webhook_has_its_own_limit_not_the_global_one(
    client: TestClient, signal_headers: dict[str, str]
) -> None:
    """Alertmanager batches alerts: its body may pass MAX_BODY_BYTES, up to its own limit."""
    body = notification(alert(summary="x" * (LIMIT * 2)))
    response = client.post("/api/signals/alertmanager", json=body, headers=signal_headers)
    assert response.status_code == 200, response.text


def test_the_longest_matching_prefix_sets_the_limit() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    middleware = BodySizeLimitMiddleware(
        app, max_body_bytes=100, path_limits={"/api/": 200, "/api/signals/": 300}
    )
    assert middleware.limit_for("/healthz") == 100
    assert middleware.limit_for("/api/incidents") == 200
    assert middleware.limit_for("/api/signals/alertmanager") == 300
