# SPDX-License-Identifier: AGPL-3.0-or-later
"""API over HTTP: requests per second and latency of a live `seatline serve` (gunicorn) on a
throwaway SQLite database with the small test tenant (tests/web/live_tenant.py).

    .venv/bin/python bench/api_http.py [--requests 400] [--concurrency 4]

Sends GET list, GET detail (an invoice with its lines) and POST change-quantity requests with a
token, from `--concurrency` client threads, and prints requests/second and p50/p95 latency per
kind. Loopback only; bounded by --requests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.live import live_server  # noqa: E402


def run(
    url: str, token: str, method: str, path: str, body: dict | None, total: int, concurrency: int
) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            while True:
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                payload = {"quantity": 10 + index % 5} if body is not None else None
                started = time.perf_counter()
                response = client.request(method, path, json=payload)
                elapsed = time.perf_counter() - started
                if response.status_code >= 500:
                    raise RuntimeError(f"{method} {path}: {response.status_code}")
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp)) as server:
        client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"})
        invoice = client.get("/api/v1/invoices/?status=billed").json()["results"][0]["id"]
        sub = client.get("/api/v1/subscriptions/?name=Microsoft").json()["results"][0]["id"]
        cases = [
            ("GET /api/v1/subscriptions/", "GET", "/api/v1/subscriptions/", None),
            ("GET /api/v1/invoices/{id}/", "GET", f"/api/v1/invoices/{invoice}/", None),
            (
                "POST /api/v1/subscriptions/{id}/change-quantity/",
                "POST",
                f"/api/v1/subscriptions/{sub}/change-quantity/",
                {},
            ),
        ]
        print(
            f"{args.requests} requests per kind, {args.concurrency} client threads, 1 gunicorn worker x 4 threads"
        )
        for label, method, path, body in cases:
            started = time.perf_counter()
            latencies = run(server.url, server.token, method, path, body, args.requests, args.concurrency)
            wall = time.perf_counter() - started
            latencies.sort()
            p95 = latencies[int(len(latencies) * 0.95) - 1]
            print(
                f"{label}: {len(latencies) / wall:.0f} req/s, p50 {statistics.median(latencies) * 1000:.1f} ms, "
                f"p95 {p95 * 1000:.1f} ms"
            )


if __name__ == "__main__":
    main()
