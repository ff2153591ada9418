"""Emulator speed: load N people through the batch-upsert API, then time list / filter / page requests.

    python bench/bench_emulator.py [--people 100000] [--repeat 20]

Requests go through the ASGI app in process (no socket), so the figures are the emulator's own cost.
Prints batch-upsert throughput (records/s) and the median / p95 latency of each read, in ms (goal: < 50 ms).
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable

from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import client


def people(start: int, count: int) -> list[dict[str, object]]:
    return [
        {
            "id": str(uuid.UUID(int=i + 1)),
            "name": {"firstName": f"First{i:06d}", "lastName": f"Last{i % 997:03d}"},
            "emails": {"primaryEmail": f"p{i:06d}@bench.example"},
            "jobTitle": ["Engineer", "Manager", "Director", "Analyst"][i % 4],
        }
        for i in range(start, start + count)
    ]


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    emulator = Emulator(api_key="bench", rate_limiter=RateLimiter(enabled=False))
    with client(emulator) as http:
        t0 = time.perf_counter()
        for start in range(0, args.people, 200):
            r = http.post("/rest/batch/people?upsert=true", json=people(start, min(200, args.people - start)))
            assert r.status_code == 201, r.text[:300]
        load = time.perf_counter() - t0
        print(f"batch upsert (insert) : {args.people} people in {load:.1f} s = {args.people / load:,.0f} records/s")
        t0 = time.perf_counter()
        n = min(args.people, 10_000)
        for start in range(0, n, 200):
            batch = people(start, 200)
            for p in batch:
                p["jobTitle"] = "Updated"
            r = http.post("/rest/batch/people?upsert=true", json=batch)
            assert r.status_code == 201
        upd = time.perf_counter() - t0
        print(f"batch upsert (update) : {n} people in {upd:.1f} s = {n / upd:,.0f} records/s")

        mid = f"p{args.people // 2:06d}@bench.example"
        page = http.get("/rest/people", params={"limit": 200, "order_by": "name.firstName"}).json()
        cursor = page["pageInfo"]["endCursor"]
        reads: dict[str, Callable[[], object]] = {
            "list limit=200 (default order)": lambda: http.get("/rest/people", params={"limit": 200}),
            "list limit=200 order_by name": lambda: http.get(
                "/rest/people", params={"limit": 200, "order_by": "name.firstName"}
            ),
            "next page (starting_after)": lambda: http.get(
                "/rest/people", params={"limit": 200, "order_by": "name.firstName", "starting_after": cursor}
            ),
            "filter email eq (unique index)": lambda: http.get(
                "/rest/people", params={"filter": f"emails.primaryEmail[eq]:{mid}"}
            ),
            "filter jobTitle eq, limit 60": lambda: http.get(
                "/rest/people", params={"filter": "jobTitle[eq]:Director"}
            ),
            "filter name ilike, limit 60": lambda: http.get(
                "/rest/people", params={"filter": 'name.lastName[ilike]:"%99%"'}
            ),
            "get one by id": lambda: http.get(f"/rest/people/{uuid.UUID(int=args.people // 2)}"),
        }
        print(f"{'read':34} {'median ms':>10} {'p95 ms':>8}")
        for label, fn in reads.items():
            med, p95 = timed(fn, args.repeat)
            print(f"{label:34} {med:10.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
