"""Login throttling: repeated failures for one account or from one client get 429 with
`Retry-After`, counted in the database so every API process sees them, and without revealing
which emails exist."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.auth import security, throttle
from app.auth.models import LoginFailure, User
from app.core.db import Database
from app.core.db_base import utcnow
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import PASSWORD, assert_error

PER_ACCOUNT, PER_CLIENT, WINDOW = 3, 5, 600


@pytest.fixture
def app(database_url: str, tmp_path: Path, database: Database) -> FastAPI:
    settings = make_settings(
        database_url,
        tmp_path,
        LOGIN_FAILURES_PER_ACCOUNT=PER_ACCOUNT,
        LOGIN_FAILURES_PER_CLIENT=PER_CLIENT,
        LOGIN_FAILURE_WINDOW_SECONDS=WINDOW,
    )
    return create_app(settings, database)


def login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/auth/login", data={"username": email, "password": password})


def fail(client: TestClient, email: str, times: int) -> None:
    for _ in range(times):
        assert_error(login(client, email, "wrong password!"), 401, "invalid_credentials")


def test_repeated_failures_for_one_account_get_429_with_retry_after(
    client: TestClient, member: User
) -> None:
    fail(client, member.email, PER_ACCOUNT)
    throttled = login(client, member.email)  # even the right password is not checked now
    assert_error(throttled, 429, "too_many_login_attempts")
    assert 1 <= int(throttled.headers["Retry-After"]) <= WINDOW
    assert login(client, "someone-else@example.com", "wrong password!").status_code == 401


def test_an_unknown_email_is_throttled_exactly_like_a_real_one(app: FastAPI, member: User) -> None:
    def attempts(email: str, address: str) -> list[tuple[int, dict[str, Any]]]:
        with TestClient(app, client=(address, 50000)) as client:
            answers = [login(client, email, "wrong password!") for _ in range(PER_ACCOUNT + 1)]
        return [(a.status_code, a.json()) for a in answers]

    real = attempts(member.email, "192.0.2.1")
    unknown = attempts("nobody@example.com", "192.0.2.2")
    assert [status for status, _ in real] == [401] * PER_ACCOUNT + [429]
    assert [body for _, body in real[:-1]] == [body for _, body in unknown[:-1]]
    assert real[-1][0] == unknown[-1][0] == 429
    assert real[-1][1]["error"]["code"] == unknown[-1][1]["error"]["code"]


def test_unknown_emails_cost_a_password_verification_too(
    client: TestClient, member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same work, so the same time, whether or not the email exists."""
    calls: list[str] = []
    verify = security.password_hash.verify

    def counting_verify(password: str, hashed: str) -> bool:
        calls.append(hashed)
        return verify(password, hashed)

    monkeypatch.setattr(security.password_hash, "verify", counting_verify)
    login(client, member.email, "wrong password!")
    login(client, "nobody@example.com", "wrong password!")
    assert len(calls) == 2


def test_failures_from_one_client_are_throttled_across_accounts(client: TestClient) -> None:
    for n in range(PER_CLIENT):
        fail(client, f"guess-{n}@example.com", 1)
    assert_error(login(client, "another-guess@example.com"), 429, "too_many_login_attempts")


def test_a_successful_login_clears_the_accounts_failures_but_not_the_clients(
    client: TestClient, member: User
) -> None:
    fail(client, member.email, PER_ACCOUNT - 1)
    assert login(client, member.email).status_code == 200
    fail(client, member.email, PER_ACCOUNT - 1)  # the account starts again from zero...
    assert login(client, member.email).status_code == 200
    # ...but the client has now failed PER_ACCOUNT * 2 - 2 = 4 times; one more reaches 5.
    fail(client, "stranger@example.com", 1)
    assert_error(login(client, member.email), 429)


def test_every_api_process_sees_the_same_failures(
    app: FastAPI, client: TestClient, member: User, database: Database
) -> None:
    """The count lives in the database: API processes behind a load balancer share it."""
    fail(client, member.email, PER_ACCOUNT)
    other_process = create_app(app.state.settings, database)
    with TestClient(other_process) as other_client:
        assert_error(login(other_client, member.email), 429)


def test_failures_leave_the_window_and_are_forgotten(database: Database) -> None:
    limits = throttle.LoginLimits(per_account=2, per_client=100, window=timedelta(minutes=10))
    start = utcnow()
    with database.unit_of_work() as db:
        for minute in (0, 1):
            when = start + timedelta(minutes=minute)
            throttle.record_failure(db, "a@example.com", "10.0.0.1", limits=limits, now=when)
        with pytest.raises(throttle.TooManyLoginAttempts) as raised:
            throttle.check(db, "A@example.com", "10.0.0.9", limits=limits, now=start)
        assert raised.value.headers == {"Retry-After": str(10 * 60)}
        later = start + timedelta(minutes=10, seconds=1)
        throttle.check(db, "a@example.com", "10.0.0.1", limits=limits, now=later)
        # The next failure, of any account, prunes the expired rows of every key.
        much_later = start + timedelta(hours=1)
        throttle.record_failure(db, "b@example.com", "10.0.0.2", limits=limits, now=much_later)
        assert db.scalar(select(func.count()).select_from(LoginFailure)) == 2
