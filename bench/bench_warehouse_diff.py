"""The plan of a large BigQuery table, diffed inside the warehouse against a copy of the sync state, compared with
the same plan from the local store (every row read into Python and merge-joined there).

    python bench/bench_warehouse_diff.py [--contacts 1000000]

BigQuery is bqemulator (DuckDB behind the BigQuery REST API, started on loopback by this script); the table is filled
in SQL (``INSERT … SELECT … FROM UNNEST(GENERATE_ARRAY(…))``), so only the plan is measured. Two scenarios:

1. **all synced, 1 % changed**: the steady state of a daily sync;
2. **half synced**: the state knows half the contacts, 1 % of those changed since (as ``bench_sync.py``'s local plan):
   half the table are creates, which must travel to be sent.

For each: the first plan (the state's copy uploaded whole: one load job), the next plan (the copy up to date: no
upload, only the diff query), rows read out of the warehouse, and peak Python memory (tracemalloc, a separate pass).
Figures vary with the machine; on real BigQuery the diff is a query over the hashed columns and its time depends on
the slot count, not on this process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from twenty_sync import CONTACTS, Contact, StateRow, SyncState
from twenty_sync._plan import Planner
from twenty_sync.stores import BigQueryStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from services.bigquery import start_bqemulator  # type: ignore[import-not-found]


def contact(i: int) -> Contact:
    """The row ``fill`` writes in SQL for ``i``, as a record (same content hash)."""
    return Contact(
        f"C-{i:07d}",
        f"Ada Lovelace {i}",
        {"primary_email": f"ada.{i}@example.test"},
        category_code="PRO",
        llm_context={"summary": f"contact {i}"},
        communication_stats={"emails": i},
    )


def fill(store: BigQueryStore, n: int) -> float:
    t0 = time.perf_counter()
    store._run(
        f"INSERT INTO {store.table(CONTACTS)} (contact_id, canonical_name, contact_identifiers, category_code, "
        "llm_context, communication_stats, updated_at) "
        "SELECT FORMAT('C-%07d', n), CONCAT('Ada Lovelace ', CAST(n AS STRING)), "
        "JSON_OBJECT('primary_email', CONCAT('ada.', CAST(n AS STRING), '@example.test')), 'PRO', "
        "JSON_OBJECT('summary', CONCAT('contact ', CAST(n AS STRING))), JSON_OBJECT('emails', n), CURRENT_TIMESTAMP() "
        f"FROM UNNEST(GENERATE_ARRAY(0, {n - 1})) AS n"
    )
    return time.perf_counter() - t0


def synced_state(path: Path, synced: int) -> SyncState:
    """A state knowing contacts 0..synced-1, with every 100th one's hash out of date (it changed since)."""
    state = SyncState(path)

    def rows() -> Iterator[StateRow]:
        for i in range(synced):
            changed = i % 100 == 0
            yield StateRow(f"C-{i:07d}", "old" if changed else contact(i).content_hash, "old", f"id-{i}")

    batch: list[StateRow] = []
    for row in rows():
        batch.append(row)
        if len(batch) >= 20_000:
            state.record("contacts", batch)
            batch = []
    state.record("contacts", batch)
    return state


def measure(store: BigQueryStore, state: SyncState) -> tuple[float, int, dict[str, int]]:
    """One plan: (seconds, rows read out of the warehouse, counts)."""
    rows = 0
    inner = store.diff_mirror

    def counted(*args: object, **kwargs: object) -> object:
        total, batches = inner(*args, **kwargs)  # type: ignore[arg-type]

        def each() -> Iterator[object]:
            nonlocal rows
            for batch in batches:
                rows += len(batch)
                yield batch

        return total, each()

    setattr(store, "diff_mirror", counted)  # noqa: B010 (an instance attribute shadows the method)
    try:
        t0 = time.perf_counter()
        plan = Planner(state, read_batch_size=5_000).plan(store, [CONTACTS])
        elapsed = time.perf_counter() - t0
    finally:
        del store.diff_mirror
    return elapsed, rows, dict(plan.entities[0].counts)


def scenario(store: BigQueryStore, synced: int, tmp: Path, label: str, *, timed_again: bool) -> list[tuple[str, ...]]:
    """The first plan (timed), the next one (timed when ``timed_again``), then one under tracemalloc (its peak)."""
    state = synced_state(tmp / f"state-{synced}.sqlite3", synced)
    out: list[tuple[str, ...]] = []
    first, rows, counts = measure(store, state)
    out.append((label, "first plan (copy uploaded)", f"{first:.1f} s", f"{rows:,} rows out", _counts(counts)))
    again = measure(store, state)[0] if timed_again else None
    tracemalloc.start()  # slows allocation-heavy code several times over: a pass of its own
    rows = measure(store, state)[1]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    timing = f"{again:.1f} s" if again is not None else "-"
    out.append((label, "next plan (copy current)", timing, f"{rows:,} rows out", f"peak {peak / 1e6:.1f} MB"))
    state.close()
    return out


def _counts(c: dict[str, int]) -> str:
    return f"{c.get('create', 0):,} create, {c.get('update', 0):,} update, {c.get('unchanged', 0):,} unchanged"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument(
        "--quick-half", action="store_true", help="half synced: time the first plan only (half the rows travel)"
    )
    args = parser.parse_args()
    n = args.contacts
    rows: list[tuple[str, ...]] = []
    with start_bqemulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        store = BigQueryStore.connect(emulator.project, "bench", api_endpoint=emulator.url, timeout=3600)
        store.ensure_schema()
        print(f"filled {n:,} contacts in bqemulator in {fill(store, n):.1f} s", flush=True)
        rows += scenario(store, n, Path(tmp), "all synced, 1 % changed", timed_again=True)
        rows += scenario(store, n // 2, Path(tmp), "half synced", timed_again=not args.quick_half)
        store.close()
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    print(f"in-warehouse plan of {n:,} contacts (bqemulator)")
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
