"""Who may call what: every route of the app against every kind of caller, with the status each
one gets. The table is the review of a route's access rules; a route that is not in it fails
`test_every_route_of_the_app_is_in_the_matrix`, so none can ship without one.

Every cell runs against a fresh database state: an open incident commanded by someone who is
none of the callers, with one more participant. Each cell also checks that an error answer has
the shared error shape and that its status is one the OpenAPI document declares.

API tokens: the two token columns are machine callers holding a real API token (owned by a
member) that has the scope the route needs (`ROUTE_SCOPES`; every scope for routes that name
none), and one that has no scope at all. Only the routes that name a scope take tokens; the
others answer a token with 403 `api_token_not_accepted`.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.auth import api_tokens
from app.auth.models import Role, Scope, User
from app.auth.schemas import ApiTokenCreate
from app.common.openapi import SPEC_PATH
from app.core.config import Settings
from app.core.db import Database
from app.incident import participants
from app.incident import service as incidents
from app.incident.models import ParticipantRole
from app.incident.schemas import IncidentCreate
from app.main import create_app
from app.plugins.models import OutboxEvent
from tests.conftest import make_settings
from tests.factories import (
    PASSWORD,
    alert,
    assert_error,
    auth_headers,
    make_token,
    make_user,
    notification,
)

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
    ("GET", "/api/auth/me"):                            (401, 200, 200, 200, 403, 403),
    ("GET", "/api/auth/users"):                         (401, 403, 403, 200, 403, 403),
    ("POST", "/api/auth/users"):                        (401, 403, 403, 201, 403, 403),
    ("GET", "/api/auth/users/{user_id}"):               (401, 403, 403, 200, 403, 403),
    ("PATCH", "/api/auth/users/{user_id}"):             (401, 403, 403, 200, 403, 403),
    # API tokens are made, read and revoked by admins, never by tokens.
    ("POST", "/api/auth/tokens"):                       (401, 403, 403, 201, 403, 403),
    ("GET", "/api/auth/tokens"):                        (401, 403, 403, 200, 403, 403),
    ("GET", "/api/auth/tokens/{token_id}"):             (401, 403, 403, 200, 403, 403),
    ("DELETE", "/api/auth/tokens/{token_id}"):          (401, 403, 403, 204, 403, 403),
    # Incidents: everyone signed in reads open ones; members report and add notes; editing
    # needs a participant (the member here is not one), running it the commander or an admin.
    ("GET", "/api/incidents"):                          (401, 200, 200, 200, 403, 403),
    ("POST", "/api/incidents"):                         (401, 403, 201, 201, 403, 403),
    ("GET", "/api/incidents/stats"):                    (401, 200, 200, 200, 403, 403),
    ("GET", "/api/incidents/{incident_id}"):            (401, 200, 200, 200, 403, 403),
    ("PATCH", "/api/incidents/{incident_id}"):          (401, 403, 403, 200, 403, 403),
    ("GET", "/api/incidents/{incident_id}/timeline"):   (401, 200, 200, 200, 403, 403),
    ("POST", "/api/incidents/{incident_id}/timeline"):  (401, 403, 201, 201, 403, 403),
    ("GET", "/api/incidents/{incident_id}/participants"):
                                                        (401, 200, 200, 200, 403, 403),
    ("POST", "/api/incidents/{incident_id}/participants"):
                                                        (401, 403, 403, 201, 403, 403),
    ("PATCH", "/api/incidents/{incident_id}/participants/{user_id}"):
                                                        (401, 403, 403, 200, 403, 403),
    ("DELETE", "/api/incidents/{incident_id}/participants/{user_id}"):
                                                        (401, 403, 403, 204, 403, 403),
    # Signals: only a token with signals:write delivers alerts (people get 403: use a token);
    # people and signals:read tokens read the alerts of incidents they may see.
    ("POST", "/api/signals/alertmanager"):              (401, 403, 403, 403, 200, 403),
    ("GET", "/api/signals"):                            (401, 200, 200, 200, 200, 403),
    ("GET", "/api/incidents/{incident_id}/signals"):    (401, 200, 200, 200, 200, 403),
    # Plugins and their deliveries: admins only.
    ("GET", "/api/plugins"):                            (401, 403, 403, 200, 403, 403),
    ("GET", "/api/events"):                             (401, 403, 403, 200, 403, 403),
    ("GET", "/api/events/{event_id}"):                  (401, 403, 403, 200, 403, 403),
    ("POST", "/api/events/{event_id}/retry"):           (401, 403, 403, 200, 403, 403),
}
# fmt: on

# The scope `token_scoped` holds for a route; routes not named here get a token with every scope.
ROUTE_SCOPES: dict[Route, Scope] = {
    ("POST", "/api/signals/alertmanager"): Scope.signals_write,
    ("GET", "/api/signals"): Scope.signals_read,
    ("GET", "/api/incidents/{incident_id}/signals"): Scope.signals_read,
}


@dataclass
class World:
    """The data every cell starts from."""

    incident_id: int
    participant: User  # takes part in the incident; also the `{user_id}` of user routes
    newcomer: User  # takes part in nothing yet
    token_id: int  # an API token of the commander's
    event_id: int  # the event the incident's creation emitted

    @classmethod
    def build(cls, database: Database) -> "World":
        commander, participant, newcomer = (make_user(database) for _ in range(3))
        with database.unit_of_work() as db:
            incident = incidents.create(db, IncidentCreate(title="Matrix"), reporter=commander)
            participants.add(db, incident, participant.id, ParticipantRole.scribe, actor=commander)
            data = ApiTokenCreate(name="matrix", scopes=[Scope.signals_read])
            token, _ = api_tokens.create(db, data, default_owner=commander)
            event_id = db.scalars(
                select(OutboxEvent.id).where(OutboxEvent.incident_id == incident.id)
            ).first()
        assert event_id is not None
        return cls(incident.id, participant, newcomer, token.id, event_id)

    def request(self, method: str, path: str) -> dict[str, Any]:
        """A well-formed request for the route, so that only the caller decides the answer."""
        url = path.format(
            incident_id=self.incident_id,
            user_id=self.participant.id,
            token_id=self.token_id,
            event_id=self.event_id,
        )
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
            ("POST", "/api/auth/tokens"): {
                "json": {"name": "new machine", "scopes": ["signals:read"]}
            },
            ("POST", "/api/signals/alertmanager"): {"json": notification(alert())},
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


def unscoped_token(database: Database, owner: User) -> dict[str, str]:
    """A real API token with no scope at all. The API refuses to make one (a token needs a
    scope), so this goes around the schema; the database and the token checks take it as is."""
    data = ApiTokenCreate.model_construct(name="no scopes", scopes=[], owner_id=None)
    with database.unit_of_work() as db:
        _, secret = api_tokens.create(db, data, default_owner=owner)
    return {"Authorization": f"Bearer {secret}"}


def caller_headers(
    caller: str, route: Route, database: Database, settings: Settings
) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller == "token_scoped":
        scopes = [ROUTE_SCOPES[route]] if route in ROUTE_SCOPES else list(Scope)
        return make_token(database, make_user(database), *scopes)
    if caller == "token_unscoped":
        return unscoped_token(database, make_user(database))
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
    headers = caller_headers(caller, (method, path), database, settings)
    response = client.request(**request, headers=headers)
    assert response.status_code == expected, f"{method} {path} as {caller}: {response.text}"
    if expected >= 400:
        assert_error(response, expected)
    operation = CONTRACT["paths"].get(path, {}).get(method.lower())
    if operation is not None:
        assert str(expected) in operation["responses"], f"{method} {path}: document {expected}"
