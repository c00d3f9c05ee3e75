"""Alertmanager's webhook: a group's notifications open, update and settle one incident."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth.models import User
from app.core.db import Database
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import (
    ALERTS_START,
    alert,
    assert_error,
    notification,
    post_signal,
    resolved,
    update_incident,
)

LATER = ALERTS_START + timedelta(hours=1)


def _incident(client: TestClient, headers: dict[str, str], incident_id: int) -> dict[str, Any]:
    response = client.get(f"/api/incidents/{incident_id}", headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _timeline(
    client: TestClient, headers: dict[str, str], incident_id: int
) -> list[dict[str, Any]]:
    response = client.get(
        f"/api/incidents/{incident_id}/timeline", params={"order": "asc"}, headers=headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _signals(client: TestClient, headers: dict[str, str], incident_id: int) -> dict[str, Any]:
    response = client.get(f"/api/incidents/{incident_id}/signals", headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@contextmanager
def _client_with(
    database_url: str, database: Database, tmp_path: Path, **settings: object
) -> Iterator[TestClient]:
    app = create_app(make_settings(database_url, tmp_path, **settings), database)
    with TestClient(app) as client:
        yield client


def test_first_firing_notification_opens_an_incident_from_the_alerts(
    client: TestClient,
    signal_headers: dict[str, str],
    admin_headers: dict[str, str],
    alertbot: User,
) -> None:
    body = notification(alert("web-1"), alert("web-2"))
    body["commonAnnotations"] = {
        "summary": "Checkout error rate above 5%",
        "description": "5xx ratio is 12% over 5 minutes.",
        "runbook_url": "https://runbooks.test/checkout",
    }
    outcome = post_signal(client, signal_headers, body)
    assert outcome["incident_opened"] is True
    assert outcome["new_alerts"] == 2
    assert outcome["group_resolved"] is False

    incident = _incident(client, admin_headers, outcome["incident_id"])
    assert incident["title"] == "Checkout error rate above 5%"
    assert incident["severity"] == "critical"
    assert incident["status"] == "active"
    assert incident["reporter_id"] == incident["commander_id"] == alertbot.id
    assert incident["tags"] == ["alertmanager"]
    assert incident["reported_at"].startswith("2026-12-03T14:00:00")
    for text in [
        "5xx ratio is 12% over 5 minutes.",
        "runbook_url: https://runbooks.test/checkout",
        'HighErrorRate{instance="web-2"}',
        "http://prometheus.test:9090/graph?g0.expr=HighErrorRate",
        "http://alertmanager.test:9093",
    ]:
        assert text in incident["description"]

    created, signal = _timeline(client, admin_headers, incident["id"])
    assert created["kind"] == "created"
    assert signal["kind"] == "signal"
    assert signal["actor_id"] == alertbot.id
    assert signal["text"].startswith("Alertmanager: firing (2):")
    assert [c["after"] for c in signal["changes"]] == ["firing", "firing"]

    signals = _signals(client, admin_headers, incident["id"])
    assert [g["external_url"] for g in signals["groups"]] == ["http://alertmanager.test:9093"]
    assert signals["groups"][0]["incident_id"] == incident["id"]
    assert {a["labels"]["instance"] for a in signals["items"]} == {"web-1", "web-2"}
    assert {a["status"] for a in signals["items"]} == {"firing"}
    assert all(a["ends_at"] is None for a in signals["items"])


def test_incidents_opened_by_alerts_are_listed_like_any_other(
    client: TestClient, signal_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    incident_id = post_signal(client, signal_headers, notification(alert()))["incident_id"]
    listed = client.get("/api/incidents", params={"tag": "alertmanager"}, headers=member_headers)
    assert [i["id"] for i in listed.json()["items"]] == [incident_id]


def test_title_falls_back_to_the_alert_name_and_group_labels(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    outcome = post_signal(client, signal_headers, notification(alert("web-1"), alert("web-2")))
    assert _incident(client, admin_headers, outcome["incident_id"])["title"] == (
        "HighErrorRate: service=checkout"
    )


def test_the_only_alerts_summary_is_the_title(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    body = notification(alert(summary="Disk 95% full on db-1"))
    outcome = post_signal(client, signal_headers, body)
    assert _incident(client, admin_headers, outcome["incident_id"])["title"] == (
        "Disk 95% full on db-1"
    )


def test_an_over_long_summary_is_clipped_to_a_title(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    outcome = post_signal(client, signal_headers, notification(alert(summary="Disk full " * 50)))
    title = _incident(client, admin_headers, outcome["incident_id"])["title"]
    assert len(title) == 200
    assert title.startswith("Disk full Disk full")
    assert title.endswith("…")


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["critical"], "critical"),
        (["warning"], "high"),
        (["INFO"], "low"),
        (["info", "warning"], "high"),  # the most severe alert decides
        (["page-someone"], "medium"),  # not in the map: the default
        ([None], "medium"),  # no severity label: the default
    ],
)
def test_severity_comes_from_the_severity_label_through_the_map(
    client: TestClient,
    signal_headers: dict[str, str],
    admin_headers: dict[str, str],
    labels: list[str | None],
    expected: str,
) -> None:
    alerts = [alert(f"web-{n}", severity=label) for n, label in enumerate(labels)]
    outcome = post_signal(client, signal_headers, notification(*alerts))
    assert _incident(client, admin_headers, outcome["incident_id"])["severity"] == expected


def test_severity_map_and_default_are_settings(
    database_url: str,
    database: Database,
    tmp_path: Path,
    signal_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    settings = {"SIGNALS_SEVERITY_MAP": {"P1": "critical"}, "SIGNALS_DEFAULT_SEVERITY": "low"}
    with _client_with(database_url, database, tmp_path, **settings) as client:
        p1 = post_signal(client, signal_headers, notification(alert(severity="p1"), group="a"))
        other = post_signal(client, signal_headers, notification(alert(severity="warning")))
        assert _incident(client, admin_headers, p1["incident_id"])["severity"] == "critical"
        assert _incident(client, admin_headers, other["incident_id"])["severity"] == "low"


def test_resending_the_same_notification_changes_nothing(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    body = notification(alert("web-1"), alert("web-2"))
    first = post_signal(client, signal_headers, body)
    incident_id = first["incident_id"]
    before = (
        _incident(client, admin_headers, incident_id),
        _timeline(client, admin_headers, incident_id),
        _signals(client, admin_headers, incident_id),
    )

    for _ in range(3):
        again = post_signal(client, signal_headers, body)
        assert again == {
            **first,
            "incident_opened": False,
            "new_alerts": 0,
        }
    after = (
        _incident(client, admin_headers, incident_id),
        _timeline(client, admin_headers, incident_id),
        _signals(client, admin_headers, incident_id),
    )
    assert after == before


def test_a_new_alert_in_the_group_is_the_only_thing_recorded(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    first = post_signal(client, signal_headers, notification(alert("web-1")))
    outcome = post_signal(client, signal_headers, notification(alert("web-1"), alert("web-2")))
    assert outcome["incident_id"] == first["incident_id"]
    assert (outcome["incident_opened"], outcome["new_alerts"]) == (False, 1)
    entry = _timeline(client, admin_headers, first["incident_id"])[-1]
    assert entry["text"] == 'Alertmanager: firing (1): HighErrorRate{instance="web-2"}.'
    assert len(entry["changes"]) == 1


def test_partial_resolve_records_it_and_keeps_the_incident_active(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    web1, web2 = alert("web-1"), alert("web-2")
    incident_id = post_signal(client, signal_headers, notification(web1, web2))["incident_id"]
    outcome = post_signal(client, signal_headers, notification(resolved(web1), web2))
    assert (outcome["resolved"], outcome["group_resolved"]) == (1, False)

    entry = _timeline(client, admin_headers, incident_id)[-1]
    assert entry["text"] == 'Alertmanager: resolved (1): HighErrorRate{instance="web-1"}.'
    assert entry["changes"][0]["before"] == "firing"
    assert entry["changes"][0]["after"] == "resolved"
    assert _incident(client, admin_headers, incident_id)["status"] == "active"
    statuses = {
        a["labels"]["instance"]: a for a in _signals(client, admin_headers, incident_id)["items"]
    }
    assert statuses["web-1"]["status"] == "resolved"
    assert statuses["web-1"]["ends_at"].startswith("2026-12-03T14:05:00")
    assert statuses["web-2"]["status"] == "firing"


def test_when_every_alert_has_resolved_the_incident_becomes_stable(
    client: TestClient,
    signal_headers: dict[str, str],
    admin_headers: dict[str, str],
    alertbot: User,
) -> None:
    web1, web2 = alert("web-1"), alert("web-2")
    incident_id = post_signal(client, signal_headers, notification(web1, web2))["incident_id"]
    post_signal(client, signal_headers, notification(resolved(web1), web2))
    # Alertmanager drops a resolved alert from the group once it has notified it.
    outcome = post_signal(client, signal_headers, notification(resolved(web2)))
    assert outcome["group_resolved"] is True

    *_, alerts_entry, settled, stable = _timeline(client, admin_headers, incident_id)
    assert alerts_entry["text"] == 'Alertmanager: resolved (1): HighErrorRate{instance="web-2"}.'
    assert settled["text"] == "Alertmanager: all 2 alerts of the group have resolved."
    assert stable["kind"] == "status_changed"
    assert stable["actor_id"] == alertbot.id
    incident = _incident(client, admin_headers, incident_id)
    assert incident["status"] == "stable"

    again = post_signal(client, signal_headers, notification(resolved(web2)))
    assert again["group_resolved"] is False
    assert _incident(client, admin_headers, incident_id) == incident


def test_moving_to_stable_can_be_turned_off(
    database_url: str,
    database: Database,
    tmp_path: Path,
    signal_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    with _client_with(database_url, database, tmp_path, SIGNALS_AUTO_STABLE=False) as client:
        incident_id = post_signal(client, signal_headers, notification(alert()))["incident_id"]
        outcome = post_signal(client, signal_headers, notification(resolved(alert())))
        assert outcome["group_resolved"] is True
        assert _incident(client, admin_headers, incident_id)["status"] == "active"
        last = _timeline(client, admin_headers, incident_id)[-1]
        assert last["text"] == "Alertmanager: all 1 alerts of the group have resolved."


def test_an_incident_someone_else_commands_is_left_active(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str], admin: User
) -> None:
    incident_id = post_signal(client, signal_headers, notification(alert()))["incident_id"]
    assert update_incident(client, admin_headers, incident_id, commander_id=admin.id).is_success
    post_signal(client, signal_headers, notification(resolved(alert())))
    assert _incident(client, admin_headers, incident_id)["status"] == "active"
    assert "left active" in _timeline(client, admin_headers, incident_id)[-1]["text"]


def test_an_alert_firing_again_before_close_goes_to_the_same_incident(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    incident_id = post_signal(client, signal_headers, notification(alert()))["incident_id"]
    post_signal(client, signal_headers, notification(resolved(alert())))
    outcome = post_signal(client, signal_headers, notification(alert(starts_at=LATER)))
    assert (outcome["incident_id"], outcome["firing_again"]) == (incident_id, 1)
    entry = _timeline(client, admin_headers, incident_id)[-1]
    assert entry["text"] == 'Alertmanager: firing again (1): HighErrorRate{instance="web-1"}.'
    assert _incident(client, admin_headers, incident_id)["status"] == "stable"


def test_a_late_copy_of_an_older_notification_changes_nothing(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    """Retries and HA peers can deliver the firing notification after the resolved one."""
    incident_id = post_signal(client, signal_headers, notification(alert()))["incident_id"]
    post_signal(client, signal_headers, notification(resolved(alert())))
    timeline = _timeline(client, admin_headers, incident_id)
    outcome = post_signal(client, signal_headers, notification(alert()))
    assert (outcome["firing_again"], outcome["new_alerts"]) == (0, 0)
    assert _timeline(client, admin_headers, incident_id) == timeline


def _close(client: TestClient, headers: dict[str, str], incident_id: int) -> None:
    response = update_incident(client, headers, incident_id, status="closed", resolution="Fixed.")
    assert response.status_code == 200, response.text


def test_a_group_firing_again_after_close_opens_a_new_linked_incident(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    old = post_signal(client, signal_headers, notification(alert()))["incident_id"]
    post_signal(client, signal_headers, notification(resolved(alert())))
    _close(client, admin_headers, old)

    outcome = post_signal(client, signal_headers, notification(alert(starts_at=LATER)))
    new = outcome["incident_id"]
    assert outcome["incident_opened"] is True
    assert new != old
    assert outcome["new_alerts"] == 1
    assert _incident(client, admin_headers, new)["status"] == "active"
    assert _incident(client, admin_headers, old)["status"] == "closed"

    follows = _timeline(client, admin_headers, new)[1]
    assert follows["changes"] == [{"field": "follows_incident_id", "before": None, "after": old}]
    followed = _timeline(client, admin_headers, old)[-1]
    assert followed["changes"] == [
        {"field": "followed_by_incident_id", "before": None, "after": new}
    ]
    group = _signals(client, admin_headers, new)["groups"][0]
    assert (group["incident_id"], group["previous_incident_id"]) == (new, old)
    # The old incident keeps the alerts as they were when it was open.
    [old_alert] = _signals(client, admin_headers, old)["items"]
    [new_alert] = _signals(client, admin_headers, new)["items"]
    assert (old_alert["status"], new_alert["status"]) == ("resolved", "firing")
    assert old_alert["fingerprint"] == new_alert["fingerprint"]


def test_reopening_instead_of_a_new_incident_is_a_setting(
    database_url: str,
    database: Database,
    tmp_path: Path,
    signal_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    with _client_with(database_url, database, tmp_path, SIGNALS_REOPEN_AS_NEW=False) as client:
        old = post_signal(client, signal_headers, notification(alert()))["incident_id"]
        post_signal(client, signal_headers, notification(resolved(alert())))
        _close(client, admin_headers, old)
        outcome = post_signal(client, signal_headers, notification(alert(starts_at=LATER)))
        assert (outcome["incident_id"], outcome["incident_opened"]) == (old, False)
        assert outcome["firing_again"] == 1
        assert _incident(client, admin_headers, old)["status"] == "active"
        kinds = [e["kind"] for e in _timeline(client, admin_headers, old)[-2:]]
        assert kinds == ["status_changed", "signal"]


def test_alerts_still_firing_when_closed_open_nothing_until_something_changes(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    """Alertmanager repeats a still-firing group on `repeat_interval`: that is not news."""
    body = notification(alert())
    old = post_signal(client, signal_headers, body)["incident_id"]
    _close(client, admin_headers, old)
    repeat = post_signal(client, signal_headers, body)
    assert (repeat["incident_id"], repeat["incident_opened"]) == (old, False)

    grown = post_signal(client, signal_headers, notification(alert(), alert("web-2")))
    assert grown["incident_opened"] is True
    assert grown["new_alerts"] == 2


def test_a_truncated_notification_cannot_settle_the_group(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    web1, web2 = alert("web-1"), alert("web-2")
    incident_id = post_signal(client, signal_headers, notification(web1, web2))["incident_id"]
    partial = notification(resolved(web1), truncatedAlerts=1, status="resolved")
    outcome = post_signal(client, signal_headers, partial)
    assert (outcome["resolved"], outcome["group_resolved"]) == (1, False)
    assert _incident(client, admin_headers, incident_id)["status"] == "active"

    complete = post_signal(client, signal_headers, notification(resolved(web1), resolved(web2)))
    assert complete["group_resolved"] is True


def test_a_group_first_heard_of_resolved_opens_nothing(
    client: TestClient, signal_headers: dict[str, str]
) -> None:
    outcome = post_signal(client, signal_headers, notification(resolved(alert())))
    assert (outcome["incident_id"], outcome["incident_opened"]) == (None, False)
    assert (
        post_signal(client, signal_headers, notification(resolved(alert())))["incident_id"] is None
    )


def test_separate_groups_get_separate_incidents(
    client: TestClient, signal_headers: dict[str, str]
) -> None:
    checkout = post_signal(client, signal_headers, notification(alert(), group="checkout"))
    search = post_signal(client, signal_headers, notification(alert(), group="search"))
    other_receiver = post_signal(
        client, signal_headers, notification(alert(), group="checkout", receiver="staging")
    )
    ids = {checkout["incident_id"], search["incident_id"], other_receiver["incident_id"]}
    assert len(ids) == 3


def test_only_required_fields_are_enough(
    client: TestClient, signal_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    body = {
        "version": "4",
        "groupKey": "{}:{}",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "Watchdog"},
                "startsAt": "2026-12-03T14:00:00Z",
            }
        ],
    }
    outcome = post_signal(client, signal_headers, body)
    assert _incident(client, admin_headers, outcome["incident_id"])["title"] == "Watchdog"
    [stored] = _signals(client, admin_headers, outcome["incident_id"])["items"]
    assert len(stored["fingerprint"]) == 16  # derived from the labels
    assert stored["generator_url"] == ""
    assert post_signal(client, signal_headers, body)["new_alerts"] == 0


def test_unknown_extra_fields_are_accepted(
    client: TestClient, signal_headers: dict[str, str]
) -> None:
    body = notification(alert() | {"silencedBy": [], "inhibitedBy": []}, futureField={"a": 1})
    assert post_signal(client, signal_headers, body)["incident_opened"] is True


def test_another_payload_version_is_a_422_naming_the_field(
    client: TestClient, signal_headers: dict[str, str]
) -> None:
    body = notification(alert(), version="5")
    response = client.post("/api/signals/alertmanager", json=body, headers=signal_headers)
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["loc"] == ["body", "version"]
    assert "'4'" in error["details"][0]["msg"]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"alerts": []}, ["body", "alerts"]),
        ({"alerts": None}, ["body", "alerts"]),
        ({"groupKey": None}, ["body", "groupKey"]),
        ({"status": "pending"}, ["body", "status"]),
        ({"truncatedAlerts": -1}, ["body", "truncatedAlerts"]),
        ({"alerts": [{"status": "firing", "labels": {}}]}, ["body", "alerts", 0, "startsAt"]),
        (
            {"alerts": [alert() | {"startsAt": "yesterday"}]},
            ["body", "alerts", 0, "startsAt"],
        ),
        ({"alerts": [alert() | {"labels": ["a"]}]}, ["body", "alerts", 0, "labels"]),
        ({"alerts": [alert() | {"fingerprint": "not hex!"}]}, ["body", "alerts", 0, "fingerprint"]),
    ],
)
def test_a_payload_of_another_shape_is_a_422_saying_what_is_wrong(
    client: TestClient, signal_headers: dict[str, str], change: dict[str, Any], loc: list[Any]
) -> None:
    body = notification(alert()) | change
    response = client.post("/api/signals/alertmanager", json=body, headers=signal_headers)
    error = assert_error(response, 422, "validation_error")
    assert loc in [detail["loc"] for detail in error["details"]]


def test_a_body_that_is_not_an_object_is_a_422(
    client: TestClient, signal_headers: dict[str, str]
) -> None:
    response = client.post("/api/signals/alertmanager", json=[1, 2], headers=signal_headers)
    assert_error(response, 422, "validation_error")


def test_garbage_json_is_a_422(client: TestClient, signal_headers: dict[str, str]) -> None:
    headers = {**signal_headers, "Content-Type": "application/json"}
    response = client.post(
        "/api/signals/alertmanager", content=b'{"version": "4",', headers=headers
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["type"] == "json_invalid"


def test_a_body_that_is_not_json_is_a_415(
    client: TestClient, signal_headers: dict[str, str]
) -> None:
    headers = {**signal_headers, "Content-Type": "text/plain"}
    response = client.post("/api/signals/alertmanager", content=b"alert!", headers=headers)
    assert_error(response, 415, "unsupported_media_type")
