"""The incident a route is about, loaded or 404."""

from typing import Annotated

from fastapi import Depends

from app.auth.dependencies import CurrentUser
from app.common.params import id_path
from app.core.dependencies import DbSession
from app.incident import service
from app.incident.models import Incident


def get_current_incident(
    _: CurrentUser, incident_id: Annotated[int, id_path("incident")], db: DbSession
) -> Incident:
    """Authenticate first, so an anonymous caller learns nothing about which ids exist."""
    return service.get(db, incident_id)


CurrentIncident = Annotated[Incident, Depends(get_current_incident)]
