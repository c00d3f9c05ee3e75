"""Alert storm: many Alertmanager groups of many distinct alerts, every notification posted
several times at once, against a real `fastapi-app serve`. Checks that each group opened exactly
one incident and that nothing answered 5xx, and says how long each phase took.

    .venv/bin/python bench/alert_storm.py --database-url sqlite:///var/bench/storm.db
    .venv/bin/python bench/alert_storm.py --reset \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_storm

Phases: `fire` (every group's first notification, each posted --copies times, as retries and
an HA pair of Alertmanagers would), `repeat` (the same again: must change nothing), `resolve`
(every alert resolved: every incident goes stable). The database must be empty: an SQLite file
is replaced, a PostgreSQL database is emptied only with --reset (it drops the public schema).
"""

import argparse
import asyncio
import hashlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from app.auth import api_tokens
from app.auth.models import Role, Scope, User
from app.auth.schemas import ApiTokenCreate
from app.auth.security import hash_password
from app.core.db import Database
from app.incident.models import Incident, Status
from app.signal.models import Alert, AlertGroup

STARTED = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def _alert(group: int, n: int, status: str) -> dict[str, Any]:
    labels = {
        "alertname": "StormErrorRate",
        "service": f"service-{group:02d}",
        "instance": f"pod-{n:04d}",
        "severity": "critical" if n % 10 == 0 else "warning",
    }
    fingerprint = hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
    ends = STARTED + timedelta(minutes=5) if status == "resolved" else None
    return {
        "status": status,
        "labels": labels,
        "annotations": {"summary": f"Error rate above 5% on service-{group:02d}"},
        "startsAt": STARTED.isoformat().replace("+00:00", "Z"),
        "endsAt": ends.isoformat().replace("+00:00", "Z") if ends else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.bench:9090/graph?g0.expr=errors",
        "fingerprint": fingerprint,
    }


def notification(group: int, alerts: int, status: str) -> bytes:
    body = {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="StormErrorRate", service="service-{group:02d}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "fastapi-app",
        "groupLabels": {"alertname": "StormErrorRate", "service": f"service-{group:02d}"},
        "commonLabels": {"alertname": "StormErrorRate", "service": f"service-{group:02d}"},
        "commonAnnotations": {"summary": f"Error rate above 5% on service-{group:02d}"},
        "externalURL": "http://alertmanager.bench:9093",
        "alerts": [_alert(group, n, status) for n in range(alerts)],
    }
    return json.dumps(body).encode()


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    def line(self, alerts_per_request: int) -> str:
        count = len(self.latencies)
        ordered = sorted(self.latencies)
        p50, p95 = statistics.median(ordered), ordered[max(0, int(count * 0.95) - 1)]
        return (
            f"{self.name:8} {count:5} requests in {self.seconds:6.2f} s"
            f"  {count / self.seconds:6.1f} req/s"
            f"  {count * alerts_per_request / self.seconds:7.0f} alerts/s"
            f"  latency p50 {p50 * 1000:5.0f} ms  p95 {p95 * 1000:5.0f} ms"
            f"  max {ordered[-1] * 1000:5.0f} ms  statuses {self.statuses}"
        )


async def storm(url: str, token: str, bodies: list[bytes], concurrency: int, name: str) -> Phase:
    phase = Phase(name)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300) as client:

        async def post(body: bytes) -> None:
            async with gate:
                started = time.perf_counter()
                try:
                    response = await client.post(
                        "/api/signals/alertmanager", content=body, headers=headers
                    )
                    status = str(response.status_code)
                except httpx.TransportError as exc:
                    status = type(exc).__name__
                phase.latencies.append(time.perf_counter() - started)
                phase.statuses[status] = phase.statuses.get(status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(post(body) for body in bodies))
        phase.seconds = time.perf_counter() - started
    return phase


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def prepare(database_url: str, reset: bool, env: dict[str, str]) -> str:
    """Migrate an empty database and make Alertmanager's user and API token; returns the secret."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).unlink(missing_ok=True)
    database = Database.from_url(database_url)
    try:
        with database.unit_of_work() as db:
            tables = set(inspect(db.connection()).get_table_names())
            if tables and not reset:
                sys.exit(f"{url.database} is not empty; pass --reset to empty it (drops data)")
            if tables:
                db.execute(text("DROP SCHEMA public CASCADE"))
                db.execute(text("CREATE SCHEMA public"))
        cli = [sys.executable, "-m", "app"]
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        with database.unit_of_work() as db:
            user = User(
                email="alertmanager@example.com",
                full_name="Alertmanager",
                hashed_password=hash_password(os.urandom(16).hex()),
                role=Role.member,
            )
            db.add(user)
            db.flush()
            data = ApiTokenCreate(name="storm", scopes=[Scope.signals_write])
            _, secret = api_tokens.create(db, data, default_owner=user)
        return secret
    finally:
        database.dispose()


def verify(database_url: str, groups: int, alerts: int) -> list[str]:
    """What is wrong with the outcome (nothing, hopefully)."""
    problems = []
    database = Database.from_url(database_url)
    try:
        with database.unit_of_work(write=False) as db:
            incidents = db.scalar(select(func.count()).select_from(Incident))
            group_rows = db.scalar(select(func.count()).select_from(AlertGroup))
            distinct = db.scalar(select(func.count(func.distinct(AlertGroup.incident_id))))
            alert_rows = db.scalar(select(func.count()).select_from(Alert))
            not_stable = db.scalar(
                select(func.count()).select_from(Incident).where(Incident.status != Status.stable)
            )
    finally:
        database.dispose()
    expected = {
        "incidents": (incidents, groups),
        "groups": (group_rows, groups),
        "incidents of distinct groups": (distinct, groups),
        "alerts": (alert_rows, groups * alerts),
        "incidents not stable after resolve": (not_stable, 0),
    }
    for what, (got, want) in expected.items():
        if got != want:
            problems.append(f"{what}: {got}, expected {want}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--reset", action="store_true", help="empty a PostgreSQL database first")
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--alerts", type=int, default=500, help="distinct alerts per group")
    parser.add_argument("--copies", type=int, default=3, help="times each notification is sent")
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight")
    parser.add_argument("--workers", type=int, default=1, help="`fastapi-app serve --workers`")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="alert-storm-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "ENVIRONMENT": "production",
        "SECRET_KEY": "alert-storm-benchmark-key-not-secret-at-all",
        "VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
    }
    token = prepare(args.database_url, args.reset, env)
    port = _free_port()
    serve = [sys.executable, "-m", "app", "serve", "--port", str(port)]
    log = (workdir / "serve.log").open("wb")
    server = subprocess.Popen(
        [*serve, "--workers", str(args.workers)], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            sys.exit(f"the server did not get ready; see {workdir / 'serve.log'}")

        rng = random.Random(1)
        firing = [notification(g, args.alerts, "firing") for g in range(args.groups)]
        resolved = [notification(g, args.alerts, "resolved") for g in range(args.groups)]
        fire = firing * args.copies
        rng.shuffle(fire)
        resolve = resolved * args.copies
        rng.shuffle(resolve)
        kib = len(firing[0]) / 1024
        print(
            f"{args.groups} groups x {args.alerts} alerts ({kib:.0f} KiB a notification), "
            f"{args.copies} copies each, {args.concurrency} in flight, "
            f"{args.workers} worker(s), {make_url(args.database_url).get_backend_name()}"
        )
        phases = [
            asyncio.run(storm(url, token, fire, args.concurrency, "fire")),
            asyncio.run(storm(url, token, firing, args.concurrency, "repeat")),
            asyncio.run(storm(url, token, resolve, args.concurrency, "resolve")),
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    for phase in phases:
        print(phase.line(args.alerts))
    failures = {s: n for p in phases for s, n in p.statuses.items() if s != "200"}
    problems = verify(args.database_url, args.groups, args.alerts)
    if failures:
        problems.append(f"non-200 answers: {failures} (server log: {workdir / 'serve.log'})")
    total = sum(p.seconds for p in phases)
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print(
        f"OK: {args.groups} incidents for {args.groups} groups, "
        f"{args.groups * args.alerts} alerts, no 5xx; {total:.1f} s in all"
    )


if __name__ == "__main__":
    main()
