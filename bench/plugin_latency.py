"""Latency of incident creation with 0 and with 3 enabled plugins, against the real server.

For each configuration: start `fastapi-app serve` on a fresh SQLite database (in-process
dispatcher on, plugins pointed at bench/receiver.py), create N incidents one after another over
HTTP, and print median and p99. Run by hand, from the project root:

    .venv/bin/python bench/plugin_latency.py --requests 500
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "bench-password-1"
SECRET = "bench-secret"


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def measure(plugins: str, requests: int, receiver_port: int, port: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "VAR_DIR": tmp,
            "LOG_LEVEL": "WARNING",
            "PLUGINS_ENABLED": plugins,
            "WEBHOOK_URLS": f"http://127.0.0.1:{receiver_port}/hooks",
            "WEBHOOK_SECRET": SECRET,
            "SLACK_WEBHOOK_URL": f"http://127.0.0.1:{receiver_port}/slack",
        }
        cli = str(BIN / "fastapi-app")
        subprocess.run([cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        create_admin = [cli, "user", "create", "--email", "bench@example.com"]
        create_admin += ["--full-name", "Bench", "--role", "admin", "--password-stdin"]
        subprocess.run(create_admin, env=env, input=PASSWORD + "\n", text=True, check=True)
        server = subprocess.Popen([cli, "serve", "--port", str(port)], env=env, cwd=tmp)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz")
            with httpx.Client(base_url=base) as client:
                form = {"username": "bench@example.com", "password": PASSWORD}
                token = client.post("/api/auth/login", data=form).json()["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
                timings = []
                for n in range(requests):
                    started = time.perf_counter()
                    body = {"title": f"bench {n}", "severity": "high"}
                    response = client.post("/api/incidents", json=body, headers=headers)
                    timings.append(time.perf_counter() - started)
                    assert response.status_code == 201, response.text
                time.sleep(2)  # let the dispatcher catch up before the server stops
                return timings
        finally:
            server.terminate()
            server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--receiver-port", type=int, default=9100)
    args = parser.parse_args()
    receiver = subprocess.Popen(
        [
            *(sys.executable, str(ROOT / "bench" / "receiver.py")),
            *("--port", str(args.receiver_port), "--secret", SECRET),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    try:
        wait_for(f"http://127.0.0.1:{args.receiver_port}/stats")
        for plugins in ("", "log,webhook,slack"):
            timings = sorted(measure(plugins, args.requests, args.receiver_port, args.port))
            median = statistics.median(timings) * 1000
            p99 = timings[int(len(timings) * 0.99) - 1] * 1000
            label = plugins or "no plugins"
            print(f"{label:>20}: n={len(timings)} median={median:.1f} ms p99={p99:.1f} ms")
        stats = httpx.get(f"http://127.0.0.1:{args.receiver_port}/stats").json()
        print(f"receiver: {stats}")
    finally:
        receiver.terminate()
        receiver.wait(10)


if __name__ == "__main__":
    main()
