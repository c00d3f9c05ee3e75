"""Time the first and the 1,000th page of `GET /api/incidents?limit=50` on a running server.

    .venv/bin/python bench/page_depth.py --url http://127.0.0.1:8000 \\
        --email admin@example.com --password '...' [--page 1000] [--runs 15]

Walks `next_cursor` to the page once, then requests page 1 and page N alternately `--runs`
times each and prints the median and p90 of each, in milliseconds (client-side, loopback).
"""

import argparse
import statistics
import time

import httpx


def _login(client: httpx.Client, email: str, password: str) -> str:
    response = client.post("/api/auth/login", data={"username": email, "password": password})
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def _cursor_of_page(client: httpx.Client, page: int, params: dict[str, str]) -> str | None:
    cursor: str | None = None
    for _ in range(page - 1):
        body = client.get("/api/incidents", params=params | ({"cursor": cursor} if cursor else {}))
        body.raise_for_status()
        cursor = body.json()["next_cursor"]
        if cursor is None:
            raise SystemExit(f"the list has fewer than {page} pages")
    return cursor


def _time_ms(client: httpx.Client, params: dict[str, str]) -> float:
    started = time.perf_counter()
    response = client.get("/api/incidents", params=params)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    assert len(response.json()["items"]) == int(params["limit"])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    with httpx.Client(base_url=args.url, timeout=60) as client:
        client.headers["Authorization"] = f"Bearer {_login(client, args.email, args.password)}"
        params = {"limit": "50"}
        deep = params | {"cursor": _cursor_of_page(client, args.page, params) or ""}
        for warm_up in (params, deep):
            _time_ms(client, warm_up)
        first, nth = [], []
        for _ in range(args.runs):
            first.append(_time_ms(client, params))
            nth.append(_time_ms(client, deep))
    for label, samples in [("page 1", first), (f"page {args.page}", nth)]:
        p90 = statistics.quantiles(samples, n=10)[-1]
        print(f"{label:>10}: median {statistics.median(samples):6.1f} ms  p90 {p90:6.1f} ms")


if __name__ == "__main__":
    main()
