"""Request and response bodies of the incident domain."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from app.auth.schemas import UserSummary
from app.common.pagination import Page
from app.common.params import MAX_ID, MAX_PAGE_SIZE
from app.common.schemas import ORMModel
from app.common.validation import InputModel, Timestamp
from app.incident.models import EntryKind, ParticipantRole, Severity, Status, Visibility

Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(examples=["Checkout API returns 502 for 30% of requests"]),
]
Description = Annotated[
    str,
    StringConstraints(max_length=10_000),
    Field(examples=["Started 14:02 UTC after deploy 2026.12.03-1; EU region only."]),
]
Resolution = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000),
    Field(examples=["Rolled back deploy 2026.12.03-1."]),
]
Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=50),
    Field(examples=["payments"]),
]


def _unique(tags: list[str]) -> list[str]:
    return sorted(set(tags))


Tags = Annotated[list[Tag], Field(max_length=20), AfterValidator(_unique)]
UserId = Annotated[int, Field(ge=1, le=MAX_ID, examples=[2])]
_WHEN = "2026-12-03T14:02:00Z"


class IncidentCreate(InputModel):
    title: Title
    description: Description = ""
    severity: Severity = Severity.medium
    visibility: Visibility = Visibility.open
    commander_id: UserId | None = Field(default=None, description="Defaults to the reporter.")
    tags: Tags = []
    reported_at: Timestamp | None = Field(
        default=None,
        description="When the problem was first reported; defaults to now.",
        examples=[_WHEN],
    )


class IncidentUpdate(InputModel):
    """Only the fields sent are changed. `version` (or `If-Match`) guards against lost updates."""

    title: Title | None = None
    description: Description | None = None
    severity: Severity | None = None
    status: Status | None = None
    resolution: Resolution | None = Field(
        default=None, description="Required when closing; why and how it ended."
    )
    visibility: Visibility | None = None
    commander_id: UserId | None = None
    tags: Tags | None = None
    version: int | None = Field(
        default=None, ge=1, description="The version you last read.", examples=[3]
    )


class IncidentRead(ORMModel):
    id: int = Field(examples=[42])
    title: str = Field(examples=["Checkout API returns 502 for 30% of requests"])
    description: str = Field(examples=["Started 14:02 UTC after deploy 2026.12.03-1."])
    status: Status
    severity: Severity
    visibility: Visibility
    reporter_id: int = Field(examples=[7])
    commander_id: int = Field(examples=[7])
    tags: list[str] = Field(validation_alias="tag_names", examples=[["payments", "eu"]])
    resolution: str | None = Field(examples=[None])
    reported_at: datetime = Field(examples=[_WHEN])
    stable_at: datetime | None = Field(examples=[None])
    closed_at: datetime | None = Field(examples=[None])
    created_at: datetime = Field(examples=[_WHEN])
    updated_at: datetime = Field(examples=[_WHEN])
    version: int = Field(examples=[1], description="Send it back as `If-Match` or `version`.")


class IncidentPage(Page[IncidentRead]):
    """One page of incidents."""


class IncidentStats(BaseModel):
    total: int = Field(examples=[12])
    by_status: dict[Status, int] = Field(examples=[{"active": 3, "stable": 1, "closed": 8}])
    by_severity: dict[Severity, int] = Field(
        examples=[{"low": 2, "medium": 6, "high": 3, "critical": 1}]
    )


SortField = Literal["created", "updated", "severity", "status", "title"]
SortOrder = Literal["asc", "desc"]


class IncidentFilters(InputModel):
    """Query parameters of the incident list; every one narrows the result."""

    status: list[Status] = Field(default=[], description="Any of these statuses.")
    severity: list[Severity] = Field(default=[], description="Any of these severities.")
    commander_id: UserId | None = None
    mine: bool = Field(default=False, description="Only incidents I participate in.")
    tag: Tag | None = None
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Text to find in title or description (case-insensitive).",
    )
    created_from: Timestamp | None = Field(default=None, description="Created at or after.")
    created_to: Timestamp | None = Field(default=None, description="Created before.")


class IncidentListParams(IncidentFilters):
    sort: SortField = Field(default="created", description="What to sort by.")
    order: SortOrder = "desc"
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE, description="Items per page.")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )

    def filters(self) -> IncidentFilters:
        return IncidentFilters.model_validate(
            self.model_dump(include=set(IncidentFilters.model_fields))
        )


class TimelineParams(InputModel):
    order: SortOrder = Field(default="desc", description="Newest (desc) or oldest first.")
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(default=None, max_length=512)


class ParticipantCreate(InputModel):
    user_id: UserId
    role: ParticipantRole = ParticipantRole.observer


class ParticipantUpdate(InputModel):
    role: ParticipantRole


class ParticipantRead(ORMModel):
    user: UserSummary
    role: ParticipantRole
    added_at: datetime = Field(examples=[_WHEN])


class NoteCreate(InputModel):
    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000),
        Field(examples=["Rolled back to 2026.12.03-0; error rate falling."]),
    ]


class Change(BaseModel):
    field: str = Field(examples=["severity"])
    before: Any = Field(examples=["medium"])
    after: Any = Field(examples=["high"])


class TimelineEntryRead(ORMModel):
    id: int = Field(examples=[311])
    incident_id: int = Field(examples=[42])
    actor_id: int | None = Field(examples=[7])
    kind: EntryKind
    text: str = Field(examples=["Status changed to stable"])
    changes: list[Change]
    created_at: datetime = Field(examples=[_WHEN])


class TimelinePage(Page[TimelineEntryRead]):
    """One page of timeline entries."""
