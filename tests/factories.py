"""Small factories for test data."""

import hashlib
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.auth import api_tokens, security
from app.auth.models import Role, Scope, User
from app.auth.schemas import ApiTokenCreate
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


def make_token(
    database: Database, owner: User, *scopes: Scope, name: str = "test token"
) -> dict[str, str]:
    """Headers carrying a new API token of `owner` with `scopes` (default: signals:write)."""
    data = ApiTokenCreate(name=name, scopes=list(scopes or [Scope.signals_write]))
    with database.unit_of_work() as session:
        _, secret = api_tokens.create(session, data, default_owner=owner)
    return {"Authorization": f"Bearer {secret}"}


# --- Alertmanager webhook payloads -------------------------------------------------------------

ALERTS_START = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def _fingerprint(labels: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def alert(
    instance: str = "web-1",
    *,
    status: str = "firing",
    name: str = "HighErrorRate",
    starts_at: datetime = ALERTS_START,
    ends_at: datetime | None = None,
    severity: str | None = "critical",
    summary: str | None = None,
    **labels: str,
) -> dict[str, Any]:
    """One alert as Alertmanager sends it (firing alerts carry Go's zero time as `endsAt`)."""
    all_labels = {"alertname": name, "service": "checkout", "instance": instance, **labels}
    if severity is not None:
        all_labels["severity"] = severity
    if status == "resolved" and ends_at is None:
        ends_at = starts_at + timedelta(minutes=5)
    return {
        "status": status,
        "labels": all_labels,
        "annotations": {"summary": summary} if summary else {},
        "startsAt": starts_at.isoformat().replace("+00:00", "Z"),
        "endsAt": ends_at.isoformat().replace("+00:00", "Z") if ends_at else GO_ZERO_TIME,
        "generatorURL": f"http://prometheus.test:9090/graph?g0.expr={name}",
        "fingerprint": _fingerprint(all_labels),
    }


def resolved(firing: dict[str, Any], *, after: timedelta = timedelta(minutes=5)) -> dict[str, Any]:
    """The same alert, resolved `after` it started."""
    starts_at = datetime.fromisoformat(firing["startsAt"])
    ends_at = (starts_at + after).isoformat().replace("+00:00", "Z")
    return {**firing, "status": "resolved", "endsAt": ends_at}


def notification(*alerts: dict[str, Any], group: str = "checkout", **fields: Any) -> dict[str, Any]:
    """A webhook body (version 4) about the group `HighErrorRate` / service `group`."""
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    common = (
        {
            k: v
            for k, v in alerts[0]["labels"].items()
            if all(a["labels"].get(k) == v for a in alerts)
        }
        if alerts
        else {}
    )
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="HighErrorRate", service="{group}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "fastapi-app",
        "groupLabels": {"alertname": "HighErrorRate", "service": group},
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.test:9093",
        "alerts": list(alerts),
        **fields,
    }


def post_signal(
    client: TestClient, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    response = client.post("/api/signals/alertmanager", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
