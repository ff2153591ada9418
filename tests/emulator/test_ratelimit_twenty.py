"""The emulator's throttle computes what Twenty 2.21.0's ``throttler.service.ts`` computes: tables of request
arrival instants (integer ms, like ``Date.now()``) and the answers Twenty's arithmetic gives. Nothing sleeps."""

from __future__ import annotations

import pytest
from twenty_emulator import RateLimiter
from twenty_emulator._ratelimit import Stored, available_tokens, throttle

SHORT = "Limit reached (100 tokens per 1000 ms)"
LONG = "Limit reached (100 tokens per 60000 ms)"


class Clock:
    def __init__(self) -> None:
        self.ms = 0

    def __call__(self) -> float:
        return self.ms / 1000


def run(arrivals_ms: list[int], **limits: int) -> list[str | None]:
    """Each request's answer from a fresh limiter: None when admitted, else the 429 message."""
    clock = Clock()
    limiter = RateLimiter(**limits, clock=clock)
    answers = []
    for at in arrivals_ms:
        clock.ms = at
        answers.append(limiter.take())
    return answers


@pytest.mark.parametrize(
    ("stored", "now", "expected"),
    [
        (None, 5, 100),  # no key: a full bucket
        (Stored(0, 0, 120_000), 599, 0),  # 0.998 of a token: floor -> 0
        (Stored(0, 0, 120_000), 600, 1),  # 600 * (100 / 60000) = 1.0000000000000002 -> 1
        (Stored(0, 0, 120_000), 1199, 1),
        (Stored(0, 0, 120_000), 1200, 2),
        (Stored(40, 0, 120_000), 59_999, 100),  # capped at the limit
        (Stored(0, 0, 120_000), 119_999, 100),
        (Stored(0, 0, 120_000), 120_000, 100),  # the key expired (TTL 2 x window): full
        (Stored(5, 1000, 121_000), 1000, 5),  # same instant: no refill
    ],
)
def test_available_tokens_is_twentys_formula(stored: Stored | None, now: int, expected: int) -> None:
    assert available_tokens(stored, now, 100, 60_000) == expected


@pytest.mark.parametrize(
    ("stored", "now", "expected"),
    [
        (None, 7, Stored(99, 7, 120_007)),  # missing = full; TTL 2 x window from now
        (Stored(0, 0, 120_000), 599, None),  # refused: nothing stored
        (Stored(0, 0, 120_000), 900, Stored(0, 900, 120_900)),  # 1.5 tokens back, one spent, the half is lost
        (Stored(3, 100, 120_100), 100, Stored(2, 100, 120_100)),
    ],
)
def test_throttle_stores_what_twenty_stores(stored: Stored | None, now: int, expected: Stored | None) -> None:
    assert throttle(stored, now, 100, 60_000) == expected


@pytest.mark.parametrize(
    ("arrivals", "expected"),
    [
        pytest.param([0] * 100, [None] * 100, id="a burst of 100 at one instant"),
        pytest.param([0] * 101, [None] * 100 + [SHORT], id="the 101st at the same instant: the short bucket first"),
        pytest.param(
            [i * 20 for i in range(102)], [None] * 100 + [LONG] * 2, id="sequential, 20 ms apart: the long bucket (s21)"
        ),
        pytest.param(
            [i * 20 for i in range(100)] + [1980 + 600],
            [None] * 101,
            id="600 ms after the last admitted request: one token back",
        ),
        pytest.param(
            [i * 20 for i in range(100)] + [1980 + 599, 1980 + 600],
            [None] * 100 + [LONG, None],
            id="a refused request does not restart the refill clock",
        ),
        pytest.param(
            [i * 20 for i in range(100)] + [1980 + 900, 1980 + 1200],
            [None] * 100 + [None, LONG],
            id="admitted at 900 ms: the half token is thrown away, 300 ms later nothing is back",
        ),
        pytest.param(
            [i * 20 for i in range(100)] + [1980 + 900, 1980 + 900 + 600],
            [None] * 102,
            id="600 ms after that admitted request: one token",
        ),
        pytest.param(
            [i * 20 for i in range(100)] + [1980 + 500 * k for k in range(1, 6)],
            [None] * 100 + [LONG, None, LONG, None, LONG],
            id="500 ms gaps: every other one refused (1000 ms since the last admitted)",
        ),
        pytest.param(
            [i * 20 for i in range(100)] + [1980 + 120_000], [None] * 101, id="after 2 x window the key is gone: full"
        ),
    ],
)
def test_default_limits(arrivals: list[int], expected: list[str | None]) -> None:
    assert run(arrivals) == expected


def test_a_request_the_long_bucket_refuses_has_spent_a_short_token() -> None:
    clock = Clock()
    limiter = RateLimiter(short_limit=3, short_ttl_ms=1000, long_limit=2, long_ttl_ms=60_000, clock=clock)
    assert [limiter.take() for _ in range(3)] == [None, None, "Limit reached (2 tokens per 60000 ms)"]
    assert limiter.take() == "Limit reached (3 tokens per 1000 ms)"  # the third took the short bucket's last token
    assert (limiter.short.tokens(0), limiter.long.tokens(0)) == (0, 0)


def test_the_clock_is_read_as_whole_milliseconds() -> None:
    seconds = [0.0]
    limiter = RateLimiter(short_limit=1000, long_limit=1, long_ttl_ms=600, clock=lambda: seconds[0])
    assert limiter.take() is None
    seconds[0] = 0.6  # 0.6 * 1000 = 600.0000000000001 in floats: read as 600
    assert limiter.now_ms() == 600
    assert limiter.take() is None


def test_reset_drops_both_keys() -> None:
    clock = Clock()
    limiter = RateLimiter(short_limit=2, long_limit=2, clock=clock)
    assert [limiter.take() for _ in range(3)][-1] is not None
    limiter.reset()
    assert (limiter.short.stored, limiter.long.stored) == (None, None)
    assert [limiter.take() for _ in range(2)] == [None, None]
