"""Twenty's rate limit on the record APIs, driven by an injected clock: two token buckets (100 per 1 s, 100 per
60 s by default) refilled as Twenty's throttler computes it (whole tokens since the last admitted request), one token
per request whatever its size, Twenty's exact 429 and no rate-limit headers; metadata and OpenAPI routes are not
limited. The arithmetic itself is tabled in test_ratelimit_twenty.py."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import client


class Clock:
    """A monotonic clock that moves only when told; it starts at 0, as a fake clock usually does."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def limit_body(limit: int, ttl_ms: int) -> dict[str, object]:
    return {
        "statusCode": 429,
        "error": "HttpException",
        "messages": [f"Limit reached ({limit} tokens per {ttl_ms} ms)"],
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


def limited(clock: Clock, **buckets: int) -> Iterator[httpx.Client]:
    with client(Emulator(api_key="k", rate_limiter=RateLimiter(**buckets, clock=clock))) as http:
        yield http


@pytest.fixture
def http(clock: Clock) -> Iterator[httpx.Client]:
    """An emulator with Twenty's default limits."""
    yield from limited(clock)


def statuses(http: httpx.Client, n: int, path: str = "/rest/people") -> list[int]:
    return [http.get(path).status_code for _ in range(n)]


def test_the_defaults_are_100_per_second_and_100_per_minute() -> None:
    limiter = RateLimiter()
    assert (limiter.short.limit, limiter.short.ttl_ms, limiter.long.limit, limiter.long.ttl_ms) == (
        100,
        1000,
        100,
        60_000,
    )
    assert limiter.enabled is True


def test_100_requests_pass_and_the_101st_is_refused(http: httpx.Client, clock: Clock) -> None:
    for _ in range(100):  # 20 ms apart, as sequential requests reach a real server (s21): the short bucket keeps up
        assert statuses(http, 1) == [200]
        clock.advance(0.02)
    response = http.get("/rest/people")
    assert (response.status_code, response.json()) == (429, limit_body(100, 60_000))


def test_the_429_carries_no_rate_limit_headers(clock: Clock) -> None:
    for http in limited(clock, short_limit=5, long_limit=5):
        statuses(http, 5)
        response = http.get("/rest/people")
        assert response.status_code == 429
        assert "retry-after" not in response.headers
        assert not [name for name in response.headers if name.lower().startswith(("x-ratelimit", "ratelimit"))]


def test_every_record_route_takes_a_token(clock: Clock) -> None:
    calls = [
        ("POST", "/rest/batch/people", [{}] * 200),  # one token for 200 records
        ("POST", "/rest/people", {}),
        ("GET", "/rest/people", None),
        ("PATCH", "/rest/people", {"jobTitle": "x"}),
        ("GET", "/rest/person", None),  # an error still costs its token
    ]
    for http in limited(clock, short_limit=10, long_limit=10):
        for method, path, body in calls * 2:
            assert http.request(method, path, json=body).status_code != 429
        assert http.get("/rest/companies").status_code == 429


def test_a_token_comes_back_a_refill_interval_after_the_last_admitted_request(http: httpx.Client, clock: Clock) -> None:
    statuses(http, 100)
    clock.advance(0.5)  # 100 per 60 s: 0.83 of a token
    assert statuses(http, 1) == [429]
    clock.advance(0.11)  # 1.02 tokens since the bucket ran dry
    assert statuses(http, 2) == [200, 429]


def test_a_minute_refills_the_long_bucket(http: httpx.Client, clock: Clock) -> None:
    statuses(http, 100)
    clock.advance(60)
    assert statuses(http, 101) == [200] * 100 + [429]


def test_the_short_bucket_refuses_bursts(clock: Clock) -> None:
    for http in limited(clock, short_limit=10, short_ttl_ms=1000, long_limit=1000):
        assert statuses(http, 10) == [200] * 10
        response = http.get("/rest/people")
        assert (response.status_code, response.json()) == (429, limit_body(10, 1000))
        clock.advance(0.15)  # 10 per second: 1.5 tokens
        assert statuses(http, 2) == [200, 429]


def test_the_short_bucket_is_named_when_both_are_empty(clock: Clock) -> None:
    for http in limited(clock, short_limit=5, long_limit=5, long_ttl_ms=30_000):  # Twenty checks the short one first
        statuses(http, 5)
        assert http.get("/rest/people").json() == limit_body(5, 1000)


def test_a_refused_request_takes_no_token(clock: Clock) -> None:
    for http in limited(clock, long_limit=10, long_ttl_ms=6000):  # one token back every 0.6 s
        statuses(http, 10)
        assert statuses(http, 50) == [429] * 50
        clock.advance(0.61)
        assert statuses(http, 2) == [200, 429]


@pytest.mark.parametrize(
    "path", ["/rest/metadata/objects", "/rest/metadata/fields", "/rest/open-api/core", "/rest/open-api/metadata"]
)
def test_metadata_and_open_api_are_not_limited(clock: Clock, path: str) -> None:
    for http in limited(clock, short_limit=3, long_limit=3):
        assert statuses(http, 10, path) == [200] * 10
        assert statuses(http, 4) == [200, 200, 200, 429]
        assert statuses(http, 2, path) == [200, 200]


def test_a_disabled_limiter_never_refuses() -> None:
    with client(Emulator(rate_limiter=RateLimiter(short_limit=1, long_limit=1, enabled=False))) as http:
        assert statuses(http, 20) == [200] * 20


def test_the_private_endpoint_refills_the_buckets(clock: Clock) -> None:
    for http in limited(clock, short_limit=5, long_limit=5):
        statuses(http, 6)
        assert http.delete("/_emulator/rate-limit").json() == {"reset": True}
        assert statuses(http, 6) == [200] * 5 + [429]


def test_a_clock_that_starts_at_zero_still_refills() -> None:
    clock = Clock()
    limiter = RateLimiter(short_limit=1, short_ttl_ms=1000, long_limit=1000, clock=clock)
    assert limiter.take() is None
    assert limiter.take() == "Limit reached (1 tokens per 1000 ms)"
    clock.advance(1.0)
    assert limiter.take() is None


def test_the_default_clock_is_monotonic_time() -> None:
    import time

    assert RateLimiter().clock is time.monotonic
