"""Who is calling: the bearer token resolved to an active user, and role gates."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from app.auth import security
from app.auth.models import Role, User
from app.common.errors import NotAuthenticated, PermissionDenied
from app.core.dependencies import AppSettings, DbSession

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)


def get_current_user(
    db: DbSession, settings: AppSettings, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    if not token:
        raise NotAuthenticated("Not authenticated: send `Authorization: Bearer <token>`.")
    user_id = security.read_access_token(token, key=settings.signing_key)
    user = db.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        raise NotAuthenticated()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_admin(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise PermissionDenied("Only admins can do this.")
    return user


def require_writer(user: CurrentUser) -> User:
    """Members and admins; viewers only read."""
    if user.role == Role.viewer:
        raise PermissionDenied("Viewers have read-only access.")
    return user


AdminUser = Annotated[User, Depends(require_admin)]
WriterUser = Annotated[User, Depends(require_writer)]


def client_address(request: Request) -> str:
    """The caller's address, as the server saw it (behind a proxy: see FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
