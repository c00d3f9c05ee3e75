"""Alertmanager notifications into incidents: one incident per alert group at a time, every alert
kept, and only what changed written on the incident's timeline.

Alertmanager re-sends a group's notification on `repeat_interval`, retries failed ones, and an
HA pair may both send: a notification that changes nothing writes nothing. Notifications of one
group are handled one at a time (the group row is locked), so two can never open two incidents.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer, selectinload

from app.auth.models import User
from app.common.errors import PermissionDenied
from app.common.pagination import decode_cursor, encode_cursor
from app.common.validation import RowId
from app.incident import permissions, timeline
from app.incident import service as incidents
from app.incident.models import EntryKind, Incident, Status
from app.incident.schemas import IncidentUpdate
from app.signal import describe
from app.signal.models import Alert, AlertGroup, AlertStatus
from app.signal.policy import SignalPolicy
from app.signal.schemas import (
    AlertmanagerNotification,
    SignalListParams,
    SignalOutcome,
    SignalPageParams,
    WebhookAlert,
)

_ALERT_KEY = TypeAdapter(tuple[RowId])


class Change(StrEnum):
    """What a notification says happened to one alert, compared with what we knew."""

    firing = "firing"  # an alert new to the incident, firing
    resolved = "resolved"
    firing_again = "firing again"  # resolved before, a new activation since
    details = "details"  # same state; annotations or end time may have moved
    stale = "stale"  # a late copy of an older notification


def change_of(known: Alert | None, alert: WebhookAlert) -> Change:
    if known is None:
        return Change.firing if alert.status == AlertStatus.firing else Change.resolved
    if alert.starts_at < known.starts_at:
        return Change.stale
    if alert.status == known.status:
        return Change.details
    if alert.status == AlertStatus.resolved:
        return Change.resolved
    # Firing after resolved: a new activation starts later; the same start is a late retry.
    return Change.firing_again if alert.starts_at > known.starts_at else Change.stale


def _starting(known: dict[str, Alert], alerts: Iterable[WebhookAlert]) -> bool:
    """Whether any alert starts firing (new, or again) against what is `known`."""
    starts = {Change.firing, Change.firing_again}
    return any(change_of(known.get(alert.fingerprint), alert) in starts for alert in alerts)


@dataclass
class _Changes:
    labels: dict[Change, list[str]] = field(default_factory=dict)
    rows: list[tuple[str, str | None, str]] = field(default_factory=list)
    # Every listed alert's status once applied (a stale one keeps the status we had).
    statuses: dict[str, AlertStatus] = field(default_factory=dict)

    def add(self, change: Change, label: str, alert: WebhookAlert, before: str | None) -> None:
        self.labels.setdefault(change, []).append(label)
        self.rows.append((f"alert:{alert.fingerprint}", before, str(alert.status)))

    def summary(self) -> str:
        return describe.change_summary({str(c): self.labels[c] for c in Change if c in self.labels})

    def count(self, change: Change) -> int:
        return len(self.labels.get(change, []))


def _key_hash(notification: AlertmanagerNotification) -> str:
    """A group is its receiver and Alertmanager's group key (route and grouping labels)."""
    identity = f"{notification.receiver}\n{notification.group_key}"
    return hashlib.sha256(identity.encode()).hexdigest()


def _locked_group(db: Session, notification: AlertmanagerNotification) -> AlertGroup:
    """The group's row, inserted if new, locked until commit (PostgreSQL; SQLite serialises
    writers already). Concurrent first notifications insert one row; the others wait for it."""
    key_hash = _key_hash(notification)
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    db.execute(
        dialect.insert(AlertGroup)
        .values(
            key_hash=key_hash,
            group_key=notification.group_key,
            receiver=notification.receiver,
            group_labels=notification.group_labels,
            external_url=notification.external_url,
            status=AlertStatus.firing,
        )
        .on_conflict_do_nothing(index_elements=[AlertGroup.key_hash])
    )
    group = db.scalars(
        select(AlertGroup).where(AlertGroup.key_hash == key_hash).with_for_update()
    ).one()
    if notification.external_url:
        group.external_url = notification.external_url
    return group


def _locked_incident(db: Session, incident_id: int | None) -> Incident | None:
    if incident_id is None:
        return None
    return db.get(
        Incident, incident_id, options=[selectinload(Incident.tags)], with_for_update=True
    )


def _alerts_of(db: Session, incident: Incident | None) -> dict[str, Alert]:
    """The incident's alerts by fingerprint; not their labels, which the fingerprint stands for."""
    if incident is None:
        return {}
    query = (
        select(Alert)
        .where(Alert.incident_id == incident.id)
        .options(defer(Alert.labels, raiseload=True))
    )
    return {alert.fingerprint: alert for alert in db.scalars(query)}


def ingest(
    db: Session, notification: AlertmanagerNotification, *, reporter: User, policy: SignalPolicy
) -> SignalOutcome:
    """Apply one Alertmanager notification: open, update or settle the group's incident."""
    group = _locked_group(db, notification)
    incident = _locked_incident(db, group.incident_id)
    known = _alerts_of(db, incident)
    starting = _starting(known, notification.alerts)

    opened = False
    if starting and (incident is None or incident.status == Status.closed):
        incident, opened = _open(db, group, incident, notification, reporter, policy)
        if opened:
            known = {}
    if incident is None:  # nothing firing, nothing to open: a group first heard of resolved
        group.status = AlertStatus.resolved
        return _outcome(group, None, _Changes(), opened=False, group_resolved=False)

    changes = _apply(db, group, incident, known, notification)
    if changes.rows:
        timeline.record(
            db, incident, reporter, EntryKind.signal, text=changes.summary(), changes=changes.rows
        )
    if starting:
        group.status = AlertStatus.firing
    group_resolved = _settle_if_resolved(
        db, group, incident, known, changes, notification, reporter, policy
    )
    db.flush()
    return _outcome(group, incident, changes, opened=opened, group_resolved=group_resolved)


def _open(
    db: Session,
    group: AlertGroup,
    previous: Incident | None,
    notification: AlertmanagerNotification,
    reporter: User,
    policy: SignalPolicy,
) -> tuple[Incident, bool]:
    """The incident the firing alerts go to: the closed one reopened (if so configured and
    allowed), else a new one — linked both ways to the closed one it follows."""
    if previous is not None and not policy.reopen_as_new:
        try:
            incidents.update(db, previous, IncidentUpdate(status=Status.active), actor=reporter)
            return previous, False
        except PermissionDenied:
            pass  # the token's owner no longer commands it: open a new one instead
    incident = incidents.create(
        db, policy.incident_for(notification, notification.firing()), reporter=reporter
    )
    if previous is not None:
        timeline.record(
            db,
            incident,
            reporter,
            EntryKind.signal,
            text=f"Alertmanager: the alerts of incident #{previous.id} fire again after it "
            "was closed; this incident follows it.",
            changes=[("follows_incident_id", None, previous.id)],
        )
        timeline.record(
            db,
            previous,
            reporter,
            EntryKind.signal,
            text=f"Alertmanager: the alerts fire again; followed by incident #{incident.id}.",
            changes=[("followed_by_incident_id", None, incident.id)],
        )
        group.previous_incident_id = previous.id
    group.incident_id = incident.id
    return incident, True


def _apply(
    db: Session,
    group: AlertGroup,
    incident: Incident,
    known: dict[str, Alert],
    notification: AlertmanagerNotification,
) -> _Changes:
    """Store the notification's alerts — new ones in one INSERT, known ones updated where they
    differ — and say what changed."""
    changes = _Changes()
    new_rows: list[dict[str, Any]] = []
    for alert in notification.alerts:
        if alert.fingerprint in changes.statuses:
            continue  # listed twice; the first one counts
        row = known.get(alert.fingerprint)
        change = change_of(row, alert)
        if row is not None and change == Change.stale:
            changes.statuses[alert.fingerprint] = row.status
            continue
        fields, before = _fields(alert), (str(row.status) if row else None)
        if row is None:
            new_rows.append(
                {"group_id": group.id, "incident_id": incident.id, "fingerprint": alert.fingerprint}
                | fields
            )
        else:
            _update(row, fields)
        changes.statuses[alert.fingerprint] = alert.status
        if change != Change.details:
            label = describe.alert_label(alert, notification.group_labels)
            changes.add(change, label, alert, before)
    if new_rows:
        db.execute(insert(Alert), new_rows)
    return changes


def _fields(alert: WebhookAlert) -> dict[str, Any]:
    return {
        "alertname": describe.clip(alert.alertname, 200),
        "status": alert.status,
        "labels": alert.labels,
        "annotations": alert.annotations,
        "starts_at": alert.starts_at,
        "ends_at": alert.ends_at,
        "generator_url": alert.generator_url,
    }


def _update(row: Alert, fields: dict[str, Any]) -> None:
    """Set what differs: Alertmanager re-sends mostly the same. The labels can't differ (the
    fingerprint is made of them); a link that a resend lacks is kept."""
    del fields["labels"]
    if not fields["generator_url"]:
        del fields["generator_url"]
    for name, value in fields.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _settle_if_resolved(
    db: Session,
    group: AlertGroup,
    incident: Incident,
    known: dict[str, Alert],
    changes: _Changes,
    notification: AlertmanagerNotification,
    reporter: User,
    policy: SignalPolicy,
) -> bool:
    """When Alertmanager reports the whole group resolved, say so and (if so configured) move an
    active incident to stable. A truncated notification doesn't show the whole group, so it
    can't settle it; nor can one whose alerts are stale copies still firing here."""
    if notification.status != AlertStatus.resolved or notification.truncated_alerts:
        return False
    if group.status == AlertStatus.resolved:
        return False
    if AlertStatus.firing in changes.statuses.values():
        return False
    # Alertmanager's complete group says resolved: alerts it no longer lists have resolved too.
    for row in known.values():
        row.status = AlertStatus.resolved
    group.status = AlertStatus.resolved
    count = len(known.keys() | changes.statuses.keys())
    timeline.record(
        db,
        incident,
        reporter,
        EntryKind.signal,
        text=f"Alertmanager: all {count} alerts of the group have resolved.",
        changes=[("group", str(AlertStatus.firing), str(AlertStatus.resolved))],
    )
    if policy.auto_stable and incident.status == Status.active:
        try:
            incidents.update(db, incident, IncidentUpdate(status=Status.stable), actor=reporter)
        except PermissionDenied:
            timeline.record(
                db,
                incident,
                reporter,
                EntryKind.signal,
                text="Alertmanager: left active; the alerts' token no longer commands this "
                "incident.",
            )
    return True


def _outcome(
    group: AlertGroup,
    incident: Incident | None,
    changes: _Changes,
    *,
    opened: bool,
    group_resolved: bool,
) -> SignalOutcome:
    return SignalOutcome(
        group_id=group.id,
        incident_id=incident.id if incident else None,
        incident_opened=opened,
        new_alerts=changes.count(Change.firing),
        resolved=changes.count(Change.resolved),
        firing_again=changes.count(Change.firing_again),
        group_resolved=group_resolved,
    )


# --- reading ------------------------------------------------------------------------------------


def list_page(db: Session, user: User, params: SignalListParams) -> tuple[list[Alert], str | None]:
    """Alerts of incidents `user` may see, newest first, keyset-paged on the id."""
    query = (
        select(Alert)
        .join(Incident, Incident.id == Alert.incident_id)
        .where(permissions.visible_to(user))
        .order_by(Alert.id.desc())
        .limit(params.limit + 1)
    )
    if params.incident_id is not None:
        query = query.where(Alert.incident_id == params.incident_id)
    if params.group_id is not None:
        query = query.where(Alert.group_id == params.group_id)
    if params.status is not None:
        query = query.where(Alert.status == params.status)
    if params.alertname is not None:
        query = query.where(Alert.alertname == params.alertname)
    if params.fingerprint is not None:
        query = query.where(Alert.fingerprint == params.fingerprint.lower())
    if params.cursor is not None:
        (before_id,) = decode_cursor(params.cursor, _ALERT_KEY)
        query = query.where(Alert.id < before_id)
    alerts = list(db.scalars(query))
    last = params.limit - 1
    next_cursor = encode_cursor([alerts[last].id]) if len(alerts) > params.limit else None
    return alerts[: params.limit], next_cursor


def for_incident(
    db: Session, user: User, incident: Incident, params: SignalPageParams
) -> tuple[list[AlertGroup], list[Alert], str | None]:
    """The groups whose alerts went to `incident`, and a page of those alerts."""
    filters = SignalListParams(**params.model_dump(), incident_id=incident.id)
    alerts, next_cursor = list_page(db, user, filters)
    in_incident = select(Alert.group_id).where(Alert.incident_id == incident.id)
    groups = db.scalars(
        select(AlertGroup).where(AlertGroup.id.in_(in_incident)).order_by(AlertGroup.id)
    )
    return list(groups), alerts, next_cursor
