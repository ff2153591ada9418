"""Twenty's rate limit on the record APIs, computed as Twenty 2.21.0 computes it.

Source: ``engine/core-modules/throttler/throttler.service.ts`` (``tokenBucketThrottleOrThrow``) and its caller
``throttleQueryExecution`` in ``common-base-query-runner.service.ts``. Each workspace has two token buckets, *short*
(default 100 per 1000 ms) and *long* (default 100 per 60000 ms); one request takes one token from each, whatever its
size. Per bucket the server stores ``{tokens, lastRefillAt}`` (Redis, TTL 2 x window; missing = a full bucket) and on
each request, with ``now = Date.now()`` (whole milliseconds)::

    available = min(tokens + floor((now - lastRefillAt) * (limit / window)), limit)
    available < 1  ->  429 "Limit reached (<limit> tokens per <window> ms)", nothing stored
    otherwise      ->  store {tokens: available - 1, lastRefillAt: now}

So the refill is *not* continuous: an admitted request restarts the refill clock and throws away the fraction of a
token refilled since the previous admitted one. Requests admitted less than ``window / limit`` apart (600 ms for the
long bucket) refill nothing. The short bucket is checked and charged first, then the long one: a request the long
bucket refuses has still spent a short token.

One difference, on purpose: the server's read-then-write is not atomic (two concurrent requests may read the same
state and both be admitted), the emulator's is (under a lock). The emulator is therefore never more lenient than the
server, which is what a client paced against it needs.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import attrs

__all__ = ["Bucket", "RateLimiter", "Stored", "available_tokens", "throttle"]


@attrs.frozen
class Stored:
    """What the server keeps for one bucket: ``{tokens, lastRefillAt}`` and when Redis drops it (TTL 2 x window)."""

    tokens: int
    last_refill_at: int  # ms, the clock's reading when the last admitted request was counted
    expires_at: int  # ms; from this instant on the key is gone (= a full bucket)


def available_tokens(stored: Stored | None, now_ms: int, limit: int, window_ms: int) -> int:
    """``getAvailableTokensCount``: the whole tokens the bucket holds at ``now_ms`` (same float arithmetic as JS)."""
    if stored is None or now_ms >= stored.expires_at:
        return limit
    refill_rate = limit / window_ms
    refill_amount = math.floor((now_ms - stored.last_refill_at) * refill_rate)
    return min(stored.tokens + refill_amount, limit)


def throttle(stored: Stored | None, now_ms: int, limit: int, window_ms: int) -> Stored | None:
    """``tokenBucketThrottleOrThrow`` for one token: the state to store if the request is admitted, None if refused
    (then nothing is stored)."""
    available = available_tokens(stored, now_ms, limit, window_ms)
    if available < 1:
        return None
    return Stored(tokens=available - 1, last_refill_at=now_ms, expires_at=now_ms + 2 * window_ms)


@attrs.define
class Bucket:
    """One of a workspace's two buckets: ``limit`` tokens per ``ttl_ms`` and what the server has stored for it."""

    limit: int
    ttl_ms: int
    stored: Stored | None = None

    @property
    def message(self) -> str:
        return f"Limit reached ({self.limit} tokens per {self.ttl_ms} ms)"

    def take(self, now_ms: int) -> bool:
        """Admit (and charge) or refuse one request arriving at ``now_ms``."""
        stored = throttle(self.stored, now_ms, self.limit, self.ttl_ms)
        if stored is None:
            return False
        self.stored = stored
        return True

    def tokens(self, now_ms: int) -> int:
        return available_tokens(self.stored, now_ms, self.limit, self.ttl_ms)


class RateLimiter:
    """Both buckets of one workspace. ``take()`` answers None when the request may go, else the 429 message.

    ``clock`` returns seconds (monotonic, like :func:`time.monotonic`); it is read as whole milliseconds, as Twenty
    reads ``Date.now()``. Inject a fake clock in tests.
    """

    def __init__(
        self,
        short_limit: int = 100,
        short_ttl_ms: int = 1000,
        long_limit: int = 100,
        long_ttl_ms: int = 60_000,
        *,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = enabled
        self.clock = clock
        self.short = Bucket(short_limit, short_ttl_ms)
        self.long = Bucket(long_limit, long_ttl_ms)
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        """The clock in whole milliseconds (rounded, so that a fake clock at 0.61 s reads 610 ms, not 609)."""
        return round(self.clock() * 1000)

    def take(self) -> str | None:
        if not self.enabled:
            return None
        with self._lock:
            now = self.now_ms()
            for bucket in (self.short, self.long):  # short first; its token stays spent if the long one refuses
                if not bucket.take(now):
                    return bucket.message
            return None

    def reset(self) -> None:
        """Both buckets full again (the server's keys deleted)."""
        with self._lock:
            for bucket in (self.short, self.long):
                bucket.stored = None
