import time
from pathlib import Path

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import Database
from app.core.migrations import alembic_config
from app.main import create_app
from app.plugins.builtin.signing import sign, verify
from app.plugins.models import OutboxEvent
from tests.conftest import make_settings
from tests.dispatching import deliver, deliveries, open_deliveries
from tests.factories import auth_headers, create_incident, make_user
from tests.receiver import Receiver

SECRET = "webhook-test-secret"


def webhook_settings(database_url: str, tmp_path: Path, receiver: Receiver, **more: object):  # type: ignore[no-untyped-def]
    return make_settings(
        database_url,
        tmp_path,
        PLUGINS_ENABLED=["webhook", "slack"],
        WEBHOOK_URLS=[receiver.url],
        WEBHOOK_SECRET=SECRET,
        SLACK_WEBHOOK_URL=receiver.url_for("/slack"),
        SLACK_INCIDENT_URL="https://ops.example.com/incidents/{id}",
        **more,
    )


def test_webhook_posts_the_event_as_signed_json_that_receivers_verify(
    client: TestClient,
    database: Database,
    database_url: str,
    tmp_path: Path,
    receiver: Receiver,
    member_headers: dict[str, str],
) -> None:
    incident = create_incident(client, member_headers, title="Payments down")
    deliver(database, webhook_settings(database_url, tmp_path, receiver))
    [request] = [r for r in receiver.received if r.path == "/hooks"]
    with database.unit_of_work(write=False) as db:
        [event] = db.scalars(select(OutboxEvent))
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Event-Type"] == "incident.created"
    assert request.headers["Idempotency-Key"] == str(event.key)
    assert request.json() == event.payload
    assert request.json()["incident"]["id"] == incident["id"]

    timestamp, signature = request.headers["X-Signature-Timestamp"], request.headers["X-Signature"]
    assert signature == sign(SECRET, int(timestamp), request.body)
    assert verify(SECRET, timestamp=timestamp, signature=signature, body=request.body)
    assert not verify(SECRET, timestamp=timestamp, signature=signature, body=request.body + b" ")
    assert not verify("another", timestamp=timestamp, signature=signature, body=request.body)
    later = int(timestamp) + 301
    assert not verify(
        SECRET, timestamp=timestamp, signature=signature, body=request.body, now=later
    )


def test_slack_gets_title_severity_status_and_a_link(
    client: TestClient,
    database: Database,
    database_url: str,
    tmp_path: Path,
    receiver: Receiver,
    member_headers: dict[str, str],
) -> None:
    incident = create_incident(client, member_headers, title="Payments <down>", severity="critical")
    deliver(database, webhook_settings(database_url, tmp_path, receiver))
    [request] = [r for r in receiver.received if r.path == "/slack"]
    message = request.json()
    link = f"https://ops.example.com/incidents/{incident['id']}"
    assert message["text"] == (
        f"New incident: #{incident['id']} Payments <down> [critical, active] {link}"
    )
    heading = message["blocks"][0]["text"]["text"]
    assert heading.startswith(f"*<{link}|#{incident['id']} Payments &lt;down&gt;>*")
    fields = [field["text"] for field in message["blocks"][1]["fields"]]
    assert fields == ["*Severity*\ncritical", "*Status*\nactive"]


def test_a_receiver_error_fails_the_delivery_without_revealing_the_url(
    client: TestClient,
    database: Database,
    database_url: str,
    tmp_path: Path,
    receiver: Receiver,
    member_headers: dict[str, str],
) -> None:
    receiver.status = 503
    create_incident(client, member_headers)
    deliver(database, webhook_settings(database_url, tmp_path, receiver))
    errors = {d.plugin: d.last_error for d in deliveries(database)}
    origin = f"http://127.0.0.1:{receiver.port}"
    assert errors == {
        "webhook": f"DeliveryRejected: {origin} answered 503: ok",
        "slack": f"DeliveryRejected: {origin} answered 503: ok",
    }


def test_a_request_is_answered_while_a_plugin_call_hangs(
    scratch_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    """The request never waits for delivery: an incident is reported and answered while the
    receiver still holds the previous incident's delivery open (bench/plugin_latency.py times it).
    """
    command.upgrade(alembic_config(scratch_url), "head")
    receiver.delay = 5
    settings = webhook_settings(
        scratch_url,
        tmp_path,
        receiver,
        DISPATCHER_ENABLED=True,
        DISPATCHER_POLL_SECONDS=0.05,
        DELIVERY_TIMEOUT_SECONDS=10,
    )
    database = Database.from_url(scratch_url)
    admin = auth_headers(make_user(database, role="admin"), settings)  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as client:
        create_incident(client, admin, title="first")
        assert receiver.arrived.wait(10), "the first event was never sent"
        create_incident(client, admin, title="second")
        assert receiver.received == [], "the second request waited for the hanging delivery"
    database.dispose()


def test_receiver_down_then_back_every_event_arrives_once(
    scratch_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    command.upgrade(alembic_config(scratch_url), "head")
    receiver.down()
    settings = webhook_settings(
        scratch_url,
        tmp_path,
        receiver,
        DISPATCHER_ENABLED=True,
        DISPATCHER_POLL_SECONDS=0.05,
        DELIVERY_BACKOFF_BASE_SECONDS=0.05,
        DELIVERY_BACKOFF_MAX_SECONDS=0.2,
        DELIVERY_MAX_ATTEMPTS=100,
        DELIVERY_TIMEOUT_SECONDS=2,
    )
    database = Database.from_url(scratch_url)
    admin = auth_headers(make_user(database, role="admin"), settings)  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as client:
        for n in range(20):
            create_incident(client, admin, title=f"incident {n}")
        deadline = time.monotonic() + 10
        while not client.get("/api/events?status=failed", headers=admin).json()["items"]:
            assert time.monotonic() < deadline, "deliveries should fail while the receiver is down"
            time.sleep(0.05)
        assert receiver.received == []

        receiver.up()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and open_deliveries(database):
            time.sleep(0.05)
    assert open_deliveries(database) == []
    for path in ("/hooks", "/slack"):
        counts = receiver.keys(path)
        assert len(counts) == 20
        assert set(counts.values()) == {1}, f"{path} got an event twice: {counts}"
    assert receiver.all_signed_with(SECRET)
    database.dispose()
