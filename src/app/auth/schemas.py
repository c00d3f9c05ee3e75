"""Request and response bodies of the auth domain."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.auth.models import Role
from app.common.pagination import Page
from app.common.schemas import ORMModel
from app.common.validation import InputModel

Email = Annotated[EmailStr, AfterValidator(str.lower), Field(examples=["ada@example.com"])]
FullName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(examples=["Ada Lovelace"]),
]
# The upper bound keeps argon2 hashing from being used to burn server CPU.
PASSWORD_MIN, PASSWORD_MAX = 8, 128
Password = Annotated[
    str,
    Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX, examples=["correct horse battery"]),
]


class LoginForm(InputModel):
    """The OAuth2 password form; other OAuth2 fields (scope, client_id) are accepted and ignored."""

    model_config = ConfigDict(extra="ignore")

    username: str = Field(
        min_length=1, max_length=320, description="Your email.", examples=["ada@example.com"]
    )
    # Any length up to the cap: a password set under older rules must still be able to log in.
    password: str = Field(min_length=1, max_length=PASSWORD_MAX, examples=["correct horse battery"])
    grant_type: Literal["password"] | None = Field(default=None, description="OAuth2 grant type.")


class UserRegister(InputModel):
    email: Email
    full_name: FullName
    password: Password


class UserCreate(UserRegister):
    role: Role = Role.member


class UserUpdate(InputModel):
    full_name: FullName | None = None
    role: Role | None = None
    is_active: bool | None = Field(default=None, examples=[False])


class UserRead(ORMModel):
    id: int = Field(examples=[7])
    email: str = Field(examples=["ada@example.com"])
    full_name: str = Field(examples=["Ada Lovelace"])
    role: Role
    is_active: bool = Field(examples=[True])
    created_at: datetime = Field(examples=["2026-12-03T14:02:00Z"])
    updated_at: datetime = Field(examples=["2026-12-03T14:02:00Z"])


class UserPage(Page[UserRead]):
    """One page of users."""


class UserSummary(ORMModel):
    """A user as other users see them."""

    id: int = Field(examples=[7])
    email: str = Field(examples=["ada@example.com"])
    full_name: str = Field(examples=["Ada Lovelace"])


class AccessToken(BaseModel):
    access_token: str = Field(examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."])
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the token expires.", examples=[1800])
