"""Client-side pacing: the same token buckets as the workspace, so that requests are spaced instead of refused.

Twenty limits API-key calls to the record APIs per workspace with two token buckets refilled continuously
(defaults: 100 per 1 s and 100 per 60 s; one request = one token whatever its size) and answers 429 with no
``Retry-After``. A :class:`Pacer` keeps the same buckets locally and makes each request wait for its slot. Every client
of one workspace in a process shares one pacer (:func:`shared_pacer`, keyed by base URL and key fingerprint).

Each bucket is kept as a GCRA "theoretical arrival time", which is exactly a continuously refilled token bucket:
a request reserves the earliest instant at which *every* bucket has a token and takes one from each at that
instant; when its answer comes back it is counted as taken no earlier than then (:meth:`Pacer.settle`), since the
server counted it on arrival. Reservations are made under a lock and never while sleeping, so threads and asyncio
tasks can share a pacer; the clock and the sleep functions are injected, so tests never sleep for real.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable

import attrs

from twenty_sdk._secrets import Secret

__all__ = ["Pacer", "PacerRegistry", "RateLimit", "asyncio_sleep", "is_rate_limited_path", "shared_pacer"]

log = logging.getLogger("twenty_sdk")

_EPSILON = 1e-9  # waits shorter than this are rounding noise of the bucket arithmetic
_LIMIT_MESSAGE = re.compile(r"Limit reached \((\d+) tokens per (\d+) ms\)")


async def asyncio_sleep(seconds: float) -> None:
    """``asyncio.sleep``, imported when first awaited: a synchronous program never loads asyncio."""
    import asyncio

    await asyncio.sleep(seconds)


@attrs.frozen
class RateLimit:
    """The workspace's limits (Twenty's defaults; a self-hosted server may differ, Twenty Cloud was seen near 50/min).

    ``short_limit`` requests per ``short_window`` seconds and ``long_limit`` per ``long_window`` seconds, both
    enforced. ``long_initial`` is how many long-bucket tokens are available at start: ``None`` (full) unless another
    process may already have spent some in the same window, in which case start it at 0 or part-full.
    ``headroom`` tokens of each bucket are left unspent: requests sent exactly on schedule can arrive closer together
    than they left (the first one opened the connection, a later one did not), and one token of slack absorbs a
    difference in latency of up to one refill interval, at the cost of one request of burst (the sustained rate is
    unchanged). ``enabled=False`` turns pacing off (e.g. for a server with no limit).
    """

    short_limit: int = attrs.field(default=100, validator=attrs.validators.gt(0))
    short_window: float = attrs.field(default=1.0, validator=attrs.validators.gt(0))
    long_limit: int = attrs.field(default=100, validator=attrs.validators.gt(0))
    long_window: float = attrs.field(default=60.0, validator=attrs.validators.gt(0))
    long_initial: float | None = None
    headroom: int = attrs.field(default=1, validator=attrs.validators.ge(0))
    enabled: bool = True

    def ceiling(self, seconds: float) -> float:
        """The most requests the server accepts in ``seconds`` starting from full buckets (for benchmarks/tests)."""
        return min(
            self.short_limit + seconds * self.short_limit / self.short_window,
            self.long_limit + seconds * self.long_limit / self.long_window,
        )


class _Bucket:
    """A token bucket refilled at ``limit`` tokens per ``window`` seconds and holding at most ``capacity`` tokens
    (``limit`` less the headroom), kept as a GCRA theoretical arrival time ``tat``:
    ``tokens(now) = capacity - (tat - now) / interval``."""

    __slots__ = ("capacity", "interval", "limit", "tat", "window")

    def __init__(self, limit: int, window: float, now: float, tokens: float | None = None, headroom: int = 0) -> None:
        self.limit = limit
        self.window = window
        self.interval = window / limit
        self.capacity = max(1, limit - headroom)
        available = float(self.capacity) if tokens is None else min(max(tokens, 0.0), float(self.capacity))
        self.tat = now + (self.capacity - available) * self.interval

    def earliest(self, now: float) -> float:
        """The first instant >= now at which this bucket holds a whole token."""
        return max(now, self.tat - (self.capacity - 1) * self.interval)

    def take(self, at: float) -> None:
        self.tat = max(self.tat, at) + self.interval

    def settle(self, now: float) -> None:
        self.tat = max(self.tat, now + self.interval)

    def drain(self, now: float) -> None:
        self.tat = max(self.tat, now + self.capacity * self.interval)

    def tokens(self, now: float) -> float:
        return max(0.0, min(float(self.capacity), self.capacity - (self.tat - now) / self.interval))


class Pacer:
    """The local copy of one workspace's rate-limit buckets.

    ``acquire()`` (threads) and ``await acquire_async()`` (asyncio) wait until a request may go and return how long
    they waited. ``on_rate_limited(message)`` is called on a 429: the bucket the server named (or every bucket) is
    drained, and a limit the server reports that is tighter than ours is adopted from then on.
    """

    def __init__(
        self,
        limits: RateLimit | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.limits = limits if limits is not None else RateLimit()
        self.clock = clock
        self.sleep = sleep
        self.async_sleep = async_sleep if async_sleep is not None else asyncio_sleep
        self._lock = threading.Lock()
        now = clock()
        self._buckets = [
            _Bucket(self.limits.short_limit, self.limits.short_window, now, headroom=self.limits.headroom),
            _Bucket(
                self.limits.long_limit,
                self.limits.long_window,
                now,
                self.limits.long_initial,
                headroom=self.limits.headroom,
            ),
        ]

    def __repr__(self) -> str:
        shape = ", ".join(f"{b.limit}/{b.window:g}s" for b in self._buckets)
        return f"<Pacer {shape}{'' if self.limits.enabled else ' disabled'}>"

    @property
    def enabled(self) -> bool:
        return self.limits.enabled

    def reserve(self) -> float:
        """Take a slot: one token from every bucket at the earliest instant all have one. Returns the seconds to wait
        before sending (0 when a token is there now). Never sleeps."""
        if not self.limits.enabled:
            return 0.0
        with self._lock:
            now = self.clock()
            at = max(b.earliest(now) for b in self._buckets)
            for bucket in self._buckets:
                bucket.take(at)
            wait = at - now
            return wait if wait > _EPSILON else 0.0

    def acquire(self) -> float:
        """Wait (with the injected ``sleep``) until a request may be sent; returns the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            log.debug("pacing: waiting %.3fs for a rate-limit token", wait)
            self.sleep(wait)
        return wait

    async def acquire_async(self) -> float:
        """Like :meth:`acquire`, waiting with the injected ``async_sleep``."""
        wait = self.reserve()
        if wait > 0:
            log.debug("pacing: waiting %.3fs for a rate-limit token", wait)
            await self.async_sleep(wait)
        return wait

    def settle(self) -> None:
        """A request paced by this pacer has just ended (answer or error). Its token was taken when it was sent, but
        the server took it when the request arrived, a little later; counting it as taken no earlier than now keeps
        the local buckets from running ahead of the server's (which would turn a latency hiccup into a 429). Only
        matters while the buckets are nearly full; costs nothing once they are drawn down."""
        if not self.limits.enabled:
            return
        with self._lock:
            now = self.clock()
            for bucket in self._buckets:
                bucket.settle(now)

    def tokens(self) -> float:
        """Whole-request tokens available now (the fullest request that could go without waiting)."""
        with self._lock:
            now = self.clock()
            return min(b.tokens(now) for b in self._buckets)

    def drain(self) -> None:
        """Empty every bucket now, as if another client had just spent them."""
        with self._lock:
            now = self.clock()
            for bucket in self._buckets:
                bucket.drain(now)

    def on_rate_limited(self, message: str | None = None) -> None:
        """The server answered 429. ``message`` (``"Limit reached (N tokens per M ms)"``) says which bucket.

        That bucket is drained; if the server's limit is tighter than ours, or is one we do not know, it is adopted.
        Without a readable message every bucket is drained.
        """
        if not self.limits.enabled:
            return
        match = _LIMIT_MESSAGE.search(message or "")
        with self._lock:
            now = self.clock()
            if match is None:
                for bucket in self._buckets:
                    bucket.drain(now)
                return
            limit, window = int(match.group(1)), int(match.group(2)) / 1000.0
            same = [b for b in self._buckets if abs(b.window - window) < 1e-9]
            if same and same[0].limit <= limit:
                same[0].drain(now)
                return
            replacement = _Bucket(limit, window, now, tokens=0.0, headroom=self.limits.headroom)
            if same:
                log.warning(
                    "Twenty reports %d requests per %gs, tighter than the configured %d: pacing to it",
                    limit,
                    window,
                    same[0].limit,
                )
                self._buckets[self._buckets.index(same[0])] = replacement
            else:
                log.warning(
                    "Twenty reports a rate limit of %d requests per %gs that this client was not "
                    "configured for: pacing to it",
                    limit,
                    window,
                )
                self._buckets.append(replacement)


def is_rate_limited_path(path: str) -> bool:
    """Whether Twenty counts a request to ``path`` against the rate limit: the record APIs (``/rest/<object>``,
    ``/rest/batch``, ``/graphql``) are; ``/rest/metadata`` and ``/rest/open-api`` are not."""
    path = "/" + path.lstrip("/")
    if path == "/graphql" or path.startswith("/graphql/"):
        return True
    if not path.startswith("/rest/"):
        return False
    head = path[len("/rest/") :].split("/", 1)[0].split("?", 1)[0]
    return head not in ("metadata", "open-api")


class PacerRegistry:
    """One :class:`Pacer` per workspace (base URL + API-key fingerprint) in this process; thread-safe.

    The first client of a workspace decides its limits; later ones share that pacer whatever limits they ask for.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pacers: dict[tuple[str, str], Pacer] = {}

    def get(self, base_url: str, api_key: Secret, limits: RateLimit | None = None) -> Pacer:
        key = (base_url.rstrip("/"), api_key.fingerprint())
        with self._lock:
            pacer = self._pacers.get(key)
            if pacer is None:
                pacer = self._pacers[key] = Pacer(limits)
            elif limits is not None and limits != pacer.limits:
                log.debug("a pacer for %s already exists with %r; sharing it", key[0], pacer.limits)
            return pacer

    def clear(self) -> None:
        with self._lock:
            self._pacers.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._pacers)


_REGISTRY = PacerRegistry()


def shared_pacer(base_url: str, api_key: Secret, limits: RateLimit | None = None) -> Pacer:
    """The process-wide pacer of the workspace at ``base_url`` reached with ``api_key``."""
    return _REGISTRY.get(base_url, api_key, limits)
