"""API tokens: created with the secret shown once, listed, revoked — and accepted only by routes
that ask for a scope, never where a signed-in user is expected."""

import hashlib
from datetime import timedelta
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from app.auth.dependencies import require_scope
from app.auth.models import ApiToken, Scope, User
from app.cli import ScopeName
from app.cli import app as cli
from app.core.db import Database
from app.core.db_base import utcnow
from tests.factories import PASSWORD, assert_error, make_token, make_user


def _create(client: TestClient, headers: dict[str, str], **body: object) -> dict[str, object]:
    body = {"name": "alertmanager-prod", "scopes": ["signals:write"], **body}
    response = client.post("/api/auth/tokens", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


@pytest.fixture
def probe(app: FastAPI) -> FastAPI:
    """Two routes gated like the signal routes: one for writers, one for readers."""

    writer = Annotated[User, Depends(require_scope(Scope.signals_write))]
    reader = Annotated[User, Depends(require_scope(Scope.signals_read, users_too=True))]

    @app.post("/probe/write")
    def write(user: writer) -> dict[str, int]:
        return {"user": user.id}

    @app.get("/probe/read")
    def read(user: reader) -> dict[str, int]:
        return {"user": user.id}

    return app


def test_admin_creates_a_token_and_sees_its_secret_only_once(
    client: TestClient, admin_headers: dict[str, str], admin: User
) -> None:
    created = _create(client, admin_headers, scopes=["signals:write", "signals:read"])
    secret = str(created["token"])
    assert secret.startswith("fa_")
    assert len(secret) >= 40
    assert created["prefix"] == secret[:10]
    assert created["scopes"] == ["signals:read", "signals:write"]
    assert created["owner"] == {"id": admin.id, "email": admin.email, "full_name": admin.full_name}
    assert created["last_used_at"] is None
    assert created["revoked_at"] is None

    listed = client.get("/api/auth/tokens", headers=admin_headers).json()["items"]
    one = client.get(f"/api/auth/tokens/{created['id']}", headers=admin_headers).json()
    assert [t["id"] for t in listed] == [created["id"]]
    assert "token" not in listed[0]
    assert "token" not in one
    assert secret not in str(listed) + str(one)


def test_a_token_can_act_as_another_user(
    client: TestClient, admin_headers: dict[str, str], member: User
) -> None:
    created = _create(client, admin_headers, owner_id=member.id)
    assert created["owner"]["id"] == member.id  # type: ignore[index]


def test_only_the_hash_of_the_secret_is_stored(
    client: TestClient, admin_headers: dict[str, str], database: Database
) -> None:
    created = _create(client, admin_headers)
    secret = str(created["token"])
    with database.unit_of_work(write=False) as db:
        token = db.get(ApiToken, created["id"])
        assert token is not None
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in {token.token_hash, token.prefix, token.name}


def test_only_admins_manage_tokens(
    client: TestClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    token_id = _create(client, admin_headers)["id"]
    body = {"name": "mine", "scopes": ["signals:write"]}
    assert_error(client.post("/api/auth/tokens", json=body, headers=member_headers), 403)
    assert_error(client.get("/api/auth/tokens", headers=member_headers), 403)
    assert_error(client.get(f"/api/auth/tokens/{token_id}", headers=member_headers), 403)
    assert_error(client.delete(f"/api/auth/tokens/{token_id}", headers=member_headers), 403)
    assert_error(client.get("/api/auth/tokens"), 401)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "scopes": ["incidents:write"]},
        {"name": "x", "scopes": []},
        {"name": "  ", "scopes": ["signals:write"]},
        {"name": "x" * 101, "scopes": ["signals:write"]},
        {"name": "x", "scopes": ["signals:write"], "owner_id": 999_999},
        {"name": "x", "scopes": ["signals:write"], "secret": "mine"},
    ],
)
def test_bad_token_requests_are_422(
    client: TestClient, admin_headers: dict[str, str], body: dict[str, object]
) -> None:
    assert_error(client.post("/api/auth/tokens", json=body, headers=admin_headers), 422)


def test_viewers_and_deactivated_users_cannot_own_write_tokens(
    client: TestClient, admin_headers: dict[str, str], viewer: User, database: Database
) -> None:
    as_viewer = {"name": "x", "scopes": ["signals:write"], "owner_id": viewer.id}
    error = assert_error(
        client.post("/api/auth/tokens", json=as_viewer, headers=admin_headers), 422
    )
    assert "viewer" in error["message"]
    assert _create(client, admin_headers, owner_id=viewer.id, scopes=["signals:read"])

    gone = make_user(database, is_active=False)
    as_gone = {"name": "x", "scopes": ["signals:read"], "owner_id": gone.id}
    assert_error(client.post("/api/auth/tokens", json=as_gone, headers=admin_headers), 422)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/auth/me"),
        ("GET", "/api/auth/users"),
        ("GET", "/api/auth/tokens"),
        ("GET", "/api/incidents"),
        ("POST", "/api/incidents"),
    ],
)
def test_an_api_token_is_refused_where_a_user_is_expected(
    client: TestClient, database: Database, admin: User, method: str, path: str
) -> None:
    headers = make_token(database, admin, *Scope)
    body = {"title": "By hand", "severity": "low"} if method == "POST" else None
    response = client.request(method, path, json=body, headers=headers)
    assert_error(response, 403, "api_token_not_accepted")


def test_a_scoped_route_takes_a_token_with_that_scope(
    probe: FastAPI, client: TestClient, database: Database, member: User
) -> None:
    writer = make_token(database, member, Scope.signals_write)
    reader = make_token(database, member, Scope.signals_read)
    assert client.post("/probe/write", headers=writer).json() == {"user": member.id}
    assert client.get("/probe/read", headers=reader).json() == {"user": member.id}
    assert_error(client.post("/probe/write", headers=reader), 403, "missing_scope")
    assert_error(client.get("/probe/read", headers=writer), 403, "missing_scope")


def test_a_scoped_route_takes_users_only_when_it_says_so(
    probe: FastAPI, client: TestClient, member_headers: dict[str, str], member: User
) -> None:
    assert client.get("/probe/read", headers=member_headers).json() == {"user": member.id}
    error = assert_error(client.post("/probe/write", headers=member_headers), 403)
    assert "signals:write" in error["message"]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer ", "Bearer fa_not-a-real-token", "Basic dXNlcjpwYXNz"],
)
def test_missing_or_unknown_credentials_are_401(
    probe: FastAPI, client: TestClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.post("/probe/write", headers=headers)
    assert_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_stops_working_at_once(
    probe: FastAPI, client: TestClient, admin_headers: dict[str, str]
) -> None:
    created = _create(client, admin_headers)
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert client.post("/probe/write", headers=headers).status_code == 200

    assert (
        client.delete(f"/api/auth/tokens/{created['id']}", headers=admin_headers).status_code == 204
    )
    assert_error(client.post("/probe/write", headers=headers), 401, "invalid_api_token")
    revoked_at = client.get(f"/api/auth/tokens/{created['id']}", headers=admin_headers).json()[
        "revoked_at"
    ]
    assert revoked_at is not None

    # Revoking again is fine and keeps the first time.
    assert (
        client.delete(f"/api/auth/tokens/{created['id']}", headers=admin_headers).status_code == 204
    )
    again = client.get(f"/api/auth/tokens/{created['id']}", headers=admin_headers).json()
    assert again["revoked_at"] == revoked_at
    assert_error(client.delete("/api/auth/tokens/999999", headers=admin_headers), 404)


def test_a_token_follows_its_owners_account(
    probe: FastAPI, client: TestClient, database: Database, admin_headers: dict[str, str]
) -> None:
    owner = make_user(database)
    headers = make_token(database, owner, Scope.signals_write)
    demoted = client.patch(
        f"/api/auth/users/{owner.id}", json={"role": "viewer"}, headers=admin_headers
    )
    assert demoted.status_code == 200
    assert_error(client.post("/probe/write", headers=headers), 403, "missing_scope")

    client.patch(f"/api/auth/users/{owner.id}", json={"is_active": False}, headers=admin_headers)
    assert_error(client.post("/probe/write", headers=headers), 401, "invalid_api_token")


def _last_used(client: TestClient, headers: dict[str, str]) -> str | None:
    [token] = client.get("/api/auth/tokens", headers=headers).json()["items"]
    last_used: str | None = token["last_used_at"]
    return last_used


def test_last_use_is_recorded_at_most_once_a_minute_even_on_reads(
    probe: FastAPI,
    client: TestClient,
    database: Database,
    admin: User,
    admin_headers: dict[str, str],
) -> None:
    headers = make_token(database, admin, Scope.signals_read)
    assert _last_used(client, admin_headers) is None
    assert client.get("/probe/read", headers=headers).status_code == 200
    first = _last_used(client, admin_headers)
    assert first is not None

    assert client.get("/probe/read", headers=headers).status_code == 200
    assert _last_used(client, admin_headers) == first

    with database.unit_of_work() as db:
        db.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=2)))
    assert client.get("/probe/read", headers=headers).status_code == 200
    later = _last_used(client, admin_headers)
    assert later is not None
    assert later > first


runner = CliRunner()


@pytest.mark.usefixtures("cli_env")
def test_tokens_from_the_cli(scratch_url: str) -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    make = ["user", "create", "--email", "bot@example.com", "--full-name", "Alert Bot"]
    assert runner.invoke(cli, [*make, "--password-stdin"], input=PASSWORD + "\n").exit_code == 0

    create = ["token", "create", "--owner", "BOT@example.com", "--name", "alertmanager"]
    result = runner.invoke(cli, [*create, "--scope", "signals:write", "--scope", "signals:read"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("fa_")
    assert (
        "\n" not in secret
    )  # stdout is the secret alone, for TOKEN=$(fastapi-app token create ...)

    listed = runner.invoke(cli, ["token", "list"])
    assert listed.exit_code == 0
    [line] = listed.stdout.splitlines()
    assert line.split("\t")[:5] == [
        "1",
        f"{secret[:10]}…",
        "alertmanager",
        "bot@example.com",
        "signals:read,signals:write",
    ]
    assert line.endswith("never\tactive")
    assert secret not in listed.output

    assert runner.invoke(cli, ["token", "revoke", "1"]).exit_code == 0
    assert "revoked" in runner.invoke(cli, ["token", "list"]).stdout
    database = Database.from_url(scratch_url)
    with database.unit_of_work(write=False) as db:
        assert db.scalars(select(ApiToken.revoked_at)).one() is not None
    database.dispose()


@pytest.mark.usefixtures("cli_env")
def test_the_cli_refuses_bad_token_requests() -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    create = ["token", "create", "--name", "x", "--scope", "signals:write"]
    result = runner.invoke(cli, [*create, "--owner", "nobody@example.com"])
    assert (result.exit_code, "no user" in result.output) == (1, True)
    assert runner.invoke(cli, [*create[:3], "--owner", "a@example.com"]).exit_code == 2
    assert (
        runner.invoke(cli, [*create, "--owner", "a@example.com", "--scope", "root"]).exit_code == 2
    )
    result = runner.invoke(cli, ["token", "revoke", "42"])
    assert (result.exit_code, "not found" in result.output) == (1, True)


def test_the_cli_knows_every_scope() -> None:
    assert [s.value for s in ScopeName] == [s.value for s in Scope]
