"""``kill -9`` of ``python -m twenty_sync ... run`` (from the local store, and from BigQuery where the plan is a diff
in the warehouse against a copy of the state) at seeded points (after the k-th batch request reached the
emulator, plus a random few milliseconds), against an emulator served in this process (it survives the kill); then
a run to completion: Twenty holds each source key once, nothing lost, and the state names each key's Twenty record."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from twenty_emulator import Emulator, FaultRule, RateLimiter
from twenty_emulator._testing import RunningServer, serve_in_thread
from twenty_sync import BUSINESSES, CONTACTS, RELATIONSHIPS, SyncState

from twenty_sdk import RateLimit, TwentyClient

from ._common import KEYS, OBJECTS, expected_keys, generate_sample, snapshot, state_ids, write_source

API_KEY = "tw_kill9_Hd8sK2nW5qZ1"
BATCH_ROUTE = "POST /rest/batch/{object}"
SAMPLE = generate_sample(0.05, 7)  # 5 batches: 1 of businesses, 2 of contacts, 2 of relationships
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[RunningServer]:
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    with serve_in_thread(emulator) as running:
        yield running


def sync_cli(url: str, source: str, state: Path) -> subprocess.Popen[bytes]:
    args = ["--state", str(state), "--url", url, "--api-key", API_KEY, "--no-rate-limit"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWENTY_")}
    return subprocess.Popen(
        [sys.executable, "-m", "twenty_sync", *args, "run", "--source", source],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )


def kill_after(proc: subprocess.Popen[bytes], server: RunningServer, batches: int, extra: float) -> bool:
    """SIGKILL once ``batches`` batch requests reached the emulator (0: any request) and ``extra`` seconds passed;
    False if the run ended first."""
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        counts = server.emulator.request_counts()
        seen = counts.get(BATCH_ROUTE, 0) if batches else sum(counts.values())
        if seen >= max(batches, 1):
            time.sleep(extra)
            if proc.poll() is not None:
                return False
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.002)
    proc.communicate()
    return False


@pytest.fixture
def bigquery_source(request: pytest.FixtureRequest) -> Iterator[str]:
    """The sample in a fresh dataset of the session's bqemulator, as a ``--source`` spec (the diff runs there)."""
    from twenty_sync.stores import BigQueryStore

    emulator = request.getfixturevalue("bigquery_emulator")
    dataset = f"kill9_{uuid.uuid4().hex[:10]}"
    store = BigQueryStore.connect(emulator.project, dataset, api_endpoint=emulator.url, timeout=60)
    store.ensure_schema()
    local = write_source(Path(request.getfixturevalue("tmp_path")) / "staging.sqlite3", SAMPLE)
    for entity in (BUSINESSES, CONTACTS, RELATIONSHIPS):
        for batch in local.read_all(entity):
            assert store.upsert(entity, batch).ok
    local.close()
    yield f"bigquery:{emulator.project}.{dataset}?api_endpoint={emulator.url}"
    store.client.delete_dataset(dataset, delete_contents=True, not_found_ok=True)
    store.close()


@pytest.mark.parametrize(
    ("kind", "seed"), [("local", 11), ("local", 22), ("local", 33), ("local", 44), ("bigquery", 55), ("bigquery", 66)]
)
def test_a_sync_killed_at_a_random_point_converges_when_run_again(
    server: RunningServer, tmp_path: Path, request: pytest.FixtureRequest, kind: str, seed: int
) -> None:
    rng = random.Random(seed)
    source_path, state_path = tmp_path / "source.sqlite3", tmp_path / "state.sqlite3"
    if kind == "local":
        write_source(source_path, SAMPLE).close()
        source = f"local:{source_path}"
    else:
        source = request.getfixturevalue("bigquery_source")
    server.emulator.faults.set([FaultRule(route="POST /rest/batch/*", latency_ms=40)], seed=seed)

    kills = 0
    for _ in range(2):  # killed twice in a row, at two points
        server.emulator.reset_counts()  # k counts this run's batches
        proc = sync_cli(server.url, source, state_path)
        kills += kill_after(proc, server, batches=rng.randrange(0, 5), extra=rng.uniform(0, 0.06))
        assert proc.returncode is not None
    assert kills >= 1

    server.emulator.faults.clear()
    final = sync_cli(server.url, source, state_path)
    out, err = final.communicate(timeout=60)
    assert b"relationships" in out  # the report table
    assert final.returncode == 1, err.decode()  # 1: the sample's rejected records, logged
    assert b"Traceback" not in err

    with TwentyClient(server.url, API_KEY, rate_limit=RateLimit(enabled=False)) as client:
        counts, _ = snapshot(client)
        ids = {e: {str(r["id"]): str(r[KEYS[e]]) for r in client.records(p).iter()} for e, p in OBJECTS.items()}
    assert counts == expected_keys(SAMPLE)  # each key once: no duplicate, nothing lost
    state = SyncState(state_path)
    for entity in OBJECTS:  # the state is consistent with Twenty: each synced key names its record
        assert {twenty_id: key for key, twenty_id in state_ids(state, entity).items()} == ids[entity]
    run_id = state.last_run_id()
    rejected = {(entity, key) for entity, keys in SAMPLE.rejected.items() for key in keys}
    logged = {(e.entity, e.key) for e in state.errors(run_id) if not e.reason.startswith("warning: ")}
    state.close()
    with sqlite3.connect(state_path) as db:  # refused for good by a killed run, unchanged since: held back, not resent
        held = {(str(entity), str(key)) for entity, key in db.execute("SELECT entity, key FROM refused")}
    assert logged <= rejected
    assert logged | held == rejected

    server.emulator.reset_counts()
    again = sync_cli(server.url, source, state_path)  # a further run writes nothing new
    again.communicate(timeout=60)
    assert again.returncode == 1
    with TwentyClient(server.url, API_KEY, rate_limit=RateLimit(enabled=False)) as client:
        assert snapshot(client)[0] == expected_keys(SAMPLE)
