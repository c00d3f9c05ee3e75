"""Who may see and change an incident.

Viewers read. Members report incidents, add notes, and edit the incidents they take part in.
The commander and admins run the incident: status, severity, commander, visibility, people.
A restricted incident does not exist for anyone but its participants and admins.
"""

from sqlalchemy import ColumnElement, exists, or_, select, true
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.common.errors import PermissionDenied
from app.incident.models import Incident, Participant, Visibility

COMMAND_FIELDS = frozenset({"status", "severity", "commander_id", "visibility", "resolution"})


def takes_part(user: User) -> ColumnElement[bool]:
    """A filter on Incident: `user` is a participant.

    A correlated EXISTS is a primary-key probe per row the list walks, so its cost does not
    grow with how many incidents the user has ever taken part in (an IN list would).
    """
    return exists().where(Participant.incident_id == Incident.id, Participant.user_id == user.id)


def visible_to(user: User) -> ColumnElement[bool]:
    """A filter on Incident that keeps what `user` may see."""
    if user.role == Role.admin:
        return true()
    return or_(Incident.visibility == Visibility.open, takes_part(user))


def is_participant(db: Session, incident: Incident, user: User) -> bool:
    query = select(
        exists().where(Participant.incident_id == incident.id, Participant.user_id == user.id)
    )
    return bool(db.scalar(query))


def can_view(db: Session, incident: Incident, user: User) -> bool:
    return (
        user.role == Role.admin
        or incident.visibility == Visibility.open
        or is_participant(db, incident, user)
    )


def require_commander(incident: Incident, user: User) -> None:
    if user.role != Role.admin and incident.commander_id != user.id:
        raise PermissionDenied("Only the incident's commander or an admin can do this.")


def require_editor(db: Session, incident: Incident, user: User) -> None:
    if user.role == Role.admin:
        return
    if user.role == Role.viewer or not is_participant(db, incident, user):
        raise PermissionDenied("Only participants of the incident or admins can edit it.")
