"""Login, self, registration and user administration."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, status

from app.auth import service
from app.auth.dependencies import AdminUser, ClientAddress, CurrentUser
from app.auth.models import User
from app.auth.schemas import (
    AccessToken,
    LoginForm,
    UserCreate,
    UserPage,
    UserRead,
    UserRegister,
    UserUpdate,
)
from app.auth.throttle import LoginLimits
from app.common.error_handlers import errors
from app.common.errors import InvalidCredentials, PermissionDenied
from app.common.params import Cursor, Limit, id_path
from app.core.db_base import utcnow
from app.core.dependencies import AppDatabase, AppSettings, DbSession

UserId = Annotated[int, id_path("user")]

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/login", summary="Log in", response_model=AccessToken, responses=errors(401, 422, 429)
)
def login(
    form: Annotated[LoginForm, Form()],
    database: AppDatabase,
    settings: AppSettings,
    client: ClientAddress,
) -> AccessToken:
    """Exchange email (`username`) and password for a short-lived bearer token.

    Repeated failures for one account or from one client are throttled with 429. A failure is
    counted in its own unit of work, committed before the 401 goes out.
    """
    limits = LoginLimits.from_settings(settings)
    with database.unit_of_work() as db:
        user = service.login(
            db, form.username, form.password, client=client, limits=limits, now=utcnow()
        )
    if user is None:
        raise InvalidCredentials()
    ttl = timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    token = service.issue_access_token(user, key=settings.signing_key, ttl=ttl)
    return AccessToken(access_token=token, expires_in=int(ttl.total_seconds()))


@router.post(
    "/register",
    summary="Sign up",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 409, 422),
)
def register(data: UserRegister, db: DbSession, settings: AppSettings) -> User:
    """Self-service sign-up as a member; off unless `REGISTRATION_ENABLED=true`."""
    if not settings.REGISTRATION_ENABLED:
        raise PermissionDenied("Registration is disabled; ask an admin for an account.")
    return service.create(db, UserCreate(**data.model_dump()))


@router.get("/me", summary="Read my account", response_model=UserRead, responses=errors(401))
def read_me(user: CurrentUser) -> User:
    """The user the bearer token belongs to."""
    return user


@router.get(
    "/users", summary="List users", response_model=UserPage, responses=errors(401, 403, 422)
)
def list_users(_: AdminUser, db: DbSession, limit: Limit = 50, cursor: Cursor = None) -> UserPage:
    """All users, oldest first (admin only)."""
    users, next_cursor = service.list_page(db, limit=limit, cursor=cursor)
    return UserPage(items=[UserRead.model_validate(u) for u in users], next_cursor=next_cursor)


@router.post(
    "/users",
    summary="Create a user",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 409, 422),
)
def create_user(data: UserCreate, _: AdminUser, db: DbSession) -> User:
    """Create a user with any role (admin only)."""
    return service.create(db, data)


@router.get(
    "/users/{user_id}",
    summary="Read a user",
    response_model=UserRead,
    responses=errors(401, 403, 404),
)
def read_user(user_id: UserId, _: AdminUser, db: DbSession) -> User:
    """One user (admin only)."""
    return service.get(db, user_id)


@router.patch(
    "/users/{user_id}",
    summary="Update a user",
    response_model=UserRead,
    responses=errors(401, 403, 404, 409, 422),
)
def update_user(user_id: UserId, data: UserUpdate, _: AdminUser, db: DbSession) -> User:
    """Rename, change the role of, deactivate or reactivate a user (admin only)."""
    return service.update(db, service.get(db, user_id), data)
