"""What the HTTP-speaking built-ins share: one TLS context, and errors that never echo a URL
(a Slack webhook URL is a secret, and errors are shown in the admin API)."""

import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

USER_AGENT = "fastapi-app-plugins"


class DeliveryRejected(Exception):
    """The receiver answered, but not with a 2xx: the delivery is retried."""


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def origin(url: str) -> str:
    """`https://hooks.example.com` of a URL: enough to tell receivers apart, no path or token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def url_list(value: Any) -> list[str]:
    """URLs given as a list or as one comma-separated string."""
    if isinstance(value, str):
        return [url.strip() for url in value.split(",") if url.strip()]
    return [str(url) for url in value or []]


def option_seconds(options: Mapping[str, Any], name: str, default: float) -> float:
    return float(options.get(name) or default)


async def post(
    client: httpx.AsyncClient, url: str, *, content: bytes, headers: Mapping[str, str]
) -> None:
    """POST and insist on a 2xx; the error names the receiver's origin and status only."""
    response = await client.post(url, content=content, headers=dict(headers))
    if not response.is_success:
        reason = response.text[:200].strip() or response.reason_phrase
        raise DeliveryRejected(f"{origin(url)} answered {response.status_code}: {reason}")
