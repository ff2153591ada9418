"""Twenty's throttle as the SDK meets it, recorded on a real Twenty 2.21.0 with its default limits (100 requests per
second and per minute; see conftest.py): a burst past the limit is refused with Twenty's answer, and a client
that knows nothing of it (a new process) draws one 429, drains its pacer, waits and goes on -- paced, no storm.

Recorded with ``TWENTY_RECORD_URL_DEFAULT_LIMITS`` (a server started with ``RATE_LIMITS=default``, its buckets full:
idle for a minute); replayed on a fake clock, so nothing sleeps."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

from twenty_sdk import ClientConfig, Pacer, RateLimit, RateLimitError, RetryPolicy, Transport

from .conftest import REPLAY_KEY, played

RECORD_URL = os.environ.get("TWENTY_RECORD_URL_DEFAULT_LIMITS", "")
URL = RECORD_URL or "http://127.0.0.1:3001"
PARAMS = {"limit": "0", "filter": "emails.primaryEmail[like]:%@cassette-429.test"}
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TWENTY_RECORD_URL")) and not RECORD_URL,
    reason="needs a server with Twenty's default limits: set TWENTY_RECORD_URL_DEFAULT_LIMITS",
)


def _key() -> str:
    return (os.environ.get("TWENTY_API_KEY") or "") if RECORD_URL else REPLAY_KEY


class _Clock:
    """Real time when recording; a clock that sleeping moves forward when replaying."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def time(self) -> float:
        return time.monotonic() if RECORD_URL else self.now

    def sleep(self, seconds: float) -> None:
        self.slept += max(0.0, seconds)
        if RECORD_URL:
            time.sleep(seconds)
        else:
            self.now += max(0.0, seconds)


def _transport(clock: _Clock, *, paced: bool, retries: int) -> Transport:
    limits = RateLimit() if paced else RateLimit(enabled=False)
    retry = RetryPolicy(max_retries=retries, initial_delay=0.05, max_delay=0.2)
    config = ClientConfig(base_url=URL, api_key=_key(), retry=retry, rate_limit=limits)
    sleep: Callable[[float], None] = clock.sleep
    return Transport(config, pacer=Pacer(limits, clock=clock.time, sleep=sleep), sleep=sleep)


def test_429_a_burst_past_the_limit_is_refused_then_a_paced_client_recovers_without_a_storm() -> None:
    clock = _Clock()
    with played("sdk-429") as cassette:
        with _transport(clock, paced=False, retries=0) as burst:
            answers = [burst.request("GET", "/rest/people", params=PARAMS) for _ in range(100)]
            assert all(a["totalCount"] == 0 for a in answers)  # the 100 tokens of a full bucket
            with pytest.raises(RateLimitError) as refused:
                burst.request("GET", "/rest/people", params=PARAMS)
        assert refused.value.status == 429
        assert "Limit reached (100 tokens per" in str(refused.value)

        with _transport(clock, paced=True, retries=4) as fresh:  # another process: its pacer thinks the buckets full
            waited_before = clock.slept
            for _ in range(3):
                assert fresh.request("GET", "/rest/people", params=PARAMS)["totalCount"] == 0
            # the first request drew the 429 and drained the pacer: the rest waited for refills, none was refused
            assert clock.slept - waited_before >= 1.0
        statuses = [answer["status"]["code"] for _, answer in cassette.data]
        assert statuses == [200] * 100 + [429] + [429] + [200] * 3  # one 429 for the newcomer, then no storm
