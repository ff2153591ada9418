"""Client-side pacing: a copy of the workspace's token buckets, kept as Twenty keeps them, so that requests are
spaced instead of refused.

Twenty limits API-key calls to the record APIs per workspace with two token buckets (defaults: 100 per 1 s and 100
per 60 s; one request = one token whatever its size) and answers 429 with no ``Retry-After``. Its refill is *not*
continuous (``throttler.service.ts``): per bucket it stores ``{tokens, lastRefillAt}`` and, when a request arrives,
computes ``available = min(tokens + floor((now - lastRefillAt) * limit / window), limit)``; a request is admitted
when ``available >= 1`` and then ``{tokens: available - 1, lastRefillAt: now}`` is stored. Every admitted request
restarts the refill clock and throws away the fraction of a token refilled since the previous one, so once the burst
is spent the workspace admits one request per ``window / limit`` (600 ms) *measured between arrivals at the server*;
two requests arriving 590 ms apart refill nothing.

A :class:`Pacer` keeps the same integer arithmetic locally, on the instants at which requests leave the client:
a request takes the earliest instant at which every bucket has a whole token to spare and restarts that bucket's
refill clock there (so a client that sends late loses the fraction, as the server does). Requests arrive a little
after they leave, each with its own delay; with several in flight the gap between two arrivals can be shorter than
the gap between their sends. :attr:`RateLimit.margin` (25 ms, 4 % of 600 ms) is added to every refill interval to
absorb that jitter, and :attr:`RateLimit.headroom` tokens (2) stay unspent, so that the rare arrival gap that falls
short anyway spends one of the server's spare tokens instead of drawing a 429. Measured against a real Twenty 2.21.0
with default limits (``bench/bench_pacing.py``): no 429 and one request per ~625 ms once the burst is spent.

On a 429 (another process spending the same workspace's tokens, or jitter beyond the margin and the headroom) the
pacer adopts what the server showed: the bucket it names was empty at that moment, so its local copy is emptied with
its refill clock restarted on the answer's arrival, and that bucket's spacing is stretched (doubled, at most x 4;
once per episode: a request sent before the previous 429 was taken into account stretches nothing), then relaxed
back as time passes (by 0.02 interval per interval). Requests already waiting for a slot give it up and take a new
one on the emptied bucket, instead of going out on the old schedule into more 429s. While stretched, each gap is
drawn at random around the stretch, so that two processes slowed alike do not keep colliding in step. Several
processes sharing one workspace thus slow down until their requests mostly stop colliding instead of retrying in a
storm; each refused request is retried by the transport's :class:`~twenty_sdk.RetryPolicy` after its backoff and
its next pacing slot. They share the rate less well than one process would use it alone: give a workspace one
writer where possible.

Every client of one workspace in a process shares one pacer (:func:`shared_pacer`, keyed by base URL and key
fingerprint). Reservations are made under a lock and never while sleeping, so threads and asyncio tasks can share a
pacer; the clock, the sleep functions and the random draws are injected, so tests never sleep for real.
"""

from __future__ import annotations

import logging
import math
import random
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
_STRETCH = 2.0  # a 429 doubles the named bucket's spacing...
_MAX_STRETCH = 4.0  # ...up to 4 intervals
_RELAX = 0.02  # and every interval of time takes 0.02 interval off the stretch again (x2 -> x1 in 50 intervals)


async def asyncio_sleep(seconds: float) -> None:
    """``asyncio.sleep``, imported when first awaited: a synchronous program never loads asyncio."""
    import asyncio

    await asyncio.sleep(seconds)


@attrs.frozen
class RateLimit:
    """The workspace's limits (Twenty's defaults; a self-hosted server may differ, Twenty Cloud was seen near 50/min).

    ``short_limit`` requests per ``short_window`` seconds and ``long_limit`` per ``long_window`` seconds, both
    enforced, each refilled one whole token per ``window / limit`` since the last admitted request (see the module
    docstring). ``long_initial`` is how many long-bucket tokens are available at start: ``None`` (full) unless another
    process may already have spent some, in which case start it at 0 or part-full. ``headroom`` tokens of each bucket
    are left unspent: an arrival gap shortened by latency jitter then costs one of the server's spare tokens instead
    of a 429, at the cost of as many requests of burst (the sustained rate is unchanged). ``margin`` seconds are added
    to every refill interval the pacer waits for: requests leave on schedule but reach the server with varying
    delays, and the margin is how much closer together two of them may arrive than they left. ``enabled=False`` turns
    pacing off (e.g. for a server with no limit).
    """

    short_limit: int = attrs.field(default=100, validator=attrs.validators.gt(0))
    short_window: float = attrs.field(default=1.0, validator=attrs.validators.gt(0))
    long_limit: int = attrs.field(default=100, validator=attrs.validators.gt(0))
    long_window: float = attrs.field(default=60.0, validator=attrs.validators.gt(0))
    long_initial: float | None = None
    headroom: int = attrs.field(default=2, validator=attrs.validators.ge(0))
    margin: float = attrs.field(default=0.025, validator=attrs.validators.ge(0))
    enabled: bool = True

    def ceiling(self, seconds: float) -> float:
        """The most requests the server admits in ``seconds`` starting from full buckets: each bucket's burst, then
        one per refill interval (for benchmarks and tests)."""
        return float(
            min(
                self.short_limit + math.floor(seconds * self.short_limit / self.short_window + _EPSILON),
                self.long_limit + math.floor(seconds * self.long_limit / self.long_window + _EPSILON),
            )
        )

    def best_paced_time(self, requests: int) -> float:
        """Seconds the best schedule needs *after its burst* for ``requests`` requests from full buckets: the burst
        (each bucket's whole limit) costs no waiting, then the binding bucket admits one per refill interval."""
        return max(
            0.0,
            (requests - self.short_limit) * self.short_window / self.short_limit,
            (requests - self.long_limit) * self.long_window / self.long_limit,
        )


class _Bucket:
    """The local copy of one of Twenty's buckets: ``tokens`` and ``last`` (the instant its refill clock restarted;
    None: the server holds no state, a full bucket), refilled one whole token per ``interval * stretch + margin``."""

    __slots__ = ("headroom", "interval", "last", "limit", "margin", "step", "stretch", "tokens", "window")

    def __init__(
        self, limit: int, window: float, *, margin: float, headroom: int, tokens: int | None = None, now: float = 0.0
    ) -> None:
        self.limit = limit
        self.window = window
        self.interval = window / limit
        self.margin = margin
        self.headroom = min(headroom, limit - 1)
        self.stretch = 1.0
        self.step = self.interval  # the refill interval until the next request: interval * a draw around stretch
        self.tokens = limit
        self.last: float | None = None
        if tokens is not None:
            self.empty_to(max(0, min(tokens, limit)), now)

    def available(self, at: float) -> int:
        """Twenty's ``available`` for a request arriving at ``at``: whole tokens only, capped at the limit."""
        if self.last is None:
            return self.limit
        gap = at - self.last - self.margin
        refill = math.floor(gap / self.step + _EPSILON) if gap > 0 else 0
        return min(self.tokens + refill, self.limit)

    def earliest(self, now: float) -> float:
        """The first instant >= now at which this bucket has a token to spare beyond its headroom."""
        if self.available(now) > self.headroom or self.last is None:
            return now
        missing = self.headroom + 1 - self.tokens
        return max(now, self.last + self.margin + missing * self.step)

    def take(self, at: float, draw: float) -> None:
        """A request leaves at ``at``: Twenty's ``{tokens: available - 1, lastRefillAt: now}``. While stretched,
        the next interval is drawn around the stretch (``draw`` uniform in [0, 1)), so that clients stretched
        alike do not keep colliding in step; the stretch relaxes with time."""
        self.tokens = max(0, self.available(at) - 1)
        if self.last is not None and self.stretch > 1.0:
            self.stretch = max(1.0, self.stretch - _RELAX * (at - self.last) / self.interval)
        self.last = at
        self.step = self.interval * (1.0 + (self.stretch - 1.0) * 2.0 * draw)

    def empty_to(self, tokens: int, now: float) -> None:
        """``tokens`` left now, the refill clock restarted now (slots handed out for later are given up: their
        requests take new ones, see :meth:`Pacer.acquire`)."""
        self.tokens = tokens
        self.last = now

    def refused(self, now: float, *, stretch: bool = True) -> None:
        """The server refused a request for this bucket: it was empty, and (``stretch``) it is slower than we
        thought."""
        self.empty_to(0, now)
        if stretch:
            self.stretch = min(_MAX_STRETCH, self.stretch * _STRETCH)
        self.step = self.interval * self.stretch

    def spare(self, now: float) -> int:
        return max(0, self.available(now) - self.headroom)


class Pacer:
    """The local copy of one workspace's rate-limit buckets.

    ``acquire()`` (threads) and ``await acquire_async()`` (asyncio) wait until a request may go and return how long
    they waited. ``on_rate_limited(message)`` is called on a 429: the bucket the server named (or every bucket) is
    emptied and its spacing stretched, and a limit the server reports that is tighter than ours is adopted.
    """

    def __init__(
        self,
        limits: RateLimit | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.limits = limits if limits is not None else RateLimit()
        self._rng = rng if rng is not None else random.Random()
        self.clock = clock
        self.sleep = sleep
        self.async_sleep = async_sleep if async_sleep is not None else asyncio_sleep
        self._lock = threading.Lock()
        now = clock()
        initial = self.limits.long_initial
        self._buckets = [
            self._bucket(self.limits.short_limit, self.limits.short_window),
            self._bucket(
                self.limits.long_limit,
                self.limits.long_window,
                None if initial is None else math.floor(initial + _EPSILON),
                now,
            ),
        ]
        self._last_slot = now  # slots are handed out in order: a request never goes before an earlier one
        self._adjusted_at: float | None = None  # when a 429 last changed the buckets
        self._epoch = 0  # bumped whenever the buckets are emptied: slots handed out before are void

    def _bucket(self, limit: int, window: float, tokens: int | None = None, now: float = 0.0) -> _Bucket:
        return _Bucket(limit, window, margin=self.limits.margin, headroom=self.limits.headroom, tokens=tokens, now=now)

    def __repr__(self) -> str:
        shape = ", ".join(f"{b.limit}/{b.window:g}s" for b in self._buckets)
        return f"<Pacer {shape}{'' if self.limits.enabled else ' disabled'}>"

    @property
    def enabled(self) -> bool:
        return self.limits.enabled

    def reserve(self) -> float:
        """Take a slot: one token from every bucket at the earliest instant (no earlier than the previous slot) at
        which all have one to spare. Returns the seconds to wait before sending (0 when it may go now). Never
        sleeps."""
        if not self.limits.enabled:
            return 0.0
        with self._lock:
            now = self.clock()
            at = max(now, self._last_slot)
            at = max(at, *(b.earliest(at) for b in self._buckets))
            for bucket in self._buckets:
                bucket.take(at, self._rng.random())
            self._last_slot = at
            wait = at - now
            return wait if wait > _EPSILON else 0.0

    def acquire(self) -> float:
        """Wait (with the injected ``sleep``) until a request may be sent; returns the seconds waited. If a 429
        emptied the buckets meanwhile, the slot is void: a new one is taken and waited for."""
        waited = 0.0
        while True:
            epoch = self._epoch  # read first: a 429 between this and the reservation only costs a new slot
            wait = self.reserve()
            if wait <= 0:
                return waited
            log.debug("pacing: waiting %.3fs for a rate-limit token", wait)
            self.sleep(wait)
            waited += wait
            if epoch == self._epoch:
                return waited

    async def acquire_async(self) -> float:
        """Like :meth:`acquire`, waiting with the injected ``async_sleep``."""
        waited = 0.0
        while True:
            epoch = self._epoch
            wait = self.reserve()
            if wait <= 0:
                return waited
            log.debug("pacing: waiting %.3fs for a rate-limit token", wait)
            await self.async_sleep(wait)
            waited += wait
            if epoch == self._epoch:
                return waited

    def settle(self) -> None:
        """A request paced by this pacer has just ended (answer or error). Nothing to do: the server restarted its
        refill clock when the request arrived, which the pacer models as the send instant plus
        :attr:`RateLimit.margin`, not when the answer came back (that would add the whole latency to every gap).
        Kept so that transports can say so."""

    def tokens(self) -> float:
        """Whole-request tokens available now, less the headroom (how many requests could go without waiting)."""
        with self._lock:
            now = self.clock()
            return float(min(b.spare(now) for b in self._buckets))

    def drain(self) -> None:
        """Empty every bucket now, as if another client had just spent them."""
        with self._lock:
            now = self.clock()
            for bucket in self._buckets:
                bucket.empty_to(0, now)
            self._void_slots(now)

    def _void_slots(self, now: float) -> None:
        """The buckets were just emptied: slots handed out for later are void (their requests take new ones)."""
        self._epoch += 1
        self._last_slot = now

    def on_rate_limited(self, message: str | None = None, *, sent_at: float | None = None) -> None:
        """The server answered 429. ``message`` (``"Limit reached (N tokens per M ms)"``) says which bucket;
        ``sent_at`` (this pacer's clock) is when the refused request left, if known.

        That bucket was empty when the request arrived: it is emptied here, its refill clock restarted now, and its
        spacing stretched -- once per episode: a request that left before the previous 429 was taken into account
        only empties the bucket again (it was sent on the old schedule and tells nothing new). If the server's limit
        is tighter than ours, or is one we do not know, it is adopted. Without a readable message every bucket is
        treated so.
        """
        if not self.limits.enabled:
            return
        match = _LIMIT_MESSAGE.search(message or "")
        with self._lock:
            now = self.clock()
            stretch = sent_at is None or self._adjusted_at is None or sent_at >= self._adjusted_at
            self._adjusted_at = now
            self._void_slots(now)
            if match is None:
                for bucket in self._buckets:
                    bucket.refused(now, stretch=stretch)
                return
            limit, window = int(match.group(1)), int(match.group(2)) / 1000.0
            same = [b for b in self._buckets if abs(b.window - window) < 1e-9]
            if same and same[0].limit <= limit:
                same[0].refused(now, stretch=stretch)
                return
            replacement = self._bucket(limit, window, 0, now)
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
