"""Small factories for test data."""

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.auth import security
from app.auth.models import Role, User
from app.core.config import Settings
from app.core.db import Database

PASSWORD = "correct horse battery"
# Argon2 at its lowest cost, for tests where hashing is not what is tested. The app verifies any
# argon2 hash with the parameters the hash carries, so users made with it log in normally.
CHEAP_HASHING = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
# Users made by the factory share one hash of PASSWORD.
_PASSWORD_HASH = CHEAP_HASHING.hash(PASSWORD)
_sequence = itertools.count(1)


def make_user(
    database: Database,
    *,
    role: Role = Role.member,
    email: str | None = None,
    is_active: bool = True,
) -> User:
    number = next(_sequence)
    user = User(
        email=email or f"user{number}@example.com",
        full_name=f"Test User {number}",
        hashed_password=_PASSWORD_HASH,
        role=role,
        is_active=is_active,
    )
    with database.unit_of_work() as session:
        session.add(user)
    return user


def auth_headers(user: User, settings: Settings) -> dict[str, str]:
    token = security.create_access_token(
        user.id, key=settings.signing_key, ttl=timedelta(minutes=5)
    )
    return {"Authorization": f"Bearer {token}"}


def create_incident(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"title": "Checkout is down", "severity": "high", **fields}
    response = client.post("/api/incidents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response has `status` and the shared error body (with `code`, when given)."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["message"], str)
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def update_incident(
    client: TestClient, headers: dict[str, str], incident_id: int, **fields: Any
) -> Any:
    return client.patch(f"/api/incidents/{incident_id}", json=fields, headers=headers)


def ids(response: Any) -> list[int]:
    """The ids of the items of a page response."""
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@dataclass
class Cast:
    """One user per kind of actor, with their headers (see the `people` fixture)."""

    users: dict[str, User]
    headers: dict[str, dict[str, str]]

    def __getitem__(self, actor: str) -> dict[str, str]:
        return self.headers[actor]
