"""The client-side copy of Twenty's token buckets, on a fake clock: Twenty's arithmetic (whole tokens since the last
admitted request), how long N requests take, what a 429 does to them, and that threads and tasks share them safely.
Nothing here sleeps for real; test_pacing_schedule.py runs the pacer against the emulator's throttle."""

from __future__ import annotations

import asyncio
import random
import threading
from typing import Any

import attrs
import pytest
from twenty_emulator import RateLimiter

from twenty_sdk import Pacer, RateLimit, Secret, shared_pacer
from twenty_sdk._pacing import is_rate_limited_path

from .conftest import FakeClock


def make(limits: RateLimit, clock: FakeClock) -> Pacer:
    return Pacer(limits, clock=clock, sleep=clock.sleep, async_sleep=clock.async_sleep, rng=random.Random(7))


def exact(**limits: Any) -> RateLimit:
    """Limits with no margin and no headroom: the pacer then computes exactly what the server does."""
    return RateLimit(margin=0.0, headroom=0, **limits)


def send_sequentially(pacer: Pacer, n: int) -> list[float]:
    """What a transport does for n requests in a row that are answered at once; returns each one's wait."""
    waits = []
    for _ in range(n):
        waits.append(pacer.acquire())
        pacer.settle()
    return waits


def expected_duration(limits: RateLimit, n: int) -> float:
    """When the n-th request may go, both buckets starting full: each bucket lets (limit - headroom) through at once,
    then one per (window / limit + margin)."""
    return max(
        0.0,
        *(
            (n - (limit - limits.headroom)) * (window / limit + limits.margin)
            for limit, window in ((limits.short_limit, limits.short_window), (limits.long_limit, limits.long_window))
        ),
    )


SHAPES = {
    "scaled 5/1s + 10/2s": RateLimit(short_limit=5, short_window=1.0, long_limit=10, long_window=2.0),
    "exact 5/1s + 10/2s": exact(short_limit=5, short_window=1.0, long_limit=10, long_window=2.0),
    "twenty default 100/1s + 100/60s": RateLimit(),
    "twenty default, exact": exact(),
    "twenty cloud 100/1s + 50/60s": RateLimit(long_limit=50),
    "only the short bucket binds 5/1s + 1000/60s": RateLimit(short_limit=5, short_window=1.0, long_limit=1000),
}


@pytest.mark.parametrize("limits", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("n", [1, 10, 60, 250])
def test_n_requests_take_the_expected_fake_time(limits: RateLimit, n: int, clock: FakeClock) -> None:
    start = clock.now
    send_sequentially(make(limits, clock), n)
    assert clock.now - start == pytest.approx(expected_duration(limits, n), abs=1e-9)


@pytest.mark.parametrize(
    ("limits", "waits"),
    [
        pytest.param(exact(long_limit=3, long_window=1.8), [0, 0, 0, 0.6, 1.2, 1.8], id="burst of 3, then 0.6 s"),
        pytest.param(
            RateLimit(long_limit=3, long_window=1.8, margin=0.05, headroom=1),
            [0, 0, 0.65, 1.3, 1.95, 2.6],
            id="headroom 1 and margin 50 ms",
        ),
        pytest.param(
            exact(short_limit=2, short_window=1.0, long_limit=100), [0, 0, 0.5, 1.0, 1.5], id="the short bucket binds"
        ),
    ],
)
def test_a_full_bucket_lets_a_burst_through_then_one_request_per_interval(
    limits: RateLimit, waits: list[float], clock: FakeClock
) -> None:
    pacer = make(limits, clock)
    assert [pacer.reserve() for _ in waits] == pytest.approx(waits, abs=1e-9)


def test_a_late_request_loses_the_fraction_of_a_token_as_on_the_server(clock: FakeClock) -> None:
    pacer = make(exact(long_limit=2, long_window=1.2), clock)  # a token every 0.6 s
    send_sequentially(pacer, 2)
    clock.now += 0.9  # the next request may go at +0.6 but leaves at +0.9: the server keeps no half token
    assert pacer.reserve() == 0.0
    assert pacer.reserve() == pytest.approx(0.6)  # 0.6 after the late one, not 0.3


def test_idle_time_refills_whole_tokens_only(clock: FakeClock) -> None:
    pacer = make(exact(), clock)
    send_sequentially(pacer, 100)
    clock.now += 30.5  # floor(30.5 / 0.6) = 50 tokens back
    assert pacer.tokens() == 50
    clock.now += 120
    assert pacer.tokens() == 100  # capped at the limit


def test_the_model_agrees_with_the_emulators_copy_of_twentys_throttle() -> None:
    """Requests sent whenever the pacer says (exact limits, answers at once) are all admitted by Twenty's arithmetic,
    and none could have gone earlier: one slot earlier is refused."""
    clock = FakeClock(start=0.0)
    pacer = make(exact(short_limit=5, short_window=1.0, long_limit=10, long_window=6.0), clock)
    server = RateLimiter(short_limit=5, short_ttl_ms=1000, long_limit=10, long_ttl_ms=6000, clock=clock)
    for _ in range(40):
        wait = pacer.reserve()
        if wait > 0.001:
            probe = RateLimiter(short_limit=5, short_ttl_ms=1000, long_limit=10, long_ttl_ms=6000, clock=clock)
            probe.short.stored, probe.long.stored = server.short.stored, server.long.stored
            clock.now += wait - 0.001
            assert probe.take() is not None  # 1 ms sooner would have been refused
            clock.now += 0.001
        else:
            clock.now += wait
        assert server.take() is None


@pytest.mark.parametrize(("initial", "first_waits"), [(0.0, [1.825, 2.45, 3.075]), (4.0, [0.0, 0.0, 0.625])])
def test_long_bucket_can_start_empty_or_partial(initial: float, first_waits: list[float], clock: FakeClock) -> None:
    # headroom 2: of 4 tokens, 2 may go at once; from empty, 3 tokens must come back (3 * 0.6 s + 25 ms) first
    pacer = make(RateLimit(long_initial=initial), clock)
    assert [pacer.reserve() for _ in range(3)] == pytest.approx(first_waits)


def test_a_429_naming_a_known_bucket_empties_and_stretches_that_bucket_only(clock: FakeClock) -> None:
    pacer = make(exact(short_limit=5, short_window=1.0, long_limit=100, long_window=60.0), clock)
    pacer.on_rate_limited("Limit reached (5 tokens per 1000 ms)")
    assert pacer.reserve() == pytest.approx(0.4)  # two short-bucket intervals (stretched x2), the long one untouched


def test_a_429_without_a_readable_message_empties_every_bucket(clock: FakeClock) -> None:
    pacer = make(exact(short_limit=5, short_window=1.0, long_limit=100, long_window=60.0), clock)
    pacer.on_rate_limited(None)
    assert pacer.reserve() == pytest.approx(1.2)  # the long bucket's interval, stretched x2


def test_429s_of_one_episode_stretch_once(clock: FakeClock) -> None:
    pacer = make(exact(), clock)
    sent = clock.now
    clock.now += 0.3
    for _ in range(3):  # three requests that were in flight together, refused together
        pacer.on_rate_limited("Limit reached (100 tokens per 60000 ms)", sent_at=sent)
    assert pacer.reserve() == pytest.approx(1.2)  # x2, not x8


def test_429s_of_later_episodes_stretch_again_up_to_x4(clock: FakeClock) -> None:
    pacer = make(exact(), clock)
    for _ in range(4):
        sent = clock.now
        pacer.on_rate_limited("Limit reached (100 tokens per 60000 ms)", sent_at=sent)
    assert pacer.reserve() == pytest.approx(2.4)


def test_the_stretch_relaxes_as_time_passes(clock: FakeClock) -> None:
    pacer = make(exact(), clock)
    pacer.on_rate_limited("Limit reached (100 tokens per 60000 ms)")
    waits = send_sequentially(pacer, 80)
    assert waits[0] == pytest.approx(1.2)
    assert max(waits[-10:]) == pytest.approx(0.6)  # back to one interval once relaxed (and no longer drawn)
    assert 0.6 < sum(waits) / len(waits) < 1.2


def test_a_request_waiting_for_its_slot_takes_a_new_one_after_a_429(clock: FakeClock) -> None:
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds
        if len(slept) == 1:  # while it waits, another request of the same pacer is refused
            pacer.on_rate_limited("Limit reached (1 tokens per 600 ms)")

    pacer = Pacer(exact(long_limit=1, long_window=0.6), clock=clock, sleep=sleep, rng=random.Random(7))
    pacer.acquire()
    assert pacer.acquire() == pytest.approx(0.6 + 1.2)  # its 0.6 s slot was void: then one stretched interval
    assert slept == pytest.approx([0.6, 1.2])


def test_a_429_with_a_tighter_limit_is_adopted(clock: FakeClock) -> None:
    pacer = make(exact(), clock)  # thinks 100/60s; the server says 50/60s (Twenty Cloud)
    pacer.on_rate_limited("Limit reached (50 tokens per 60000 ms)")
    assert [pacer.reserve() for _ in range(3)] == pytest.approx([1.2, 2.4, 3.6])


def test_a_429_from_an_unknown_bucket_adds_it(clock: FakeClock) -> None:
    pacer = make(exact(), clock)
    pacer.on_rate_limited("Limit reached (10 tokens per 2000 ms)")
    # the long bucket is full: the new one, empty, binds
    assert [pacer.reserve() for _ in range(3)] == pytest.approx([0.2, 0.4, 0.6])
    assert "10/2s" in repr(pacer)


def test_settle_changes_nothing(clock: FakeClock) -> None:
    pacer = make(exact(long_limit=2, long_window=1.2), clock)
    pacer.acquire()
    clock.now += 0.3  # a slow answer: the server restarted its refill clock when the request arrived, not now
    pacer.settle()
    pacer.acquire()  # the second leaves at +0.3
    assert pacer.reserve() == pytest.approx(0.6)  # the third 0.6 after it, whenever the answers came back


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
