"""Emit events: the one call a service makes. It adds a row to the outbox and nothing else, so the
event commits with the change that caused it, or not at all."""

from sqlalchemy.orm import Session

from app.core.db_base import insert_into
from app.plugins.events import IncidentEvent
from app.plugins.models import OutboxEvent


def emit(db: Session, *events: IncidentEvent) -> None:
    """Queue events for the plugins in the caller's unit of work (never commits, never blocks).

    A Core INSERT: outbox rows are written once here and only read by the dispatcher."""
    if not events:
        return
    db.execute(
        insert_into(OutboxEvent),
        [
            {
                "key": event.id,
                "type": event.type,
                "incident_id": event.incident.id,
                "payload": event.model_dump(mode="json"),
                "created_at": event.occurred_at,
            }
            for event in events
        ],
    )
