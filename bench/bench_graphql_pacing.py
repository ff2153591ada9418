"""GraphQL under Twenty's rate limit: N read requests of three root fields each (people, companies, opportunities
counts), paced by the SDK, against the emulator (in-process, Twenty's throttle and default limits) or a real Twenty.

    python bench/bench_graphql_pacing.py [--requests 160] [--root-fields 3]
    python bench/bench_graphql_pacing.py --url http://127.0.0.1:3001 --api-key "$(cat /tmp/real-twenty-default/key.txt)"

A request costs one token of Twenty's throttle whatever its root fields (they run concurrently and all read the
bucket before any writes it back: cassette ``graphql-429``), so the pacer takes one per request. Printed: requests,
answers refused by the throttle (``LIMIT_REACHED``: there should be none), wall time, and the efficiency against the
best schedule from full buckets (``burst + (N - limit) * window / limit``, the burst timed in this run). Run it
against a server whose buckets are full (idle for a minute). Asserts nothing (tests hold the behaviour).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import httpx
from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport

from twenty_sdk import RateLimit, RetryPolicy, TwentyClient

API_KEY = "tw_bench_graphql_pacing_7Hq2"
FIELDS = (
    'people(filter: {emails: {primaryEmail: {like: "%@graphql-pacing.bench.test"}}}) { totalCount }',
    'companies(filter: {name: {like: "%graphql-pacing-bench%"}}) { totalCount }',
    'opportunities(filter: {name: {like: "%graphql-pacing-bench%"}}) { totalCount }',
)


class Counter(httpx.BaseTransport):
    """A transport that counts the answers the throttle refused, and when each answer arrived."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.refused = 0
        self.refusals: list[tuple[int, str]] = []  # (answer number, the throttle's message)
        self.answered_at: list[float] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.answered_at.append(time.monotonic())
        if response.status_code == 429 or b'"LIMIT_REACHED"' in response.content:
            self.refused += 1
            self.refusals.append((len(self.answered_at), response.json()["errors"][0]["message"]))
        return response

    def close(self) -> None:
        self.inner.close()


def run(url: str | None, api_key: str | None, requests: int, root_fields: int) -> dict[str, Any]:
    limits = RateLimit()
    if url is None:
        emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter())
        counter = Counter(ASGISyncTransport(create_app(emulator)))
        url, api_key = "http://emulator", API_KEY
    else:
        counter = Counter(httpx.HTTPTransport())
    client = TwentyClient(url, api_key, transport=counter, rate_limit=limits, retry=RetryPolicy(max_retries=8))
    query = "{ " + " ".join(FIELDS[:root_fields]) + " }"
    started = time.monotonic()
    with client as twenty:
        for _ in range(requests):
            twenty.graphql.execute(query)
    wall = time.monotonic() - started
    burst_n = min(requests, limits.long_limit - limits.headroom)
    burst = counter.answered_at[burst_n - 1] - started if counter.answered_at else 0.0
    refill = limits.long_window / limits.long_limit
    best = burst + max(0, requests - burst_n) * refill
    return {
        "server": url,
        "requests": requests,
        "root_fields_each": root_fields,
        "answers": len(counter.answered_at),
        "refused_by_throttle": counter.refused,
        "refusals": counter.refusals,
        "wall_s": round(wall, 2),
        "best_s": round(best, 2),
        "efficiency_pct": round(100 * best / wall, 1) if wall else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a Twenty server (default: the emulator, in-process)")
    parser.add_argument("--api-key", help="its API key")
    parser.add_argument("--requests", type=int, default=160)
    parser.add_argument("--root-fields", type=int, default=3, choices=(1, 2, 3))
    args = parser.parse_args(argv)
    print(json.dumps(run(args.url, args.api_key, args.requests, args.root_fields), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
