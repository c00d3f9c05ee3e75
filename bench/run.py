"""Benchmark fastapi-app with wrk, each scenario as a ratio to a bare-FastAPI ceiling.

For each database: a fresh database, `db upgrade`, seed with `fastapi-app demo-data`, then the
ceiling app and `fastapi-app serve` on free loopback ports, one wrk run per scenario, and one
table at the end.
Run from the repository root: `.venv/bin/python bench/run.py --help`. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WRK_DIR = BENCH_DIR / "wrk"
HOST = "127.0.0.1"
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-password-not-a-secret"  # a throwaway local database
PAGE = 50
DEEP_PAGE = 1000
CLK_TCK = os.sysconf("SC_CLK_TCK")
WRK_HINT = "install wrk: `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk` (macOS)"
APP_COMMAND: list[str] = []  # set from --app-command


# --- scenarios --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One load: a wrk script and the request it sends, and the ceiling it is compared with."""

    key: str
    label: str
    script: str  # in bench/wrk/
    method: str
    path: str  # `{id}`: a random seeded incident; `{cursor}`: the cursor of the deep page
    ceiling: str  # "POST" or "GET-50"
    min_ratio: float | None = None  # target: at least this fraction of the ceiling's req/s
    max_p99_ms: float | None = None
    token: str = "user"  # "user": the admin's JWT; "api": an API token
    probe_body: Callable[[], dict[str, Any]] | None = None


def incident_body() -> dict[str, Any]:
    return {"title": "Bench probe incident", "description": "bench probe", "severity": "low"}


def note_body() -> dict[str, Any]:
    return {"text": "Bench probe note."}


def alertmanager_body(alerts: int = 10) -> dict[str, Any]:
    """An Alertmanager v4 webhook group; the same shape bench/wrk/alertmanager.lua sends."""
    name = f"BenchProbe_{secrets.token_hex(4)}"
    starts_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "fastapi-app",
        "groupLabels": {"alertname": name},
        "commonLabels": {"alertname": name, "service": "checkout", "job": "checkout"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": name,
                    "severity": "critical" if i % 3 == 0 else "warning",
                    "service": "checkout",
                    "instance": f"checkout-{i}:9100",
                    "job": "checkout",
                },
                "annotations": {"summary": f"Checkout p99 latency above 800 ms on checkout-{i}"},
                "startsAt": starts_at,
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph?g0.expr=checkout_p99",
                "fingerprint": f"{secrets.token_hex(7)}{i:02d}",
            }
            for i in range(1, alerts + 1)
        ],
    }


CEILINGS = {
    "POST": Scenario(
        "ceiling-post", "ceiling: POST incident", "create_incident.lua", "POST",
        "/api/incidents", "POST", probe_body=incident_body,
    ),
    "GET-50": Scenario(
        "ceiling-get50", "ceiling: GET 50 incidents", "get.lua", "GET",
        "/api/incidents?limit=50", "GET-50",
    ),
}  # fmt: skip

# Reads first, so they see the seeded dataset; then writes, which grow it.
SCENARIOS = (
    Scenario(
        "list-first", "list first page of 50", "get.lua", "GET",
        "/api/incidents?limit=50", "GET-50", min_ratio=0.12,
    ),
    Scenario(
        "list-deep", "list page 1,000 by cursor", "get.lua", "GET",
        "/api/incidents?limit=50&cursor={cursor}", "GET-50",
    ),
    Scenario(
        "get", "get one incident", "get_by_id.lua", "GET",
        "/api/incidents/{id}", "GET-50",
    ),
    Scenario(
        "timeline", "get incident with timeline (50)", "get_by_id.lua", "GET",
        "/api/incidents/{id}/timeline?limit=50", "GET-50", min_ratio=0.12,
    ),
    Scenario(
        "create", "create incident", "create_incident.lua", "POST",
        "/api/incidents", "POST", min_ratio=0.12, max_p99_ms=60, probe_body=incident_body,
    ),
    Scenario(
        "note", "add a note", "add_note.lua", "POST",
        "/api/incidents/{id}/timeline", "POST", probe_body=note_body,
    ),
    Scenario(
        "alertmanager", "Alertmanager webhook, 10 alerts", "alertmanager.lua", "POST",
        "/api/signals/alertmanager", "POST", token="api", probe_body=alertmanager_body,
    ),
)  # fmt: skip
DEEP_RATIO_LIMIT = 1.3  # page 1,000 at 1M: at most this much slower than page 1 at 10k
RSS_GROWTH_LIMIT = 20.0  # percent, 10k -> 100k requests
COLD_START_LIMIT = 0.4  # seconds, `fastapi-app --help`


# --- results ----------------------------------------------------------------------------------


@dataclass
class Load:
    """What one wrk run measured, with the server's (and PostgreSQL's) CPU over the run."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    error_kinds: dict[str, int]
    cpu_s: float
    db_cpu_s: float | None = None
    other_cores: float | None = None  # CPU used by everything else on the machine, in cores

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_s / self.requests if self.requests else math.nan

    @property
    def db_cpu_ms(self) -> float | None:
        if self.db_cpu_s is None or not self.requests:
            return None
        return 1000 * self.db_cpu_s / self.requests


@dataclass
class Row:
    scenario: str
    db: str
    dataset: str
    key: str = ""
    load: Load | None = None
    ceiling: Load | None = None
    measure: str = ""  # for rows that are not a load: memory, cold start
    target: str = ""
    result: str = ""
    dataset_size: int = 0

    @property
    def ratio(self) -> float | None:
        if self.load is None or self.ceiling is None or not self.ceiling.rps:
            return None
        return self.load.rps / self.ceiling.rps


@dataclass
class Run:
    args: argparse.Namespace
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.notes.append(text)
        log(text)


def log(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# --- processes --------------------------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2 :].split()  # fields from the 3rd on (state, ppid, ...)


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants (uvicorn workers when --workers > 1)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """utime + stime of each process, in seconds, from /proc/<pid>/stat."""
    seconds = {}
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = _stat(pid)
            seconds[pid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return seconds


def cpu_seconds(pids: list[int]) -> float:
    return sum(cpu_by_pid(pids).values())


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two samples by the processes alive at the second (new ones from 0)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy (steal included: the hypervisor took it)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def children_cpu_seconds() -> float:
    """CPU of this script's finished children (wrk, once it has been waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def rss_mb(pids: list[int]) -> float:
    total_kb = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def app_command() -> str:
    """`--app-command`, or the `fastapi-app` next to this interpreter (the venv), or on PATH."""
    if APP_COMMAND:
        return APP_COMMAND[0]
    local = Path(sys.executable).parent / "fastapi-app"
    found = str(local) if local.exists() else shutil.which("fastapi-app")
    if found is None:
        sys.exit("fastapi-app not found: run `make install` and use .venv/bin/python")
    return found


class Server:
    """A server process on a loopback port, ready once GET /readyz answers 200."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.port = int(argv[argv.index("--port") + 1])
        self.base_url = f"http://{HOST}:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        with self.log_path.open("ab") as log_file:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, cwd=self.workdir, stdout=log_file,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return self
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"{self.name} not ready after 60 s:\n{self.log_tail()}")

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self, grace: float = 20) -> None:
        """SIGINT (uvicorn's graceful shutdown), then SIGKILL after `grace` seconds."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def responsive(self, timeout: float = 5) -> bool:
        """GET /healthz answers within `timeout` (a hung server does not)."""
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    @property
    def pids(self) -> list[int]:
        assert self.proc is not None
        return process_tree(self.proc.pid)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def settle(self, timeout: float = 30) -> None:
        """Wait until the server idles (below 5 % of a core), e.g. after background deliveries."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = cpu_seconds(self.pids)
            time.sleep(0.5)
            if cpu_seconds(self.pids) - before < 0.025:
                return


# --- databases --------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str  # "sqlite" | "postgresql"
    url: str
    pg_admin_dsn: str = ""
    pg_name: str = ""

    def backend_pids(self) -> list[int]:
        """PostgreSQL backends serving this database (to count their CPU); none for SQLite."""
        if self.kind != "postgresql":
            return []
        import psycopg

        with psycopg.connect(self.pg_admin_dsn, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                (self.pg_name,),
            ).fetchall()
        return [int(pid) for (pid,) in rows]

    def maintain_after_seeding(self) -> None:
        """PostgreSQL: VACUUM ANALYZE + CHECKPOINT, so autovacuum does not run during the loads."""
        if self.kind != "postgresql":
            return
        import psycopg

        dsn = self.pg_admin_dsn.rsplit("/", 1)[0] + "/" + self.pg_name
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            conn.execute("CHECKPOINT")


@contextlib.contextmanager
def fresh_database(kind: str, workdir: Path, args: argparse.Namespace) -> Iterator[Database]:
    if kind == "sqlite":
        yield Database("sqlite", f"sqlite:///{workdir / 'app.db'}")
        return
    import psycopg

    server = args.pg_server.rstrip("/")
    host = urlsplit(server).hostname or ""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        sys.exit(f"--pg-server must be on loopback, not {host!r}")
    name = args.pg_database
    admin_dsn = f"{server}/postgres"

    def drop() -> None:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{server.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    try:
        yield Database("postgresql", url, pg_admin_dsn=admin_dsn, pg_name=name)
    finally:
        if not args.keep:
            drop()


# --- wrk --------------------------------------------------------------------------------------


def wrk(
    args: argparse.Namespace,
    url: str,
    script: str,
    env: dict[str, str],
    duration: float,
    *,
    done_dir: Path | None = None,
    threads_expected: int = 0,
    watch: Server | None = None,
) -> dict[str, Any]:
    """Run wrk with a script from bench/wrk and return what the script's done() printed.

    With `done_dir`, wrk is interrupted once every thread has left a marker there (the memory
    check counts requests, not seconds), or once `watch` stops answering /healthz.
    """
    threads = min(args.threads, args.connections)
    argv = [
        "wrk", "-t", str(threads), "-c", str(args.connections), "-d", f"{max(1, round(duration))}s",
        "--timeout", f"{args.timeout}s", "-s", script, url,
    ]  # fmt: skip
    proc = subprocess.Popen(
        argv, cwd=WRK_DIR, env={**os.environ, **env}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    if done_dir is not None:
        next_check = time.monotonic() + 5
        while proc.poll() is None:
            hung = False
            if watch is not None and time.monotonic() > next_check:
                hung = not watch.responsive(timeout=10)
                next_check = time.monotonic() + 5
            if hung or len(list(done_dir.iterdir())) >= threads_expected:
                proc.send_signal(signal.SIGINT)
                break
            time.sleep(0.05)
    output, _ = proc.communicate()
    match = re.search(r"^BENCH_RESULT (\{.*\})$", output, re.MULTILINE)
    if proc.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {' '.join(argv)}\n{output}")
    result: dict[str, Any] = json.loads(match.group(1))
    return result


def measure(
    run: Run,
    server: Server,
    database: Database | None,
    script: str,
    url: str,
    env: dict[str, str],
) -> Load:
    """Warm up, wait for the server to idle, then one measured wrk run with CPU accounting."""
    args = run.args
    if args.warmup > 0:
        wrk(args, url, script, {**env, "BENCH_RUN": f"w{secrets.token_hex(3)}"}, args.warmup)
    server.settle()
    cpu_before = cpu_by_pid(server.pids)
    db_before = cpu_by_pid(database.backend_pids() if database else [])
    busy_before, wrk_before, started = machine_busy_seconds(), children_cpu_seconds(), time.time()
    result = wrk(args, url, script, {**env, "BENCH_RUN": secrets.token_hex(3)}, args.duration)
    busy, wall = machine_busy_seconds() - busy_before, time.time() - started
    wrk_cpu = children_cpu_seconds() - wrk_before
    cpu_after = cpu_by_pid(server.pids)
    db_after = cpu_by_pid(database.backend_pids() if database else [])
    server_cpu, db_cpu = cpu_spent(cpu_before, cpu_after), cpu_spent(db_before, db_after)
    kinds = {kind: result[f"{kind}_errors"] for kind in ("connect", "read", "write", "status")}
    kinds["timeout"] = result["timeouts"]
    return Load(
        requests=result["requests"],
        seconds=result["duration_us"] / 1e6,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        errors=sum(kinds.values()),
        error_kinds={k: v for k, v in kinds.items() if v},
        cpu_s=server_cpu,
        db_cpu_s=db_cpu if database and database.kind == "postgresql" else None,
        other_cores=max(0.0, busy - server_cpu - db_cpu - wrk_cpu) / wall,
    )


# --- one database, one dataset ----------------------------------------------------------------


@dataclass
class Block:
    """Everything one (database, dataset) pass needs once its server is up."""

    db: Database
    dataset: str
    size: int
    workdir: Path
    env: dict[str, str]
    server: Server | None = None
    client: httpx.Client | None = None
    token: str = ""
    api_token: str | None = None
    ids_file: Path | None = None
    ids: list[int] = field(default_factory=list)
    deep_cursor: str | None = None
    deep_page: int = 0
    ceiling: Server | None = None
    ceiling_runs: dict[str, list[Load]] = field(default_factory=dict)

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}


def cli(block: Block, *argv: str, stdin: str | None = None, stream: bool = False) -> str:
    """Run `fastapi-app ...` against the block's database; raise with its output on failure."""
    proc = subprocess.run(
        [app_command(), *argv], env=block.env, cwd=block.workdir, input=stdin, text=True,
        stdout=None if stream else subprocess.PIPE, stderr=None if stream else subprocess.STDOUT,
        check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"fastapi-app {' '.join(argv)} failed:\n{proc.stdout or ''}")
    return proc.stdout or ""


def server_env(args: argparse.Namespace, database: Database, workdir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database.url,
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "VAR_DIR": str(workdir / "var"),
        "LOG_LEVEL": args.log_level,
        "ACCESS_TOKEN_EXPIRE_MINUTES": "1440",
    }
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value
    return env


def app_server(args: argparse.Namespace, block: Block) -> Server:
    argv = [app_command(), "serve", "--host", HOST, "--port", str(free_port())]
    return Server("app", [*argv, "--workers", str(args.workers)], block.env, block.workdir)


def ceiling_server(args: argparse.Namespace, block: Block) -> Server:
    argv = [sys.executable, str(BENCH_DIR / "ceiling.py"), "--host", HOST]
    argv += ["--port", str(free_port()), "--workers", str(args.workers)]
    return Server("ceiling", argv, block.env, block.workdir)


def login(client: httpx.Client) -> str:
    response = client.post(
        "/api/auth/login", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def seed(run: Run, block: Block) -> None:
    cli(block, "db", "upgrade")
    cli(
        block, "user", "create", "--email", ADMIN_EMAIL, "--full-name", "Bench Admin",
        "--role", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n",
    )  # fmt: skip
    started = time.monotonic()
    log(f"{block.db.kind}: seeding {block.dataset} incidents with `fastapi-app demo-data`")
    cli(block, "demo-data", "--incidents", str(block.size), "--seed", str(run.args.seed),
        stream=True)  # fmt: skip
    block.db.maintain_after_seeding()
    run.note(
        f"{block.db.kind} {block.dataset}: seeded {block.size:,} incidents with demo-data "
        f"in {time.monotonic() - started:.1f} s"
    )


def collect_fixtures(block: Block) -> None:
    """Walk the cursor to page 1,000 (or the last page) and keep incident ids for {id} paths."""
    assert block.client is not None
    headers = block.auth()
    seen: list[int] = []
    cursor: str | None = None
    page = 0
    started = time.monotonic()
    while page < DEEP_PAGE:
        params: dict[str, Any] = {"limit": PAGE}
        if cursor is not None:
            params["cursor"] = cursor
        body = block.client.get("/api/incidents", params=params, headers=headers).json()
        page += 1
        seen.extend(item["id"] for item in body["items"])
        if page == DEEP_PAGE or body["next_cursor"] is None:
            break
        block.deep_cursor = cursor = body["next_cursor"]
        block.deep_page = page + 1
    log(f"walked {page} pages in {time.monotonic() - started:.1f} s")
    # Ids across the whole table, not only the newest pages: probe random ids up to the largest.
    rng = random.Random(1)
    spread: list[int] = []
    if seen:
        for candidate in rng.sample(range(1, max(seen) + 1), min(300, max(seen))):
            if candidate in spread:
                continue
            response = block.client.get(f"/api/incidents/{candidate}", headers=headers)
            if response.status_code == 200:
                spread.append(candidate)
    block.ids = rng.sample(seen, min(700, len(seen))) + spread
    block.ids_file = block.workdir / "ids.txt"
    block.ids_file.write_text("".join(f"{i}\n" for i in block.ids))


def api_token(run: Run, block: Block) -> str | None:
    """An API token with `signals:write` for the Alertmanager scenario, made once per block."""
    if block.api_token is None:
        assert block.client is not None
        body = {"name": "bench-alertmanager", "scopes": ["signals:write"]}
        response = block.client.post("/api/auth/tokens", json=body, headers=block.auth())
        response.raise_for_status()
        block.api_token = str(response.json()["token"])
    return block.api_token


def render_path(scenario: Scenario, block: Block) -> str:
    path = scenario.path
    if "{cursor}" in path:
        path = path.replace("{cursor}", block.deep_cursor or "")
    return path


def probe(block: Block, scenario: Scenario, token: str) -> str | None:
    """One request as the load would send it: None if it succeeds, else what went wrong."""
    assert block.client is not None
    path = render_path(scenario, block)
    if "{id}" in path:
        path = path.replace("{id}", str(block.ids[0]))
    body = scenario.probe_body() if scenario.probe_body else None
    response = block.client.request(scenario.method, path, json=body, headers=block.auth(token))
    if response.is_success:
        return None
    return f"MISS: probe got {response.status_code} {response.text[:160]}"


def run_scenario(run: Run, block: Block, scenario: Scenario) -> Row:
    row = Row(
        scenario.label, block.db.kind, block.dataset, key=scenario.key, dataset_size=block.size
    )
    assert block.server is not None
    if scenario.key == "list-deep":
        if block.deep_page < 2:
            row.result = "skipped: the dataset has a single page"
            return row
        if block.deep_page != DEEP_PAGE:
            row.scenario = f"list page {block.deep_page:,} by cursor (last page)"
    token = api_token(run, block) if scenario.token == "api" else block.token
    reason = probe(block, scenario, token)
    if reason is not None:
        row.result = reason
        run.note(f"{block.db.kind} {block.dataset} {scenario.label}: {reason}")
        return row
    path = render_path(scenario, block)
    env = {"BENCH_TOKEN": token, "BENCH_PATH": path, "BENCH_IDS": str(block.ids_file)}
    url = block.server.base_url + (path if "{id}" not in path else "/")
    where = f"{block.db.kind} {block.dataset} {row.scenario}"
    pairs = []
    for n in range(run.args.repeat):
        ceiling = measure_ceiling(run, block, scenario.ceiling)
        log(f"{where}" + (f" ({n + 1}/{run.args.repeat})" if run.args.repeat > 1 else ""))
        pairs.append((measure(run, block.server, block.db, scenario.script, url, env), ceiling))
    ratios = sorted(pairs, key=lambda pair: pair[0].rps / pair[1].rps if pair[1].rps else 0)
    row.load, row.ceiling = ratios[(len(ratios) - 1) // 2]
    if len(pairs) > 1:
        shown = ", ".join(f"{load.rps / ceil.rps:.3f}" for load, ceil in ratios if ceil.rps)
        run.note(f"{where}: ratio to the ceiling over {len(pairs)} pairs: {shown} (median shown)")
    if row.load.errors:
        run.note(f"{where}: errors {row.load.error_kinds}; log tail:\n{block.server.log_tail(8)}")
    judge(row, scenario)
    if not block.server.responsive(timeout=10):
        row.result = "MISS: server hung" if row.db == "sqlite" else "(miss: server hung)"
        run.note(f"{where}: the server stopped answering; {hang_report(run, block, scenario)}")
        stop_app(block, grace=2)
        start_app(run, block)
    return row


def start_app(run: Run, block: Block) -> None:
    block.server = app_server(run.args, block).__enter__()
    block.client = httpx.Client(base_url=block.server.base_url, timeout=30)
    block.token = login(block.client)


def stop_app(block: Block, grace: float = 20) -> None:
    if block.client is not None:
        block.client.close()
    if block.server is not None:
        block.server.stop(grace)
    block.server = block.client = None


def find_py_spy() -> str | None:
    return shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")


def hang_report(run: Run, block: Block, scenario: Scenario) -> str:
    """Where the server's threads wait (py-spy dump, if installed), then it is restarted."""
    py_spy = find_py_spy()
    if py_spy is None or block.server is None or block.server.proc is None:
        return "restarted it (install py-spy in the venv to see where it hung)"
    dump = subprocess.run(
        [py_spy, "dump", "--pid", str(block.server.proc.pid)],
        capture_output=True, text=True, timeout=60, check=False,
    ).stdout  # fmt: skip
    out_dir = Path(run.args.profile_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = out_dir / f"hang-{block.db.kind}-{scenario.key}.txt"
    saved.write_text(dump)
    waits: Counter[str] = Counter()
    for thread in dump.split("\nThread ")[1:]:
        frames = [line.strip() for line in thread.splitlines()[1:] if line.startswith("    ")]
        ours = [f for f in frames if "(app/" in f]
        if "worker thread" in thread.splitlines()[0] and ours:
            waits[ours[0]] += 1
    found = ", ".join(f"{n} worker threads in {frame}" for frame, n in waits.most_common(3))
    return f"{found or 'no worker threads found'} (py-spy dump: {saved}); restarted it"


def judge(row: Row, scenario: Scenario) -> None:
    """Targets bind on SQLite with 1 worker; PostgreSQL rows show them in parentheses."""
    if scenario.min_ratio is None or row.load is None or row.ratio is None:
        return
    wanted = [f"≥ {scenario.min_ratio:.2f}x"]
    ok = row.ratio >= scenario.min_ratio
    if scenario.max_p99_ms is not None:
        wanted.append(f"p99 ≤ {scenario.max_p99_ms:.0f} ms")
        ok = ok and row.load.p99_ms <= scenario.max_p99_ms
    if scenario.key == "create":
        wanted.append("0 errors")
    ok = ok and row.load.errors == 0
    row.target, row.result = ", ".join(wanted), "pass" if ok else "MISS"
    if row.db != "sqlite":
        row.target, row.result = f"({row.target})", f"({row.result.lower()})"


def measure_ceiling(run: Run, block: Block, name: str) -> Load:
    """The ceiling for one scenario, measured right before it: shared machines drift."""
    assert block.ceiling is not None
    scenario = CEILINGS[name]
    log(f"{block.db.kind} {block.dataset}: {scenario.label}")
    url = block.ceiling.base_url + scenario.path
    env = {"BENCH_TOKEN": "", "BENCH_PATH": scenario.path}
    load = measure(run, block.ceiling, None, scenario.script, url, env)
    if load.errors:
        # A ceiling that answers errors is fast for the wrong reason: every ratio would lie.
        raise SystemExit(f"the ceiling answered errors ({load.error_kinds}): fix bench/ceiling.py")
    block.ceiling_runs.setdefault(name, []).append(load)
    return load


def ceiling_rows(block: Block) -> list[Row]:
    """One row per ceiling: its median run, and the range over the block's runs."""
    rows = []
    for name, loads in block.ceiling_runs.items():
        scenario = CEILINGS[name]
        median = sorted(loads, key=lambda load: load.rps)[(len(loads) - 1) // 2]
        row = Row(scenario.label, block.db.kind, block.dataset, key=scenario.key)
        row.load, row.ceiling, row.dataset_size = median, median, block.size
        rates = [load.rps for load in loads]
        runs = f"{len(loads)} run" + ("s" if len(loads) > 1 else "")
        row.target = f"{runs}: {min(rates):,.0f} to {max(rates):,.0f} req/s"
        rows.append(row)
    return rows


def memory_check(run: Run, block: Block) -> list[Row]:
    """Server RSS after 10,000 and after 100,000 requests of a list/get/create mix."""
    args = run.args
    threads = min(args.threads, args.connections)
    first, last = args.memory_requests
    label = f"memory: RSS growth, {human(first)} → {human(last)} requests"
    row = Row(label, block.db.kind, block.dataset, key="memory", dataset_size=block.size)
    with app_server(args, block) as server, httpx.Client(base_url=server.base_url) as client:
        token = login(client)
        start_rss = rss_mb(server.pids)
        done_dir = block.workdir / "memory-done"
        total, rss = 0, {}
        for phase, count in (("first", first), ("last", last - first)):
            shutil.rmtree(done_dir, ignore_errors=True)
            done_dir.mkdir()
            env = {
                "BENCH_TOKEN": token, "BENCH_IDS": str(block.ids_file),
                "BENCH_QUOTA": str(math.ceil(count / threads)), "BENCH_DONE_DIR": str(done_dir),
                "BENCH_RUN": f"m{secrets.token_hex(3)}",
            }  # fmt: skip
            log(f"{block.db.kind} {block.dataset}: memory check, {count:,} requests")
            result = wrk(
                args, server.base_url + "/", "memory_mix.lua", env, 3600,
                done_dir=done_dir, threads_expected=threads, watch=server,
            )  # fmt: skip
            total += result["requests"]
            errors = result["status_errors"] + result["timeouts"] + result["connect_errors"]
            if errors:
                run.note(f"{block.db.kind} memory check {phase}: {errors} errors")
            if not server.responsive(timeout=10):
                row.result = "MISS: server hung" if block.db.kind == "sqlite" else "(miss: hung)"
                run.note(f"{block.db.kind} memory check: the server hung after {total:,} requests")
                server.stop(grace=2)
                return [row]
            rss[phase] = rss_mb(server.pids)
    growth = 100 * (rss["last"] - rss["first"]) / rss["first"]
    row.measure = f"{growth:+.1f} %"
    row.scenario = (
        f"{label} ({start_rss:.0f} MB at start, {rss['first']:.1f} → {rss['last']:.1f} MB"
        f" after {total:,} requests)"
    )
    row.target = f"≤ {RSS_GROWTH_LIMIT:.0f} %"
    row.result = "pass" if growth <= RSS_GROWTH_LIMIT else "MISS"
    if block.db.kind != "sqlite":
        row.target, row.result = f"({row.target})", f"({row.result.lower()})"
    return [row]


def run_block(run: Run, kind: str, size: int, with_memory: bool) -> None:
    args = run.args
    workdir = Path(tempfile.mkdtemp(prefix=f"fastapi-app-bench-{kind}-"))
    dataset = human(size)
    try:
        with fresh_database(kind, workdir, args) as database:
            block = Block(database, dataset, size, workdir, {})
            block.env = server_env(args, database, workdir)
            seed(run, block)
            rows: list[Row] = []
            start_app(run, block)
            try:
                collect_fixtures(block)
                if "scenarios" in args.checks:
                    block.ceiling = ceiling_server(args, block).__enter__()
                    for scenario in SCENARIOS:
                        if scenario.key in args.scenarios:
                            rows.append(run_scenario(run, block, scenario))
                            if run.args.profile and scenario.key in args.profile:
                                profile(run, block, scenario)
            finally:
                stop_app(block)
                if block.ceiling is not None:
                    block.ceiling.stop()
            run.rows.extend(ceiling_rows(block) + rows)
            if with_memory:
                run.rows.extend(memory_check(run, block))
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# --- profile ----------------------------------------------------------------------------------


def profile(run: Run, block: Block, scenario: Scenario) -> None:
    """Sample the server with py-spy during one more run of the scenario; keep the top frames.

    `--gil` samples the thread holding the GIL, the resource one worker process runs out of;
    `--nonblocking` keeps the overhead low (blocking sampling costs over half the throughput).
    """
    py_spy = find_py_spy()
    if py_spy is None or block.server is None or block.server.proc is None:
        run.note("profile: py-spy not found (`.venv/bin/pip install py-spy`)")
        return
    path = render_path(scenario, block)
    env = {"BENCH_TOKEN": block.token, "BENCH_PATH": path, "BENCH_IDS": str(block.ids_file)}
    url = block.server.base_url + (path if "{id}" not in path else "/")
    out_dir = Path(run.args.profile_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{block.db.kind}-{scenario.key}"
    raw = out_dir / f"{stem}.txt"
    argv = [
        py_spy, "record", "--pid", str(block.server.proc.pid), "--rate", "250",
        "--duration", str(round(run.args.duration)), "--format", "raw", "--output", str(raw),
        "--nonblocking", "--gil",
    ]  # fmt: skip
    log(f"profiling {stem} with py-spy")
    spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    wrk(run.args, url, scenario.script, {**env, "BENCH_RUN": "p"}, run.args.duration)
    _, errors = spy.communicate()
    if not raw.exists():
        run.note(f"profile {stem}: py-spy failed: {errors.strip()[-300:]}")
        return
    summary = summarise_profile(raw.read_text(), top=run.args.profile_top)
    (out_dir / f"{stem}.summary.md").write_text(summary)
    run.profiles.append(f"#### {block.db.kind} {block.dataset}: {scenario.label}\n\n{summary}")


_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _frame_name(frame: str) -> tuple[str, str]:
    """(`function (short/path.py)`, package) for a py-spy frame; line numbers are dropped."""
    match = _FRAME.match(frame)
    if match is None:
        return frame, "?"
    file = match["file"]
    for marker in ("site-packages/", "/src/", "lib/python3.11/", "lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    package = file.split("/", 1)[0].removesuffix(".py")
    if match["func"] == "Runner.run":  # the C event loop (uvloop, httptools) runs under it
        package = "uvloop+httptools (native, under Runner.run)"
    return f"{match['func']} ({file})", package


def summarise_profile(collapsed: str, *, top: int) -> str:
    """Shares of py-spy's collapsed stacks: per package and function (innermost frame), and per
    function of the app's own code anywhere on the stack (what each app function costs)."""
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        total += count
        own[frames[-1][0]] += count
        packages[frames[-1][1]] += count
        for name in {n for n, package in frames if package == "app" and "app/cli.py" not in n}:
            inclusive[name] += count
    if not total:
        return "(no samples)\n"

    def table(counter: Counter[str], title: str, limit: int) -> str:
        lines = [f"| {title} | % |", "| --- | ---: |"]
        lines += [f"| `{name}` | {100 * n / total:.1f} |" for name, n in counter.most_common(limit)]
        return "\n".join(lines)

    return (
        f"{total:,} samples of the thread holding the GIL.\n\n"
        f"{table(packages, 'package (self time)', 12)}\n\n"
        f"{table(own, 'function (self time)', top)}\n\n"
        f"{table(inclusive, 'app code (inclusive: on the stack)', top)}\n"
    )


# --- cold start -------------------------------------------------------------------------------


def cold_start(run: Run, repeats: int = 10) -> Row:
    """Median wall time of `fastapi-app --help` (after one untimed run that warms the pyc)."""
    argv = [app_command(), "--help"]
    with tempfile.TemporaryDirectory() as cwd:
        subprocess.run(argv, cwd=cwd, capture_output=True, check=True)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            subprocess.run(argv, cwd=cwd, capture_output=True, check=True)
            times.append(time.perf_counter() - started)
    median = statistics.median(times)
    row = Row(
        f"cold start: `fastapi-app --help`, median of {repeats} "
        f"(min {min(times):.3f}, max {max(times):.3f})",
        "—",
        "—",
        key="cold-start",
    )
    row.measure = f"{median:.3f} s"
    row.target = f"≤ {COLD_START_LIMIT} s"
    row.result = "pass" if median <= COLD_START_LIMIT else "MISS"
    return row


# --- the report -------------------------------------------------------------------------------


def judge_deep_pages(run: Run) -> None:
    """Page 1,000 at the largest dataset against page 1 at the smallest, same database."""
    for row in run.rows:
        if row.key != "list-deep" or row.load is None:
            continue
        firsts = [r for r in run.rows if r.key == "list-first" and r.db == row.db and r.load]
        if not firsts:
            continue
        first = min(firsts, key=lambda r: r.dataset_size)
        slowdown = first.load.rps / row.load.rps if first.load and row.load.rps else math.inf
        row.target = f"≤ {DEEP_RATIO_LIMIT}x slower than page 1 at {first.dataset}"
        if (
            row.dataset_size >= 1_000_000
            and first.dataset_size <= 10_000
            and row.scenario == ("list page 1,000 by cursor")
        ):
            ok = slowdown <= DEEP_RATIO_LIMIT
            row.result = f"{slowdown:.2f}x {'pass' if ok else 'MISS'}"
            if row.db != "sqlite":
                row.result = f"({row.result})"
        else:
            row.result = f"{slowdown:.2f}x (target is for 1M vs 10k)"


HEADERS = (
    "scenario", "db", "dataset", "req/s", "p50 ms", "p99 ms", "errors", "CPU ms/req",
    "PG CPU ms/req", "other cores", "x ceiling", "target", "result",
)  # fmt: skip


def cells(row: Row) -> list[str]:
    load = row.load
    if load is None:
        return [row.scenario, row.db, row.dataset, "—", "—", "—", "—", "—", "—", "—",
                row.measure or "—", row.target or "—", row.result or "—"]  # fmt: skip
    ratio = (
        "1.00x (itself)"
        if row.key.startswith("ceiling")
        else (f"{row.ratio:.3f}x" if row.ratio is not None else "—")
    )
    db_cpu = f"{load.db_cpu_ms:.3f}" if load.db_cpu_ms is not None else "—"
    other = f"{load.other_cores:.2f}" if load.other_cores is not None else "—"
    if not load.requests:
        return [row.scenario, row.db, row.dataset, "0", "—", "—", f"{load.errors:,}", "—", db_cpu,
                other, ratio, row.target or "—", row.result or "—"]  # fmt: skip
    return [
        row.scenario, row.db, row.dataset, f"{load.rps:,.0f}", f"{load.p50_ms:.1f}",
        f"{load.p99_ms:.1f}", f"{load.errors:,}", f"{load.cpu_ms:.3f}", db_cpu, other, ratio,
        row.target or "—", row.result or "—",
    ]  # fmt: skip


def text_table(rows: list[Row]) -> str:
    data = [list(HEADERS), *(cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in data) for i in range(len(HEADERS))]
    numeric = set(range(3, 11))
    out = []
    for n, line in enumerate(data):
        out.append("  ".join(
            c.rjust(w) if i in numeric and n else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip())  # fmt: skip
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown_table(rows: list[Row]) -> str:
    out = ["| " + " | ".join(HEADERS) + " |"]
    out.append("| " + " | ".join("---:" if 3 <= i <= 10 else "---" for i in range(len(HEADERS))))
    out[-1] += " |"
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in cells(r)) + " |" for r in rows]
    return "\n".join(out)


def git_commit() -> str:
    def git(*argv: str) -> str:
        proc = subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, check=False)
        return proc.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" (with uncommitted changes)" if git("status", "--porcelain") else "")


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (
        f"{os.cpu_count()} cores ({model or platform.machine()}), {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, "
        f"{(wrk_version.stdout or wrk_version.stderr).split(' Copyright')[0].strip()}"
    )


def report(run: Run, started: datetime, commit: str) -> str:
    args = run.args
    header = (
        f"fastapi-app benchmark — {started:%Y-%m-%d %H:%M} UTC, commit {commit}\n"
        f"machine: {machine()}\n"
        f"load: wrk -t{min(args.threads, args.connections)} -c{args.connections} "
        f"-d{args.duration:g}s (warm-up {args.warmup:g}s), {args.workers} worker(s), "
        f"{args.repeat} pair(s) of ceiling + scenario runs per scenario, "
        f"LOG_LEVEL={args.log_level}" + (f", env {' '.join(args.env)}" if args.env else "")
    )
    return header


def human(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return f"{n:,}"


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    keys = [s.key for s in SCENARIOS]
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"Needs wrk: {WRK_HINT}.",
    )  # fmt: skip
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--datasets", default="10k,1M",
        help="incident counts, comma-separated (default 10k,1M)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, help="demo-data seed")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run")
    parser.add_argument(
        "--repeat", type=int, default=1,
        help="measure each scenario and its ceiling N times, alternating; the median ratio counts",
    )  # fmt: skip
    parser.add_argument("--warmup", type=float, default=3, help="seconds of unmeasured warm-up")
    parser.add_argument("--connections", "-c", type=int, default=16)
    parser.add_argument("--threads", "-t", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=float, default=5, help="wrk request timeout, seconds")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument(
        "--scenarios", default=",".join(keys), help=f"comma-separated subset of {','.join(keys)}"
    )
    parser.add_argument(
        "--checks", default="scenarios,memory,cold-start",
        help="what to run: scenarios, memory, cold-start (comma-separated)",
    )  # fmt: skip
    parser.add_argument(
        "--memory-requests", default="10k,100k",
        help="the memory check's two request counts (RSS is read after each)",
    )  # fmt: skip
    parser.add_argument(
        "--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="the app's LOG_LEVEL (INFO, the default, writes one access line per request)",
    )  # fmt: skip
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE",
        help="extra setting for the app server, e.g. THREADPOOL_SIZE=4 (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--pg-server", default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server (loopback only), without a database name",
    )  # fmt: skip
    parser.add_argument("--pg-database", default="bench_app", help="dropped and re-created")
    parser.add_argument("--output", "-o", help="also write the report as Markdown to this file")
    parser.add_argument("--json", help="also write the rows as JSON to this file")
    parser.add_argument(
        "--profile", default="",
        help="scenarios to profile with py-spy after measuring them, e.g. create,list-first",
    )  # fmt: skip
    parser.add_argument("--profile-dir", default=str(BENCH_DIR / "profiles"))
    parser.add_argument("--profile-top", type=int, default=15)
    parser.add_argument(
        "--app-command", help="the fastapi-app executable (default: the one in this venv)"
    )
    parser.add_argument("--keep", action="store_true", help="keep temp dirs and the PG database")
    args = parser.parse_args(argv)
    args.sizes = [parse_size(s) for s in args.datasets.split(",") if s.strip()]
    args.memory_requests = [parse_size(s) for s in args.memory_requests.split(",")]
    if len(args.memory_requests) != 2 or not 0 < args.memory_requests[0] < args.memory_requests[1]:
        parser.error("--memory-requests takes two increasing counts, e.g. 10k,100k")
    args.scenarios = {s.strip() for s in args.scenarios.split(",") if s.strip()}
    args.checks = {s.strip() for s in args.checks.split(",") if s.strip()}
    args.profile = {s.strip() for s in args.profile.split(",") if s.strip()}
    unknown = (args.scenarios | args.profile) - set(keys)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if not args.pg_database.startswith("bench_"):
        parser.error("--pg-database must start with bench_")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.app_command:
        APP_COMMAND[:] = [args.app_command]
    if shutil.which("wrk") is None:
        print(f"wrk not found; {WRK_HINT}", file=sys.stderr)
        return 2
    run = Run(args)
    started, commit = datetime.now(UTC), git_commit()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if "cold-start" in args.checks:
        run.rows.append(cold_start(run))
    for kind in kinds:
        for n, size in enumerate(sorted(args.sizes)):
            with_memory = "memory" in args.checks and n == 0
            if {"scenarios", "memory"} & args.checks:
                run_block(run, kind, size, with_memory)
    judge_deep_pages(run)

    header = report(run, started, commit)
    print("\n" + header + "\n\n" + text_table(run.rows))
    if run.notes:
        print("\nnotes:\n" + "\n".join(f"- {n}" for n in run.notes))
    if args.output:
        notes = "".join(f"- {n}\n" for n in run.notes)
        body = "\n".join(f"    {line}" for line in header.splitlines())
        text = f"{body}\n\n{markdown_table(run.rows)}\n"
        if notes:
            text += f"\nNotes:\n\n{notes}"
        if run.profiles:
            text += "\n### Profiles\n\n" + "\n".join(run.profiles)
        Path(args.output).write_text(text)
        log(f"wrote {args.output}")
    if args.json:
        Path(args.json).write_text(json.dumps(
            [
                {**{h: c for h, c in zip(HEADERS, cells(r), strict=True)}, "key": r.key}
                for r in run.rows
            ],
            indent=2,
        ))  # fmt: skip
    for text in run.profiles:
        print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
