"""API tokens: machine credentials with scopes, created, listed, revoked and checked per request."""

from datetime import datetime, timedelta

from pydantic import TypeAdapter
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload

from app.auth import security
from app.auth.models import ApiToken, Role, Scope, User
from app.auth.schemas import ApiTokenCreate
from app.common.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from app.common.pagination import decode_cursor, encode_cursor
from app.common.validation import RowId
from app.core.db_base import utcnow

# last_used_at is a hint for people, not an audit log: one write a minute per token is enough.
USE_RECORDING_INTERVAL = timedelta(minutes=1)
_TOKEN_KEY = TypeAdapter(tuple[RowId])


class ApiTokenNotFound(NotFound):
    code = "api_token_not_found"
    message = "API token not found."


class InvalidApiToken(NotAuthenticated):
    code = "invalid_api_token"
    message = "Unknown or revoked API token."


class MissingScope(PermissionDenied):
    code = "missing_scope"


def create(db: Session, data: ApiTokenCreate, *, default_owner: User) -> tuple[ApiToken, str]:
    """A new token acting as its owner (`default_owner` unless named) and its secret, which exists
    in clear only in this return value."""
    owner = default_owner if data.owner_id is None else db.get(User, data.owner_id)
    if owner is None or not owner.is_active:
        raise InvalidInput(
            f"User {data.owner_id} does not exist or is deactivated.",
            details=[{"loc": ["body", "owner_id"], "msg": "unknown user", "type": "user"}],
        )
    if owner.role == Role.viewer and any(scope.writes for scope in data.scopes):
        raise InvalidInput(f"User {owner.email} is a viewer; a viewer's token can only read.")
    secret = security.new_api_token()
    token = ApiToken(
        owner_id=owner.id,
        owner=owner,
        name=data.name,
        token_hash=security.hash_api_token(secret),
        prefix=secret[: security.API_TOKEN_SHOWN_CHARS],
        scopes=[str(scope) for scope in data.scopes],
    )
    db.add(token)
    db.flush()
    return token, secret


def get(db: Session, token_id: int) -> ApiToken:
    token = db.get(ApiToken, token_id, options=[joinedload(ApiToken.owner)])
    if token is None:
        raise ApiTokenNotFound(f"API token {token_id} not found.")
    return token


def list_page(db: Session, *, limit: int, cursor: str | None) -> tuple[list[ApiToken], str | None]:
    """All tokens, revoked ones too, oldest first."""
    query = select(ApiToken).options(joinedload(ApiToken.owner)).order_by(ApiToken.id)
    if cursor is not None:
        (after_id,) = decode_cursor(cursor, _TOKEN_KEY)
        query = query.where(ApiToken.id > after_id)
    tokens = list(db.scalars(query.limit(limit + 1)))
    next_cursor = encode_cursor([tokens[limit - 1].id]) if len(tokens) > limit else None
    return tokens[:limit], next_cursor


def revoke(db: Session, token: ApiToken) -> ApiToken:
    """Stop the token working at once; revoking a revoked token keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.flush()
    return token


def authenticate(db: Session, secret: str, scope: Scope) -> ApiToken:
    """The live token with this secret and `scope`, its owner loaded; 401 or 403 otherwise."""
    token = db.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == security.hash_api_token(secret))
        .options(joinedload(ApiToken.owner))
    )
    if token is None or token.revoked_at is not None or not token.owner.is_active:
        raise InvalidApiToken()
    if scope not in token.scopes:
        raise MissingScope(f"This API token lacks the `{scope}` scope.")
    if scope.writes and token.owner.role == Role.viewer:
        raise MissingScope("This API token's owner is a viewer, who can't write.")
    return token


def use_is_due(token: ApiToken, now: datetime) -> bool:
    return token.last_used_at is None or now - token.last_used_at >= USE_RECORDING_INTERVAL


def record_use(db: Session, token_id: int, now: datetime) -> None:
    """Stamp `last_used_at`, unless another request of the last minute already did."""
    db.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at <= now - USE_RECORDING_INTERVAL,
            ),
        )
        .values(last_used_at=now)
    )
