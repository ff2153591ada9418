"""Smoke test of ``bench/run_all.py`` at a tiny size (seconds): it runs, prints the table's rows, and ours uses fewer
requests than the seed's approach. The figures themselves are the benchmark's business (``nox -s bench``)."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

RUN_ALL = Path(__file__).resolve().parents[2] / "bench" / "run_all.py"
RECORDS = 50
EXPORT = 200  # people exported with iter(): several pages of 60
PACED = 400  # people of the paced run: two batches, inside the scaled-down limit's initial burst
APPROACHES = ("seed: lookup + POST/PATCH per record", "ours: people.upsert_many", "ours: SyncEngine.run (LocalStore)")
SCENARIOS = ("initial load", "re-run, 1 % changed")


def run_table() -> str:
    done = subprocess.run(
        [sys.executable, str(RUN_ALL), "--records", str(RECORDS), "--export", str(EXPORT), "--paced-records",
         str(PACED), "--import-runs", "1"],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The table, run once per test run: under pytest-xdist the first worker to ask runs it and leaves it in the run's
    shared temporary folder (the others wait on a lock and read it)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return run_table()
    shared = tmp_path_factory.getbasetemp().parent  # this run's folder, above every worker's own
    saved = shared / "bench-run-all-table.md"
    with (shared / "bench-run-all-table.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not saved.is_file():
            saved.write_text(run_table(), encoding="utf-8")
        return saved.read_text(encoding="utf-8")


def throughput(table: str) -> dict[tuple[str, str], list[str]]:
    """The throughput rows: (scenario, approach) -> [records, requests, wall time, records/s, requests/record]."""
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0] in SCENARIOS:
            rows[cells[0], cells[1]] = cells[2:]
    return rows


def number(cell: str) -> float:
    return float(cell.replace(",", ""))


def test_every_row_is_printed(table: str) -> None:
    rows = throughput(table)
    assert set(rows) == {(s, a) for s in SCENARIOS for a in APPROACHES}
    for cells in rows.values():
        assert number(cells[0]) == RECORDS
        assert number(cells[2]) > 0
    assert "Computed (not measured)" in table
    assert "100 requests/min" in table
    for label in ("pacing efficiency, whole run", "pacing efficiency, steady state", "`import twenty_sdk`"):
        assert label in table
    assert re.search(rf"peak memory exporting {EXPORT:,} people .* \| [\d.]+ MB \|", table)
    assert re.search(rf"after all {EXPORT:,} .* \| [\d.]+ MB \|", table)


def test_ours_uses_fewer_requests_than_the_seed(table: str) -> None:
    rows = throughput(table)
    for scenario in SCENARIOS:
        seed = number(rows[scenario, APPROACHES[0]][1])
        assert seed == 2 * RECORDS  # a lookup, then a create or an update, per record
        for ours in APPROACHES[1:]:
            assert number(rows[scenario, ours][1]) < seed
