"""The client-side token buckets, on a fake clock: how long N requests take, how close that is to the server's
ceiling, what a 429 does to them, and that threads and tasks share them safely. Nothing here sleeps for real."""

from __future__ import annotations

import asyncio
import threading

import attrs
import pytest

from twenty_sdk import Pacer, RateLimit, Secret, shared_pacer
from twenty_sdk._pacing import is_rate_limited_path

from .conftest import FakeClock


def make(limits: RateLimit, clock: FakeClock) -> Pacer:
    return Pacer(limits, clock=clock, sleep=clock.sleep, async_sleep=clock.async_sleep)


def send_sequentially(pacer: Pacer, n: int) -> None:
    """What a transport does for n requests in a row that are answered at once."""
    for _ in range(n):
        pacer.acquire()
        pacer.settle()


def expected_duration(limits: RateLimit, n: int) -> float:
    """When the n-th request may go, both buckets starting full: the later of the two buckets' answers. Each bucket
    lets (limit - headroom) through at once, then one per window / limit."""
    short = (n - (limits.short_limit - limits.headroom)) * limits.short_window / limits.short_limit
    long = (n - (limits.long_limit - limits.headroom)) * limits.long_window / limits.long_limit
    return max(0.0, short, long)


SHAPES = {
    "scaled 5/1s + 10/2s": RateLimit(short_limit=5, short_window=1.0, long_limit=10, long_window=2.0),
    "no headroom 5/1s + 10/2s": RateLimit(short_limit=5, short_window=1.0, long_limit=10, long_window=2.0, headroom=0),
    "twenty-shaped 10/0.1s + 10/6s": RateLimit(short_limit=10, short_window=0.1, long_limit=10, long_window=6.0),
    "twenty default 100/1s + 100/60s": RateLimit(),
    "twenty cloud 100/1s + 50/60s": RateLimit(long_limit=50),
    "short binds first 5/1s + 20/10s": RateLimit(short_limit=5, short_window=1.0, long_limit=20, long_window=10.0),
}


@pytest.mark.parametrize("limits", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("n", [1, 10, 60, 250])
def test_n_requests_take_the_expected_fake_time(limits: RateLimit, n: int, clock: FakeClock) -> None:
    start = clock.now
    send_sequentially(make(limits, clock), n)
    assert clock.now - start == pytest.approx(expected_duration(limits, n), abs=1e-9)


@pytest.mark.parametrize("limits", SHAPES.values(), ids=SHAPES.keys())
def test_pacing_reaches_95_percent_of_the_servers_ceiling(limits: RateLimit, clock: FakeClock) -> None:
    n = 400
    start = clock.now
    send_sequentially(make(limits, clock), n)
    elapsed = clock.now - start
    # The server accepts at most ceiling(t) requests by time t (plus the one arriving at t).
    assert n >= 0.95 * limits.ceiling(elapsed)
    assert n <= limits.ceiling(elapsed) + 1 + 1e-9  # and never more than it accepts


def test_a_full_bucket_lets_a_burst_through_then_spaces_requests(clock: FakeClock) -> None:
    pacer = make(RateLimit(short_limit=5, short_window=1.0, long_limit=100, long_window=60.0, headroom=0), clock)
    waits = [pacer.reserve() for _ in range(8)]
    assert waits == pytest.approx([0, 0, 0, 0, 0, 0.2, 0.4, 0.6], abs=1e-9)  # then one per short-bucket interval


def test_headroom_holds_back_part_of_the_burst_but_not_of_the_rate(clock: FakeClock) -> None:
    pacer = make(RateLimit(short_limit=5, short_window=1.0, long_limit=100, long_window=60.0, headroom=1), clock)
    waits = [pacer.reserve() for _ in range(8)]
    assert waits == pytest.approx([0, 0, 0, 0, 0.2, 0.4, 0.6, 0.8], abs=1e-9)


def test_buckets_refill_while_idle(clock: FakeClock) -> None:
    pacer = make(RateLimit(short_limit=5, short_window=1.0, long_limit=10, long_window=2.0), clock)
    send_sequentially(pacer, 10)
    clock.now += 2.0  # idle long enough to refill both
    assert pacer.tokens() == pytest.approx(4.0)  # 5, less one of headroom
    assert [pacer.reserve() for _ in range(4)] == pytest.approx([0, 0, 0, 0], abs=1e-9)


@pytest.mark.parametrize(("initial", "first_waits"), [(0.0, [0.6, 1.2, 1.8]), (2.0, [0.0, 0.0, 0.6])])
def test_long_bucket_can_start_empty_or_partial(initial: float, first_waits: list[float], clock: FakeClock) -> None:
    pacer = make(RateLimit(long_initial=initial), clock)
    assert [pacer.reserve() for _ in range(3)] == pytest.approx(first_waits)


def test_a_429_naming_a_known_bucket_drains_that_bucket_only(clock: FakeClock) -> None:
    pacer = make(RateLimit(short_limit=5, short_window=1.0, long_limit=100, long_window=60.0), clock)
    pacer.on_rate_limited("Limit reached (5 tokens per 1000 ms)")
    assert pacer.reserve() == pytest.approx(0.2)  # one short-bucket interval, the long bucket untouched


def test_a_429_without_a_readable_message_drains_every_bucket(clock: FakeClock) -> None:
    pacer = make(RateLimit(short_limit=5, short_window=1.0, long_limit=100, long_window=60.0), clock)
    pacer.on_rate_limited(None)
    assert pacer.reserve() == pytest.approx(0.6)  # the long bucket's interval


def test_a_429_with_a_tighter_limit_is_adopted(clock: FakeClock) -> None:
    pacer = make(RateLimit(), clock)  # thinks 100/60s; the server says 50/60s (Twenty Cloud)
    pacer.on_rate_limited("Limit reached (50 tokens per 60000 ms)")
    assert [pacer.reserve() for _ in range(3)] == pytest.approx([1.2, 2.4, 3.6])


def test_a_429_from_an_unknown_bucket_adds_it(clock: FakeClock) -> None:
    pacer = make(RateLimit(), clock)
    pacer.on_rate_limited("Limit reached (10 tokens per 2000 ms)")
    # the long bucket is full: the new one, empty, binds
    assert [pacer.reserve() for _ in range(3)] == pytest.approx([0.2, 0.4, 0.6])
    assert "10/2s" in repr(pacer)


def test_settle_counts_a_slow_answer_as_taken_when_it_came_back(clock: FakeClock) -> None:
    pacer = make(RateLimit(short_limit=2, short_window=1.0, long_limit=100, long_window=60.0, headroom=0), clock)
    pacer.acquire()
    clock.now += 0.3  # the answer takes 0.3 s: the server counted the token somewhere in between
    pacer.settle()
    pacer.acquire()
    pacer.settle()
    # without settle the third slot would be at +0.5 (anchored on the first send); with it, at +0.8
    assert pacer.reserve() == pytest.approx(0.5)


def test_disabled_pacing_never_waits(clock: FakeClock) -> None:
    pacer = make(RateLimit(short_limit=1, long_limit=1, enabled=False), clock)
    assert [pacer.reserve() for _ in range(100)] == [0.0] * 100


def test_threads_sharing_a_pacer_get_distinct_slots(clock: FakeClock) -> None:
    limits = RateLimit(short_limit=5, short_window=1.0, long_limit=10, long_window=2.0)
    pacer = make(limits, clock)
    waits: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for _ in range(25):
            wait = pacer.reserve()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = [expected_duration(limits, k) for k in range(1, 201)]
    assert sorted(waits) == pytest.approx(expected)


def test_asyncio_tasks_sharing_a_pacer_get_distinct_slots(clock: FakeClock) -> None:
    limits = RateLimit(short_limit=5, short_window=1.0, long_limit=10, long_window=2.0)
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)
        await asyncio.sleep(0)

    pacer = Pacer(limits, clock=clock, async_sleep=record)

    async def main() -> list[float]:
        return list(await asyncio.gather(*(pacer.acquire_async() for _ in range(30))))

    waits = asyncio.run(main())
    assert sorted(waits) == pytest.approx([expected_duration(limits, k) for k in range(1, 31)])
    assert sorted(waited) == pytest.approx([w for w in sorted(waits) if w > 0])


# -- one pacer per workspace -------------------------------------------------------------------------------------------


def test_clients_of_one_workspace_share_one_pacer() -> None:
    key = Secret("tw_k1")
    first = shared_pacer("https://crm.example.com", key)
    assert shared_pacer("https://crm.example.com/", Secret("tw_k1")) is first
    assert shared_pacer("https://crm.example.com", Secret("tw_k2")) is not first
    assert shared_pacer("https://other.example.com", key) is not first


def test_the_first_client_decides_the_limits() -> None:
    first = shared_pacer("https://crm.example.com", Secret("tw_k1"), RateLimit(long_limit=50))
    again = shared_pacer("https://crm.example.com", Secret("tw_k1"), RateLimit(long_limit=100))
    assert again is first
    assert again.limits.long_limit == 50


def test_concurrent_lookups_create_one_pacer() -> None:
    found: list[Pacer] = []
    barrier = threading.Barrier(16)

    def worker() -> None:
        barrier.wait()
        found.append(shared_pacer("https://crm.example.com", Secret("tw_k1")))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(p) for p in found}) == 1


def test_a_pacer_repr_shows_no_key() -> None:
    pacer = shared_pacer("https://crm.example.com", Secret("tw_secret_value"))
    assert "tw_secret_value" not in repr(pacer)


@pytest.mark.parametrize(
    ("path", "limited"),
    [
        ("/rest/people", True),
        ("rest/people", True),
        ("/rest/people/7d1f", True),
        ("/rest/batch/people", True),
        ("/rest/restore/people", True),
        ("/rest/people/groupBy", True),
        ("/graphql", True),
        ("/rest/metadata/objects", False),
        ("/rest/metadata/fields/1", False),
        ("/rest/metadata", False),
        ("/rest/open-api/core", False),
        ("/rest/open-api/metadata", False),
        ("/metadata", False),
        ("/healthz", False),
    ],
)
def test_only_record_routes_are_rate_limited(path: str, limited: bool) -> None:
    assert is_rate_limited_path(path) is limited


@pytest.mark.parametrize("field", ["short_limit", "short_window", "long_limit", "long_window"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        attrs.evolve(RateLimit(), **{field: 0})  # type: ignore[arg-type]
