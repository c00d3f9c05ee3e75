import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.config import Settings, get_settings
from app.core.db import Database
from app.core.db_base import utcnow
from app.main import create_app
from app.plugins import deliveries as queue
from app.plugins.models import DeliveryStatus, PluginDelivery
from tests import sample_plugins
from tests.conftest import make_settings
from tests.dispatching import deliver, deliver_until_settled, deliveries, dispatcher_for
from tests.factories import assert_error, auth_headers, create_incident

SAMPLES = {
    "recording": "tests.sample_plugins:RecordingPlugin",
    "async_recording": "tests.sample_plugins:AsyncRecordingPlugin",
    "raising": "tests.sample_plugins:RaisingPlugin",
    "hanging": "tests.sample_plugins:HangingPlugin",
    "async_hanging": "tests.sample_plugins:AsyncHangingPlugin",
    "flaky": "tests.sample_plugins:FlakyPlugin",
    "slow": "tests.sample_plugins:SlowPlugin",
}
FAST_RETRIES = {
    "DELIVERY_BACKOFF_BASE_SECONDS": 0.01,
    "DELIVERY_BACKOFF_MAX_SECONDS": 0.05,
    "DELIVERY_MAX_ATTEMPTS": 3,
    "DISPATCHER_POLL_SECONDS": 0.05,
}


@pytest.fixture(autouse=True)
def _samples(install_plugins: Callable[..., None]) -> Iterator[None]:
    install_plugins(**SAMPLES)
    sample_plugins.received.clear()
    sample_plugins.FlakyPlugin.failures = 0
    yield
    sample_plugins.received.clear()


@pytest.fixture
def plugin_settings(database_url: str, tmp_path: Path) -> Callable[..., Settings]:
    def configure(*enabled: str, **overrides: object) -> Settings:
        values = {**FAST_RETRIES, **overrides}
        return make_settings(database_url, tmp_path, PLUGINS_ENABLED=list(enabled), **values)

    return configure


def received(name: str) -> list[str]:
    return [event.type for plugin, event in sample_plugins.received if plugin == name]


def by_plugin(database: Database) -> dict[str, list[tuple[DeliveryStatus, int, str | None]]]:
    result: dict[str, list[tuple[DeliveryStatus, int, str | None]]] = {}
    for d in deliveries(database):
        result.setdefault(d.plugin, []).append((d.status, d.attempts, d.last_error))
    return result


def test_each_enabled_plugin_with_the_hook_gets_each_event_once(
    client: TestClient,
    database: Database,
    member_headers: dict[str, str],
    plugin_settings: Callable[..., Settings],
) -> None:
    settings = plugin_settings("recording", "async_recording", "log", "raising")
    incident = create_incident(client, member_headers)
    client.patch(f"/api/incidents/{incident['id']}", json={"title": "x"}, headers=member_headers)
    deliver(database, settings)
    deliver(database, settings)
    assert received("recording") == ["incident.created", "incident.updated"]
    assert received("async_recording") == ["incident.created", "incident.updated"]
    states = by_plugin(database)
    assert [s for s, _, _ in states["log"]] == [DeliveryStatus.done] * 2
    # `raising` has no hook for incident.updated, so it is owed only the created event.
    assert len(states["raising"]) == 1


def test_a_raising_plugin_is_retried_with_backoff_then_dead_and_others_are_unaffected(
    client: TestClient,
    database: Database,
    member_headers: dict[str, str],
    plugin_settings: Callable[..., Settings],
) -> None:
    settings = plugin_settings("raising", "recording")
    create_incident(client, member_headers)
    deliver(database, settings.model_copy(update={"DELIVERY_BACKOFF_BASE_SECONDS": 5}))
    [(status, attempts, error)] = by_plugin(database)["raising"]
    assert (status, attempts) == (DeliveryStatus.failed, 1)
    assert error == "RuntimeError: the plugin's backend is down"
    deliver_until_settled(database, settings)
    assert by_plugin(database)["raising"][0][:2] == (DeliveryStatus.dead, 3)
    assert by_plugin(database)["recording"][0][:2] == (DeliveryStatus.done, 1)
    assert received("recording") == ["incident.created"]


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    policy = queue.RetryPolicy(max_attempts=10, backoff_base=2, backoff_max=60)
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (5, 32), (6, 60), (40, 60)]:
        delay = policy.delay(attempt).total_seconds()
        assert ceiling / 2 <= delay <= ceiling


def test_a_hanging_plugin_times_out_without_holding_back_the_others(
    client: TestClient,
    database: Database,
    member_headers: dict[str, str],
    admin_headers: dict[str, str],
    plugin_settings: Callable[..., Settings],
) -> None:
    settings = plugin_settings(
        "hanging",
        "async_hanging",
        "recording",
        DELIVERY_TIMEOUT_SECONDS=0.3,
        DELIVERY_BACKOFF_BASE_SECONDS=5,
        DELIVERY_BACKOFF_MAX_SECONDS=5,
    )
    create_incident(client, member_headers)
    started = time.perf_counter()
    deliver(database, settings)
    elapsed = time.perf_counter() - started
    states = by_plugin(database)
    for name in ("hanging", "async_hanging"):
        assert states[name] == [(DeliveryStatus.failed, 1, "timed out after 0.3s")]
    assert states["recording"][0][0] == DeliveryStatus.done
    assert elapsed < 4, f"one pass took {elapsed:.2f}s (the sync plugin sleeps 5 s)"
    [event] = client.get("/api/events?status=failed", headers=admin_headers).json()["items"]
    errors = {d["plugin"]: d["last_error"] for d in event["deliveries"]}
    assert errors["hanging"] == errors["async_hanging"] == "timed out after 0.3s"


def test_events_of_one_incident_reach_a_plugin_in_order_even_across_retries(
    client: TestClient,
    database: Database,
    member_headers: dict[str, str],
    plugin_settings: Callable[..., Settings],
) -> None:
    settings = plugin_settings(
        "flaky", "recording", DELIVERY_BACKOFF_BASE_SECONDS=30, DELIVERY_BACKOFF_MAX_SECONDS=30
    )
    sample_plugins.FlakyPlugin.failures = 1
    incident = create_incident(client, member_headers)
    for title in ("one", "two", "three"):
        client.patch(
            f"/api/incidents/{incident['id']}", json={"title": title}, headers=member_headers
        )
    deliver(database, settings)
    # The first event failed: the later ones wait for it instead of overtaking it.
    assert received("flaky") == []
    assert len(received("recording")) == 4
    with database.unit_of_work() as db:  # the retry time comes
        db.execute(update(PluginDelivery).values(next_attempt_at=utcnow()))
    deliver_until_settled(database, settings)
    titles = [e.incident.title for p, e in sample_plugins.received if p == "flaky"]
    assert titles == ["Checkout is down", "one", "two", "three"]


def test_a_dead_workers_lease_expires_and_another_worker_delivers(
    client: TestClient,
    database: Database,
    member_headers: dict[str, str],
    plugin_settings: Callable[..., Settings],
) -> None:
    settings = plugin_settings("recording")
    create_incident(client, member_headers)
    dispatcher = dispatcher_for(database, settings)
    with database.unit_of_work() as db:
        queue.fan_out(db, dispatcher.registry.targets)
        leased = queue.lease(
            db, owner="died", plugins=["recording"], limit=10, lease_for=timedelta(seconds=-1)
        )
    assert len(leased) == 1
    deliver(database, settings)
    expired = "lease expired: the worker stopped before reporting"
    assert by_plugin(database)["recording"] == [(DeliveryStatus.done, 2, expired)]
    assert received("recording") == ["incident.created"]


def test_graceful_stop_finishes_in_flight_deliveries(
    client: TestClient,
    database: Database,
    member_headers: dict[str, str],
    plugin_settings: Callable[..., Settings],
) -> None:
    settings = plugin_settings("slow")
    create_incident(client, member_headers)
    dispatcher = dispatcher_for(database, settings)

    async def run_then_stop() -> None:
        task = asyncio.create_task(dispatcher.run())
        while not sample_plugins.received and not dispatcher._inflight:
            await asyncio.sleep(0.01)
        dispatcher.stop()
        await task

    asyncio.run(run_then_stop())
    assert by_plugin(database)["slow"] == [(DeliveryStatus.done, 1, None)]


def test_a_hurried_stop_hands_in_flight_deliveries_back_uncounted(
    client: TestClient,
    database: Database,
    member_headers: dict[str, str],
    plugin_settings: Callable[..., Settings],
) -> None:
    settings = plugin_settings("async_hanging", DELIVERY_TIMEOUT_SECONDS=30)
    create_incident(client, member_headers)
    dispatcher = dispatcher_for(database, settings)

    async def run_then_stop_twice() -> None:
        task = asyncio.create_task(dispatcher.run())
        while not dispatcher._inflight:
            await asyncio.sleep(0.01)
        dispatcher.stop()
        dispatcher.stop()
        await asyncio.wait_for(task, 5)

    asyncio.run(run_then_stop_twice())
    [delivery] = deliveries(database)
    assert (delivery.status, delivery.attempts, delivery.lease_owner) == (
        DeliveryStatus.pending,
        0,
        None,
    )


def test_admins_see_and_retry_deliveries_through_the_api(
    database: Database,
    database_url: str,
    tmp_path: Path,
    member_headers: dict[str, str],
    admin_headers: dict[str, str],
    plugin_settings: Callable[..., Settings],
) -> None:
    settings = plugin_settings("raising", "recording")
    with TestClient(create_app(settings, database)) as client:
        incident = create_incident(client, member_headers)
        deliver_until_settled(database, settings)
        dead = client.get("/api/events?status=dead", headers=admin_headers).json()["items"]
        assert [e["incident_id"] for e in dead] == [incident["id"]]
        assert dead[0]["status"] == "dead"
        states = {d["plugin"]: d for d in dead[0]["deliveries"]}
        assert states["raising"]["attempts"] == 3
        assert states["raising"]["last_error"] == "RuntimeError: the plugin's backend is down"
        assert states["recording"]["status"] == "done"
        assert client.get("/api/events?status=failed", headers=admin_headers).json()["items"] == []

        event_id = dead[0]["id"]
        detail = client.get(f"/api/events/{event_id}", headers=admin_headers).json()
        assert detail["payload"]["incident"]["id"] == incident["id"]
        retried = client.post(f"/api/events/{event_id}/retry", headers=admin_headers).json()
        assert retried["retried"] == 1
        assert retried["event"]["status"] == "pending"

        assert_error(client.post(f"/api/events/{event_id}/retry", headers=member_headers), 403)
        assert_error(client.post("/api/events/999999/retry", headers=admin_headers), 404)
        assert_error(client.get("/api/events?status=lost", headers=admin_headers), 422)


def test_delivery_states_and_retries_from_the_cli(
    scratch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("DATABASE_URL", scratch_url)
    monkeypatch.setenv("PLUGINS_ENABLED", "raising,recording")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
        database = Database.from_url(scratch_url)
        settings = make_settings(
            scratch_url, tmp_path, PLUGINS_ENABLED=["raising", "recording"], **FAST_RETRIES
        )
        with TestClient(create_app(settings, database)) as client:
            from tests.factories import make_user

            headers = auth_headers(make_user(database), settings)
            create_incident(client, headers)
        deliver_until_settled(database, settings)

        listing = runner.invoke(cli, ["events", "list", "--status", "dead"])
        assert listing.exit_code == 0, listing.output
        [row] = listing.output.splitlines()[1:]
        event_id = row.split("\t")[0]
        assert "raising:dead/3" in row
        assert "recording:done/1" in row
        shown = runner.invoke(cli, ["events", "show", event_id])
        assert "RuntimeError: the plugin's backend is down" in shown.output

        assert runner.invoke(cli, ["events", "retry", event_id]).output == "retried 1 deliveries\n"
        assert runner.invoke(cli, ["events", "list", "--status", "dead"]).output.count("\n") == 1
        deliver_until_settled(database, settings)
        assert "retried 1 deliveries" in runner.invoke(cli, ["events", "retry", "--dead"]).output
        assert runner.invoke(cli, ["events", "retry"]).exit_code == 2
        assert runner.invoke(cli, ["events", "show", "4242"]).exit_code == 1
        database.dispose()
    finally:
        get_settings.cache_clear()


def test_the_event_list_pages_newest_first_and_filters_by_plugin(
    client: TestClient, member_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    created = [create_incident(client, member_headers)["id"] for _ in range(3)]
    first = client.get("/api/events?limit=2", headers=admin_headers).json()
    second = client.get(
        f"/api/events?limit=2&cursor={first['next_cursor']}", headers=admin_headers
    ).json()
    incidents = [e["incident_id"] for e in first["items"] + second["items"]]
    assert incidents == list(reversed(created))
    assert second["next_cursor"] is None
    assert all(e["status"] == "pending" for e in first["items"])  # not fanned out yet
    pending = client.get("/api/events?status=pending", headers=admin_headers).json()["items"]
    assert len(pending) == 3
    by_plugin = client.get("/api/events?plugin=log", headers=admin_headers).json()["items"]
    assert by_plugin == []  # no delivery exists before the dispatcher fans the events out
