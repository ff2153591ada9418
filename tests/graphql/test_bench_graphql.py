"""Smoke test of ``bench/bench_graphql.py`` at a tiny size: every way reads the same companies and people, and
GraphQL reads them in one request where REST one-by-one needs one per company."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_graphql.py"


def test_the_benchmark_reads_the_same_data_every_way_and_graphql_in_one_request() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--companies", "3", "--people", "2"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {line[:32].strip(): line[32:].split() for line in done.stdout.splitlines()[2:]}
    assert set(rows) == {"REST, one by one", "REST, batched (companyId[in])", "REST, depth=1", "GraphQL, nested"}
    assert all(cells[-1] == "True" for cells in rows.values()), done.stdout
    assert rows["REST, one by one"][0] == "4"
    assert rows["GraphQL, nested"][0] == "1"
