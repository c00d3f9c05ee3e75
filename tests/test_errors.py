from fastapi.testclient import TestClient

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
