"""Incident routes: incidents, their participants and their timeline."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from app.auth.dependencies import CurrentUser, WriterUser
from app.common.error_handlers import errors
from app.common.params import id_path
from app.core.dependencies import DbSession, Run
from app.incident import listing, participants, service, timeline
from app.incident.dependencies import CurrentIncident, IfMatch
from app.incident.models import Incident, Participant, TimelineEntry
from app.incident.schemas import (
    IncidentCreate,
    IncidentListParams,
    IncidentPage,
    IncidentRead,
    IncidentStats,
    IncidentUpdate,
    NoteCreate,
    ParticipantCreate,
    ParticipantRead,
    ParticipantUpdate,
    TimelineEntryRead,
    TimelinePage,
    TimelineParams,
)

router = APIRouter(prefix="/api/incidents", tags=["incidents"])
UserId = Annotated[int, id_path("user")]
_ETAG: dict[str, Any] = {
    "headers": {
        "ETag": {
            "description": 'The version, e.g. `"3"`: send it back as `If-Match`.',
            "required": True,
            "schema": {"type": "string"},
        }
    }
}


def _etag(response: Response, incident: Incident) -> Incident:
    response.headers["ETag"] = f'"{incident.version}"'
    return incident


@router.post(
    "",
    summary="Report an incident",
    response_model=IncidentRead,
    status_code=status.HTTP_201_CREATED,
    responses={201: _ETAG, **errors(401, 403, 422)},
)
async def create_incident(
    data: IncidentCreate, user: WriterUser, db: DbSession, run: Run, response: Response
) -> Incident:
    """Report an incident; the caller is its reporter and, unless another is named, commander."""
    return _etag(response, await run(service.create, db, data, reporter=user))


@router.get(
    "", summary="List incidents", response_model=IncidentPage, responses=errors(401, 403, 422)
)
async def list_incidents(
    user: CurrentUser, db: DbSession, run: Run, params: Annotated[IncidentListParams, Query()]
) -> IncidentPage:
    """Incidents you may see, filtered and sorted, one keyset page at a time."""
    incidents, next_cursor = await run(
        listing.list_page,
        db,
        user,
        params.filters(),
        sort=params.sort,
        order=params.order,
        limit=params.limit,
        cursor=params.cursor,
    )
    items = [IncidentRead.model_validate(incident) for incident in incidents]
    return IncidentPage(items=items, next_cursor=next_cursor)


@router.get(
    "/stats",
    summary="Count incidents",
    response_model=IncidentStats,
    responses=errors(401, 403, 422),
)
async def incident_stats(
    user: CurrentUser, db: DbSession, run: Run, params: Annotated[IncidentListParams, Query()]
) -> IncidentStats:
    """How many incidents you may see, by status and severity (same filters as the list)."""
    return await run(service.stats, db, user, params.filters())


@router.get(
    "/{incident_id}",
    summary="Read an incident",
    response_model=IncidentRead,
    responses={200: _ETAG, **errors(401, 403, 404, 422)},
)
async def read_incident(incident: CurrentIncident, response: Response) -> Incident:
    """One incident; its `ETag` is the version to send back in `If-Match`."""
    return _etag(response, incident)


@router.patch(
    "/{incident_id}",
    summary="Update an incident",
    response_model=IncidentRead,
    responses={200: _ETAG, **errors(401, 403, 404, 409, 412, 422)},
)
async def update_incident(
    incident: CurrentIncident,
    data: IncidentUpdate,
    user: WriterUser,
    db: DbSession,
    run: Run,
    response: Response,
    if_match: IfMatch = None,
) -> Incident:
    """Change fields or status; the state machine and your role decide what is allowed."""
    updated = await run(service.update, db, incident, data, actor=user, expected_version=if_match)
    return _etag(response, updated)


@router.get(
    "/{incident_id}/timeline",
    summary="Read the timeline",
    response_model=TimelinePage,
    responses=errors(401, 403, 404, 422),
)
async def read_timeline(
    incident: CurrentIncident, db: DbSession, run: Run, params: Annotated[TimelineParams, Query()]
) -> TimelinePage:
    """Everything that happened to the incident, newest (default) or oldest first."""
    entries, next_cursor = await run(
        timeline.list_page,
        db,
        incident,
        order=params.order,
        limit=params.limit,
        cursor=params.cursor,
    )
    items = [TimelineEntryRead.model_validate(entry) for entry in entries]
    return TimelinePage(items=items, next_cursor=next_cursor)


@router.post(
    "/{incident_id}/timeline",
    summary="Add a note",
    response_model=TimelineEntryRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 404, 422),
)
async def add_note(
    incident: CurrentIncident, data: NoteCreate, user: WriterUser, db: DbSession, run: Run
) -> TimelineEntry:
    """Add a note to the timeline."""
    return await run(timeline.add_note, db, incident, user, data.text)


@router.get(
    "/{incident_id}/participants",
    summary="List participants",
    response_model=list[ParticipantRead],
    responses=errors(401, 403, 404, 422),
)
async def list_participants(
    incident: CurrentIncident, db: DbSession, run: Run
) -> list[Participant]:
    """The people working the incident, in the order they joined."""
    return await run(participants.list_for, db, incident)


@router.post(
    "/{incident_id}/participants",
    summary="Add a participant",
    response_model=ParticipantRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 404, 409, 422),
)
async def add_participant(
    incident: CurrentIncident, data: ParticipantCreate, user: CurrentUser, db: DbSession, run: Run
) -> Participant:
    """Bring someone in (commander or admin)."""
    return await run(participants.add, db, incident, data.user_id, data.role, actor=user)


@router.patch(
    "/{incident_id}/participants/{user_id}",
    summary="Change a participant's role",
    response_model=ParticipantRead,
    responses=errors(401, 403, 404, 409, 422),
)
async def change_participant(
    incident: CurrentIncident,
    user_id: UserId,
    data: ParticipantUpdate,
    user: CurrentUser,
    db: DbSession,
    run: Run,
) -> Participant:
    """Change someone's role (commander or admin); the commander's role is fixed."""
    return await run(participants.change_role, db, incident, user_id, data.role, actor=user)


@router.delete(
    "/{incident_id}/participants/{user_id}",
    summary="Remove a participant",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 403, 404, 409, 422),
)
async def remove_participant(
    incident: CurrentIncident, user_id: UserId, user: CurrentUser, db: DbSession, run: Run
) -> None:
    """Take someone off the incident (commander or admin); not the commander."""
    await run(participants.remove, db, incident, user_id, actor=user)
