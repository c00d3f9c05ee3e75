"""Real processes for the tests that need them — `fastapi-app serve`, Alertmanager — on free
loopback ports, waited for with bounded polls, and always stopped."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

T = TypeVar("T")
WAIT_SECONDS = 30
CLI = [sys.executable, "-m", "app"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Process:
    name: str
    popen: "subprocess.Popen[bytes]"
    log: Path

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace").splitlines()[-lines:]
        return f"--- last lines of {self.name} ---\n" + "\n".join(text)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


def start(name: str, args: list[str], env: dict[str, str], cwd: Path) -> Process:
    log = cwd / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    return Process(name, popen, log)


def wait_until(what: str, check: Callable[[], T | None], *processes: Process) -> T:
    """Poll `check` until it returns something truthy, for at most WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        for process in processes:
            if process.popen.poll() is not None:
                pytest.fail(f"{process.name} exited while waiting for {what}\n{process.tail()}")
        result = check()
        if result:
            return result
        time.sleep(0.2)
    logs = "\n".join(process.tail() for process in processes)
    pytest.fail(f"gave up after {WAIT_SECONDS}s waiting for {what}\n{logs}")


def responds(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def serve(database_url: str, workdir: Path, **settings: str) -> Iterator[tuple[str, Process]]:
    """`fastapi-app db upgrade`, then `fastapi-app serve` on a free loopback port: its URL."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "SECRET_KEY": "live-server-secret-key-long-enough-for-hs256",
        "VAR_DIR": str(workdir / "var"),
        "LOG_LEVEL": "INFO",
        **settings,
    }
    upgrade = subprocess.run(
        [*CLI, "db", "upgrade"], env=env, cwd=workdir, capture_output=True, text=True
    )
    assert upgrade.returncode == 0, upgrade.stderr
    port = free_port()
    process = start("fastapi-app", [*CLI, "serve", "--port", str(port)], env, workdir)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until("fastapi-app to be ready", lambda: responds(f"{url}/readyz"), process)
        yield url, process
    finally:
        process.stop()
