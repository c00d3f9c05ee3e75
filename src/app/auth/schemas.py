"""Request and response bodies of the auth domain."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.auth.models import Role, Scope
from app.common.pagination import Page
from app.common.params import MAX_ID
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


def _unique_scopes(scopes: list[Scope]) -> list[Scope]:
    return sorted(set(scopes))


class ApiTokenCreate(InputModel):
    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
        Field(description="What the token is for.", examples=["alertmanager-prod"]),
    ]
    scopes: Annotated[
        list[Scope],
        Field(min_length=1, max_length=len(Scope), examples=[["signals:write"]]),
        AfterValidator(_unique_scopes),
    ]
    owner_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="The user the token acts as (reporter of what it opens); defaults to you.",
        examples=[3],
    )


class ApiTokenRead(ORMModel):
    id: int = Field(examples=[5])
    name: str = Field(examples=["alertmanager-prod"])
    owner: UserSummary
    scopes: list[str] = Field(examples=[["signals:write"]])
    prefix: str = Field(description="The token's first characters.", examples=["fa_Xk3v9Qa"])
    created_at: datetime = Field(examples=["2026-12-03T14:02:00Z"])
    last_used_at: datetime | None = Field(
        description="Recorded at most once a minute.", examples=["2026-12-03T15:40:00Z"]
    )
    revoked_at: datetime | None = Field(description="Null while it works.", examples=[None])


class ApiTokenCreated(ApiTokenRead):
    token: str = Field(
        description="The secret: shown only in this response; send it as `Bearer` credentials.",
        examples=["fa_Xk3v9QaL0cR2m7PzT8bWd1yHn4sJeU6oGq5iVfA-Zc"],
    )


ApiTokenPage = Page[ApiTokenRead]
