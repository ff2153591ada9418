"""Smoke test of ``bench/run_all.py`` at a tiny size: it runs, prints the table's rows, and ours uses fewer requests
than the seed's approach."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

RUN_ALL = Path(__file__).resolve().parents[2] / "bench" / "run_all.py"
RECORDS = 50
APPROACHES = ("seed: lookup + POST/PATCH per record", "ours: people.upsert_many", "ours: SyncEngine.run (LocalStore)")
SCENARIOS = ("initial load", "re-run, 1 % changed")


@pytest.fixture(scope="module")
def table() -> str:
    done = subprocess.run(
        [sys.executable, str(RUN_ALL), "--records", str(RECORDS), "--export", "1000", "--paced-records", "2000",
         "--import-runs", "1"],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


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
    assert re.search(r"peak memory exporting 1,000 people .* \| [\d.]+ MB \|", table)
    assert re.search(r"after all 1,000 .* \| [\d.]+ MB \|", table)


def test_ours_uses_fewer_requests_than_the_seed(table: str) -> None:
    rows = throughput(table)
    for scenario in SCENARIOS:
        seed = number(rows[scenario, APPROACHES[0]][1])
        assert seed == 2 * RECORDS  # a lookup, then a create or an update, per record
        for ours in APPROACHES[1:]:
            assert number(rows[scenario, ours][1]) < seed
