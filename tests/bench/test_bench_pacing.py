"""Smoke test of ``bench/bench_pacing.py`` at a tiny size against the in-process emulator with a scaled-down limit:
it runs, prints its figures for one client and for two, draws no 429 alone, and deletes what it created."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_pacing.py"
FIGURES = re.compile(
    r"(\d+)/(\d+) people, (\d+) requests \(needed (\d+)\), (\d+) x 429, wall [\d.]+ s, best [\d.]+ s "
    r"\(burst [\d.]+ s \+ [\d.]+ s paced\), efficiency [\d.]+%"
)


def bench(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--records", "400", "--limits", "100/1000,10/1000", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize("concurrency", ["1", "3"])
def test_one_client_prints_its_figures_and_draws_no_429(concurrency: str) -> None:
    out = bench("--concurrency", concurrency)
    (figures,) = FIGURES.findall(out)
    stored, records, sent, needed, refused = map(int, figures)
    assert (stored, records, sent, needed, refused) == (400, 400, 2, 2, 0)
    assert "deleted the people of pace-" in out


def test_two_clients_print_their_figures_and_the_whole() -> None:
    out = bench("--clients", "2", "--records", "1000")  # 5 batches each
    rows = FIGURES.findall(out)
    assert len(rows) == 3  # each client, then both
    *clients, whole = (tuple(map(int, row)) for row in rows)
    assert [c[0] for c in clients] == [1000, 1000]
    assert whole[0] == 2000
    assert whole[2] == clients[0][2] + clients[1][2]
    assert out.count("client pace-") == 2
