"""The incident list: filters, a whitelist of sorts, and keyset pagination over them.

Each sort is (column, id), served by an index on the same pair, so page 1,000 costs what
page 1 costs. The cursor carries the sort it was made for; using it with another is a 422.

Pages are read as plain Core rows, not ORM objects: nothing on a page is changed, and building
fifty tracked instances with their tag collections cost more than the rest of the request.
Each row brings its tags as a JSON array, which costs less than a second query for them.
"""

from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import ColumnElement, exists, select, tuple_
from sqlalchemy.orm import Session

from app.auth.models import User
from app.common.errors import InvalidInput
from app.common.pagination import decode_cursor, encode_cursor
from app.common.sql import json_array_agg
from app.common.validation import CleanText, InputModel, RowId, Timestamp
from app.incident.models import Incident, IncidentTag, Severity, Status
from app.incident.permissions import takes_part, visible_to
from app.incident.schemas import IncidentFilters, SortField, SortOrder

SORT_COLUMNS: dict[SortField, Any] = {
    "created": Incident.created_at,
    "updated": Incident.updated_at,
    "severity": Incident.severity,
    "status": Incident.status,
    "title": Incident.title,
}


# Cursors come back from clients, so their values pass the same checks as any other input.
_Time = TypeAdapter(Timestamp)
SORT_VALUES: dict[SortField, TypeAdapter[Any]] = {
    "created": _Time,
    "updated": _Time,
    "severity": TypeAdapter(Severity),
    "status": TypeAdapter(Status),
    "title": TypeAdapter(CleanText),
}


class _Position(InputModel):
    sort: SortField
    order: SortOrder
    value: Any
    id: RowId


_CURSOR = TypeAdapter(_Position)


_COLUMNS = tuple(Incident.__table__.columns)
_TAGS = (
    select(json_array_agg(IncidentTag.name))
    .where(IncidentTag.incident_id == Incident.id)
    .scalar_subquery()
    .label("tag_names")
)


def filter_clauses(filters: IncidentFilters, user: User) -> list[ColumnElement[bool]]:
    clauses = [visible_to(user)]
    if filters.status:
        clauses.append(Incident.status.in_(filters.status))
    if filters.severity:
        clauses.append(Incident.severity.in_(filters.severity))
    if filters.commander_id is not None:
        clauses.append(Incident.commander_id == filters.commander_id)
    if filters.mine:
        clauses.append(takes_part(user))
    if filters.tag is not None:
        tagged = exists().where(
            IncidentTag.incident_id == Incident.id, IncidentTag.name == filters.tag
        )
        clauses.append(tagged)
    if filters.q is not None:
        clauses.append(
            Incident.title.icontains(filters.q, autoescape=True)
            | Incident.description.icontains(filters.q, autoescape=True)
        )
    if filters.created_from is not None:
        clauses.append(Incident.created_at >= filters.created_from)
    if filters.created_to is not None:
        clauses.append(Incident.created_at < filters.created_to)
    return clauses


def _after(cursor: str, sort: SortField, order: SortOrder) -> ColumnElement[bool]:
    position = decode_cursor(cursor, _CURSOR)
    if (position.sort, position.order) != (sort, order):
        raise InvalidInput("The cursor was made for another sort; start again without it.")
    try:
        value = SORT_VALUES[sort].validate_python(position.value)
    except ValidationError:
        raise InvalidInput("The cursor is not valid for this query.") from None
    key = tuple_(SORT_COLUMNS[sort], Incident.id)
    return key < (value, position.id) if order == "desc" else key > (value, position.id)


def list_page(
    db: Session,
    user: User,
    filters: IncidentFilters,
    *,
    sort: SortField,
    order: SortOrder,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of incidents as dicts of their columns plus `tag_names`, and the next cursor."""
    column = SORT_COLUMNS[sort]
    direction = column.desc() if order == "desc" else column.asc()
    tie_breaker = Incident.id.desc() if order == "desc" else Incident.id.asc()
    query = (
        select(*_COLUMNS, _TAGS)
        .where(*filter_clauses(filters, user))
        .order_by(direction, tie_breaker)
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(_after(cursor, sort, order))
    rows = db.connection().execute(query).mappings().all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(
            {"sort": sort, "order": order, "value": last[column.key], "id": last["id"]}
        )
    return [
        {**row, "tag_names": sorted(row["tag_names"] or ())} for row in rows[:limit]
    ], next_cursor
