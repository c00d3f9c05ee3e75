"""A webhook receiver for benchmarks and by-hand checks: counts what arrives, per path and per
idempotency key, and checks webhook signatures. Loopback only.

    python bench/receiver.py --port 9100 --secret s3cret     # GET /stats for the counts
"""

import argparse
import json
from collections import Counter
from typing import Any

import uvicorn

from app.plugins.builtin.signing import verify

received: Counter[str] = Counter()
keys: dict[str, Counter[str]] = {}
bad_signatures = 0
secret = ""


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global bad_signatures
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    path = scope["path"]
    if scope["method"] == "GET" and path == "/stats":
        stats = {
            "received": dict(received),
            "distinct": {p: len(k) for p, k in keys.items()},
            "duplicates": {p: sum(n - 1 for n in k.values()) for p, k in keys.items()},
            "bad_signatures": bad_signatures,
        }
        await _answer(send, 200, json.dumps(stats).encode())
        return
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
    if path == "/hooks" and secret:
        signed = verify(
            secret,
            timestamp=headers.get("x-signature-timestamp"),
            signature=headers.get("x-signature"),
            body=body,
        )
        if not signed:
            bad_signatures += 1
            await _answer(send, 401, b"bad signature")
            return
    received[path] += 1
    keys.setdefault(path, Counter())[headers.get("idempotency-key", "-")] += 1
    await _answer(send, 200, b"ok")


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--secret", default="")
    args = parser.parse_args()
    secret = args.secret
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
