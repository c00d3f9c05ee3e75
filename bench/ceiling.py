"""The ceiling: bare FastAPI serving incident-shaped JSON, with no database, auth or middleware.

It uses the app's own request and response schemas and the same uvicorn settings as
`fastapi-app serve`, so a scenario divided by its ceiling is what the app costs beyond the
framework. Run by bench/run.py; by hand: `.venv/bin/python bench/ceiling.py --port 8100`.
"""

import argparse
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, status

from app.incident.schemas import IncidentCreate, IncidentPage, IncidentRead

PAGE_SIZE = 50
_SEVERITIES = ("critical", "high", "medium", "low")
_NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

# Fifty incidents as a cache would hold them: plain data, validated and serialised per request.
ITEMS: list[dict[str, Any]] = [
    {
        "id": 10_000 - n,
        "title": f"Checkout API returns 502 for {n}% of requests in eu-west-{n % 3 + 1}",
        "description": "Started 14:02 UTC after deploy 2026.12.03-1; EU region only.",
        "status": "active",
        "severity": _SEVERITIES[n % 4],
        "reporter_id": 1 + n % 7,
        "created_at": _NOW - timedelta(minutes=n),
        "updated_at": _NOW - timedelta(minutes=n),
    }
    for n in range(PAGE_SIZE)
]
_ids = itertools.count(1_000_000)

app = FastAPI(title="fastapi-app bench ceiling", redirect_slashes=False)


@app.post("/api/incidents", response_model=IncidentRead, status_code=status.HTTP_201_CREATED)
async def create_incident(data: IncidentCreate) -> dict[str, Any]:
    """Validate an incident body and answer it in the app's response shape."""
    now = datetime.now(UTC)
    return {
        **data.model_dump(),
        "id": next(_ids),
        "status": "active",
        "reporter_id": 1,
        "created_at": now,
        "updated_at": now,
    }


@app.get("/api/incidents", response_model=IncidentPage)
async def list_incidents(limit: int = PAGE_SIZE, cursor: str | None = None) -> dict[str, Any]:
    """Fifty incidents from memory through the app's page model."""
    return {"items": ITEMS[:limit], "next_cursor": "WyIyMDI2LTEyLTAzVDExOjExOjAwKzAwOjAwIiw5OTUxXQ"}


@app.get("/readyz")
async def readyz() -> dict[str, str]:
    return {"status": "ok"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # The same options `fastapi-app serve` passes to uvicorn.
    uvicorn.run(
        "ceiling:app",
        app_dir=str(Path(__file__).resolve().parent),
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
