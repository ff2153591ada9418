"""The sync engine against the emulator: requests for an initial load, a no-op re-sync and a 1 % change, and the time
and peak memory of a large local plan.

    python bench/bench_sync.py [--contacts 10000 --businesses 2000 --relationships 10000] [--plan-contacts 1000000]

1. **Initial load** of B businesses, C contacts and R relationships from a local store into a fresh emulator (in
   process, no rate limit): batch requests, against the bound ⌈B/200⌉ + ⌈C/200⌉ + ⌈R/200⌉ (10 + 50 + 50).
2. **No-op re-sync**: goal 0 writes and 0 record reads (everything is computed from the state).
3. **1 % of contacts changed**: requests and records sent.
4. **Plan of a large local diff** (``--plan-contacts`` contacts, half synced before, 1 % of those changed): time of
   streaming the plan to its end, and its peak memory (tracemalloc, in a second pass).

Figures vary with the machine; this prints them and asserts nothing (tests hold the bounds).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport
from twenty_sync import (
    BUSINESSES,
    CONTACTS,
    RELATIONSHIPS,
    Business,
    Contact,
    Relationship,
    StateRow,
    SyncEngine,
    SyncState,
)
from twenty_sync._mapping import contact_to_person, payload_hash
from twenty_sync._plan import Planner
from twenty_sync.stores import LocalStore

from twenty_sdk import RateLimit, RetryPolicy, TwentyClient

API_KEY = "tw_bench_sync_4Rk8"
BATCH_ROUTE = "POST /rest/batch/{object}"


def contacts(n: int, tag: str = "") -> Iterator[Contact]:
    for i in range(n):
        yield Contact(
            f"C-{i:07d}",
            f"Ada Lovelace{tag} {i}",
            {"primary_email": f"ada.{i}@example.test"},
            category_code="PRO",
            llm_context={"summary": f"contact {i}"},
            communication_stats={"emails": i},
        )


def businesses(n: int) -> Iterator[Business]:
    for i in range(n):
        yield Business(f"B-{i:06d}", f"Business {i}", website=f"https://b{i}.example.test", industry="Software")


def relationships(n: int, b: int) -> Iterator[Relationship]:
    for i in range(n):
        yield Relationship(f"R-{i:07d}", f"C-{i:07d}", f"B-{i % b:06d}", role="CTO")


def record_requests(counts: dict[str, int]) -> tuple[int, int]:
    writes = counts.get(BATCH_ROUTE, 0)
    reads = counts.get("GET /rest/{object}", 0)
    return writes, reads


def load_scenario(b: int, c: int, r: int, tmp: Path) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    client = TwentyClient(
        "http://twenty.local",
        API_KEY,
        transport=ASGISyncTransport(create_app(emulator)),
        rate_limit=RateLimit(enabled=False),
        retry=RetryPolicy(max_retries=0),
    )
    source = LocalStore(tmp / "source.sqlite3")
    source.ensure_schema()
    source.upsert(BUSINESSES, businesses(b))
    source.upsert(CONTACTS, contacts(c))
    source.upsert(RELATIONSHIPS, relationships(r, b))
    state = SyncState(tmp / "state.sqlite3")
    engine = SyncEngine(client, state)

    emulator.reset_counts()
    t0 = time.perf_counter()
    engine.run(source)
    elapsed = time.perf_counter() - t0
    bound = math.ceil(b / 200) + math.ceil(c / 200) + math.ceil(r / 200)
    writes, reads = record_requests(emulator.request_counts())
    rows.append(("initial load", f"{writes} writes, {reads} reads", f"bound {bound}", f"{elapsed:.1f} s"))

    emulator.reset_counts()
    t0 = time.perf_counter()
    report = engine.run(source)
    elapsed = time.perf_counter() - t0
    writes, reads = record_requests(emulator.request_counts())
    rows.append(("no-op re-sync", f"{writes} writes, {reads} reads", "goal 0 / 0", f"{elapsed:.2f} s"))
    assert report.written == 0

    changed = [
        Contact(f"C-{i:07d}", f"Ada Lovelace {i}", {"primary_email": f"ada.{i}@example.test"}, category_code="VIP",
                llm_context={"summary": f"contact {i}"}, communication_stats={"emails": i})
        for i in range(0, c, 100)
    ]  # fmt: skip
    source.upsert(CONTACTS, changed)
    emulator.reset_counts()
    t0 = time.perf_counter()
    report = engine.run(source)
    elapsed = time.perf_counter() - t0
    writes, reads = record_requests(emulator.request_counts())
    sent = report.entity("contacts").counts["updated"]
    rows.append(
        ("1 % contacts changed", f"{writes} writes, {reads} reads", f"{sent} records sent (bound "
         f"{math.ceil(len(changed) / 200)} writes)", f"{elapsed:.2f} s"),
    )  # fmt: skip
    client.close()
    source.close()
    state.close()
    return rows


def plan_scenario(n: int, tmp: Path) -> tuple[str, str, str, str]:
    source = LocalStore(tmp / "plan-source.sqlite3", write_batch_size=5000)
    source.ensure_schema()
    source.upsert(CONTACTS, contacts(n))
    state = SyncState(tmp / "plan-state.sqlite3")

    def synced() -> Iterator[StateRow]:
        for i, contact in enumerate(contacts(n // 2)):
            changed = i % 100 == 0
            yield StateRow(
                contact.key,
                "old" if changed else contact.content_hash,
                "old" if changed else payload_hash(contact_to_person(contact)),
                f"id-{i}",
            )

    batch: list[StateRow] = []
    for row in synced():
        batch.append(row)
        if len(batch) >= 10_000:
            state.record("contacts", batch)
            batch = []
    state.record("contacts", batch)

    t0 = time.perf_counter()
    plan = Planner(state).plan(source, [CONTACTS])
    elapsed = time.perf_counter() - t0
    tracemalloc.start()  # a second pass for memory: tracemalloc slows allocation-heavy code several times over
    Planner(state).plan(source, [CONTACTS])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    c = plan.entities[0].counts
    source.close()
    state.close()
    return (
        f"plan of {n:,} contacts",
        f"{c['create']:,} create, {c['update']:,} update, {c['unchanged']:,} unchanged",
        f"peak {peak / 1e6:.1f} MB (tracemalloc)",
        f"{elapsed:.1f} s",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--businesses", type=int, default=2_000)
    parser.add_argument("--relationships", type=int, default=10_000)
    parser.add_argument("--plan-contacts", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = load_scenario(args.businesses, args.contacts, args.relationships, Path(tmp))
        rows.append(plan_scenario(args.plan_contacts, Path(tmp)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    print(f"sync bench: {args.businesses} businesses, {args.contacts} contacts, {args.relationships} relationships")
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
