"""Request and response bodies of the auth domain."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.auth.models import Role
from app.common.pagination import Page
from app.common.schemas import ORMModel

Email = Annotated[EmailStr, AfterValidator(str.lower), Field(examples=["ada@example.com"])]
FullName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(examples=["Ada Lovelace"]),
]
# The upper bound keeps argon2 hashing from being used to burn server CPU.
Password = Annotated[str, Field(min_length=8, max_length=128, examples=["correct horse battery"])]


class UserRegister(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    full_name: FullName
    password: Password


class UserCreate(UserRegister):
    role: Role = Role.member


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: FullName | None = None
    role: Role | None = None
    is_active: bool | None = None


class UserRead(ORMModel):
    id: int
    email: str
    full_name: str
    role: Role
    is_active: bool
    created_at: datetime
    updated_at: datetime


UserPage = Page[UserRead]


class UserSummary(ORMModel):
    """A user as other users see them."""

    id: int
    email: str
    full_name: str


class AccessToken(BaseModel):
    access_token: str = Field(examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."])
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the token expires.", examples=[1800])
