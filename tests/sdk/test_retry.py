"""The retry policy as tables: which outcomes are retried for which requests, and how long the backoff is.
Nothing here sleeps."""

from __future__ import annotations

import random

import httpx
import pytest

from twenty_sdk import APIConnectionError, APITimeoutError, RetryPolicy

POLICY = RetryPolicy(max_retries=3, initial_delay=0.5, max_delay=8.0)
REQUEST = httpx.Request("POST", "https://crm.example.com/rest/people")


def wrapped(exc: httpx.HTTPError) -> APIConnectionError:
    err = APIConnectionError("failed", method="POST", url=str(REQUEST.url))
    err.__cause__ = exc
    return err


DROPPED = httpx.RemoteProtocolError("peer closed connection without sending complete message body", request=REQUEST)
READ_TIMEOUT = httpx.ReadTimeout("timed out", request=REQUEST)
WRITE_TIMEOUT = httpx.WriteTimeout("timed out", request=REQUEST)
READ_ERROR = httpx.ReadError("connection reset by peer", request=REQUEST)
REFUSED = httpx.ConnectError("connection refused", request=REQUEST)
CONNECT_TIMEOUT = httpx.ConnectTimeout("timed out", request=REQUEST)
POOL_TIMEOUT = httpx.PoolTimeout("no connection available", request=REQUEST)


@pytest.mark.parametrize(
    ("method", "outcome", "idempotent", "retry"),
    [
        # 429: refused before any work, so always retried
        ("GET", 429, None, True),
        ("POST", 429, None, True),
        ("POST", 429, False, True),
        # 5xx: idempotent requests only
        ("GET", 500, None, True),
        ("GET", 502, None, True),
        ("GET", 503, None, True),
        ("GET", 504, None, True),
        ("PATCH", 503, None, True),
        ("PUT", 503, None, True),
        ("DELETE", 503, None, True),
        ("POST", 503, None, False),
        ("POST", 500, None, False),
        ("POST", 503, True, True),  # an upsert on a unique key, or a create with a client-supplied id
        ("GET", 503, False, False),  # the caller's word wins
        ("get", 503, None, True),  # methods in any case
        # 408 behaves like 5xx
        ("GET", 408, None, True),
        ("POST", 408, None, False),
        # statuses that will not change
        ("GET", 501, None, False),
        ("GET", 505, None, False),
        ("GET", 400, None, False),
        ("GET", 401, None, False),
        ("GET", 403, None, False),
        ("GET", 404, None, False),
        ("POST", 409, True, False),
        ("GET", 200, None, False),
        # dropped connections and timeouts after sending: idempotent only
        ("GET", DROPPED, None, True),
        ("POST", DROPPED, None, False),
        ("POST", DROPPED, True, True),
        ("GET", READ_TIMEOUT, None, True),
        ("POST", READ_TIMEOUT, None, False),
        ("PATCH", WRITE_TIMEOUT, None, True),
        ("POST", READ_ERROR, None, False),
        ("DELETE", READ_ERROR, None, True),
        # never sent: any method
        ("POST", REFUSED, None, True),
        ("POST", CONNECT_TIMEOUT, None, True),
        ("POST", POOL_TIMEOUT, None, True),
        # our wrappers are read through to their cause
        ("POST", wrapped(REFUSED), None, True),
        ("POST", wrapped(DROPPED), None, False),
        ("GET", wrapped(DROPPED), None, True),
        ("GET", APITimeoutError("t", method="GET", url="u"), None, True),
        # anything else is a bug, not a network problem
        ("GET", ValueError("bad"), None, False),
        ("GET", httpx.UnsupportedProtocol("ftp", request=REQUEST), None, False),
    ],
)
def test_should_retry(method: str, outcome: int | BaseException, idempotent: bool | None, retry: bool) -> None:
    assert POLICY.should_retry(method, outcome, attempt=1, idempotent=idempotent) is retry


@pytest.mark.parametrize(("attempt", "retry"), [(1, True), (2, True), (3, True), (4, False), (10, False)])
def test_retries_stop_after_max_retries(attempt: int, retry: bool) -> None:
    assert POLICY.should_retry("GET", 503, attempt) is retry
    assert POLICY.should_retry("GET", 429, attempt) is retry
    assert POLICY.should_retry("POST", REFUSED, attempt) is retry


def test_max_retries_zero_never_retries() -> None:
    assert not RetryPolicy(max_retries=0).should_retry("GET", 503, 1)


class NoJitter(RetryPolicy):
    def jitter(self, cap: float, rng: random.Random | None = None) -> float:
        return cap


@pytest.mark.parametrize(("attempt", "cap"), [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 8.0), (500, 8.0)])
def test_backoff_cap_doubles_up_to_max_delay(attempt: int, cap: float) -> None:
    assert NoJitter(initial_delay=0.5, max_delay=8.0).retry_delay(attempt) == cap


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 6])
def test_full_jitter_stays_within_zero_and_the_cap(attempt: int) -> None:
    rng = random.Random(attempt)
    cap = NoJitter().retry_delay(attempt)
    delays = [POLICY.retry_delay(attempt, rng) for _ in range(200)]
    assert all(0.0 <= d <= cap for d in delays)
    assert max(delays) > 0.8 * cap  # spread over the whole range, not clustered at one end
    assert min(delays) < 0.2 * cap


def test_a_seeded_rng_gives_reproducible_delays() -> None:
    first = [POLICY.retry_delay(n, random.Random(7)) for n in range(1, 6)]
    second = [POLICY.retry_delay(n, random.Random(7)) for n in range(1, 6)]
    assert first == second


def test_policy_is_frozen_and_validated() -> None:
    with pytest.raises(AttributeError):
        POLICY.max_retries = 9  # type: ignore[misc]
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)
