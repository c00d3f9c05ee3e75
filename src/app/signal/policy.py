"""What the operator decides about signals (from the settings), and the incident a group opens."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.core.config import Settings
from app.incident.models import Severity
from app.incident.schemas import IncidentCreate
from app.signal import describe
from app.signal.schemas import AlertmanagerNotification, WebhookAlert

SOURCE_TAG = "alertmanager"
_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(Severity)}


@dataclass(frozen=True)
class SignalPolicy:
    severity_map: Mapping[str, Severity]
    default_severity: Severity
    auto_stable: bool
    reopen_as_new: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> "SignalPolicy":
        return cls(
            severity_map={
                label: Severity(name) for label, name in settings.SIGNALS_SEVERITY_MAP.items()
            },
            default_severity=Severity(settings.SIGNALS_DEFAULT_SEVERITY),
            auto_stable=settings.SIGNALS_AUTO_STABLE,
            reopen_as_new=settings.SIGNALS_REOPEN_AS_NEW,
        )

    def severity_of(self, alerts: Sequence[WebhookAlert]) -> Severity:
        """The most severe of the alerts' `severity` labels, through the map."""
        mapped = [
            self.severity_map.get(alert.labels.get("severity", "").strip().lower())
            for alert in alerts
        ]
        known = [severity for severity in mapped if severity is not None]
        return max(known, key=_SEVERITY_RANK.__getitem__, default=self.default_severity)

    def incident_for(
        self, notification: AlertmanagerNotification, firing: Sequence[WebhookAlert]
    ) -> IncidentCreate:
        """The incident a group opens, from the alerts firing in it."""
        return IncidentCreate(
            title=describe.title(notification, firing),
            description=describe.description(notification, firing),
            severity=self.severity_of(firing),
            tags=[SOURCE_TAG],
            reported_at=min(alert.starts_at for alert in firing),
        )
