"""The incident a route is about: loaded if the caller may see it, 404 otherwise."""

import re
from typing import Annotated

from fastapi import Depends, Header, Request

from app.auth.dependencies import CurrentUser
from app.common.errors import InvalidInput
from app.common.params import id_path
from app.core.dependencies import DbSession, Run
from app.incident import service
from app.incident.models import Incident

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,10})"?$')


async def get_current_incident(
    user: CurrentUser,
    incident_id: Annotated[int, id_path("incident")],
    db: DbSession,
    run: Run,
    request: Request,
) -> Incident:
    """Authenticate first, so an anonymous caller learns nothing about which ids exist.

    Writes lock the row (PostgreSQL), so concurrent changes to one incident queue up and the
    version check sees the latest committed version.
    """
    locked = request.method in _WRITE_METHODS
    return await run(service.get_visible, db, incident_id, user, for_update=locked)


async def get_if_match(
    if_match: Annotated[
        str | None,
        Header(description='The `ETag` you read (e.g. `"3"`): refuse with 412 if it changed.'),
    ] = None,
) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise InvalidInput('If-Match must be an ETag of this API, like "3".')
    return int(match.group(1))


CurrentIncident = Annotated[Incident, Depends(get_current_incident)]
IfMatch = Annotated[int | None, Depends(get_if_match)]
