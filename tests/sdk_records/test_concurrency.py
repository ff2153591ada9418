"""``upsert_many(concurrency=N)``: up to N batch requests in flight (never more), each paced by the shared token
bucket, and the same outcome as one at a time: results in input order, failures with the same indexes and reasons,
``max_failures`` still stopping the run, and a record repeated in two batches still won by the later one. No test
here times anything: a counting transport reports how many requests were in flight at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator, FaultRule, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport

from twenty_sdk import AsyncTwentyClient, BadRequestError, BatchError, Pacer, RateLimit, TwentyClient

from .conftest import API_KEY, BASE_URL, NO_PACING, QUICK_RETRY, batch_requests, person

SLOW_BATCHES = FaultRule(route="POST /rest/batch/*", latency_ms=40)
STORED = ("name", "emails", "jobTitle", "city")


class InFlight(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Passes requests on and counts how many are in flight at once (``peak``)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def _enter(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def _leave(self) -> None:
        with self._lock:
            self.now -= 1

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._enter()
        try:
            response: httpx.Response = self.inner.handle_request(request)
            response.read()
            return response
        finally:
            self._leave()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._enter()
        try:
            response: httpx.Response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self._leave()

    def close(self) -> None:
        self.inner.close()

    async def aclose(self) -> None:
        await self.inner.aclose()


def fresh_emulator(*faults: FaultRule) -> Emulator:
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    emulator.faults.set(list(faults), seed=1)
    return emulator


def counted_client(emulator: Emulator, pacer: Pacer | None = None) -> tuple[TwentyClient, InFlight]:
    counter = InFlight(ASGISyncTransport(create_app(emulator)))
    options: dict[str, Any] = {"pacer": pacer} if pacer is not None else {"rate_limit": NO_PACING}
    return TwentyClient(BASE_URL, API_KEY, transport=counter, retry=QUICK_RETRY, **options), counter


def stored(record: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(record.get(name) for name in STORED)


def messy_rows() -> list[dict[str, Any]]:
    """600 people in batches of 50: four that Twenty refuses, one NUL byte, and in-batch and cross-batch repeats."""
    rows = [person(i, jobTitle=f"job {i}") for i in range(600)]
    rows[17]["emails"] = {"primaryEmail": "bob@"}
    rows[150]["emails"] = {"primaryEmail": "not an email"}
    rows[233]["emails"] = {"primaryEmail": "@nobody"}
    rows[391]["companyId"] = "00000000-0000-4000-8000-000000000001"
    rows[402]["jobTitle"] = "bad\x00title"
    rows[10] = person(3, jobTitle="repeat in the same batch")
    rows[120] = person(5, jobTitle="repeat two batches later")
    rows[560] = person(130, jobTitle="repeat eight batches later")
    return rows


def run_upsert(emulator: Emulator, rows: list[dict[str, Any]], concurrency: int) -> tuple[BatchError, InFlight]:
    twenty, counter = counted_client(emulator)
    with twenty, pytest.raises(BatchError) as caught:
        twenty.records("people").upsert_many(rows, batch_size=50, concurrency=concurrency)
    return caught.value, counter


def outcome(err: BatchError) -> tuple[Any, ...]:
    return (
        [stored(r) for r in err.results],
        [(f.index, f.reason) for f in err.failures],
        err.succeeded,
        err.complete,
    )


def test_results_and_failures_are_the_same_as_one_at_a_time() -> None:
    rows = messy_rows()
    one, serial = run_upsert(fresh_emulator(SLOW_BATCHES), rows, 1)
    three_emulator = fresh_emulator(SLOW_BATCHES)
    three, parallel = run_upsert(three_emulator, rows, 3)

    assert outcome(three) == outcome(one)
    assert [f.index for f in three.failures] == [17, 150, 233, 391, 402]
    assert serial.peak == 1
    assert 1 < parallel.peak <= 3
    with counted_client(three_emulator)[0] as twenty:
        jobs = {r["emails"]["primaryEmail"]: r["jobTitle"] for r in twenty.records("people").iter()}
    assert jobs["p3@records.test"] == "repeat in the same batch"
    assert jobs["p5@records.test"] == "repeat two batches later"
    assert jobs["p130@records.test"] == "repeat eight batches later"


@pytest.mark.parametrize("concurrency", [2, 3, 5])
def test_never_more_than_concurrency_requests_are_in_flight(concurrency: int) -> None:
    emulator = fresh_emulator(SLOW_BATCHES)
    twenty, counter = counted_client(emulator)
    rows = [person(i) for i in range(400)]
    with twenty:
        results = twenty.records("people").upsert_many(rows, batch_size=25, concurrency=concurrency)

    assert [r["emails"]["primaryEmail"] for r in results] == [f"p{i}@records.test" for i in range(400)]
    assert batch_requests(emulator) == 16
    assert 1 < counter.peak <= concurrency


def test_batches_sharing_a_key_are_never_in_flight_together() -> None:
    emulator = fresh_emulator(SLOW_BATCHES)
    twenty, counter = counted_client(emulator)
    rows = [person(i % 10, jobTitle=f"round {i // 10}") for i in range(60)]  # every batch holds the same 10 people
    with twenty:
        results = twenty.records("people").upsert_many(rows, batch_size=10, concurrency=3)
        stored_jobs = {r["emails"]["primaryEmail"]: r["jobTitle"] for r in twenty.records("people").iter()}

    assert len(results) == 60
    assert counter.peak == 1
    assert stored_jobs == {f"p{i}@records.test": "round 5" for i in range(10)}


def test_each_concurrent_batch_takes_a_token_from_the_shared_pacer() -> None:
    taken: list[float] = []

    class CountingPacer(Pacer):
        def reserve(self) -> float:
            taken.append(super().reserve())
            return taken[-1]

    emulator = fresh_emulator(SLOW_BATCHES)
    pacer = CountingPacer(RateLimit(short_limit=1000, long_limit=1000), sleep=lambda _s: None)
    twenty, counter = counted_client(emulator, pacer)
    with twenty:
        twenty.people.upsert_many([person(i) for i in range(300)], batch_size=20, concurrency=4)

    assert len(taken) == batch_requests(emulator) == 15
    assert 1 < counter.peak <= 4


def test_too_many_failures_still_stop_a_concurrent_run() -> None:
    emulator = fresh_emulator(SLOW_BATCHES)
    twenty, _ = counted_client(emulator)
    rows = [person(i) for i in range(20)] + [{"emails": {"primaryEmail": f"broken{i}@"}} for i in range(200)]
    with twenty, pytest.raises(BatchError) as caught:
        twenty.records("people").upsert_many(rows, batch_size=20, max_failures=3, concurrency=3)

    err = caught.value
    assert not err.complete
    assert len(err.failures) > 3
    assert err.succeeded >= 20
    assert [r["emails"]["primaryEmail"] for r in err.results][:20] == [f"p{i}@records.test" for i in range(20)]
    assert batch_requests(emulator) < 100


def test_a_whole_request_400_is_raised_and_stops_the_others() -> None:
    twenty, _ = counted_client(fresh_emulator(SLOW_BATCHES))
    with twenty, pytest.raises(BadRequestError, match="object 'nothings' not found"):
        twenty.records("nothings").upsert_many([{"name": f"n{i}"} for i in range(50)], batch_size=5, concurrency=3)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_concurrency_must_be_a_positive_whole_number(bad: Any, twenty: TwentyClient) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        twenty.people.upsert_many([person(1)], concurrency=bad)


def test_async_results_are_the_same_as_one_at_a_time() -> None:
    rows = messy_rows()

    async def run(concurrency: int) -> tuple[tuple[Any, ...], int]:
        counter = InFlight(httpx.ASGITransport(app=create_app(fresh_emulator(SLOW_BATCHES))))
        async with AsyncTwentyClient(
            BASE_URL, API_KEY, transport=counter, rate_limit=NO_PACING, retry=QUICK_RETRY
        ) as twenty:
            try:
                await twenty.records("people").upsert_many(rows, batch_size=50, concurrency=concurrency)
            except BatchError as err:
                return outcome(err), counter.peak
        raise AssertionError("expected a BatchError")

    one, serial_peak = asyncio.run(run(1))
    three, parallel_peak = asyncio.run(run(3))

    assert three == one
    assert serial_peak == 1
    assert 1 < parallel_peak <= 3


def test_a_concurrent_run_reads_the_input_only_a_few_batches_ahead() -> None:
    emulator = fresh_emulator(SLOW_BATCHES)
    twenty, _ = counted_client(emulator)
    rows_read: list[int] = []
    ahead: list[int] = []  # at each batch's arrival: rows read beyond those of the batches arrived so far
    decide = emulator.faults.decide

    def counting_decide(method: str, path: str) -> Any:
        if method == "POST":
            ahead.append(len(rows_read) - 20 * (len(ahead) + 1))
        return decide(method, path)

    emulator.faults.decide = counting_decide  # type: ignore[method-assign]

    def source() -> Iterator[dict[str, Any]]:
        for i in range(1000):
            rows_read.append(i)
            yield person(i)

    with twenty:
        twenty.people.upsert_many(source(), batch_size=20, concurrency=3)

    assert len(ahead) == 50
    assert max(ahead) <= 3 * 20 + 1  # the batches in flight, and the one being filled
