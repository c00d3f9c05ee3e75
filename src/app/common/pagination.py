"""Keyset (cursor) pagination: an opaque cursor holds the sort key of the last item returned."""

import base64
import binascii
import json
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from app.common.errors import InvalidInput

T = TypeVar("T")
K = TypeVar("K")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page.",
        examples=["WyIyMDI2LTEyLTAzVDE5OjAwOjAwKzAwOjAwIiwgNDJd"],
    )


def encode_cursor(key: Any) -> str:
    """An opaque, URL-safe token for `key` (any JSON-able value; datetimes become ISO text)."""
    raw = json.dumps(key, separators=(",", ":"), default=_iso).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def decode_cursor(cursor: str, key: TypeAdapter[K]) -> K:
    """The sort key in a cursor, or a 422 if it was not made by `encode_cursor` for this sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return key.validate_python(json.loads(raw))
    except (binascii.Error, ValueError, UnicodeDecodeError, ValidationError):
        raise InvalidInput(
            "The cursor is not valid for this query.",
            details=[{"loc": ["query", "cursor"], "msg": "invalid cursor", "type": "cursor"}],
        ) from None
