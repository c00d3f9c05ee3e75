"""CORS for browser front ends on other origins, allowed only for the origins in settings.

A refused preflight answers in the shared error shape, like every other error of the API.
"""

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp

from app.common.error_handlers import error_response

# Headers a browser script may read from responses: versions, throttling, request ids.
EXPOSED_HEADERS = ["ETag", "Retry-After", "X-Request-ID"]


class CORS(CORSMiddleware):
    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "X-Request-ID"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = error_response(400, "cors_refused", f"{bytes(response.body).decode()}.")
        if "vary" in response.headers:
            refused.headers["vary"] = response.headers["vary"]
        return refused
