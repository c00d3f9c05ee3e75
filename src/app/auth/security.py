"""Password hashing (argon2 via pwdlib), access tokens (JWT via PyJWT, HS256 pinned) and the
secrets of API tokens."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.common.params import MAX_ID

JWT_ALGORITHM = "HS256"
# API tokens start with this, so the bearer check can tell them from JWTs (which start "eyJ").
API_TOKEN_PREFIX = "fa_"  # noqa: S105 - a marker, not a secret
API_TOKEN_SHOWN_CHARS = 10

password_hash = PasswordHash((Argon2Hasher(),))
# Verified against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = password_hash.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return password_hash.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    if hashed is None:
        password_hash.verify(password, _DUMMY_HASH)
        return False
    return password_hash.verify(password, hashed)


def create_access_token(user_id: int, *, key: str, ttl: timedelta) -> str:
    now = datetime.now(UTC)
    claims = {"sub": str(user_id), "iat": now, "exp": now + ttl}
    return jwt.encode(claims, key, algorithm=JWT_ALGORITHM)


def read_access_token(token: str, *, key: str) -> int | None:
    """The user id a valid, unexpired token was issued for; None for anything else."""
    try:
        claims = jwt.decode(
            token, key, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "iat", "sub"]}
        )
        user_id = int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError):
        return None
    return user_id if 0 < user_id <= MAX_ID else None


def new_api_token() -> str:
    """A fresh API token secret: 256 random bits behind a recognisable prefix."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def is_api_token(token: str) -> bool:
    return token.startswith(API_TOKEN_PREFIX)


def hash_api_token(token: str) -> str:
    """SHA-256, not argon2: the secret is random (nothing to guess) and checked on every call."""
    return hashlib.sha256(token.encode()).hexdigest()
