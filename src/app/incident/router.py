"""Incident HTTP routes."""

from fastapi import APIRouter, status

from app.auth.dependencies import CurrentUser, WriterUser
from app.common.error_handlers import errors
from app.common.params import Cursor, Limit
from app.core.dependencies import DbSession
from app.incident import service
from app.incident.dependencies import CurrentIncident
from app.incident.models import Incident
from app.incident.schemas import IncidentCreate, IncidentPage, IncidentRead, IncidentUpdate

router = APIRouter(prefix="/api/incidents", tags=["incidents"])


@router.post(
    "",
    response_model=IncidentRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 422),
)
def create_incident(data: IncidentCreate, user: WriterUser, db: DbSession) -> Incident:
    """Report an incident; the caller is its reporter."""
    return service.create(db, data, reporter=user)


@router.get("", response_model=IncidentPage, responses=errors(401, 422))
def list_incidents(
    _: CurrentUser, db: DbSession, limit: Limit = 50, cursor: Cursor = None
) -> IncidentPage:
    """Incidents, newest first, one page at a time."""
    incidents, next_cursor = service.list_page(db, limit=limit, cursor=cursor)
    return IncidentPage(
        items=[IncidentRead.model_validate(i) for i in incidents], next_cursor=next_cursor
    )


@router.get("/{incident_id}", response_model=IncidentRead, responses=errors(401, 404, 422))
def read_incident(incident: CurrentIncident, _: CurrentUser) -> Incident:
    """One incident."""
    return incident


@router.patch("/{incident_id}", response_model=IncidentRead, responses=errors(401, 403, 404, 422))
def update_incident(
    incident: CurrentIncident, data: IncidentUpdate, user: WriterUser, db: DbSession
) -> Incident:
    """Change an incident's title, description, severity or status."""
    return service.update(db, incident, data, actor=user)
