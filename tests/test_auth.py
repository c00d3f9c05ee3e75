from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from app.auth.models import Role, User
from app.core.config import Settings
from app.core.db import Database
from tests.factories import PASSWORD, assert_error, auth_headers, make_user


def login(client: TestClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/api/auth/login", data={"username": email, "password": password})


def test_login_returns_a_bearer_token_that_identifies_the_user(
    client: TestClient, member: User
) -> None:
    response = login(client, "MEMBER@example.com")
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 30 * 60
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json()["email"] == "member@example.com"


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: TestClient, member: User
) -> None:
    wrong_password = login(client, member.email, "not the password")
    unknown_email = login(client, "nobody@example.com")
    assert_error(wrong_password, 401, "invalid_credentials")
    assert wrong_password.json() == unknown_email.json()
    assert unknown_email.headers["www-authenticate"] == "Bearer"


def test_deactivated_user_cannot_log_in(client: TestClient, database: Database) -> None:
    user = make_user(database, is_active=False)
    assert_error(login(client, user.email), 401, "invalid_credentials")


def test_missing_token_is_401(client: TestClient) -> None:
    assert_error(client.get("/api/auth/me"), 401, "not_authenticated")


def _bearer(user: User, key: str, **claims: object) -> dict[str, str]:
    now = datetime.now(UTC)
    payload = {"sub": str(user.id), "iat": now, "exp": now + timedelta(minutes=5), **claims}
    return {"Authorization": f"Bearer {jwt.encode(payload, key, algorithm='HS256')}"}


def test_expired_token_is_rejected(client: TestClient, settings: Settings, member: User) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    headers = _bearer(member, settings.signing_key, iat=past - timedelta(minutes=5), exp=past)
    assert_error(client.get("/api/auth/me", headers=headers), 401, "not_authenticated")


def test_token_signed_with_another_key_is_rejected(client: TestClient, member: User) -> None:
    headers = _bearer(member, "some-other-key-that-is-long-enough-too")
    assert_error(client.get("/api/auth/me", headers=headers), 401)


def test_unsigned_alg_none_token_is_rejected(client: TestClient, member: User) -> None:
    now = datetime.now(UTC)
    claims = {"sub": str(member.id), "iat": now, "exp": now + timedelta(minutes=5)}
    token = jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]
    headers = {"Authorization": f"Bearer {token}"}
    assert_error(client.get("/api/auth/me", headers=headers), 401)


def test_token_without_subject_is_rejected(client: TestClient, settings: Settings) -> None:
    now = datetime.now(UTC)
    token = jwt.encode({"iat": now, "exp": now + timedelta(minutes=5)}, settings.signing_key)
    assert_error(client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_garbage_token_is_rejected(client: TestClient) -> None:
    headers = {"Authorization": "Bearer not.a.jwt"}
    assert_error(client.get("/api/auth/me", headers=headers), 401)


def test_token_of_a_deactivated_user_stops_working(
    client: TestClient, admin_headers: dict[str, str], member: User, settings: Settings
) -> None:
    headers = auth_headers(member, settings)
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    response = client.patch(
        f"/api/auth/users/{member.id}", json={"is_active": False}, headers=admin_headers
    )
    assert response.json()["is_active"] is False
    assert_error(client.get("/api/auth/me", headers=headers), 401)


@pytest.mark.parametrize(
    ("role", "expected"), [(Role.admin, 200), (Role.member, 403), (Role.viewer, 403)]
)
def test_only_admins_administer_users(
    client: TestClient, database: Database, settings: Settings, role: Role, expected: int
) -> None:
    headers = auth_headers(make_user(database, role=role), settings)
    other = make_user(database)
    body = {"email": "new@example.com", "full_name": "New", "password": PASSWORD}
    calls = [
        client.get("/api/auth/users", headers=headers),
        client.get(f"/api/auth/users/{other.id}", headers=headers),
        client.patch(f"/api/auth/users/{other.id}", json={"role": "viewer"}, headers=headers),
    ]
    create = client.post("/api/auth/users", json=body, headers=headers)
    assert [c.status_code for c in calls] == [expected] * 3
    assert create.status_code == (201 if expected == 200 else 403)


def test_admin_changes_a_role(
    client: TestClient, admin_headers: dict[str, str], member: User
) -> None:
    response = client.patch(
        f"/api/auth/users/{member.id}", json={"role": "viewer"}, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.json()["role"] == "viewer"


def test_the_last_admin_cannot_be_demoted(
    client: TestClient, admin: User, admin_headers: dict[str, str]
) -> None:
    response = client.patch(
        f"/api/auth/users/{admin.id}", json={"role": "member"}, headers=admin_headers
    )
    assert_error(response, 409, "last_admin")


def test_admin_creates_users_with_case_insensitive_unique_email(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    body = {"email": "Grace@Example.com", "full_name": "Grace", "password": PASSWORD}
    created = client.post("/api/auth/users", json=body, headers=admin_headers)
    assert created.status_code == 201
    assert created.json()["email"] == "grace@example.com"
    again = client.post(
        "/api/auth/users", json={**body, "email": "GRACE@example.COM"}, headers=admin_headers
    )
    assert_error(again, 409, "email_taken")


def test_user_list_pages_by_cursor(
    client: TestClient, admin_headers: dict[str, str], database: Database
) -> None:
    for _ in range(4):
        make_user(database)
    first = client.get("/api/auth/users?limit=3", headers=admin_headers).json()
    second = client.get(
        f"/api/auth/users?limit=3&cursor={first['next_cursor']}", headers=admin_headers
    ).json()
    ids = [u["id"] for u in first["items"] + second["items"]]
    assert len(ids) == 5
    assert ids == sorted(ids)
    assert second["next_cursor"] is None


def test_user_ids_out_of_range_are_422_not_500(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    for user_id in ["0", "99999999999999999999", "abc"]:
        assert_error(client.get(f"/api/auth/users/{user_id}", headers=admin_headers), 422)
    assert_error(client.get("/api/auth/users/2147483647", headers=admin_headers), 404)


def test_registration_is_off_by_default(client: TestClient) -> None:
    body = {"email": "me@example.com", "full_name": "Me", "password": PASSWORD}
    assert_error(client.post("/api/auth/register", json=body), 403)


def test_password_limits_are_enforced(client: TestClient, admin_headers: dict[str, str]) -> None:
    for password in ["short", "x" * 129]:
        body = {"email": "p@example.com", "full_name": "P", "password": password}
        assert_error(client.post("/api/auth/users", json=body, headers=admin_headers), 422)


def test_login_sent_as_json_is_415_naming_the_form(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"username": "a@example.com", "password": "x"})
    assert_error(response, 415, "unsupported_media_type")
    assert "form" in response.json()["error"]["message"]
