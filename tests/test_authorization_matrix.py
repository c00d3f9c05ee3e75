"""Who may call what: every route of the app against every kind of caller, with the status each
one gets. The table is the review of a route's access rules; a route that is not in it fails
`test_every_route_of_the_app_is_in_the_matrix`, so none can ship without one.

Every cell runs against a fresh database state: an open incident commanded by someone who is
none of the callers, with one more participant. Each cell also checks that an error answer has
the shared error shape and that its status is one the OpenAPI document declares.

API tokens: the two token columns are machine callers holding an API token that has every scope
the route needs, and one that has none. Until API tokens exist, `token_headers` sends a token the
app does not know, so those columns expect 401 wherever a caller must be authenticated.
"""

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from app.auth.models import Role, User
from app.common.openapi import SPEC_PATH
from app.core.config import Settings
from app.core.db import Database
from app.incident import participants
from app.incident import service as incidents
from app.incident.models import ParticipantRole
from app.incident.schemas import IncidentCreate
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import PASSWORD, assert_error, auth_headers, make_user

CONTRACT = json.loads(SPEC_PATH.read_text(encoding="utf-8"))  # equal to the app's: test_openapi
CALLERS = ("anonymous", "viewer", "member", "admin", "token_scoped", "token_unscoped")
Route = tuple[str, str]
Statuses = tuple[int, int, int, int, int, int]

# fmt: off
MATRIX: dict[Route, Statuses] = {
    #                                                   anon viewer member admin tok+s tok-s
    # Public: probes, the contract and its docs, logging in and signing up (off by default).
    ("GET", "/healthz"):                                (200, 200, 200, 200, 200, 200),
    ("GET", "/readyz"):                                 (200, 200, 200, 200, 200, 200),
    ("GET", "/openapi.json"):                           (200, 200, 200, 200, 200, 200),
    ("GET", "/docs"):                                   (200, 200, 200, 200, 200, 200),
    ("GET", "/docs/oauth2-redirect"):                   (200, 200, 200, 200, 200, 200),
    ("GET", "/redoc"):                                  (200, 200, 200, 200, 200, 200),
    ("POST", "/api/auth/login"):                        (200, 200, 200, 200, 200, 200),
    ("POST", "/api/auth/register"):                     (403, 403, 403, 403, 403, 403),
    # Accounts: your own for everyone signed in; everybody's for admins.
    ("GET", "/api/auth/me"):                            (401, 200, 200, 200, 401, 401),
    ("GET", "/api/auth/users"):                         (401, 403, 403, 200, 401, 401),
    ("POST", "/api/auth/users"):                        (401, 403, 403, 201, 401, 401),
    ("GET", "/api/auth/users/{user_id}"):               (401, 403, 403, 200, 401, 401),
    ("PATCH", "/api/auth/users/{user_id}"):             (401, 403, 403, 200, 401, 401),
    # Incidents: everyone signed in reads open ones; members report and add notes; editing
    # needs a participant (the member here is not one), running it the commander or an admin.
    ("GET", "/api/incidents"):                          (401, 200, 200, 200, 401, 401),
    ("POST", "/api/incidents"):                         (401, 403, 201, 201, 401, 401),
    ("GET", "/api/incidents/stats"):                    (401, 200, 200, 200, 401, 401),
    ("GET", "/api/incidents/{incident_id}"):            (401, 200, 200, 200, 401, 401),
    ("PATCH", "/api/incidents/{incident_id}"):          (401, 403, 403, 200, 401, 401),
    ("GET", "/api/incidents/{incident_id}/timeline"):   (401, 200, 200, 200, 401, 401),
    ("POST", "/api/incidents/{incident_id}/timeline"):  (401, 403, 201, 201, 401, 401),
    ("GET", "/api/incidents/{incident_id}/participants"):
                                                        (401, 200, 200, 200, 401, 401),
    ("POST", "/api/incidents/{incident_id}/participants"):
                                                        (401, 403, 403, 201, 401, 401),
    ("PATCH", "/api/incidents/{incident_id}/participants/{user_id}"):
                                                        (401, 403, 403, 200, 401, 401),
    ("DELETE", "/api/incidents/{incident_id}/participants/{user_id}"):
                                                        (401, 403, 403, 204, 401, 401),
}
# fmt: on


@dataclass
class World:
    """The data every cell starts from."""

    incident_id: int
    participant: User  # takes part in the incident; also the `{user_id}` of user routes
    newcomer: User  # takes part in nothing yet

    @classmethod
    def build(cls, database: Database) -> "World":
        commander, participant, newcomer = (make_user(database) for _ in range(3))
        with database.unit_of_work() as db:
            incident = incidents.create(db, IncidentCreate(title="Matrix"), reporter=commander)
            participants.add(db, incident, participant.id, ParticipantRole.scribe, actor=commander)
        return cls(incident.id, participant, newcomer)

    def request(self, method: str, path: str) -> dict[str, Any]:
        """A well-formed request for the route, so that only the caller decides the answer."""
        url = path.format(incident_id=self.incident_id, user_id=self.participant.id)
        bodies: dict[Route, dict[str, Any]] = {
            ("POST", "/api/auth/login"): {
                "data": {"username": self.participant.email, "password": PASSWORD}
            },
            ("POST", "/api/auth/register"): {
                "json": {"email": "new@example.com", "full_name": "New", "password": PASSWORD}
            },
            ("POST", "/api/auth/users"): {
                "json": {"email": "new@example.com", "full_name": "New", "password": PASSWORD}
            },
            ("PATCH", "/api/auth/users/{user_id}"): {"json": {"full_name": "Renamed"}},
            ("POST", "/api/incidents"): {"json": {"title": "Reported in the matrix"}},
            ("PATCH", "/api/incidents/{incident_id}"): {"json": {"title": "Renamed"}},
            ("POST", "/api/incidents/{incident_id}/timeline"): {"json": {"text": "A note"}},
            ("POST", "/api/incidents/{incident_id}/participants"): {
                "json": {"user_id": self.newcomer.id, "role": "observer"}
            },
            ("PATCH", "/api/incidents/{incident_id}/participants/{user_id}"): {
                "json": {"role": "liaison"}
            },
        }
        return {"method": method, "url": url, **bodies.get((method, path), {})}


@pytest.fixture(scope="module")
def matrix_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """One app for all the cells of a database (building one is most of a cell's cost)."""
    return create_app(make_settings(database_url, tmp_path_factory.mktemp("matrix")))


@pytest.fixture
def client(matrix_app: FastAPI, database: Database) -> Iterator[TestClient]:
    """The shared app, working in this cell's own rolled-back transaction."""
    matrix_app.state.database = database
    with TestClient(matrix_app) as client:
        yield client


def token_headers(*, scoped: bool) -> dict[str, str]:
    """A machine caller's API token: with every scope the route needs, or with none.

    API tokens don't exist yet: this is a well-formed token the app does not know. When they
    land, mint a real one here (with or without the route's scope) and fill in the columns.
    """
    return {"Authorization": f"Bearer fa_{'scoped' if scoped else 'plain'}{secrets.token_hex(8)}"}


def caller_headers(caller: str, database: Database, settings: Settings) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller.startswith("token_"):
        return token_headers(scoped=caller == "token_scoped")
    return auth_headers(make_user(database, role=Role(caller)), settings)


def app_routes(app: FastAPI) -> set[Route]:
    """Every (method, path) the app answers, as the router sees them (HEAD follows GET)."""
    routes = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or ():
            if method != "HEAD" and route.path:
                routes.add((method, route.path))
    return routes


def matrix_problems(app: FastAPI, matrix: dict[Route, Statuses]) -> list[str]:
    missing = sorted(app_routes(app) - set(matrix))
    stale = sorted(set(matrix) - app_routes(app))
    return [f"no row for {m} {p}: add one to MATRIX" for m, p in missing] + [
        f"row for {m} {p}, which the app does not have" for m, p in stale
    ]


def test_every_route_of_the_app_is_in_the_matrix(app: FastAPI) -> None:
    assert matrix_problems(app, MATRIX) == []


def test_a_route_without_a_row_is_caught(app: FastAPI) -> None:
    without_one = {route: row for route, row in MATRIX.items() if route[1] != "/api/auth/me"}
    assert matrix_problems(app, without_one) == ["no row for GET /api/auth/me: add one to MATRIX"]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path"), list(MATRIX))
def test_caller_gets_the_expected_status(
    client: TestClient,
    database: Database,
    settings: Settings,
    method: str,
    path: str,
    caller: str,
) -> None:
    expected = MATRIX[(method, path)][CALLERS.index(caller)]
    request = World.build(database).request(method, path)
    response = client.request(**request, headers=caller_headers(caller, database, settings))
    assert response.status_code == expected, f"{method} {path} as {caller}: {response.text}"
    if expected >= 400:
        assert_error(response, expected)
    operation = CONTRACT["paths"].get(path, {}).get(method.lower())
    if operation is not None:
        assert str(expected) in operation["responses"], f"{method} {path}: document {expected}"
