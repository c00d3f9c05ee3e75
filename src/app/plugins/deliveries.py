"""The delivery table as a work queue shared by every dispatcher: fan events out to plugins,
lease due deliveries, record what happened. The dispatcher runs them in short transactions.

Leases, not open transactions, mark work in flight, so no lock is held while a plugin runs (on
SQLite that would block every request). A worker that dies leaves its lease to expire; another
worker then retries, which is why delivery is at-least-once and events carry an idempotency key.
On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets workers on many machines lease disjoint rows.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Select, Table, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session, aliased

from app.core.db_base import insert_into, utcnow
from app.plugins.models import FINISHED, DeliveryStatus, OutboxEvent, PluginDelivery

# Any constant works; it names "the fan-out step" among PostgreSQL advisory locks.
_FAN_OUT_LOCK = 0x0A9910_0B0C
_RETRYABLE = (DeliveryStatus.pending, DeliveryStatus.failed)
FAN_OUT_BATCH = 500


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    backoff_base: float
    backoff_max: float

    def delay(self, attempt: int) -> timedelta:
        """Exponential backoff with jitter: about base·2^(attempt-1), capped, times 0.5-1."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** min(attempt - 1, 32))
        return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))  # noqa: S311 - not crypto


@dataclass(frozen=True)
class Leased:
    """A delivery a worker holds: which plugin, which attempt, and the event as stored."""

    id: int
    plugin: str
    attempt: int
    event: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    attempt: int
    error: str | None = None  # None: delivered


# The statements a busy dispatcher runs several times a second are built once: building the lease
# query (an alias, a subquery) took longer than running it (1.1 ms against 0.8 for 32 rows).
# Updates go to the tables as plain SQL: the ORM's bulk UPDATE first looks for the rows' objects
# in a session that holds none of them (0.5 ms a batch, against 0.17).
_DELIVERIES = cast(Table, PluginDelivery.__table__)
_EVENTS = cast(Table, OutboxEvent.__table__)


def _lease_query() -> Select[tuple[int, str, int, dict[str, Any]]]:
    """Due deliveries of some plugins; per plugin and incident only the earliest unfinished."""
    delivery, earlier = PluginDelivery, aliased(PluginDelivery)
    # A scalar subquery, not NOT EXISTS: it stays one index probe per candidate whatever the
    # planner's statistics say.
    first_open = (
        select(func.min(earlier.event_id))
        .where(
            earlier.plugin == delivery.plugin,
            earlier.incident_id == delivery.incident_id,
            earlier.status.not_in(FINISHED),
        )
        .scalar_subquery()
    )
    return (
        select(delivery.id, delivery.plugin, delivery.attempts, OutboxEvent.payload)
        .join(OutboxEvent, OutboxEvent.id == delivery.event_id)
        .where(
            delivery.status.in_(_RETRYABLE),
            delivery.next_attempt_at <= bindparam("now"),
            delivery.plugin.in_(bindparam("plugins", expanding=True)),
            or_(delivery.incident_id.is_(None), delivery.event_id == first_open),
        )
        .order_by(delivery.next_attempt_at, delivery.id)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True, of=delivery)
    )


_LEASE_QUERY = _lease_query()
_TAKE_LEASE = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id.in_(bindparam("ids", expanding=True)))
    .values(
        status=DeliveryStatus.delivering,
        attempts=_DELIVERIES.c.attempts + 1,
        lease_owner=bindparam("owner"),
        lease_expires_at=bindparam("until"),
    )
)
_MARK_DISPATCHED = (
    update(_EVENTS)
    .where(_EVENTS.c.id.in_(bindparam("ids", expanding=True)))
    .values(dispatched_at=bindparam("now"))
)
_MARK_DONE = (
    update(_DELIVERIES)
    .where(
        _DELIVERIES.c.id.in_(bindparam("ids", expanding=True)),
        _DELIVERIES.c.lease_owner == bindparam("owner"),
    )
    .values(
        status=DeliveryStatus.done,
        delivered_at=bindparam("now"),
        updated_at=bindparam("now"),
        lease_owner=None,
        lease_expires_at=None,
    )
)


def fan_out(db: Session, targets: Callable[[str], list[str]], *, limit: int = FAN_OUT_BATCH) -> int:
    """Create the deliveries of events not yet fanned out, oldest first; returns events handled.

    Serialised across processes (an advisory lock on PostgreSQL, the write lock on SQLite) so
    the deliveries of one incident are always created in event order.
    """
    if db.get_bind().dialect.name == "postgresql":
        got_lock = db.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _FAN_OUT_LOCK})
        if not got_lock:
            return 0
    rows = db.execute(
        select(OutboxEvent.id, OutboxEvent.type, OutboxEvent.incident_id)
        .where(OutboxEvent.dispatched_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    now = utcnow()
    new_deliveries = [
        {"event_id": event_id, "plugin": plugin, "incident_id": incident_id, "next_attempt_at": now}
        for event_id, event_type, incident_id in rows
        for plugin in targets(event_type)
    ]
    if new_deliveries:  # one executemany: 8 ms per 500 rows, where the ORM took 23 (lock held)
        db.execute(insert_into(PluginDelivery), new_deliveries)
    db.execute(_MARK_DISPATCHED, {"ids": [row.id for row in rows], "now": now})
    return len(rows)


def reclaim_expired(db: Session) -> int:
    """Make deliveries whose worker died (its lease ran out) due again; the attempt counts."""
    result = db.execute(
        update(PluginDelivery)
        .where(
            PluginDelivery.status == DeliveryStatus.delivering,
            PluginDelivery.lease_expires_at < utcnow(),
        )
        .values(
            status=DeliveryStatus.failed,
            last_error="lease expired: the worker stopped before reporting",
            next_attempt_at=utcnow(),
            lease_owner=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount


def lease(
    db: Session, *, owner: str, plugins: Sequence[str], limit: int, lease_for: timedelta
) -> list[Leased]:
    """Take up to `limit` due deliveries for `plugins`: per plugin and incident, only the
    earliest unfinished one, so one incident's events reach a plugin in order."""
    if not plugins or limit < 1:
        return []
    now = utcnow()
    rows = db.execute(_LEASE_QUERY, {"now": now, "plugins": list(plugins), "limit": limit}).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    db.execute(_TAKE_LEASE, {"ids": ids, "owner": owner, "until": now + lease_for})
    return [Leased(row.id, row.plugin, row.attempts + 1, row.payload) for row in rows]


def record(db: Session, outcomes: Sequence[Outcome], *, owner: str, policy: RetryPolicy) -> None:
    """Mark leased deliveries done (all in one statement), failed with a backed-off retry time,
    or dead. Only deliveries this worker still holds are touched."""
    now = utcnow()
    released = {"lease_owner": None, "lease_expires_at": None, "updated_at": now}
    delivered = [outcome.delivery_id for outcome in outcomes if outcome.error is None]
    if delivered:
        db.execute(_MARK_DONE, {"ids": delivered, "owner": owner, "now": now})
    for outcome in outcomes:
        if outcome.error is None:
            continue
        gave_up = outcome.attempt >= policy.max_attempts
        db.execute(
            update(PluginDelivery)
            .where(PluginDelivery.id == outcome.delivery_id, PluginDelivery.lease_owner == owner)
            .values(
                status=DeliveryStatus.dead if gave_up else DeliveryStatus.failed,
                last_error=outcome.error[:2000],
                next_attempt_at=now + policy.delay(outcome.attempt),
                **released,
            )
        )


def release(db: Session, delivery_ids: Sequence[int], *, owner: str) -> None:
    """Hand unfinished deliveries back at once, the interrupted attempt not counted."""
    if not delivery_ids:
        return
    db.execute(
        update(PluginDelivery)
        .where(PluginDelivery.id.in_(delivery_ids), PluginDelivery.lease_owner == owner)
        .values(
            status=DeliveryStatus.pending,
            attempts=PluginDelivery.attempts - 1,
            next_attempt_at=utcnow(),
            lease_owner=None,
            lease_expires_at=None,
        )
    )
