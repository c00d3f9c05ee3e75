"""Alertmanager's webhook body (version 4), and what the signal routes answer."""

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.common.pagination import Page
from app.common.params import MAX_ID, MAX_PAGE_SIZE
from app.common.schemas import ORMModel
from app.common.validation import ExternalInputModel, InputModel, Timestamp
from app.signal.models import AlertStatus

LabelName = Annotated[str, StringConstraints(min_length=1, max_length=256)]
LabelValue = Annotated[str, StringConstraints(max_length=10_000)]
Labels = Annotated[dict[LabelName, LabelValue], Field(max_length=200)]
Url = Annotated[str, StringConstraints(max_length=4_000)]
Fingerprint = Annotated[str, StringConstraints(pattern=r"^[0-9A-Fa-f]{1,64}$")]

_EXAMPLE_ALERT: dict[str, Any] = {
    "status": "firing",
    "labels": {
        "alertname": "HighErrorRate",
        "service": "checkout",
        "instance": "web-1",
        "severity": "critical",
    },
    "annotations": {
        "summary": "Checkout error rate above 5%",
        "description": "5xx ratio is 12% over the last 5 minutes.",
    },
    "startsAt": "2026-12-03T19:02:00Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://prometheus.internal:9090/graph?g0.expr=job_errors",
    "fingerprint": "87d1dc2f42ff470e",
}
_RECEIVED_AT = "2026-12-03T19:02:30Z"


class WebhookAlert(ExternalInputModel):
    """One alert of the group. Fields Alertmanager may add later are accepted and ignored."""

    model_config = ConfigDict(populate_by_name=True)

    status: AlertStatus
    labels: Labels
    annotations: Labels = {}
    starts_at: Timestamp = Field(alias="startsAt")
    ends_at: Timestamp | None = Field(
        default=None,
        alias="endsAt",
        description="When it resolved; Alertmanager sends year 1 for firing alerts (read as null).",
    )
    generator_url: Url = Field(default="", alias="generatorURL")
    fingerprint: Fingerprint = Field(
        default="", description="Alertmanager's id of the label set; derived from labels if absent."
    )

    @field_validator("ends_at")
    @classmethod
    def _zero_time_is_none(cls, value: datetime | None) -> datetime | None:
        return None if value is not None and value.year <= 1 else value

    @model_validator(mode="after")
    def _fingerprint_from_labels(self) -> "WebhookAlert":
        if self.fingerprint:
            self.fingerprint = self.fingerprint.lower()
        else:
            canonical = json.dumps(self.labels, sort_keys=True, separators=(",", ":"))
            self.fingerprint = hashlib.sha256(canonical.encode()).hexdigest()[:16]
        return self

    @property
    def alertname(self) -> str:
        return self.labels.get("alertname", "")


class AlertmanagerNotification(ExternalInputModel):
    """What Alertmanager's `webhook_configs` receiver posts: one notification about one group."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "version": "4",
                    "groupKey": '{}:{alertname="HighErrorRate", service="checkout"}',
                    "truncatedAlerts": 0,
                    "status": "firing",
                    "receiver": "fastapi-app",
                    "groupLabels": {"alertname": "HighErrorRate", "service": "checkout"},
                    "commonLabels": {
                        "alertname": "HighErrorRate",
                        "service": "checkout",
                        "severity": "critical",
                    },
                    "commonAnnotations": {"summary": "Checkout error rate above 5%"},
                    "externalURL": "http://alertmanager.internal:9093",
                    "alerts": [_EXAMPLE_ALERT],
                }
            ]
        },
    )

    version: Literal["4"] = Field(description="The webhook payload version; only 4 is known.")
    group_key: Annotated[str, StringConstraints(min_length=1, max_length=10_000)] = Field(
        alias="groupKey"
    )
    status: AlertStatus
    receiver: Annotated[str, StringConstraints(max_length=200)] = ""
    group_labels: Labels = Field(default={}, alias="groupLabels")
    common_labels: Labels = Field(default={}, alias="commonLabels")
    common_annotations: Labels = Field(default={}, alias="commonAnnotations")
    external_url: Url = Field(default="", alias="externalURL")
    truncated_alerts: int = Field(
        default=0,
        ge=0,
        alias="truncatedAlerts",
        description="Alerts left out by the receiver's `max_alerts`.",
    )
    alerts: list[WebhookAlert] = Field(min_length=1, max_length=10_000)

    def firing(self) -> list[WebhookAlert]:
        return [alert for alert in self.alerts if alert.status == AlertStatus.firing]


class SignalOutcome(BaseModel):
    """What one notification did."""

    group_id: int = Field(examples=[7])
    incident_id: int | None = Field(
        description="The incident the group's alerts went to; null when none was opened "
        "(a group first heard of when already resolved).",
        examples=[42],
    )
    incident_opened: bool = Field(
        description="This notification opened the incident.", examples=[True]
    )
    new_alerts: int = Field(examples=[2])
    resolved: int = Field(examples=[0])
    firing_again: int = Field(examples=[0])
    group_resolved: bool = Field(
        description="Every alert of the group has now resolved.", examples=[False]
    )


class AlertRead(ORMModel):
    id: int = Field(examples=[311])
    group_id: int = Field(examples=[7])
    incident_id: int = Field(examples=[42])
    fingerprint: str = Field(examples=["87d1dc2f42ff470e"])
    alertname: str = Field(examples=["HighErrorRate"])
    status: AlertStatus
    labels: dict[str, str] = Field(examples=[_EXAMPLE_ALERT["labels"]])
    annotations: dict[str, str] = Field(examples=[_EXAMPLE_ALERT["annotations"]])
    starts_at: datetime = Field(examples=[_EXAMPLE_ALERT["startsAt"]])
    ends_at: datetime | None = Field(description="Null while it fires.", examples=[None])
    generator_url: str = Field(examples=[_EXAMPLE_ALERT["generatorURL"]])
    created_at: datetime = Field(examples=[_RECEIVED_AT])
    updated_at: datetime = Field(examples=[_RECEIVED_AT])


class AlertGroupRead(ORMModel):
    id: int = Field(examples=[7])
    group_key: str = Field(examples=['{}:{alertname="HighErrorRate", service="checkout"}'])
    receiver: str = Field(examples=["fastapi-app"])
    group_labels: dict[str, str] = Field(examples=[{"alertname": "HighErrorRate"}])
    external_url: str = Field(examples=["http://alertmanager.internal:9093"])
    status: AlertStatus
    incident_id: int | None = Field(
        description="The incident the group's alerts go to now.", examples=[42]
    )
    previous_incident_id: int | None = Field(
        description="The incident before that one (closed, then the group fired again).",
        examples=[None],
    )
    created_at: datetime = Field(examples=[_RECEIVED_AT])
    updated_at: datetime = Field(examples=[_RECEIVED_AT])


SignalPage = Page[AlertRead]


class IncidentSignals(SignalPage):
    """The alerts of one incident, a page at a time, and the group(s) they came from."""

    groups: list[AlertGroupRead]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class SignalPageParams(InputModel):
    status: AlertStatus | None = Field(default=None, description="Only firing or resolved ones.")
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE, description="Items per page.")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


class SignalListParams(SignalPageParams):
    """Filters of the signals list; alerts of incidents you can't see are never listed."""

    incident_id: Id | None = None
    group_id: Id | None = None
    alertname: str | None = Field(default=None, min_length=1, max_length=200)
    fingerprint: Fingerprint | None = None
