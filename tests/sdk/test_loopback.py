"""The transport against the emulator served on a loopback socket, with a scaled-down rate limit (5 per 1 s and
10 per 2 s, the shape of Twenty's 100 per 1 s and 100 per 60 s made quick): pacing on the real clock, 429s, dropped
connections and timeouts as a real server produces them. Retry backoff is not slept (``sleep`` injected); pacing is,
for real, since the server's buckets run on the real clock: these tests take a few seconds each."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from twenty_emulator import Emulator, FaultRule, RateLimiter
from twenty_emulator._testing import RunningServer, serve_in_thread

from twenty_sdk import (
    APIConnectionError,
    APITimeoutError,
    ClientConfig,
    Pacer,
    RateLimit,
    RetryPolicy,
    Transport,
)

from .conftest import API_KEY

SAME_LIMIT = RateLimit(short_limit=5, short_window=1.0, long_limit=10, long_window=2.0)
NO_RETRIES = RetryPolicy(max_retries=0)


@pytest.fixture
def limited_server() -> Iterator[RunningServer]:
    emulator = Emulator(
        api_key=API_KEY, rate_limiter=RateLimiter(short_limit=5, short_ttl_ms=1000, long_limit=10, long_ttl_ms=2000)
    )
    with serve_in_thread(emulator) as server:
        yield server


@pytest.fixture
def open_server() -> Iterator[RunningServer]:
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    with serve_in_thread(emulator) as server:
        yield server


def transport(
    server: RunningServer, limits: RateLimit, retry: RetryPolicy = NO_RETRIES, timeout: float = 10.0
) -> Transport:
    config = ClientConfig(base_url=server.url, api_key=API_KEY, retry=retry, rate_limit=limits, timeout=timeout)
    return Transport(config, pacer=Pacer(limits), sleep=lambda _: None)


def sent(server: RunningServer, route: str) -> int:
    return server.emulator.request_counts().get(route, 0)


def test_a_paced_burst_gets_no_429(limited_server: RunningServer) -> None:
    # No retries allowed: a single 429 would fail the test.
    with transport(limited_server, SAME_LIMIT) as t:
        for _ in range(20):
            t.request("GET", "/rest/people")
    assert sent(limited_server, "GET /rest/{object}") == 20


def test_a_paced_burst_from_threads_sharing_a_transport_gets_no_429(limited_server: RunningServer) -> None:
    with transport(limited_server, SAME_LIMIT) as t, ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: t.request("GET", "/rest/people"), range(20)))
    assert len(results) == 20
    assert sent(limited_server, "GET /rest/{object}") == 20


def test_429s_are_retried_when_the_local_bucket_has_the_wrong_limits(limited_server: RunningServer) -> None:
    # The client believes Twenty's defaults (100 per 1 s, 100 per 60 s); the server allows 5 per 1 s, 10 per 2 s.
    with transport(limited_server, RateLimit(), retry=RetryPolicy(max_retries=6)) as t:
        for _ in range(20):
            t.request("GET", "/rest/people")
    refused = sent(limited_server, "GET /rest/{object}") - 20
    assert refused >= 1  # it did hit the server's limit...
    assert refused <= 4  # ...and learned the limits from the 429 messages instead of hammering


def test_dropped_connections_are_retried_for_idempotent_requests(open_server: RunningServer) -> None:
    open_server.emulator.faults.set([FaultRule(route="GET /rest/*", drop_rate=0.5)], seed=2)
    with transport(open_server, RateLimit(enabled=False), retry=RetryPolicy(max_retries=20)) as t:
        for _ in range(10):
            assert "people" in t.request("GET", "/rest/people")["data"]
    assert sent(open_server, "GET /rest/{object}") > 10


def test_a_dropped_connection_is_not_retried_for_a_plain_post(open_server: RunningServer) -> None:
    open_server.emulator.faults.set([FaultRule(route="POST /rest/*", drop_rate=1.0)], seed=2)
    with (
        transport(open_server, RateLimit(enabled=False), retry=RetryPolicy(max_retries=20)) as t,
        pytest.raises(APIConnectionError) as caught,
    ):
        t.request("POST", "/rest/people", json={"name": {"firstName": "Ada"}})
    assert not isinstance(caught.value, APITimeoutError)
    assert sent(open_server, "POST /rest/{object}") == 1


def test_a_dropped_connection_is_retried_for_a_post_marked_idempotent(open_server: RunningServer) -> None:
    open_server.emulator.faults.set([FaultRule(route="POST /rest/batch/*", drop_rate=0.5)], seed=3)
    rows = [{"emails": {"primaryEmail": f"p{i}@example.com"}} for i in range(5)]
    with transport(open_server, RateLimit(enabled=False), retry=RetryPolicy(max_retries=20)) as t:
        for _ in range(5):
            t.request("POST", "/rest/batch/people", params={"upsert": "true"}, json=rows, idempotent=True)
        open_server.emulator.faults.clear()
        assert t.request("GET", "/rest/people")["totalCount"] == 5
    assert sent(open_server, "POST /rest/batch/{object}") > 5


def test_a_slow_answer_times_out_and_is_retried_for_a_get(open_server: RunningServer) -> None:
    open_server.emulator.faults.set([FaultRule(route="GET /rest/*", latency_ms=500)], seed=1)
    with (
        transport(open_server, RateLimit(enabled=False), retry=RetryPolicy(max_retries=1), timeout=0.1) as t,
        pytest.raises(APITimeoutError),
    ):
        t.request("GET", "/rest/people")
    # both attempts reached the server (which counts a request once its injected latency is over)
    assert wait_until(lambda: sent(open_server, "GET /rest/{object}") == 2)


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
