"""Every bench in one command, printed as one Markdown table: the seed's approach against ours.

    python bench/run_all.py [--records 2000] [--export 100000] [--paced-records 10000] [--import-runs 3]

1. **Throughput** (same data, same emulator over a loopback socket, rate limit off, each approach from an empty
   workspace): an initial load of N people, then a re-run with 1 % of them changed.

   - *seed*: per record, look it up (``GET /rest/people?filter=emails.primaryEmail[eq]:…``), then create it
     (``POST /rest/people``) or update it (``PATCH /rest/people/{id}``): plain httpx, sequential, as a naive
     integration would (it has no memory of what it sent, so the re-run looks up and updates every record);
   - *ours*: ``client.people.upsert_many`` (the re-run sends every record again), and ``SyncEngine.run`` from a
     ``LocalStore`` (the re-run sends only what changed).

   The people are the sync engine's contacts (``bench_sync.contacts``, as ``contact_to_person`` maps them), so every
   row writes the same payloads; the seed schema is created before each row and not counted.
2. **Pacing efficiency** under a scaled-down rate limit (``bench_upsert.paced``; goal ≥ 95 %).
3. **``import twenty_sdk``** time in a fresh interpreter (``bench_import.measure``; goal ≤ 0.3 s).
4. **Peak memory exporting** with ``client.people.iter()`` (tracemalloc; the emulator is in process, so its own
   allocations while answering count too): at ``--export`` records and at a tenth of that, to show it is constant.
5. **Computed**: the wall time each approach needs under Twenty's default limit of 100 requests per minute.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import attrs
import httpx
from bench_import import measure
from bench_sync import contacts
from bench_upsert import API_KEY as PACED_API_KEY
from bench_upsert import emulator_process, paced
from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport, serve_in_thread
from twenty_sync import CONTACTS, SEED_SCHEMA, Contact, SyncEngine, SyncState
from twenty_sync._mapping import contact_to_person
from twenty_sync.stores import LocalStore

from twenty_sdk import RateLimit, RetryPolicy, TwentyClient

API_KEY = "tw_bench_run_all_7Hq3"
TWENTY_REQUESTS_PER_MINUTE = 100  # Twenty's default limit


@dataclass
class Row:
    scenario: str
    approach: str
    records: int
    requests: int
    seconds: float


def changed_contacts(n: int) -> list[Contact]:
    """1 % of ``contacts(n)`` (every 100th), with another category."""
    return [attrs.evolve(c, category_code="VIP") for i, c in enumerate(contacts(n)) if i % 100 == 0]


def rerun_contacts(n: int) -> list[Contact]:
    """``contacts(n)`` with the 1 % of ``changed_contacts(n)`` replaced."""
    changed = {c.key: c for c in changed_contacts(n)}
    return [changed.get(c.key, c) for c in contacts(n)]


def payloads(items: Sequence[Contact]) -> list[dict[str, Any]]:
    return [contact_to_person(c) for c in items]


def total_requests(emulator: Emulator) -> int:
    return sum(emulator.request_counts().values())


def _timed_run(emulator: Emulator, fn: Callable[[], object]) -> tuple[int, float]:
    emulator.reset_counts()
    started = time.perf_counter()
    fn()
    return total_requests(emulator), time.perf_counter() - started


def _socket_workspace(fn: Callable[[Emulator, str, TwentyClient], list[Row]]) -> list[Row]:
    """A fresh emulator (rate limit off) served on a loopback socket, with the seed schema in place."""
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    with (
        serve_in_thread(emulator) as server,
        TwentyClient(
            server.url, API_KEY, rate_limit=RateLimit(enabled=False), retry=RetryPolicy(max_retries=0)
        ) as twenty,
    ):
        twenty.metadata.ensure_schema(SEED_SCHEMA)
        return fn(emulator, server.url, twenty)


# --- the seed's approach ----------------------------------------------------------------------------------------------


def naive_upsert(http: httpx.Client, people: Sequence[dict[str, Any]]) -> None:
    """Per record: look it up by email, then create it or update it."""
    for person in people:
        email = person["emails"]["primaryEmail"]
        found = http.get("/rest/people", params={"filter": f"emails.primaryEmail[eq]:{email}"})
        found.raise_for_status()
        existing = found.json()["data"]["people"]
        if existing:
            http.patch(f"/rest/people/{existing[0]['id']}", json=person).raise_for_status()
        else:
            http.post("/rest/people", json=person).raise_for_status()


def seed_rows(n: int) -> list[Row]:
    def run(emulator: Emulator, url: str, _: TwentyClient) -> list[Row]:
        headers = {"Authorization": f"Bearer {API_KEY}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            first, rerun = payloads(list(contacts(n))), payloads(rerun_contacts(n))
            requests, seconds = _timed_run(emulator, lambda: naive_upsert(http, first))
            rows = [Row("initial load", "seed: lookup + POST/PATCH per record", n, requests, seconds)]
            requests, seconds = _timed_run(emulator, lambda: naive_upsert(http, rerun))
            rows.append(Row("re-run, 1 % changed", "seed: lookup + POST/PATCH per record", n, requests, seconds))
        return rows

    return _socket_workspace(run)


# --- ours -------------------------------------------------------------------------------------------------------------


def upsert_many_rows(n: int) -> list[Row]:
    def run(emulator: Emulator, _: str, twenty: TwentyClient) -> list[Row]:
        first, rerun = payloads(list(contacts(n))), payloads(rerun_contacts(n))
        requests, seconds = _timed_run(emulator, lambda: twenty.people.upsert_many(first))
        rows = [Row("initial load", "ours: people.upsert_many", n, requests, seconds)]
        requests, seconds = _timed_run(emulator, lambda: twenty.people.upsert_many(rerun))
        rows.append(Row("re-run, 1 % changed", "ours: people.upsert_many", n, requests, seconds))
        return rows

    return _socket_workspace(run)


def sync_engine_rows(n: int) -> list[Row]:
    def run(emulator: Emulator, _: str, twenty: TwentyClient) -> list[Row]:
        with tempfile.TemporaryDirectory() as tmp:
            source = LocalStore(Path(tmp) / "source.sqlite3")
            state = SyncState(Path(tmp) / "state.sqlite3")
            try:
                source.ensure_schema()
                source.upsert(CONTACTS, contacts(n))
                engine = SyncEngine(twenty, state)
                requests, seconds = _timed_run(emulator, lambda: engine.run(source, entities=[CONTACTS]))
                rows = [Row("initial load", "ours: SyncEngine.run (LocalStore)", n, requests, seconds)]
                source.upsert(CONTACTS, changed_contacts(n))
                requests, seconds = _timed_run(emulator, lambda: engine.run(source, entities=[CONTACTS]))
                rows.append(Row("re-run, 1 % changed", "ours: SyncEngine.run (LocalStore)", n, requests, seconds))
            finally:
                source.close()
                state.close()
        return rows

    return _socket_workspace(run)


# --- the other figures ------------------------------------------------------------------------------------------------


def pacing(n: int) -> tuple[float, float, str]:
    """``bench_upsert.paced``'s whole-run and steady-state efficiency (%), and its first line."""
    out = io.StringIO()
    with redirect_stdout(out):
        paced(n)
    text = out.getvalue()
    used = re.search(r"-> ([\d.]+) % used", text)
    steady = re.search(r"-> ([\d.]+|nan) %\s*$", text)
    if used is None or steady is None:
        raise RuntimeError(f"unexpected output of bench_upsert.paced:\n{text}")
    return float(used.group(1)), float(steady.group(1)), text.splitlines()[0].strip()


def export_peaks(n: int, small: int, tmp: Path) -> tuple[float, float, float]:
    """Load ``n`` people through ``upsert_many`` into an in-process emulator (rate limit off, records in a SQLite
    file), then export them all with ``people.iter()`` from an emulator serving that file in its own process (so that
    tracemalloc sees the client alone, and the run stays short). One traced pass: the peak (bytes) once ``small``
    records are out, the peak at the end, and the seconds of the export."""
    database = tmp / "export.sqlite3"
    emulator = Emulator(api_key=PACED_API_KEY, database=str(database), rate_limiter=RateLimiter(enabled=False))
    transport = ASGISyncTransport(create_app(emulator))
    with TwentyClient(
        "http://twenty.local", PACED_API_KEY, transport=transport, rate_limit=RateLimit(enabled=False)
    ) as twenty:
        twenty.people.upsert_many(_export_people(n), max_failures=0)
    emulator.store.close()
    with (
        emulator_process("--no-rate-limit", "--database", str(database)) as url,
        TwentyClient(url, PACED_API_KEY, rate_limit=RateLimit(enabled=False)) as twenty,
    ):
        count, peak_small = 0, 0
        tracemalloc.start()
        started = time.perf_counter()
        for _ in twenty.people.iter():
            count += 1
            if count == small:
                peak_small = tracemalloc.get_traced_memory()[1]
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    if count != n:
        raise RuntimeError(f"exported {count} records, expected {n}")
    return peak_small, peak, seconds


def _export_people(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {
            "name": {"firstName": f"Export{i}", "lastName": "Bench"},
            "emails": {"primaryEmail": f"export{i}@bench.test"},
            "jobTitle": "Exporter",
        }


# --- the table --------------------------------------------------------------------------------------------------------


def throughput_table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| scenario | approach | records | requests | wall time (s) | records/s | requests/record |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.scenario} | {r.approach} | {r.records:,} | {r.requests:,} | {r.seconds:.2f} | "
            f"{r.records / r.seconds:,.0f} | {r.requests / r.records:.3f} |"
        )
    return lines


def rate_limited_table(rows: Sequence[Row]) -> list[str]:
    lines = [
        f"| scenario | approach | requests | computed wall time at {TWENTY_REQUESTS_PER_MINUTE} requests/min |",
        "|---|---|---:|---:|",
    ]
    for r in rows:
        minutes = r.requests / TWENTY_REQUESTS_PER_MINUTE
        lines.append(f"| {r.scenario} | {r.approach} | {r.requests:,} | {_duration(minutes)} |")
    return lines


def _duration(minutes: float) -> str:
    if minutes < 1:
        return f"{minutes * 60:.1f} s"
    return f"{minutes:.1f} min" if minutes < 90 else f"{minutes / 60:.1f} h ({minutes:,.0f} min)"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=2_000, help="people per load (default 2000)")
    parser.add_argument("--export", type=int, default=100_000, help="people exported with iter() (default 100000)")
    parser.add_argument("--paced-records", type=int, default=10_000, help="people of the paced run (default 10000)")
    parser.add_argument("--import-runs", type=int, default=3, help="fresh interpreters for the import time")
    args = parser.parse_args(argv)
    n = args.records
    started = time.perf_counter()

    rows = [*seed_rows(n), *upsert_many_rows(n), *sync_engine_rows(n)]
    rows.sort(key=lambda r: r.scenario != "initial load")  # stable: seed, upsert_many, SyncEngine in each scenario
    used, steady, paced_line = pacing(args.paced_records)
    import_seconds, _, _ = measure("import twenty_sdk", args.import_runs)
    small = max(1, args.export // 10)
    with tempfile.TemporaryDirectory() as tmp:
        peak_small, peak, export_seconds = export_peaks(args.export, small, Path(tmp))
    elapsed = time.perf_counter() - started

    out = [
        f"## Benchmarks: the seed's approach vs ours ({n:,} people; python {sys.version.split()[0]})",
        "",
        "Throughput: the emulator over a loopback socket, rate limit off; each approach starts from an empty "
        "workspace. Requests count every request the emulator served (the sync engine's schema check included).",
        "",
        *throughput_table(rows),
        "",
        f"Computed (not measured): wall time under Twenty's default rate limit of {TWENTY_REQUESTS_PER_MINUTE} "
        f"requests per minute = requests ÷ {TWENTY_REQUESTS_PER_MINUTE} min.",
        "",
        *rate_limited_table(rows),
        "",
        "| other figure | value | goal |",
        "|---|---:|---|",
        f"| pacing efficiency, whole run (scaled-down limit; {paced_line}) | {used:.1f} % | ≥ 95 % |",
        f"| pacing efficiency, steady state after the initial burst | {steady:.1f} % | ≥ 95 % |",
        f"| `import twenty_sdk` (fresh interpreter, median of {args.import_runs}) | {import_seconds:.3f} s | ≤ 0.3 s |",
    ]
    out += [
        f"| peak memory exporting {args.export:,} people with `people.iter()`: after the first {small:,} "
        f"(tracemalloc, client side) | {peak_small / 1e6:.1f} MB | constant in N |",
        f"| … and after all {args.export:,} ({export_seconds:.0f} s under tracemalloc) | {peak / 1e6:.1f} MB "
        "| constant in N |",
    ]
    ours = min((r for r in rows if r.scenario == "initial load" and r.approach.startswith("ours")),
               key=lambda r: r.requests)  # fmt: skip
    seed = next(r for r in rows if r.scenario == "initial load" and r.approach.startswith("seed"))
    out += [
        "",
        f"Initial load: {seed.requests / ours.requests:,.0f} times fewer requests than the seed's approach "
        f"({ours.requests:,} vs {seed.requests:,}). Whole run: {elapsed:.0f} s.",
    ]
    print("\n".join(out))


if __name__ == "__main__":
    main()
