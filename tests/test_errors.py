from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.core.db import Database
from app.core.dependencies import DbSession
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import assert_error


def test_unknown_route_is_404_in_the_shared_shape(client: TestClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404, "not_found")


def test_wrong_method_is_405_in_the_shared_shape(client: TestClient) -> None:
    assert_error(client.delete("/healthz"), 405, "method_not_allowed")


def test_trailing_slash_is_not_redirected(client: TestClient) -> None:
    response = client.get("/api/incidents/", follow_redirects=False)
    assert_error(response, 404, "not_found")


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made_up = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(made_up.headers["x-request-id"]) == 32


def test_unexpected_errors_are_500_without_internals(client: TestClient) -> None:
    app = client.app

    @app.get("/boom")  # type: ignore[attr-defined, untyped-decorator]
    def boom() -> None:
        raise RuntimeError("secret SQL: SELECT * FROM users")

    with TestClient(app, raise_server_exceptions=False) as raw:
        response = raw.get("/boom")
    error = assert_error(response, 500, "internal_error")
    assert "secret" not in response.text
    assert error["details"] == []


@pytest.fixture
def production_app(database_url: str, tmp_path: Path, database: Database) -> FastAPI:
    """The app as it runs in production, with two routes that fail the worst ways."""
    app = create_app(make_settings(database_url, tmp_path, ENVIRONMENT="production"), database)

    @app.get("/broken-query")
    def broken_query(db: DbSession) -> None:
        db.execute(text("SELECT password_hash FROM secret_table_that_does_not_exist"))

    @app.get("/driver-error")
    def driver_error() -> None:
        raise OperationalError("SELECT hashed_password FROM users", {}, Exception("conn reset"))

    return app


def test_production_errors_show_no_stack_traces_or_sql(production_app: FastAPI) -> None:
    with TestClient(production_app, raise_server_exceptions=False) as client:
        for path in ["/broken-query", "/driver-error"]:
            response = client.get(path)
            error = assert_error(response, 500, "internal_error")
            assert error == {
                "code": "internal_error",
                "message": "An unexpected error occurred.",
                "details": [],
            }
            for leak in ["SELECT", "secret_table", "hashed_password", "Traceback", "conn reset"]:
                assert leak not in response.text


def test_validation_errors_do_not_echo_the_input(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    secret = "s3cr3t-" + "x" * 300
    response = client.post("/api/incidents", json={"title": secret}, headers=member_headers)
    assert_error(response, 422, "validation_error")
    assert "s3cr3t" not in response.text
