"""Login throttling: failed logins are counted per account and per client, in the database, so
every API process behind a load balancer sees the same counts (they keep no state of their own).

A successful login clears its account's failures (the owner has proved who they are) but not its
client's: otherwise someone with one valid account could reset their client's count between
guesses at other people's passwords. While a limit is reached nothing is verified, so a throttled
caller learns nothing, not even whether their next guess was right.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth.models import LoginFailure
from app.common.errors import AppError
from app.core.config import Settings


class TooManyLoginAttempts(AppError):
    status_code, code = 429, "too_many_login_attempts"
    message = "Too many failed logins; wait before trying again."

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed logins; try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


@dataclass(frozen=True)
class LoginLimits:
    per_account: int
    per_client: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> "LoginLimits":
        return cls(
            per_account=settings.LOGIN_FAILURES_PER_ACCOUNT,
            per_client=settings.LOGIN_FAILURES_PER_CLIENT,
            window=timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS),
        )


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _keys(email: str, client: str) -> tuple[str, str]:
    return _key("account", email.strip().lower()), _key("client", client)


def check(db: Session, email: str, client: str, *, limits: LoginLimits, now: datetime) -> None:
    """Raise 429 (with the seconds to wait) while the account or the client is at its limit."""
    account_key, client_key = _keys(email, client)
    waits = [
        _seconds_until_below(db, account_key, limits.per_account, limits.window, now),
        _seconds_until_below(db, client_key, limits.per_client, limits.window, now),
    ]
    if any(waits):
        raise TooManyLoginAttempts(max(waits))


def _seconds_until_below(
    db: Session, key: str, limit: int, window: timedelta, now: datetime
) -> int:
    """0 if `key` has fewer than `limit` failures in the window, else the seconds until it has."""
    recent = (
        select(LoginFailure.failed_at)
        .where(LoginFailure.key == key, LoginFailure.failed_at > now - window)
        .order_by(LoginFailure.failed_at.desc())
        .limit(limit)
    )
    times = list(db.scalars(recent))
    if len(times) < limit:
        return 0
    return max(1, math.ceil((times[-1] + window - now).total_seconds()))


def record_failure(
    db: Session, email: str, client: str, *, limits: LoginLimits, now: datetime
) -> None:
    """Count a failed login against its account and its client, and forget expired failures."""
    db.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - limits.window))
    db.add_all(LoginFailure(key=key, failed_at=now) for key in _keys(email, client))
    db.flush()


def clear_account(db: Session, email: str) -> None:
    """Forget an account's failures after its owner logged in."""
    account_key, _ = _keys(email, "")
    db.execute(delete(LoginFailure).where(LoginFailure.key == account_key))
