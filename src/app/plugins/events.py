"""The events plugins receive: immutable, versioned snapshots — never an ORM object or a Session.

`IncidentSnapshot` and `Actor` are read from the incident and the user by attribute, so this module
imports no domain; the incident service builds events with the constructors below.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

SCHEMA_VERSION = 1


def _now() -> datetime:
    return datetime.now(UTC)


class Payload(BaseModel):
    """Frozen and built from attributes: a plugin can read it but never change what others see."""

    model_config = ConfigDict(frozen=True, from_attributes=True)


class Actor(Payload):
    """Who caused the event; absent for system actions (an alert, a migration)."""

    id: int = Field(examples=[7])
    email: str = Field(examples=["ada@example.com"])
    full_name: str = Field(examples=["Ada Lovelace"])


class IncidentSnapshot(Payload):
    """The incident as it was right after the change that caused the event."""

    id: int = Field(examples=[42])
    title: str = Field(examples=["Checkout API returns 502 for 30% of requests"])
    description: str = Field(examples=["EU region only."])
    status: str = Field(examples=["active"])
    severity: str = Field(examples=["high"])
    reporter_id: int = Field(examples=[7])
    created_at: datetime
    updated_at: datetime
    commander_id: int = Field(examples=[7])
    visibility: str = Field(examples=["open"])
    version: int = Field(examples=[3])
    tags: tuple[str, ...] = Field(default=(), examples=[("payments", "eu")])
    resolution: str | None = None
    reported_at: datetime
    stable_at: datetime | None = None
    closed_at: datetime | None = None

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_names(cls, value: Any) -> Any:
        """Tags may arrive as ORM objects; plugins see their names."""
        if value is None:
            return ()
        return tuple(getattr(tag, "name", tag) for tag in value)


class FieldChange(Payload):
    field: str = Field(examples=["severity"])
    before: Any = Field(examples=["medium"])
    after: Any = Field(examples=["high"])


class Note(Payload):
    id: int | None = Field(default=None, examples=[3])
    text: str = Field(examples=["Rolled back deploy 2026.12.03-1."])


class IncidentEvent(Payload):
    """What every event carries. `id` is stable across retries: it is the idempotency key."""

    schema_version: int = SCHEMA_VERSION
    id: UUID = Field(default_factory=uuid4)
    type: str
    occurred_at: datetime = Field(default_factory=_now)
    incident: IncidentSnapshot
    actor: Actor | None = None


class IncidentCreated(IncidentEvent):
    type: Literal["incident.created"] = "incident.created"


class IncidentUpdated(IncidentEvent):
    """Fields other than status changed (title, severity, commander...)."""

    type: Literal["incident.updated"] = "incident.updated"
    changes: tuple[FieldChange, ...]


class IncidentStatusChanged(IncidentEvent):
    type: Literal["incident.status_changed"] = "incident.status_changed"
    before: str = Field(examples=["active"])
    after: str = Field(examples=["stable"])


class IncidentClosed(IncidentEvent):
    type: Literal["incident.closed"] = "incident.closed"


class NoteAdded(IncidentEvent):
    type: Literal["incident.note_added"] = "incident.note_added"
    note: Note


Event = Annotated[
    IncidentCreated | IncidentUpdated | IncidentStatusChanged | IncidentClosed | NoteAdded,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
CLOSED_STATUS = "closed"


def snapshot(incident: object) -> IncidentSnapshot:
    return IncidentSnapshot.model_validate(incident)


def actor_of(user: object | None) -> Actor | None:
    return None if user is None else Actor.model_validate(user)


def incident_created(incident: object, *, actor: object | None) -> IncidentCreated:
    return IncidentCreated(incident=snapshot(incident), actor=actor_of(actor))


def incident_changed(
    incident: object, changes: Sequence[tuple[str, Any, Any]], *, actor: object | None
) -> list[IncidentEvent]:
    """The events one change set causes: updated (other fields), status changed, and closed."""
    state, who = snapshot(incident), actor_of(actor)
    events: list[IncidentEvent] = []
    fields = tuple(
        FieldChange(field=name, before=before, after=after)
        for name, before, after in changes
        if name != "status"
    )
    if fields:
        events.append(IncidentUpdated(incident=state, actor=who, changes=fields))
    for name, before, after in changes:
        if name == "status":
            events.append(
                IncidentStatusChanged(incident=state, actor=who, before=before, after=after)
            )
            if after == CLOSED_STATUS:
                events.append(IncidentClosed(incident=state, actor=who))
    return events


def note_added(
    incident: object, text: str, *, note_id: int | None = None, actor: object | None
) -> NoteAdded:
    return NoteAdded(
        incident=snapshot(incident), actor=actor_of(actor), note=Note(id=note_id, text=text)
    )
