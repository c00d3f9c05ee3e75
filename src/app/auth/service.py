"""Users: creation, lookup, authentication and administration."""

from datetime import datetime, timedelta

from pydantic import TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth import security, throttle
from app.auth.models import Role, User
from app.auth.schemas import UserCreate, UserUpdate
from app.common.errors import Conflict, InvalidCredentials, NotFound
from app.common.pagination import decode_cursor, encode_cursor
from app.common.validation import RowId

_USER_KEY = TypeAdapter(tuple[RowId])


class LastAdmin(Conflict):
    code = "last_admin"
    message = "The last active admin cannot be demoted or deactivated."


class EmailTaken(Conflict):
    code = "email_taken"
    message = "A user with this email already exists."


class UserNotFound(NotFound):
    code = "user_not_found"
    message = "User not found."


def get(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise UserNotFound(f"User {user_id} not found.")
    return user


def get_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == email.lower()))


def create(db: Session, data: UserCreate) -> User:
    """Create a user; a taken email is a 409 even when two requests race for it."""
    email = data.email.lower()
    if get_by_email(db, email) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        full_name=data.full_name,
        hashed_password=security.hash_password(data.password),
        role=data.role,
    )
    db.add(user)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError as exc:
        raise EmailTaken() from exc
    return user


def authenticate(db: Session, email: str, password: str) -> User:
    """The active user with these credentials; one answer for unknown email and wrong password."""
    user = get_by_email(db, email)
    password_ok = security.verify_password(password, user.hashed_password if user else None)
    if user is None or not password_ok or not user.is_active:
        raise InvalidCredentials()
    return user


def login(
    db: Session,
    email: str,
    password: str,
    *,
    client: str,
    limits: throttle.LoginLimits,
    now: datetime,
) -> User | None:
    """The user these credentials belong to; None after counting a failure (commit it!).

    Raises 429 while the account or the client is throttled, before checking the password.
    """
    throttle.check(db, email, client, limits=limits, now=now)
    try:
        user = authenticate(db, email, password)
    except InvalidCredentials:
        throttle.record_failure(db, email, client, limits=limits, now=now)
        return None
    throttle.clear_account(db, email)
    return user


def issue_access_token(user: User, *, key: str, ttl: timedelta) -> str:
    return security.create_access_token(user.id, key=key, ttl=ttl)


def list_page(db: Session, *, limit: int, cursor: str | None) -> tuple[list[User], str | None]:
    query = select(User).order_by(User.id).limit(limit + 1)
    if cursor is not None:
        (after_id,) = decode_cursor(cursor, _USER_KEY)
        query = query.where(User.id > after_id)
    users = list(db.scalars(query))
    next_cursor = encode_cursor([users[limit - 1].id]) if len(users) > limit else None
    return users[:limit], next_cursor


def update(db: Session, user: User, data: UserUpdate) -> User:
    """Change a user's name, role or active flag; the last active admin always stays one."""
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    stops_being_admin = changes.get("role", Role.admin) != Role.admin or not changes.get(
        "is_active", True
    )
    is_active_admin = user.role == Role.admin and user.is_active
    if is_active_admin and stops_being_admin and _count_active_admins(db) <= 1:
        raise LastAdmin()
    for field, value in changes.items():
        setattr(user, field, value)
    db.flush()
    return user


def _count_active_admins(db: Session) -> int:
    active_admins = select(func.count()).where(User.role == Role.admin, User.is_active)
    return db.scalar(active_admins) or 0
