"""Login, self, registration, user administration and API tokens."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request, status

from app.auth import api_tokens, service
from app.auth.dependencies import AdminUser, ClientAddress, CurrentUser
from app.auth.models import ApiToken, User
from app.auth.schemas import (
    AccessToken,
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenPage,
    ApiTokenRead,
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
from app.core.dependencies import AppSettings, DbSession, Run, run_in_unit_of_work

UserId = Annotated[int, id_path("user")]
TokenId = Annotated[int, id_path("API token")]

router = APIRouter(prefix="/api/auth", tags=["auth"])
tokens_router = APIRouter(prefix="/api/auth/tokens", tags=["tokens"])


@router.post(
    "/login", summary="Log in", response_model=AccessToken, responses=errors(401, 422, 429)
)
async def login(
    form: Annotated[LoginForm, Form()],
    request: Request,
    settings: AppSettings,
    client: ClientAddress,
) -> AccessToken:
    """Exchange email (`username`) and password for a short-lived bearer token.

    Repeated failures for one account or from one client are throttled with 429. A failure is
    counted in its own unit of work, committed before the 401 goes out.
    """
    limits = LoginLimits.from_settings(settings)
    now = utcnow()
    user = await run_in_unit_of_work(
        request,
        lambda db: service.login(
            db, form.username, form.password, client=client, limits=limits, now=now
        ),
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
    # Plain `def`, like every route that hashes a password: the hash runs in a worker thread.
    if not settings.REGISTRATION_ENABLED:
        raise PermissionDenied("Registration is disabled; ask an admin for an account.")
    return service.create(db, UserCreate(**data.model_dump()))


@router.get("/me", summary="Read my account", response_model=UserRead, responses=errors(401, 403))
async def read_me(user: CurrentUser) -> User:
    """The user the bearer token belongs to."""
    return user


@router.get(
    "/users", summary="List users", response_model=UserPage, responses=errors(401, 403, 422)
)
async def list_users(
    _: AdminUser, db: DbSession, run: Run, limit: Limit = 50, cursor: Cursor = None
) -> UserPage:
    """All users, oldest first (admin only)."""
    users, next_cursor = await run(service.list_page, db, limit=limit, cursor=cursor)
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
async def read_user(user_id: UserId, _: AdminUser, db: DbSession, run: Run) -> User:
    """One user (admin only)."""
    return await run(service.get, db, user_id)


@router.patch(
    "/users/{user_id}",
    summary="Update a user",
    response_model=UserRead,
    responses=errors(401, 403, 404, 409, 422),
)
async def update_user(
    user_id: UserId, data: UserUpdate, _: AdminUser, db: DbSession, run: Run
) -> User:
    """Rename, change the role of, deactivate or reactivate a user (admin only)."""
    return await run(lambda: service.update(db, service.get(db, user_id), data))


@tokens_router.post(
    "",
    summary="Create an API token",
    response_model=ApiTokenCreated,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 422),
)
async def create_token(
    data: ApiTokenCreate, admin: AdminUser, db: DbSession, run: Run
) -> ApiTokenCreated:
    """Create an API token for a machine (admin only); the secret is in this response only."""
    token, secret = await run(api_tokens.create, db, data, default_owner=admin)
    return ApiTokenCreated(**ApiTokenRead.model_validate(token).model_dump(), token=secret)


@tokens_router.get(
    "", summary="List API tokens", response_model=ApiTokenPage, responses=errors(401, 403, 422)
)
async def list_tokens(
    _: AdminUser, db: DbSession, run: Run, limit: Limit = 50, cursor: Cursor = None
) -> ApiTokenPage:
    """All API tokens, revoked ones too, oldest first (admin only); never their secrets."""
    tokens, next_cursor = await run(api_tokens.list_page, db, limit=limit, cursor=cursor)
    return ApiTokenPage(
        items=[ApiTokenRead.model_validate(t) for t in tokens], next_cursor=next_cursor
    )


@tokens_router.get(
    "/{token_id}",
    summary="Read an API token",
    response_model=ApiTokenRead,
    responses=errors(401, 403, 404),
)
async def read_token(token_id: TokenId, _: AdminUser, db: DbSession, run: Run) -> ApiToken:
    """One API token (admin only)."""
    return await run(api_tokens.get, db, token_id)


@tokens_router.delete(
    "/{token_id}",
    summary="Revoke an API token",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 403, 404),
)
async def revoke_token(token_id: TokenId, _: AdminUser, db: DbSession, run: Run) -> None:
    """Revoke an API token (admin only): it stops working at once. Revoking twice is fine."""
    await run(lambda: api_tokens.revoke(db, api_tokens.get(db, token_id)))
