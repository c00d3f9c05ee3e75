"""Events delivered per second by one and by two `fastapi-app worker` processes on PostgreSQL.

Creates N incidents (so N incident.created events) in one transaction, starts the workers with
the webhook plugin pointed at bench/receiver.py, and times until every delivery is done.
Run by hand, from the project root, against a database used for nothing else:

    .venv/bin/python bench/worker_throughput.py postgresql+psycopg://postgres@127.0.0.1/bench
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

from app.auth.models import User
from app.core.db import Database
from app.incident import service
from app.incident.schemas import IncidentCreate
from app.plugins.models import DeliveryStatus, PluginDelivery

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"  # the receiver checks every signature with it
BIN = Path(sys.executable).parent


def reset(url: str) -> Database:
    database = Database.from_url(url)
    with database.unit_of_work() as db:
        db.execute(text("DROP SCHEMA public CASCADE"))
        db.execute(text("CREATE SCHEMA public"))
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [str(BIN / "fastapi-app"), "db", "upgrade"], env=env, check=True, capture_output=True
    )
    return database


def seed(database: Database, events: int) -> None:
    with database.unit_of_work() as db:
        user = User(email="bench@example.com", full_name="Bench", hashed_password="-")
        db.add(user)
        db.flush()
        for n in range(events):
            service.create(db, IncidentCreate(title=f"bench {n}"), reporter=user)


def done(database: Database) -> int:
    with database.unit_of_work(write=False) as db:
        query = select(func.count()).where(PluginDelivery.status == DeliveryStatus.done)
        return db.scalar(query) or 0


def run(url: str, workers: int, events: int, receiver_port: int) -> float:
    database = reset(url)
    seed(database, events)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
        "PLUGINS_ENABLED": "webhook",
        "WEBHOOK_URLS": f"http://127.0.0.1:{receiver_port}/hooks",
        "WEBHOOK_SECRET": SECRET,
        "DISPATCHER_POLL_SECONDS": "0.1",
    }
    processes = [
        subprocess.Popen([str(BIN / "fastapi-app"), "worker"], env=env) for _ in range(workers)
    ]
    try:
        # Start the clock at the first delivery, so process start-up is not counted.
        while done(database) == 0:
            time.sleep(0.01)
        started = time.perf_counter()
        first = done(database)
        while done(database) < events:
            time.sleep(0.05)
        return (events - first) / (time.perf_counter() - started)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--receiver-port", type=int, default=9100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    receiver = subprocess.Popen(
        [
            *(sys.executable, str(ROOT / "bench" / "receiver.py")),
            *("--port", str(args.receiver_port), "--secret", SECRET),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    try:
        time.sleep(1.5)
        for workers in args.workers:
            rate = run(args.database_url, workers, args.events, args.receiver_port)
            print(f"{workers} worker(s): {rate:.0f} events/s delivered ({args.events} events)")
        stats = httpx.get(f"http://127.0.0.1:{args.receiver_port}/stats").json()
        print(f"receiver: {stats}")
    finally:
        receiver.terminate()
        receiver.wait(10)


if __name__ == "__main__":
    main()
