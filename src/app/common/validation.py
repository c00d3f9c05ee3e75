"""Checks every input passes, whatever schema it comes in: text that PostgreSQL and SQLite both
store the same way, ids in the database's range, and date-times that are ISO 8601 with a zone.

Without them the same request could be stored on SQLite and be a 500 on PostgreSQL (a NUL
character), or be a 500 on both (a lone surrogate that can't be encoded, a time that overflows
when converted to UTC, an id past the INTEGER range).
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from app.common.params import MAX_ID


def clean_text(value: str) -> str:
    """`value`, if both databases can store it unchanged; a validation error otherwise."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL (\\u0000) characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no unpaired surrogates)") from None
    return value


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _clean(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _clean(key)
            _clean(item)
    return value


class InputModel(BaseModel):
    """The base of every request body and query model: unknown fields are refused, and every
    string in it, however deeply nested, is text both databases store (see `clean_text`)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_storable(cls, value: Any) -> Any:
        return _clean(value)


class ExternalInputModel(InputModel):
    """An `InputModel` for payloads another program sends (Alertmanager's webhook): fields it
    may add in later versions are ignored, not refused; the text checks still apply."""

    model_config = ConfigDict(extra="ignore")


_ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]")


def _iso_8601_only(value: object) -> object:
    """Refuse numbers and number-like text, which pydantic would read as Unix times (`0`, "1.5")."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE_TIME.match(value):
        raise ValueError("use an ISO 8601 date-time with a time zone, like 2026-12-03T14:02:00Z")
    return value


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the date-time is out of range once converted to UTC") from None


CleanText = Annotated[str, AfterValidator(clean_text)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_8601_only), AfterValidator(_to_utc)]
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
