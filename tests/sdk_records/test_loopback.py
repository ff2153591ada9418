"""The records API over a real loopback socket (uvicorn in a thread), sync and async, with and without a rate limit."""

from __future__ import annotations

import asyncio
import math

import pytest
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import RunningServer, serve_in_thread

from twenty_sdk import AsyncTwentyClient, BatchError, RateLimit, RetryPolicy, TwentyClient

from .conftest import API_KEY, NO_PACING, QUICK_RETRY, batch_requests, list_requests, person


def test_crud_and_streaming_over_a_socket(twenty_over_socket: TwentyClient, emulator: Emulator) -> None:
    twenty = twenty_over_socket
    made = twenty.people.create(person(1))
    assert twenty.people.get(made.id).id == made.id
    assert twenty.people.update(made.id, {"jobTitle": "Socket"}).job_title == "Socket"
    twenty.people.delete(made.id)
    assert [p.id for p in twenty.people.restore(made.id)] == [made.id]

    twenty.people.upsert_many(person(i) for i in range(2, 451))
    emulator.reset_counts()
    assert len({p.id for p in twenty.people.iter()}) == 450
    assert list_requests(emulator) == math.ceil(450 / 200)


def test_bisection_over_a_socket(twenty_over_socket: TwentyClient, emulator: Emulator) -> None:
    rows = [person(i) for i in range(200)]
    rows[123]["emails"] = {"primaryEmail": "bad@"}
    with pytest.raises(BatchError) as caught:
        twenty_over_socket.people.upsert_many(rows)
    assert [f.index for f in caught.value.failures] == [123]
    assert caught.value.succeeded == 199
    assert batch_requests(emulator) <= 1 + 2 * math.ceil(math.log2(200))


def test_async_over_a_socket(server: RunningServer, emulator: Emulator) -> None:
    async def main() -> int:
        async with AsyncTwentyClient(server.url, API_KEY, rate_limit=NO_PACING, retry=QUICK_RETRY) as twenty:
            await twenty.people.upsert_many(person(i) for i in range(401))
            return len({str(p.id) async for p in twenty.people.iter()})

    assert asyncio.run(main()) == 401
    assert batch_requests(emulator) == 3
    assert list_requests(emulator) == 3


def test_a_paced_upsert_gets_no_429_under_a_tight_rate_limit() -> None:
    # The shape of Twenty's limits made quick: 5 per 1 s and 10 per 2 s. No retries: one 429 would fail the test.
    limits = RateLimit(short_limit=5, short_window=1.0, long_limit=10, long_window=2.0)
    emulator = Emulator(
        api_key=API_KEY, rate_limiter=RateLimiter(short_limit=5, short_ttl_ms=1000, long_limit=10, long_ttl_ms=2000)
    )
    with (
        serve_in_thread(emulator) as server,
        TwentyClient(server.url, API_KEY, rate_limit=limits, retry=RetryPolicy(max_retries=0)) as twenty,
    ):
        stored = twenty.people.upsert_many(person(i) for i in range(3_000))
    assert len(stored) == 3_000
    assert batch_requests(emulator) == 15
