"""ASGI middleware: request bodies over a size limit get 413 in the shared error shape.

One limit for every route, and others by path prefix where a route needs its own (the longest
matching prefix wins), e.g. a webhook that takes bigger batches than people type. A declared
`Content-Length` over the limit is refused before a byte is read; a body without one (chunked)
is counted as it streams in and refused once it passes the limit, so neither way lets a client
make the server buffer more than the limit.
"""

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.common.error_handlers import error_response


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit. FastAPI lets HTTP errors
    from body parsing through, so the app's own handler renders it like any other error."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than the limit of {limit} bytes.")


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodySizeLimitMiddleware:
    def __init__(
        self, app: ASGIApp, max_body_bytes: int, path_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Longest prefix first, so the most specific one is found first.
        self.path_limits = sorted((path_limits or {}).items(), key=lambda item: -len(item[0]))

    def limit_for(self, path: str) -> int:
        """The limit of the longest prefix `path` starts with, else the default."""
        for prefix, limit in self.path_limits:
            if path.startswith(prefix):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await error_response(413, "payload_too_large", BodyTooLarge(limit).detail)(
                scope, receive, send
            )
            return

        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge as exc:  # read outside the app's error handling (e.g. a middleware)
            if response_started:
                raise
            await error_response(413, "payload_too_large", exc.detail)(scope, receive, send)
