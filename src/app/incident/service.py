"""Incidents: report, read, list, change — every change recorded on the timeline."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session, make_transient_to_detached, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.auth.models import User
from app.common.errors import NotFound, StaleVersion
from app.core.db_base import column_values, insert_into, insert_returning_id, utcnow
from app.incident import lifecycle, participants, permissions, timeline
from app.incident.lifecycle import Change
from app.incident.listing import filter_clauses
from app.incident.models import (
    EntryKind,
    Incident,
    IncidentTag,
    Participant,
    ParticipantRole,
    Severity,
    Status,
)
from app.incident.schemas import IncidentCreate, IncidentFilters, IncidentStats, IncidentUpdate
from app.plugins import events, outbox


class IncidentNotFound(NotFound):
    code = "incident_not_found"
    message = "Incident not found."


def create(db: Session, data: IncidentCreate, *, reporter: User) -> Incident:
    """Report an incident; its commander (the reporter unless named) is its first participant.

    The new rows go in as Core INSERTs: the ORM's unit of work cost twice the rest of a create
    (bench/README.md). The incident is then attached to the session as if it had been loaded,
    so a caller can go on changing it (the signal service does).
    """
    commander = participants.active_user(db, data.commander_id) if data.commander_id else reporter
    now = utcnow()
    incident = Incident(
        title=data.title,
        description=data.description,
        status=Status.active,
        severity=data.severity,
        visibility=data.visibility,
        reporter_id=reporter.id,
        commander_id=commander.id,
        resolution=None,
        reported_at=data.reported_at or now,
        stable_at=None,
        closed_at=None,
        created_at=now,
        updated_at=now,
        version=1,
    )
    incident.id = db.execute(insert_returning_id(Incident), column_values(incident)).scalar_one()
    incident.tags = [IncidentTag(incident_id=incident.id, name=name) for name in data.tags]
    if incident.tags:
        db.execute(insert_into(IncidentTag), [column_values(tag) for tag in incident.tags])
    people = [(commander, ParticipantRole.commander)]
    if commander.id != reporter.id:
        people.append((reporter, ParticipantRole.observer))
    db.execute(
        insert_into(Participant),
        [
            {"incident_id": incident.id, "user_id": user.id, "role": role, "added_at": now}
            for user, role in people
        ],
    )
    for row in (*incident.tags, incident):
        make_transient_to_detached(row)
    db.add(incident)
    timeline.record(db, incident, reporter, EntryKind.created, text=f"Reported: {incident.title}")
    outbox.emit(db, events.incident_created(incident, actor=reporter))
    return incident


def get_visible(db: Session, incident_id: int, user: User, *, for_update: bool = False) -> Incident:
    """The incident, if `user` may see it; 404 otherwise, so hidden ones don't leak."""
    incident = db.get(
        Incident, incident_id, options=[selectinload(Incident.tags)], with_for_update=for_update
    )
    if incident is None or not permissions.can_view(db, incident, user):
        raise IncidentNotFound(f"Incident {incident_id} not found.")
    return incident


def update(
    db: Session,
    incident: Incident,
    data: IncidentUpdate,
    *,
    actor: User,
    expected_version: int | None = None,
) -> Incident:
    """Apply the fields sent; the state machine, the permissions and the version decide."""
    for version in (expected_version, data.version):
        if version is not None and version != incident.version:
            raise StaleVersion(
                f"Incident {incident.id} is at version {incident.version}, not {version}; "
                "reload it and try again.",
                details=[{"current_version": incident.version}],
            )
    sent = data.model_dump(exclude_unset=True, exclude_none=True, exclude={"version"})
    if sent.keys() & permissions.COMMAND_FIELDS:
        permissions.require_commander(incident, actor)
    if sent.keys() - permissions.COMMAND_FIELDS:
        permissions.require_editor(db, incident, actor)

    now = utcnow()
    changes = _apply_fields(db, incident, data)
    status_changes: list[Change] = []
    if data.status is not None and data.status != incident.status:
        status_changes = lifecycle.transition(
            incident, data.status, resolution=data.resolution, now=now
        )
    elif data.resolution is not None and data.resolution != incident.resolution:
        changes.append(("resolution", incident.resolution, data.resolution))
        incident.resolution = data.resolution
    if not changes and not status_changes:
        return incident

    incident.updated_at = now
    if changes:
        timeline.record(db, incident, actor, EntryKind.updated, changes=changes)
    if status_changes:
        text = f"Status changed to {incident.status}"
        timeline.record(
            db, incident, actor, EntryKind.status_changed, text=text, changes=status_changes
        )
    try:
        db.flush()
    except StaleDataError:
        raise StaleVersion("The incident changed while you were updating it; reload it.") from None
    status_change = [change for change in status_changes if change[0] == "status"]
    outbox.emit(db, *events.incident_changed(incident, changes + status_change, actor=actor))
    return incident


def _apply_fields(db: Session, incident: Incident, data: IncidentUpdate) -> list[Change]:
    changes: list[Change] = []
    for field in ("title", "description", "severity", "visibility"):
        after = getattr(data, field)
        before = getattr(incident, field)
        if after is not None and after != before:
            changes.append((field, before, after))
            setattr(incident, field, after)
    if data.tags is not None and data.tags != incident.tag_names:
        changes.append(("tags", incident.tag_names, data.tags))
        kept = {tag.name: tag for tag in incident.tags}
        incident.tags = [kept.get(name) or IncidentTag(name=name) for name in data.tags]
    if data.commander_id is not None and data.commander_id != incident.commander_id:
        new_commander = participants.active_user(db, data.commander_id)
        changes.append(("commander_id", incident.commander_id, new_commander.id))
        participants.hand_over_command(db, incident, new_commander)
    return changes


def stats(db: Session, user: User, filters: IncidentFilters) -> IncidentStats:
    """Counts of the incidents `user` may see, by status and by severity."""
    query = (
        select(Incident.status, Incident.severity, func.count())
        .where(*filter_clauses(filters, user))
        .group_by(Incident.status, Incident.severity)
    )
    by_status = dict.fromkeys(Status, 0)
    by_severity = dict.fromkeys(Severity, 0)
    for status, severity, count in db.execute(query):
        by_status[status] += count
        by_severity[severity] += count
    return IncidentStats(
        total=sum(by_status.values()), by_status=by_status, by_severity=by_severity
    )
