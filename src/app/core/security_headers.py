"""ASGI middleware: the standard security headers on every response, errors and 404s included.

The API answers JSON only, so its Content-Security-Policy allows nothing at all; the interactive
docs (`/docs`, `/redoc`) load FastAPI's Swagger UI and ReDoc from their CDN and run an inline
bootstrap script, so they get a policy that allows exactly that. HSTS is sent only when
configured: it binds browsers to HTTPS for the whole host, a choice for whoever runs the TLS.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_POLICY = (
    "default-src 'none'; "
    "script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "connect-src 'self'; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    def __init__(
        self, app: ASGIApp, *, docs_paths: tuple[str, ...] = (), hsts_max_age: int = 0
    ) -> None:
        self.app = app
        self.docs_paths = docs_paths
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if hsts_max_age > 0:
            hsts = f"max-age={hsts_max_age}; includeSubDomains".encode()
            common.append((b"strict-transport-security", hsts))
        self.api_headers = [*common, (b"content-security-policy", API_POLICY.encode())]
        self.docs_headers = [*common, (b"content-security-policy", DOCS_POLICY.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        is_docs = any(path == p or path.startswith(f"{p}/") for p in self.docs_paths)
        extra = self.docs_headers if is_docs else self.api_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
