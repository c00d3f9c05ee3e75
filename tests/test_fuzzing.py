"""Schemathesis fuzzes every operation of the committed contract (`openapi.json`), in-process
through the app's test client and the per-test database transaction, on both databases: no
answer may be a 5xx, and every answer must be one the contract documents (status code, content
type, headers, body schema).

Every route is fuzzed with the caller it is for: the Alertmanager webhook takes only an API token
with `signals:write`, so there the caller sends a token of their own with that scope; everywhere
else they send their access token. As an admin: the documented examples, schemathesis' boundary
values and `FUZZ_EXAMPLES` (default 25) generated inputs, valid and invalid, per operation. As a
member: the generated inputs again. Derandomized, so the suite never flakes on a new input;
`make fuzz` runs a deeper, seeded one. Fixed at the root: NUL characters in text (a 500 on
PostgreSQL only), date-times that overflow when converted to UTC, and cursor ids past INTEGER;
on the incident and user routes this fuzzer found them, on the signal, token and event routes
probing for the same classes did (see test_input_validation.py).
"""

import os
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, seed
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from app.auth import api_tokens, security
from app.auth.models import Scope, User
from app.auth.schemas import ApiTokenCreate
from app.common.openapi import SPEC_PATH
from app.common.params import MAX_ID
from app.core.config import Settings
from app.core.db import Database
from app.incident import participants
from app.incident import service as incidents
from app.incident.models import ParticipantRole
from app.incident.schemas import IncidentCreate
from app.plugins.models import OutboxEvent
from app.signal import service as signals
from app.signal.policy import SignalPolicy
from app.signal.schemas import AlertmanagerNotification
from tests.factories import CHEAP_HASHING, alert, make_token, make_user, notification

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "0"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# The admin run takes every phase: the documented examples, schemathesis' boundary values
# ("coverage": valid ones in the suite, `FUZZ_COVERAGE=all` adds the invalid ones) and generated
# valid and invalid inputs. Wrong methods (405) are tested in test_errors.py.
contract = schemathesis.openapi.from_path(
    SPEC_PATH,
    config=schemathesis.Config.from_dict(
        {
            "phases": {
                "coverage": {
                    "unexpected-methods": [],
                    "generation": {"mode": os.environ.get("FUZZ_COVERAGE", "positive")},
                }
            }
        }
    ),
)
# The member run repeats only the generated inputs: the boundaries are the same for everyone,
# what differs for a member is which answers (403, 404) their role gets.
generated_only = schemathesis.openapi.from_path(
    SPEC_PATH,
    config=schemathesis.Config.from_dict(
        {"phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}}}
    ),
)
# Derandomized unless FUZZ_SEED picks a seed: the suite must not flake on a new random input.
fuzz_seed = seed(FUZZ_SEED) if FUZZ_SEED else lambda test: test
fuzz_settings = hypothesis_settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=not FUZZ_SEED,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its lowest cost: the fuzzer tests the HTTP contract, not the hash's strength."""
    monkeypatch.setattr(security, "password_hash", CHEAP_HASHING)
    monkeypatch.setattr(security, "_DUMMY_HASH", CHEAP_HASHING.hash("not-a-real-password"))


WEBHOOK = ("POST", "/api/signals/alertmanager")


class World:
    """What the fuzzer's ids are steered to, so that it reaches past "404 not found": an
    incident the caller commands, with one more participant; an incident opened by an alert;
    an API token; the events those wrote to the outbox."""

    def __init__(
        self, database: Database, settings: Settings, caller: User, headers: dict[str, str]
    ) -> None:
        other = make_user(database)
        firing = AlertmanagerNotification.model_validate(notification(alert()))
        with database.unit_of_work() as db:
            incident = incidents.create(
                db, IncidentCreate(title="Fuzzed incident", tags=["fuzz"]), reporter=caller
            )
            participants.add(db, incident, other.id, ParticipantRole.scribe, actor=caller)
            outcome = signals.ingest(
                db, firing, reporter=caller, policy=SignalPolicy.from_settings(settings)
            )
            data = ApiTokenCreate(name="fuzz", scopes=[Scope.signals_read])
            token, _ = api_tokens.create(db, data, default_owner=caller)
            event_ids = list(db.scalars(select(OutboxEvent.id)))
        assert outcome.incident_id is not None
        self.ids: dict[str, list[int]] = {
            "incident_id": [incident.id, outcome.incident_id],
            "user_id": [caller.id, other.id],
            "token_id": [token.id],
            "event_id": event_ids,
        }
        self.headers = headers
        # The caller's own machine credential for the webhook, which takes no access token.
        self.webhook_headers = make_token(database, caller, Scope.signals_write)

    def steer(self, case: Any) -> None:
        """Point even valid generated ids at existing rows; odd and invalid ones stay."""
        path = case.path_parameters or {}
        for name, known in self.ids.items():
            value = path.get(name)
            if isinstance(value, int) and 0 < value <= MAX_ID and value % 2 == 0:
                path[name] = known[value // 2 % len(known)]

    def headers_for(self, case: Any) -> dict[str, str]:
        """The caller's credentials for this route."""
        if (case.method.upper(), case.path) == WEBHOOK:
            return self.webhook_headers
        return self.headers


def send(client: TestClient, case: Any, headers: dict[str, str]) -> Any:
    """Send a schemathesis case through the app's own test client (lifespan, same database)."""
    request = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    body: dict[str, Any] = {}
    if "json" in request:
        body["json"] = request["json"]
    data = request.get("data")
    if isinstance(data, bytes | str):
        body["content"] = data
    elif data is not None:
        body["data"] = data
    if request.get("files"):
        body["files"] = request["files"]
    return client.request(
        request["method"],
        request["url"],
        headers=request["headers"],
        params=request.get("params"),
        **body,
    )


@contract.parametrize()
@fuzz_settings
@fuzz_seed
@pytest.mark.usefixtures("cheap_password_hashing")
def test_admin_gets_only_documented_answers(
    case: Any, client: TestClient, admin_world: World
) -> None:
    admin_world.steer(case)
    case.validate_response(send(client, case, admin_world.headers_for(case)), checks=CHECKS)


@generated_only.parametrize()
@fuzz_settings
@fuzz_seed
@pytest.mark.usefixtures("cheap_password_hashing")
def test_member_gets_only_documented_answers(
    case: Any, client: TestClient, member_world: World
) -> None:
    member_world.steer(case)
    case.validate_response(send(client, case, member_world.headers_for(case)), checks=CHECKS)


@pytest.fixture
def admin_world(
    database: Database, settings: Settings, admin: User, admin_headers: dict[str, str]
) -> World:
    return World(database, settings, admin, admin_headers)


@pytest.fixture
def member_world(
    database: Database, settings: Settings, member: User, member_headers: dict[str, str]
) -> World:
    return World(database, settings, member, member_headers)
