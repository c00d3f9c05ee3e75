"""Incidents: report, read, list newest first, change."""

from datetime import datetime

from pydantic import TypeAdapter
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from app.auth.models import User
from app.common.errors import NotFound
from app.common.pagination import decode_cursor, encode_cursor
from app.incident.models import Incident
from app.incident.schemas import IncidentCreate, IncidentUpdate
from app.plugins import events, outbox

_NEWEST_FIRST_KEY = TypeAdapter(tuple[datetime, int])


class IncidentNotFound(NotFound):
    code = "incident_not_found"
    message = "Incident not found."


def create(db: Session, data: IncidentCreate, *, reporter: User) -> Incident:
    incident = Incident(**data.model_dump(), reporter_id=reporter.id)
    db.add(incident)
    db.flush()
    outbox.emit(db, events.incident_created(incident, actor=reporter))
    return incident


def get(db: Session, incident_id: int) -> Incident:
    incident = db.get(Incident, incident_id)
    if incident is None:
        raise IncidentNotFound(f"Incident {incident_id} not found.")
    return incident


def list_page(db: Session, *, limit: int, cursor: str | None) -> tuple[list[Incident], str | None]:
    """Newest first, keyset-paged on (created_at, id) so page N costs what page 1 costs."""
    query = select(Incident).order_by(Incident.created_at.desc(), Incident.id.desc())
    if cursor is not None:
        created_at, incident_id = decode_cursor(cursor, _NEWEST_FIRST_KEY)
        query = query.where(tuple_(Incident.created_at, Incident.id) < (created_at, incident_id))
    incidents = list(db.scalars(query.limit(limit + 1)))
    next_cursor = None
    if len(incidents) > limit:
        last = incidents[limit - 1]
        next_cursor = encode_cursor([last.created_at.isoformat(), last.id])
    return incidents[:limit], next_cursor


def update(
    db: Session, incident: Incident, data: IncidentUpdate, *, actor: User | None = None
) -> Incident:
    changes: list[tuple[str, object, object]] = []
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        if getattr(incident, field) != value:
            changes.append((field, getattr(incident, field), value))
            setattr(incident, field, value)
    db.flush()
    outbox.emit(db, *events.incident_changed(incident, changes, actor=actor))
    return incident
