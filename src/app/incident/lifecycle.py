"""The status machine: active → stable → closed, active → closed, and reopen closed → active."""

from datetime import datetime

from app.common.errors import Conflict, InvalidInput
from app.incident.models import Incident, Status

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.active: frozenset({Status.stable, Status.closed}),
    Status.stable: frozenset({Status.closed}),
    Status.closed: frozenset({Status.active}),
}


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ResolutionRequired(InvalidInput):
    code = "resolution_required"
    message = "Closing an incident needs a `resolution`."


Change = tuple[str, object, object]


def transition(
    incident: Incident, to: Status, *, resolution: str | None, now: datetime
) -> list[Change]:
    """Move `incident` to status `to`, stamping the times; returns what changed."""
    allowed = TRANSITIONS[incident.status]
    if to not in allowed:
        names = ", ".join(sorted(allowed))
        raise InvalidTransition(
            f"An incident that is {incident.status} can move to: {names}; not to {to}.",
            details=[{"from": incident.status, "to": to, "allowed": sorted(allowed)}],
        )
    if to == Status.closed and not (resolution or incident.resolution):
        raise ResolutionRequired()

    changes: list[Change] = [("status", incident.status, to)]
    incident.status = to
    if to == Status.stable:
        changes.append(("stable_at", incident.stable_at, now))
        incident.stable_at = now
    elif to == Status.closed:
        changes.append(("closed_at", incident.closed_at, now))
        incident.closed_at = now
        if incident.stable_at is None:
            changes.append(("stable_at", None, now))
            incident.stable_at = now
    else:  # reopened
        changes.append(("closed_at", incident.closed_at, None))
        changes.append(("resolution", incident.resolution, None))
        incident.closed_at = None
        incident.resolution = None
    if resolution is not None and to == Status.closed:
        changes.append(("resolution", incident.resolution, resolution))
        incident.resolution = resolution
    return changes
