"""How alerts read to people: the title and description of the incident a group opens, and the
text of the timeline entries its notifications add."""

from collections.abc import Sequence

from app.signal.schemas import AlertmanagerNotification, WebhookAlert

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
LISTED_ALERTS = 10
_KEY_LABELS_SKIPPED = {"alertname", "severity"}


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _labels(labels: dict[str, str]) -> str:
    return ", ".join(f'{name}="{value}"' for name, value in sorted(labels.items()))


def alert_label(alert: WebhookAlert, group_labels: dict[str, str]) -> str:
    """`HighErrorRate{instance="web-1"}`: the alert's name and the labels that set it apart in
    its group (severity aside), the same in every notification."""
    own = {
        name: value
        for name, value in alert.labels.items()
        if name not in _KEY_LABELS_SKIPPED and name not in group_labels
    }
    name = alert.alertname or "alert"
    return f"{name}{{{_labels(own)}}}" if own else name


def group_name(notification: AlertmanagerNotification) -> str:
    """The alert name, then the labels the group is keyed on (or its other common labels)."""
    labels = notification.group_labels or notification.common_labels
    name = labels.get("alertname") or notification.common_labels.get("alertname")
    name = name or notification.alerts[0].alertname or "Alert"
    keys = {k: v for k, v in labels.items() if k not in _KEY_LABELS_SKIPPED}
    return f"{name}: {', '.join(f'{k}={v}' for k, v in sorted(keys.items()))}" if keys else name


def _annotation(
    notification: AlertmanagerNotification, firing: Sequence[WebhookAlert], name: str
) -> str:
    """An annotation shared by the group, or the only firing alert's."""
    value = notification.common_annotations.get(name, "")
    if not value and len(firing) == 1:
        value = firing[0].annotations.get(name, "")
    return value.strip()


def title(notification: AlertmanagerNotification, firing: Sequence[WebhookAlert]) -> str:
    text = _annotation(notification, firing, "summary") or group_name(notification)
    return clip(" ".join(text.split()), TITLE_MAX)


def description(notification: AlertmanagerNotification, firing: Sequence[WebhookAlert]) -> str:
    """The alerts' own description, other shared annotations, and links to where they came from."""
    parts = []
    text = _annotation(notification, firing, "description")
    if text:
        parts.append(text)
    other = {
        name: value
        for name, value in notification.common_annotations.items()
        if name not in {"summary", "description"}
    }
    if other:
        parts.append("\n".join(f"{name}: {value}" for name, value in sorted(other.items())))
    lines = [f"Alerts firing ({len(firing)}):"]
    for alert in firing[:LISTED_ALERTS]:
        source = f" — {alert.generator_url}" if alert.generator_url else ""
        lines.append(f"- {alert_label(alert, notification.group_labels)}{source}")
    if len(firing) > LISTED_ALERTS:
        lines.append(f"- and {len(firing) - LISTED_ALERTS} more")
    parts.append("\n".join(lines))
    source = f'Opened by Alertmanager, receiver "{notification.receiver}"'
    if notification.external_url:
        source += f": {notification.external_url}"
    parts.append(source)
    return clip("\n\n".join(parts), DESCRIPTION_MAX)


def change_summary(changes: dict[str, list[str]]) -> str:
    """`Alertmanager: firing (2): A, B. Resolved (1): C.` for {"firing": [A, B], ...}."""
    sentences = []
    for what, labels in changes.items():
        if not labels:
            continue
        listed = ", ".join(labels[:LISTED_ALERTS])
        more = f" and {len(labels) - LISTED_ALERTS} more" if len(labels) > LISTED_ALERTS else ""
        sentences.append(f"{what} ({len(labels)}): {listed}{more}.")
    return clip("Alertmanager: " + " ".join(sentences), DESCRIPTION_MAX)
