"""Security headers on every response, CORS only for configured origins, HSTS only when asked."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import make_settings
from tests.factories import assert_error

FRONT_END = "https://ops.example.com"


def test_api_responses_carry_the_security_headers(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    for response in [
        client.get("/api/auth/me", headers=member_headers),
        client.get("/api/auth/me"),  # 401
        client.get("/api/nothing-here"),  # 404 from the router
        client.get("/healthz"),
    ]:
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["content-security-policy"].startswith("default-src 'none'")
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "strict-transport-security" not in headers


def test_the_docs_get_a_policy_that_lets_them_load(client: TestClient) -> None:
    for path in ["/docs", "/redoc", "/docs/oauth2-redirect"]:
        policy = client.get(path).headers["content-security-policy"]
        assert "script-src 'unsafe-inline' https://cdn.jsdelivr.net" in policy
        assert "frame-ancestors 'none'" in policy
    assert "script-src" not in client.get("/openapi.json").headers["content-security-policy"]


def test_hsts_is_sent_only_when_configured(database_url: str, tmp_path: Path) -> None:
    hsts = make_settings(database_url, tmp_path, HSTS_MAX_AGE_SECONDS=31_536_000)
    with TestClient(create_app(hsts)) as client:
        header = client.get("/healthz").headers["strict-transport-security"]
    assert header == "max-age=31536000; includeSubDomains"


def test_no_cross_origin_access_by_default(client: TestClient) -> None:
    response = client.get("/healthz", headers={"Origin": FRONT_END})
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/api/incidents",
        headers={"Origin": FRONT_END, "Access-Control-Request-Method": "POST"},
    )
    assert_error(preflight, 405)


@pytest.fixture
def cors_client(database_url: str, tmp_path: Path) -> TestClient:
    settings = make_settings(database_url, tmp_path, CORS_ORIGINS=[FRONT_END])
    return TestClient(create_app(settings))


def test_configured_origins_may_call_and_read_the_api_headers(cors_client: TestClient) -> None:
    with cors_client as client:
        preflight = client.options(
            "/api/incidents",
            headers={
                "Origin": FRONT_END,
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "authorization, content-type, if-match",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == FRONT_END
        response = client.get("/healthz", headers={"Origin": FRONT_END})
        assert response.headers["access-control-allow-origin"] == FRONT_END
        exposed = response.headers["access-control-expose-headers"]
        assert {"ETag", "Retry-After", "X-Request-ID"} <= {h.strip() for h in exposed.split(",")}


def test_other_origins_are_refused_in_the_shared_shape(cors_client: TestClient) -> None:
    with cors_client as client:
        preflight = client.options(
            "/api/incidents",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert_error(preflight, 400, "cors_refused")
        response = client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in response.headers
