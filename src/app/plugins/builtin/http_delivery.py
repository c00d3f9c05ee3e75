"""What the HTTP-speaking built-ins share: a pooled client, and errors that never echo a URL
(a Slack webhook URL is a secret, and errors are shown in the admin API)."""

import asyncio
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

USER_AGENT = "fastapi-app-plugins"
# httpcore checks every idle pooled connection on each request: keep the idle pool small.
_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=8)


class DeliveryRejected(Exception):
    """The receiver answered, but not with a 2xx: the delivery is retried."""


class Client:
    """One pooled `httpx.AsyncClient` per event loop: connections are reused across deliveries,
    and a plugin object used from another loop (a test, a restart) gets a client of its own."""

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        self._tls = ssl.create_default_context()
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            headers = {"User-Agent": USER_AGENT}
            self._client = httpx.AsyncClient(
                verify=self._tls, timeout=self.timeout, headers=headers, limits=_LIMITS
            )
            self._loop = loop
        return self._client

    async def close(self) -> None:
        if self._client is not None and self._loop is asyncio.get_running_loop():
            await self._client.aclose()
        self._client = None


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
