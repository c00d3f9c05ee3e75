"""Realistic demo data in bulk: incidents with participants, tags and timelines.

Rows go in through Core `INSERT`s in batches (one transaction each), which is what makes a
million incidents a matter of minutes. Meant for demos and benchmarks on a database nobody
else writes to while it runs: incident ids are assigned here.
"""

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.auth.security import hash_password
from app.core.db import Database
from app.core.db_base import Base, utcnow
from app.incident.models import (
    EntryKind,
    Incident,
    IncidentTag,
    Participant,
    ParticipantRole,
    Severity,
    Status,
    TimelineEntry,
    Visibility,
)

DEMO_PASSWORD = "demo-password"  # noqa: S105 - documented, for demo accounts only
SERVICES = ["checkout", "payments", "search", "login", "api-gateway", "billing", "email", "cdn"]
SYMPTOMS = [
    "returns 502 for a share of requests",
    "latency p99 above 2 s",
    "error rate above 5%",
    "queue backlog growing",
    "certificate expires in 24 h",
    "disk 95% full on primary",
    "elevated 401s after deploy",
    "replication lag over 10 min",
]
TAGS = ["eu", "us", "apac", "database", "network", "deploy", "customer-facing", "security"]
NOTES = [
    "Rolled back the last deploy.",
    "Paged the owning team.",
    "Error rate falling after the fix.",
    "Customer support informed.",
    "Root cause identified, writing the fix.",
]
SEVERITY_WEIGHTS = {Severity.low: 4, Severity.medium: 5, Severity.high: 3, Severity.critical: 1}
STATUS_WEIGHTS = {Status.closed: 85, Status.stable: 5, Status.active: 10}
OTHER_ROLES = [ParticipantRole.scribe, ParticipantRole.liaison, ParticipantRole.observer]


def demo_users(db: Session, count: int) -> list[int]:
    """Ids of `count` demo members (demo-N@example.com), made the first time they are needed."""
    emails = [f"demo-{n}@example.com" for n in range(1, count + 1)]
    existing = dict(db.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
    missing = [email for email in emails if email not in existing]
    if missing:
        hashed = hash_password(DEMO_PASSWORD)
        db.add_all(
            User(
                email=email,
                full_name=f"Demo User {email.split('@')[0][5:]}",
                hashed_password=hashed,
                role=Role.member,
            )
            for email in missing
        )
        db.flush()
        existing = dict(db.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
    return [existing[email] for email in emails]


class _Generator:
    """Builds the rows of one incident at a time, deterministic for a given seed."""

    def __init__(self, rng: random.Random, user_ids: list[int], start: datetime, step: timedelta):
        self.rng, self.user_ids, self.start, self.step = rng, user_ids, start, step

    def rows(self, incident_id: int, index: int) -> dict[str, list[dict[str, Any]]]:
        rng = self.rng
        created = self.start + self.step * index + timedelta(seconds=rng.random())
        reporter, commander = rng.choice(self.user_ids), rng.choice(self.user_ids)
        status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        severity = rng.choices(list(SEVERITY_WEIGHTS), weights=list(SEVERITY_WEIGHTS.values()))[0]
        stable_at = (
            created + timedelta(minutes=rng.randint(5, 240)) if status != Status.active else None
        )
        closed_at = (
            stable_at + timedelta(minutes=rng.randint(5, 600))
            if status == Status.closed and stable_at
            else None
        )
        service = rng.choice(SERVICES)
        incident = {
            "id": incident_id,
            "title": f"{service}: {rng.choice(SYMPTOMS)}",
            "description": f"Alert from {service} monitoring. Investigating impact.",
            "status": status,
            "severity": severity,
            "visibility": Visibility.restricted if rng.random() < 0.05 else Visibility.open,
            "reporter_id": reporter,
            "commander_id": commander,
            "resolution": "Fixed and verified." if closed_at else None,
            "reported_at": created,
            "stable_at": stable_at,
            "closed_at": closed_at,
            "created_at": created,
            "updated_at": closed_at or stable_at or created,
            "version": 1,
        }
        people = {commander: ParticipantRole.commander}
        for user_id in rng.sample(self.user_ids, k=min(len(self.user_ids), rng.randint(0, 2))):
            people.setdefault(user_id, rng.choice(OTHER_ROLES))
        participants = [
            {"incident_id": incident_id, "user_id": uid, "role": role, "added_at": created}
            for uid, role in people.items()
        ]
        tags = [
            {"incident_id": incident_id, "name": t} for t in rng.sample(TAGS, k=rng.randint(0, 3))
        ]
        entries = [self._entry(incident_id, reporter, EntryKind.created, created, "Reported")]
        for _ in range(rng.randint(0, 2)):
            entries.append(
                self._entry(incident_id, commander, EntryKind.note, created, rng.choice(NOTES))
            )
        if stable_at:
            entries.append(
                self._entry(
                    incident_id,
                    commander,
                    EntryKind.status_changed,
                    stable_at,
                    "Status changed to stable",
                    [("status", "active", "stable")],
                )
            )
        if closed_at:
            entries.append(
                self._entry(
                    incident_id,
                    commander,
                    EntryKind.status_changed,
                    closed_at,
                    "Status changed to closed",
                    [("status", "stable", "closed")],
                )
            )
        return {
            "incidents": [incident],
            "participants": participants,
            "tags": tags,
            "timeline": entries,
        }

    @staticmethod
    def _entry(
        incident_id: int,
        actor_id: int,
        kind: EntryKind,
        at: datetime,
        text_: str,
        changes: list[tuple[str, str, str]] | None = None,
    ) -> dict[str, Any]:
        return {
            "incident_id": incident_id,
            "actor_id": actor_id,
            "kind": kind,
            "text": text_,
            "changes": [{"field": f, "before": b, "after": a} for f, b, a in changes or []],
            "created_at": at,
        }


TABLES: dict[str, type[Base]] = {
    "incidents": Incident,
    "participants": Participant,
    "tags": IncidentTag,
    "timeline": TimelineEntry,
}


def _batches(total: int, size: int) -> Iterator[tuple[int, int]]:
    for first in range(0, total, size):
        yield first, min(size, total - first)


def seed(
    database: Database,
    *,
    incidents: int,
    users: int = 25,
    seed: int = 1,
    batch_size: int = 5_000,
    days: int = 730,
    on_progress: Callable[[int], None] = lambda _: None,
) -> int:
    """Add `incidents` incidents spread over the last `days` days; returns how many were added."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    with database.unit_of_work() as db:
        user_ids = demo_users(db, users)
        next_id = (db.scalar(select(func.max(Incident.id))) or 0) + 1
    now = utcnow()
    generator = _Generator(
        rng, user_ids, now - timedelta(days=days), timedelta(days=days) / max(incidents, 1)
    )
    for first, count in _batches(incidents, batch_size):
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        for index in range(first, first + count):
            for name, table_rows in generator.rows(next_id + index, index).items():
                rows[name].extend(table_rows)
        with database.unit_of_work() as db:
            for name, table in TABLES.items():
                if rows[name]:
                    db.execute(insert(table), rows[name])
        on_progress(count)
    with database.unit_of_work() as db:
        if database.bind.dialect.name == "postgresql":
            # Ids were given explicitly; move the sequence past them.
            db.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('incidents', 'id'),"
                    " (SELECT max(id) FROM incidents))"
                )
            )
        db.execute(text("ANALYZE"))  # fresh statistics, so the planners pick the indexes
    return incidents
