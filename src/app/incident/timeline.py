"""The timeline: an entry for every change to an incident, written in the change's transaction."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import RowMapping, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.common.errors import InvalidInput
from app.common.pagination import decode_cursor, encode_cursor
from app.common.validation import InputModel, RowId
from app.core.db_base import column_values, insert_returning_id, utcnow
from app.incident.lifecycle import Change
from app.incident.models import EntryKind, Incident, TimelineEntry
from app.incident.schemas import SortOrder
from app.plugins import events, outbox


class _TimelineCursor(InputModel):
    order: SortOrder
    after_id: RowId


_CURSOR = TypeAdapter(_TimelineCursor)
_COLUMNS = tuple(TimelineEntry.__table__.columns)


def _jsonable(value: object) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def record(
    db: Session,
    incident: Incident,
    actor: User | None,
    kind: EntryKind,
    *,
    text: str = "",
    changes: Iterable[Change] = (),
) -> TimelineEntry:
    """Append an entry in the caller's transaction. Entries are written once and never changed,
    so a Core INSERT writes them: the ORM's unit of work would add cost and nothing else."""
    entry = TimelineEntry(
        incident_id=incident.id,
        actor_id=actor.id if actor else None,
        kind=kind,
        text=text,
        changes=[
            {"field": field, "before": _jsonable(before), "after": _jsonable(after)}
            for field, before, after in changes
        ],
        created_at=utcnow(),
    )
    entry.id = db.execute(insert_returning_id(TimelineEntry), column_values(entry)).scalar_one()
    return entry


def add_note(db: Session, incident: Incident, actor: User, text: str) -> TimelineEntry:
    entry = record(db, incident, actor, EntryKind.note, text=text)
    outbox.emit(db, events.note_added(incident, text, note_id=entry.id, actor=actor))
    return entry


def list_page(
    db: Session, incident: Incident, *, order: SortOrder, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """Entries oldest or newest first, keyset-paged on the entry id; rows, as nothing changes."""
    newest_first = order == "desc"
    query = select(*_COLUMNS).where(TimelineEntry.incident_id == incident.id)
    if cursor is not None:
        position = decode_cursor(cursor, _CURSOR)
        if position.order != order:
            raise InvalidInput("The cursor was made for the other order.")
        after = position.after_id
        query = query.where(TimelineEntry.id < after if newest_first else TimelineEntry.id > after)
    query = query.order_by(TimelineEntry.id.desc() if newest_first else TimelineEntry.id)
    entries = db.execute(query.limit(limit + 1)).mappings().all()
    next_cursor = None
    if len(entries) > limit:
        next_cursor = encode_cursor({"order": order, "after_id": entries[limit - 1]["id"]})
    return entries[:limit], next_cursor
