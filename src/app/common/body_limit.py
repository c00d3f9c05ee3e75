"""ASGI middleware: a size limit on request bodies under a path prefix, enforced while reading.

A declared `Content-Length` over the limit is refused before any of the body is read; a body
without one (chunked) is counted as it arrives and refused once it passes the limit, so no more
than the limit is ever held in memory. Both answers are 413 in the shared error shape.
"""

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.common.error_handlers import error_response


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, path_prefix: str, max_bytes: int) -> None:
        self.app = app
        self.path_prefix = path_prefix
        self.max_bytes = max_bytes

    @property
    def message(self) -> str:
        return f"The request body is larger than {self.max_bytes} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path_prefix):
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response = error_response(413, "payload_too_large", self.message)
            await response(scope, receive, send)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # FastAPI re-raises HTTPExceptions from body reading; the handler renders it.
                    raise HTTPException(413, self.message)
            return message

        await self.app(scope, counting_receive, send)
