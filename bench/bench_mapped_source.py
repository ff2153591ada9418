"""A mapped source (the user's own table, read through a ``SyncMapping``) against the emulator in process: the plan's
read rate, the first run's requests, and a second run of the unchanged table (0 requests expected).

    python bench/bench_mapped_source.py [--rows 20000]

The table is SQLite (``customers``: integer ids, a name, an email, a tier and a number), 1 row in 50 holding a tier
outside the mapping's options: those are refused at plan time with their column and key and never sent.
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import tempfile
import time
from pathlib import Path

from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport
from twenty_sync import MappedSource, SyncEngine, SyncMapping, SyncState
from twenty_sync.stores import LocalStore

from twenty_sdk import RateLimit, RetryPolicy, TwentyClient

API_KEY = "tw_bench_mapped_4Kq"
MAPPING = {
    "contacts": {
        "table": "customers",
        "key": "id",
        "fields": {"canonical_name": "full_name"},
        "identifiers": {"shape": "columns", "email": "email"},
        "custom": {
            "tier": {"column": "tier", "type": "SELECT", "options": ["GOLD", "SILVER"]},
            "lifetimeValue": {"column": "ltv", "type": "NUMBER"},
        },
    }
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    n = ap.parse_args().rows
    tmp = Path(tempfile.mkdtemp(prefix="bench-mapped-"))
    with sqlite3.connect(tmp / "crm.sqlite3") as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, tier TEXT, ltv TEXT)")
        conn.executemany(
            "INSERT INTO customers VALUES (?, ?, ?, ?, ?)",
            [(i, f"Person {i}", f"p{i}@bench.test", "PLATINUM" if i % 50 == 0 else "GOLD", str(i)) for i in range(n)],
        )
    refused = math.ceil(n / 50)
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    client = TwentyClient(
        "http://twenty.local",
        API_KEY,
        transport=ASGISyncTransport(create_app(emulator)),
        rate_limit=RateLimit(enabled=False),
        retry=RetryPolicy(max_retries=1, initial_delay=0.0, max_delay=0.0),
    )
    source = MappedSource(LocalStore(tmp / "crm.sqlite3"), SyncMapping.from_dict(MAPPING))
    engine = SyncEngine(client, SyncState(tmp / "state.sqlite3"))

    t = time.perf_counter()
    plan = engine.plan(source)
    plan_s = time.perf_counter() - t
    t = time.perf_counter()
    first = engine.run(source)
    first_s = time.perf_counter() - t
    t = time.perf_counter()
    second = engine.run(source, ensure_schema=False)
    second_s = time.perf_counter() - t
    client.close()

    counts = plan.entities[0].counts
    print(f"rows {n}, refused at plan time {counts['invalid']} (expected {refused}), to create {counts['create']}")
    print(f"plan            {plan_s:6.2f} s  ({n / plan_s:,.0f} rows/s)")
    print(f"first run       {first_s:6.2f} s  requests {first.entities[0].requests} "
          f"(batches of 200: {math.ceil((n - refused) / 200)})")  # fmt: skip
    print(f"second run      {second_s:6.2f} s  requests {second.entities[0].requests}")


if __name__ == "__main__":
    main()
