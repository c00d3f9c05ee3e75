"""Domain errors. Each carries its HTTP status and a stable machine-readable code; services raise
them without knowing about HTTP, and one handler renders them (see `common.error_handlers`)."""

from typing import Any


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.message
        self.details = details or []
        self.headers = headers
        super().__init__(self.message)


class NotAuthenticated(AppError):
    status_code, code = 401, "not_authenticated"
    message = "Missing, invalid or expired credentials."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    message = "Incorrect email or password."


class PermissionDenied(AppError):
    status_code, code = 403, "permission_denied"
    message = "You are not allowed to do this."


class NotFound(AppError):
    status_code, code = 404, "not_found"
    message = "Not found."


class Conflict(AppError):
    status_code, code = 409, "conflict"
    message = "The request conflicts with the current state."


class StaleVersion(AppError):
    status_code, code = 412, "stale_version"
    message = "The resource changed since you read it."


class InvalidInput(AppError):
    """Input that passed schema validation but is still wrong (a bad cursor, an unknown sort)."""

    status_code, code = 422, "invalid_input"
    message = "Invalid input."


class PayloadTooLarge(AppError):
    status_code, code = 413, "payload_too_large"
    message = "The request body is too large."
