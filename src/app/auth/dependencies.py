"""Who is calling: the bearer token resolved to an active user, and role and scope gates.

A bearer is either a user's access token (JWT) or an API token (`fa_...`). Routes take users
unless they say otherwise with `require_scope(...)`; an API token anywhere else is a 403, so a
token made for Alertmanager can't list users or report incidents by hand.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.auth import api_tokens, security
from app.auth.models import Role, Scope, User
from app.common.errors import NotAuthenticated, PermissionDenied
from app.core.config import Settings
from app.core.db_base import utcnow
from app.core.dependencies import AppSettings, DbSession, Run, run_in_unit_of_work

logger = logging.getLogger(__name__)

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)
Bearer = Annotated[str | None, Depends(oauth2_scheme)]


class ApiTokenNotAccepted(PermissionDenied):
    code = "api_token_not_accepted"
    message = "This route does not accept API tokens; sign in as a user."


def _require_bearer(token: str | None) -> str:
    if not token:
        raise NotAuthenticated("Not authenticated: send `Authorization: Bearer <token>`.")
    return token


def _user_of_access_token(db: Session, settings: Settings, token: str) -> User:
    user_id = security.read_access_token(token, key=settings.signing_key)
    user = db.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        raise NotAuthenticated()
    return user


async def get_current_user(db: DbSession, run: Run, settings: AppSettings, token: Bearer) -> User:
    token = _require_bearer(token)
    if security.is_api_token(token):
        raise ApiTokenNotAccepted()
    return await run(_user_of_access_token, db, settings, token)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def _record_token_use(request: Request, token_id: int, now: datetime) -> None:
    """Runs after the response, in its own short unit of work, so GETs stay read-only."""
    try:
        await run_in_unit_of_work(request, lambda db: api_tokens.record_use(db, token_id, now))
    except SQLAlchemyError:
        logger.warning("could not record the use of API token %s", token_id, exc_info=True)


def require_scope(scope: Scope, *, users_too: bool = False) -> Callable[..., Awaitable[User]]:
    """A dependency: the owner of the calling API token, which must have `scope`.

    With `users_too`, a signed-in user (access token) is let in as well.
    """

    async def caller(
        db: DbSession,
        run: Run,
        settings: AppSettings,
        request: Request,
        background: BackgroundTasks,
        token: Bearer,
    ) -> User:
        token = _require_bearer(token)
        if not security.is_api_token(token):
            if users_too:
                return await run(_user_of_access_token, db, settings, token)
            raise PermissionDenied(f"This route needs an API token with the `{scope}` scope.")
        api_token = await run(api_tokens.authenticate, db, token, scope)
        now = utcnow()
        if api_tokens.use_is_due(api_token, now):
            background.add_task(_record_token_use, request, api_token.id, now)
        return api_token.owner

    return caller


async def require_admin(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise PermissionDenied("Only admins can do this.")
    return user


async def require_writer(user: CurrentUser) -> User:
    """Members and admins; viewers only read."""
    if user.role == Role.viewer:
        raise PermissionDenied("Viewers have read-only access.")
    return user


AdminUser = Annotated[User, Depends(require_admin)]
WriterUser = Annotated[User, Depends(require_writer)]


async def client_address(request: Request) -> str:
    """The caller's address, as the server saw it (behind a proxy: see FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
