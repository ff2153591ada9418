"""When to retry a request and how long to wait first: pure functions of a frozen policy, so they are tested by
tables and never by sleeping.

- **429** is always retried, whatever the method: Twenty refuses it before doing any work. It sends no
  ``Retry-After``; the transport drains its local bucket (:meth:`twenty_sdk.Pacer.on_rate_limited`) and waits for it
  to refill, on top of the backoff below.
- **5xx, dropped connections, read/write timeouts** are retried for idempotent requests only: ``GET``, ``HEAD``,
  ``OPTIONS``, ``PUT``, ``PATCH``, ``DELETE``, and a ``POST`` the caller marks idempotent (an upsert on a unique key,
  or a create with a client-supplied id). A plain ``POST`` may have been applied before the failure.
- **Connection failures before the request was sent** (connect error, connect or pool timeout) are retried for
  every method: the server never saw the request.
- Anything else (4xx) is not retried.

Backoff is exponential with full jitter: attempt ``n`` waits a uniform draw from ``[0, min(max_delay,
initial_delay * 2**(n-1))]``. The draw is isolated in :meth:`RetryPolicy.jitter` for tests.
"""

from __future__ import annotations

import random

import attrs
import httpx

from twenty_sdk._errors import APIConnectionError

__all__ = ["IDEMPOTENT_METHODS", "RetryPolicy"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_NOT_RETRIED_5XX = frozenset({501, 505})


@attrs.frozen
class RetryPolicy:
    """How many times to retry and how long to back off.

    ``max_retries``: retries after the first attempt (so at most ``max_retries + 1`` attempts); 0 disables retries.
    ``initial_delay``/``max_delay``: the backoff's first cap and its ceiling, in seconds.
    """

    max_retries: int = attrs.field(default=4, validator=attrs.validators.ge(0))
    initial_delay: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    max_delay: float = attrs.field(default=8.0, validator=attrs.validators.ge(0))

    @staticmethod
    def is_idempotent(method: str, idempotent: bool | None = None) -> bool:
        """``idempotent`` (the caller's word) wins; otherwise the method decides."""
        if idempotent is not None:
            return idempotent
        return method.upper() in IDEMPOTENT_METHODS

    @staticmethod
    def retryable_status(status: int) -> bool:
        """Statuses worth another try: 408, 429 and 5xx (but 501 and 505, which will not change)."""
        return status in (408, 429) or (status >= 500 and status not in _NOT_RETRIED_5XX)

    def should_retry(
        self,
        method: str,
        outcome: int | BaseException,
        attempt: int,
        idempotent: bool | None = None,
    ) -> bool:
        """Whether to try again after attempt number ``attempt`` (1 for the first) ended in ``outcome``: an HTTP
        status, or the exception raised (an httpx error, or our :class:`APIConnectionError` wrapping one)."""
        if attempt > self.max_retries:
            return False
        if isinstance(outcome, int):
            if outcome == 429:
                return True
            return self.retryable_status(outcome) and self.is_idempotent(method, idempotent)
        cause = outcome.__cause__ if isinstance(outcome, APIConnectionError) else outcome
        if isinstance(cause, httpx.UnsupportedProtocol):  # a bad URL: no retry will fix it
            return False
        if isinstance(cause, _NEVER_SENT):
            return True
        if isinstance(cause, httpx.TransportError) or isinstance(outcome, APIConnectionError):
            return self.is_idempotent(method, idempotent)
        return False

    def retry_delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after attempt number ``attempt`` failed, before the next one."""
        cap = min(self.max_delay, self.initial_delay * 2 ** min(max(0, attempt - 1), 60))
        return self.jitter(cap, rng)

    def jitter(self, cap: float, rng: random.Random | None = None) -> float:
        """Full jitter: a uniform draw from [0, cap]. Override, or pass a seeded ``rng``, to pin it in tests."""
        return (rng if rng is not None else random).uniform(0.0, cap)
