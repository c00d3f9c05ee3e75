"""Drive the app in-process: ASGI calls straight into `create_app()`, no HTTP, no wrk.

    .venv/bin/python bench/in_process.py --scenario create --requests 3200 [--clients 16]
        [--incidents 10000] [--profile create.prof]

Seeds a fresh SQLite database in a temporary folder (`db upgrade`, an admin, `demo-data`), runs
the app's lifespan (so the in-server dispatcher delivers the events, as in production), sends
`--requests` requests from `--clients` concurrent clients, and prints CPU time per request, the
latency percentiles, the longest stall of the event loop and the garbage collector's passes.
The app logs to stderr as a server does: send it to a file (`2>app.log`), not to a terminal.

Without sockets and a load generator sharing the 2 cores, the CPU a request costs moves far less
between runs than over HTTP: this is for A/B comparisons of the server's own work and for
profiles (`--profile` writes cProfile stats of the measured requests). `bench/run.py` remains
the benchmark of record.
"""

import argparse
import asyncio
import cProfile
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import uvloop

ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-password-not-a-secret"  # a throwaway local database
Send = Callable[[str, str, bytes, bytes], Awaitable[tuple[int, bytes]]]


def seed(workdir: Path, incidents: int) -> None:
    """A fresh database with an admin and demo incidents, made with the project's own CLI."""
    os.environ.update(
        DATABASE_URL=f"sqlite:///{workdir / 'app.db'}",
        ENVIRONMENT="production",
        SECRET_KEY="bench-" + "k" * 58,
        VAR_DIR=str(workdir / "var"),
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "INFO"),
    )
    cli = str(Path(sys.executable).parent / "fastapi-app")

    def run(*argv: str, stdin: str | None = None) -> None:
        subprocess.run([cli, *argv], input=stdin, text=True, check=True, stdout=subprocess.DEVNULL)

    run("db", "upgrade")
    run(
        "user", "create", "--email", ADMIN_EMAIL, "--full-name", "Bench Admin",
        "--role", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n",
    )  # fmt: skip
    run("demo-data", "--incidents", str(incidents))


def asgi_client(app: Callable[..., Awaitable[None]]) -> Send:
    """One request through the whole ASGI stack (middleware included); (status, body)."""

    async def send_request(method: str, path: str, body: bytes, token: bytes) -> tuple[int, bytes]:
        path, _, query = path.partition("?")
        headers = [(b"host", b"bench"), (b"content-length", str(len(body)).encode())]
        if token:
            headers.append((b"authorization", b"Bearer " + token))
        if body:
            kind = b"application/x-www-form-urlencoded" if not token else b"application/json"
            headers.append((b"content-type", kind))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": query.encode(), "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        request = [{"type": "http.request", "body": body, "more_body": False}]
        status, chunks = 0, list[bytes]()

        async def receive() -> dict[str, Any]:
            if request:
                return request.pop()
            await asyncio.Event().wait()  # the client never disconnects
            raise AssertionError

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        return status, b"".join(chunks)

    return send_request


class GcWatch:
    """The collector's passes while measuring: how many, and how long, per generation."""

    def __init__(self) -> None:
        self.passes: dict[int, list[float]] = defaultdict(list)
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.passes[info["generation"]].append((time.perf_counter() - self._started) * 1000)

    def report(self) -> str:
        return ", ".join(
            f"gen{gen} {len(ms)} x, {sum(ms):.0f} ms in all, longest {max(ms):.1f} ms"
            for gen, ms in sorted(self.passes.items())
        )


async def loop_lag(longest: list[float]) -> None:
    """How late a 1 ms sleep wakes up: the event loop's longest stall."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(0.001)
        longest[0] = max(longest[0], (time.perf_counter() - started) * 1000 - 1)


async def measure(args: argparse.Namespace) -> None:
    from app.main import create_app

    app = create_app()
    send = asgi_client(app)
    async with app.router.lifespan_context(app):
        form = urlencode({"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).encode()
        status, body = await send("POST", "/api/auth/login", form, b"")
        assert status == 200, body
        token = json.loads(body)["access_token"].encode()
        counter = 0

        async def one() -> int:
            nonlocal counter
            if args.scenario == "list":
                return (await send("GET", "/api/incidents?limit=50", b"", token))[0]
            counter += 1
            incident = {
                "title": f"Checkout latency above SLO ({counter})",
                "description": "p99 over 800 ms in eu-west-1 since 14:02 UTC; created by bench.",
                "severity": ("critical", "high", "medium", "low")[counter % 4],
            }
            return (await send("POST", "/api/incidents", json.dumps(incident).encode(), token))[0]

        for _ in range(200):  # warm-up: caches, the dispatcher's first batches
            assert await one() in (200, 201)
        latencies: list[float] = []

        async def client(requests: int) -> None:
            for _ in range(requests):
                started = time.perf_counter()
                status = await one()
                latencies.append((time.perf_counter() - started) * 1000)
                assert status in (200, 201), status

        per_client = args.requests // args.clients
        watch, stall = GcWatch(), [0.0]
        lag = asyncio.create_task(loop_lag(stall))
        profile = cProfile.Profile() if args.profile else None
        gc.callbacks.append(watch)
        cpu, wall = time.process_time(), time.perf_counter()
        if profile:
            profile.enable()
        await asyncio.gather(*(client(per_client) for _ in range(args.clients)))
        if profile:
            profile.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        gc.callbacks.remove(watch)
        lag.cancel()

    done = len(latencies)
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{args.scenario}: {done} requests from {args.clients} clients: "
        f"CPU {cpu / done * 1000:.3f} ms a request ({done / wall:,.0f} req/s); "
        f"latency p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms, max {max(latencies):.1f} ms; "
        f"longest event-loop stall {stall[0]:.1f} ms"
    )
    print(f"garbage collector: {watch.report() or 'no passes'}")
    if profile:
        profile.dump_stats(args.profile)
        print(f"profile: {args.profile}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", choices=("create", "list"), default="create")
    parser.add_argument("--requests", type=int, default=3200)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--incidents", type=int, default=10_000, help="seeded with demo-data")
    parser.add_argument("--profile", help="write cProfile stats of the measured requests here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fastapi-app-in-process-") as workdir:
        seed(Path(workdir), args.incidents)
        uvloop.run(measure(args))


if __name__ == "__main__":
    main()
