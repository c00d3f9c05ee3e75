"""End to end with a real Prometheus Alertmanager: alerts fired through Alertmanager's own API
reach a running `fastapi-app serve` through its webhook receiver, open an incident, and settle it.

Needs the `alertmanager` binary (Debian package prometheus-alertmanager, which
scripts/install-test-deps.sh installs). Without it the test is skipped locally, and fails under
CI (`CI=true`) or `REQUIRE_ALERTMANAGER=1`. Everything listens on 127.0.0.1 only.
"""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.auth.models import Role, Scope
from app.core.db import Database
from tests.factories import PASSWORD, make_token, make_user
from tests.live_server import Process, free_port, responds, serve, start, wait_until

ALERTNAME = "E2ECheckoutErrors"
SUMMARY = "Checkout error rate above 5% (end-to-end test)"


def _alertmanager_binary() -> str:
    found = shutil.which("alertmanager") or shutil.which("prometheus-alertmanager")
    if found:
        return found
    message = (
        "alertmanager is not installed (Debian package prometheus-alertmanager; "
        "scripts/install-test-deps.sh installs it)"
    )
    if os.environ.get("CI") or os.environ.get("REQUIRE_ALERTMANAGER"):
        pytest.fail(f"{message}, and the end-to-end test is required here", pytrace=False)
    pytest.skip(message)


@dataclass
class App:
    url: str
    token: str
    headers: dict[str, str]
    process: Process


def _admin_and_token(database_url: str) -> str:
    """An admin to read through the API, and Alertmanager's token (owned by a member)."""
    database = Database.from_url(database_url)
    try:
        make_user(database, role=Role.admin, email="admin@example.com")
        alertbot = make_user(database, email="alertbot@example.com")
        headers = make_token(database, alertbot, Scope.signals_write, name="alertmanager-e2e")
    finally:
        database.dispose()
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def app_server(scratch_url: str, tmp_path: Path) -> Iterator[App]:
    """`fastapi-app serve` on a scratch database, with an admin and Alertmanager's API token."""
    with serve(scratch_url, tmp_path) as (url, process):
        token = _admin_and_token(scratch_url)
        login = httpx.post(
            f"{url}/api/auth/login", data={"username": "admin@example.com", "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        yield App(url, token, headers, process)


ALERTMANAGER_CONFIG = """\
global:
  resolve_timeout: 5m
route:
  receiver: fastapi-app
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: fastapi-app
    webhook_configs:
      - url: {app_url}/api/signals/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
"""


@pytest.fixture
def alertmanager(app_server: App, tmp_path: Path) -> Iterator[tuple[str, Process]]:
    """A real Alertmanager on a free loopback port, clustering off, notifying `app_server`."""
    binary = _alertmanager_binary()
    config = tmp_path / "alertmanager.yml"
    config.write_text(ALERTMANAGER_CONFIG.format(app_url=app_server.url, token=app_server.token))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [
        binary,
        f"--config.file={config}",
        f"--storage.path={tmp_path / 'alertmanager-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--web.external-url={url}",
        "--cluster.listen-address=",
    ]
    process = start("alertmanager", args, dict(os.environ), tmp_path)
    try:
        wait_until("alertmanager to be ready", lambda: responds(f"{url}/-/ready"), process)
        yield url, process
    finally:
        process.stop()


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _fire(alertmanager_url: str, instances: list[str], starts: datetime, ends: datetime) -> None:
    """Post alerts to Alertmanager's own API, as Prometheus does."""
    alerts = [
        {
            "labels": {
                "alertname": ALERTNAME,
                "service": "checkout",
                "instance": instance,
                "severity": "critical",
            },
            "annotations": {"summary": SUMMARY, "description": "5xx above 5% for 5 minutes."},
            "startsAt": _at(starts),
            "endsAt": _at(ends),
            "generatorURL": "http://127.0.0.1:9090/graph?g0.expr=checkout_errors",
        }
        for instance in instances
    ]
    response = httpx.post(f"{alertmanager_url}/api/v2/alerts", json=alerts, timeout=5)
    assert response.status_code == 200, response.text


def test_alerts_fired_through_alertmanager_open_an_incident_and_resolving_settles_it(
    app_server: App, alertmanager: tuple[str, Process]
) -> None:
    alertmanager_url, alertmanager_process = alertmanager
    processes = (app_server.process, alertmanager_process)
    api = httpx.Client(base_url=f"{app_server.url}/api", headers=app_server.headers, timeout=5)

    def get(path: str, **params: Any) -> Any:
        response = api.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    started = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    _fire(alertmanager_url, ["web-1", "web-2"], started, started + timedelta(minutes=10))

    def incident_with_both_alerts() -> dict[str, Any] | None:
        incidents = get("/incidents", tag="alertmanager")["items"]
        if not incidents:
            return None
        alerts = get(f"/incidents/{incidents[0]['id']}/signals")["items"]
        return incidents[0] if len(alerts) == 2 else None

    incident = wait_until("the incident with both alerts", incident_with_both_alerts, *processes)
    assert len(get("/incidents", tag="alertmanager")["items"]) == 1
    assert incident["title"] == SUMMARY
    assert incident["severity"] == "critical"
    assert incident["status"] == "active"
    assert alertmanager_url in incident["description"]
    signals = get(f"/incidents/{incident['id']}/signals")
    assert {a["labels"]["instance"] for a in signals["items"]} == {"web-1", "web-2"}
    assert {a["status"] for a in signals["items"]} == {"firing"}
    [group] = signals["groups"]
    assert group["group_labels"] == {"alertname": ALERTNAME, "service": "checkout"}
    assert group["external_url"] == alertmanager_url
    timeline = get(f"/incidents/{incident['id']}/timeline", order="asc")["items"]
    assert [e["kind"] for e in timeline[:2]] == ["created", "signal"]

    # Resolve both: the same alerts with an end in the past.
    _fire(alertmanager_url, ["web-1", "web-2"], started, datetime.now(UTC) - timedelta(seconds=1))

    def stable_incident() -> dict[str, Any] | None:
        current: dict[str, Any] = get(f"/incidents/{incident['id']}")
        return current if current["status"] == "stable" else None

    wait_until("the incident to become stable", stable_incident, *processes)
    texts = [e["text"] for e in get(f"/incidents/{incident['id']}/timeline")["items"]]
    assert "Alertmanager: all 2 alerts of the group have resolved." in texts
    signals = get(f"/incidents/{incident['id']}/signals")
    assert {a["status"] for a in signals["items"]} == {"resolved"}
    assert all(a["ends_at"] is not None for a in signals["items"])
    assert len(get("/incidents", tag="alertmanager")["items"]) == 1  # no duplicates on the way
    api.close()
