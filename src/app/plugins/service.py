"""Inspect and retry event deliveries (the admin API and the CLI)."""

from typing import Any, cast

from pydantic import TypeAdapter
from sqlalchemy import CursorResult, Update, exists, select, update
from sqlalchemy.orm import Session, selectinload

from app.common.errors import NotFound
from app.common.pagination import decode_cursor, encode_cursor
from app.common.validation import RowId
from app.core.db_base import utcnow
from app.plugins.models import DeliveryStatus, OutboxEvent, PluginDelivery

_EVENT_KEY = TypeAdapter(tuple[RowId])
_RETRYABLE_BY_HAND = (DeliveryStatus.failed, DeliveryStatus.dead)


class EventNotFound(NotFound):
    code = "event_not_found"
    message = "Event not found."


def get_event(db: Session, event_id: int) -> OutboxEvent:
    query = (
        select(OutboxEvent)
        .where(OutboxEvent.id == event_id)
        .options(selectinload(OutboxEvent.deliveries))
        .execution_options(populate_existing=True)
    )
    event = db.scalar(query)
    if event is None:
        raise EventNotFound(f"Event {event_id} not found.")
    return event


def list_events(
    db: Session,
    *,
    status: DeliveryStatus | None = None,
    plugin: str | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[OutboxEvent], str | None]:
    """Newest first. `status` and `plugin` keep events with a delivery in that state / to that
    plugin; `pending` also matches events not fanned out yet."""
    query = select(OutboxEvent).options(selectinload(OutboxEvent.deliveries))
    matching = exists().where(PluginDelivery.event_id == OutboxEvent.id)
    if plugin is not None:
        matching = matching.where(PluginDelivery.plugin == plugin)
    if status is not None:
        matching = matching.where(PluginDelivery.status == status)
    if status is not None or plugin is not None:
        if status is DeliveryStatus.pending and plugin is None:
            query = query.where(matching | OutboxEvent.dispatched_at.is_(None))
        else:
            query = query.where(matching)
    if cursor is not None:
        (before_id,) = decode_cursor(cursor, _EVENT_KEY)
        query = query.where(OutboxEvent.id < before_id)
    events = list(db.scalars(query.order_by(OutboxEvent.id.desc()).limit(limit + 1)))
    next_cursor = encode_cursor([events[limit - 1].id]) if len(events) > limit else None
    return events[:limit], next_cursor


def retry(db: Session, event_id: int, *, plugin: str | None = None) -> tuple[int, OutboxEvent]:
    """Put an event's failed and dead deliveries back to pending with a fresh attempt budget."""
    get_event(db, event_id)
    query = update(PluginDelivery).where(
        PluginDelivery.event_id == event_id, PluginDelivery.status.in_(_RETRYABLE_BY_HAND)
    )
    if plugin is not None:
        query = query.where(PluginDelivery.plugin == plugin)
    retried = _reset(db, query)
    return retried, get_event(db, event_id)


def retry_dead(db: Session, *, plugin: str | None = None) -> int:
    """Revive every dead delivery (after fixing what killed them)."""
    query = update(PluginDelivery).where(PluginDelivery.status == DeliveryStatus.dead)
    if plugin is not None:
        query = query.where(PluginDelivery.plugin == plugin)
    return _reset(db, query)


def _reset(db: Session, query: Update) -> int:
    now = utcnow()
    values = query.values(
        status=DeliveryStatus.pending, attempts=0, next_attempt_at=now, updated_at=now
    )
    result = db.execute(values.execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount
