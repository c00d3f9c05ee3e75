"""Schemas shared by every domain: the error body and base model settings."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ORMModel(BaseModel):
    """Base for read schemas built from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    loc: list[str | int] | None = Field(default=None, examples=[["body", "title"]])
    msg: str = Field(examples=["String should have at most 200 characters"])
    type: str = Field(examples=["string_too_long"])


class Error(BaseModel):
    code: str = Field(examples=["incident_not_found"])
    message: str = Field(examples=["Incident 42 not found."])
    details: list[ErrorDetail | dict[str, Any]] = []


class ErrorBody(BaseModel):
    """The one shape of every error response."""

    error: Error
