"""The people working an incident. The commander is always one of them."""

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.auth.models import User
from app.common.errors import Conflict, InvalidInput, NotFound
from app.incident import permissions, timeline
from app.incident.models import EntryKind, Incident, Participant, ParticipantRole


class AlreadyParticipant(Conflict):
    code = "already_participant"
    message = "This user already takes part in the incident."


class ParticipantNotFound(NotFound):
    code = "participant_not_found"
    message = "This user does not take part in the incident."


class CommanderRoleIsFixed(Conflict):
    code = "commander_role_is_fixed"
    message = "The commander stays a participant; change `commander_id` on the incident instead."


def active_user(db: Session, user_id: int) -> User:
    """The active user `user_id`, or a 422: only people who can log in take part."""
    user = db.get(User, user_id)
    if user is None or not user.is_active:
        raise InvalidInput(
            f"User {user_id} does not exist or is deactivated.",
            details=[{"loc": ["body", "user_id"], "msg": "unknown user", "type": "user"}],
        )
    return user


def list_for(db: Session, incident: Incident) -> list[Participant]:
    query = (
        select(Participant)
        .where(Participant.incident_id == incident.id)
        .options(joinedload(Participant.user))
        .order_by(Participant.added_at, Participant.user_id)
    )
    return list(db.scalars(query))


def _get(db: Session, incident: Incident, user_id: int) -> Participant | None:
    return db.get(Participant, (incident.id, user_id), options=[joinedload(Participant.user)])


def _not_commander_role(role: ParticipantRole) -> None:
    if role == ParticipantRole.commander:
        raise CommanderRoleIsFixed()


def add(
    db: Session, incident: Incident, user_id: int, role: ParticipantRole, *, actor: User
) -> Participant:
    permissions.require_commander(incident, actor)
    _not_commander_role(role)
    user = active_user(db, user_id)
    if _get(db, incident, user_id) is not None:
        raise AlreadyParticipant()
    participant = Participant(incident_id=incident.id, user_id=user.id, role=role, user=user)
    db.add(participant)
    timeline.record(
        db,
        incident,
        actor,
        EntryKind.participant_added,
        text=f"{user.full_name} joined as {role}",
        changes=[("participant", None, user.id)],
    )
    db.flush()
    return participant


def change_role(
    db: Session, incident: Incident, user_id: int, role: ParticipantRole, *, actor: User
) -> Participant:
    permissions.require_commander(incident, actor)
    participant = _get(db, incident, user_id)
    if participant is None:
        raise ParticipantNotFound()
    if participant.role == ParticipantRole.commander:
        raise CommanderRoleIsFixed()
    _not_commander_role(role)
    if participant.role != role:
        timeline.record(
            db,
            incident,
            actor,
            EntryKind.participant_changed,
            text=f"{participant.user.full_name} is now {role}",
            changes=[(f"participant:{user_id}:role", participant.role, role)],
        )
        participant.role = role
        db.flush()
    return participant


def remove(db: Session, incident: Incident, user_id: int, *, actor: User) -> None:
    permissions.require_commander(incident, actor)
    participant = _get(db, incident, user_id)
    if participant is None:
        raise ParticipantNotFound()
    if participant.role == ParticipantRole.commander:
        raise CommanderRoleIsFixed("The commander can't be removed; hand command over first.")
    timeline.record(
        db,
        incident,
        actor,
        EntryKind.participant_removed,
        text=f"{participant.user.full_name} left",
        changes=[("participant", user_id, None)],
    )
    db.delete(participant)
    db.flush()


def hand_over_command(db: Session, incident: Incident, new_commander: User) -> None:
    """Make `new_commander` the commanding participant; the previous one stays as observer."""
    previous = _get(db, incident, incident.commander_id)
    if previous is not None:
        previous.role = ParticipantRole.observer
    current = _get(db, incident, new_commander.id)
    if current is None:
        db.add(
            Participant(
                incident_id=incident.id, user_id=new_commander.id, role=ParticipantRole.commander
            )
        )
    else:
        current.role = ParticipantRole.commander
    incident.commander_id = new_commander.id
