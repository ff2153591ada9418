"""Twenty's rate limit: two token buckets per workspace (defaults 100 per 1 s and 100 per 60 s), refilling
continuously; one request takes one token from each, whatever its size. Only record APIs are limited."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import attrs

__all__ = ["Bucket", "RateLimiter"]


@attrs.define
class Bucket:
    """A token bucket of ``limit`` tokens refilled evenly over ``ttl_ms``."""

    limit: int
    ttl_ms: int
    tokens: float = attrs.field(default=-1.0)
    stamp: float | None = None  # the clock's reading at the last refill (None: never; 0.0 is a valid reading)

    def __attrs_post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = float(self.limit)

    def refill(self, now: float) -> None:
        if self.stamp is not None:
            rate = self.limit / (self.ttl_ms / 1000.0)
            self.tokens = min(float(self.limit), self.tokens + (now - self.stamp) * rate)
        self.stamp = now

    @property
    def message(self) -> str:
        return f"Limit reached ({self.limit} tokens per {self.ttl_ms} ms)"


class RateLimiter:
    """Both buckets of one workspace. ``take()`` answers None when the request may go, else the 429 message."""

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

    def take(self) -> str | None:
        if not self.enabled:
            return None
        with self._lock:
            now = self.clock()
            for bucket in (self.long, self.short):
                bucket.refill(now)
            for bucket in (self.long, self.short):
                if bucket.tokens < 1:
                    return bucket.message
            for bucket in (self.long, self.short):
                bucket.tokens -= 1
            return None

    def reset(self) -> None:
        with self._lock:
            for bucket in (self.long, self.short):
                bucket.tokens = float(bucket.limit)
                bucket.stamp = None
