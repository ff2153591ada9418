"""The SDK against the emulator's copy of Twenty's throttle over a loopback socket, on the real clock, at a
scaled-down limit of Twenty's shape (short 5 per 1 s, long 10 per 2 s: a token every 200 ms once the burst is
spent, instead of 600 ms): ``upsert_many(concurrency=3)`` draws no 429, and two clients with their own pacers (two
processes, as far as pacing goes) sharing one workspace both finish with a patient retry policy. Each test takes a
few seconds of pacing."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import RunningServer, serve_in_thread

from twenty_sdk import Pacer, RateLimit, RetryPolicy, TwentyClient

from .conftest import API_KEY

pytestmark = pytest.mark.real_clock  # nox -s tests runs these alone: a busy CPU shifts requests between windows

LIMITS = RateLimit(short_limit=5, short_window=1.0, long_limit=10, long_window=2.0)
BATCH_ROUTE = "POST /rest/batch/{object}"
BATCH = 10  # small batches: the test is about requests, not records
DEFAULT_RETRY = RetryPolicy()
PATIENT = RetryPolicy(max_retries=8)  # what the README advises for several processes writing to one workspace


@pytest.fixture
def server() -> Iterator[RunningServer]:
    limiter = RateLimiter(short_limit=5, short_ttl_ms=1000, long_limit=10, long_ttl_ms=2000)
    with serve_in_thread(Emulator(api_key=API_KEY, rate_limiter=limiter)) as running:
        yield running


def people(n: int, domain: str) -> list[dict[str, Any]]:
    return [{"emails": {"primaryEmail": f"p{i}@{domain}"}} for i in range(n)]


def upsert(server: RunningServer, requests: int, domain: str, retry: RetryPolicy = DEFAULT_RETRY) -> int:
    with TwentyClient(server.url, API_KEY, rate_limit=LIMITS, retry=retry, pacer=Pacer(LIMITS)) as twenty:
        stored = twenty.people.upsert_many(people(requests * BATCH, domain), batch_size=BATCH, concurrency=3)
    return len(stored)


def test_a_concurrent_upsert_draws_no_429(server: RunningServer) -> None:
    assert upsert(server, 30, "one.test") == 300
    assert server.emulator.request_counts()[BATCH_ROUTE] == 30  # each batch sent once: no 429, no retry


def test_two_clients_sharing_a_workspace_both_finish(server: RunningServer) -> None:
    with ThreadPoolExecutor(2) as pool:
        stored = list(pool.map(lambda domain: upsert(server, 20, domain, PATIENT), ["a.test", "b.test"]))
    assert stored == [200, 200]  # neither gave up
    refused = server.emulator.request_counts()[BATCH_ROUTE] - 40
    assert refused <= 10  # some collisions, no storm
