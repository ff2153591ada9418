"""Sending one request to Twenty: the Bearer key, pacing, retries, JSON, and our exceptions.

    with Transport(ClientConfig.resolve()) as transport:
        body = transport.request("GET", "/rest/people", params={"limit": 60})

:class:`Transport` (``httpx.Client``) and :class:`AsyncTransport` (``httpx.AsyncClient``) share every decision through
:class:`BaseTransport`, whose ``_attempts`` writes the attempts of a request once, without I/O (the steps: take a
token, send, discard an answer to retry, wait); the two only carry the steps out. Each attempt to a record route (not
``/rest/metadata``, not ``/rest/open-api``) first takes a token from the workspace's :class:`~twenty_sdk.Pacer`; a
failed attempt is retried as :class:`~twenty_sdk.RetryPolicy` says; the last answer goes through
:func:`~twenty_sdk.raise_for_response`. The key is added to each request's headers and nowhere else: not to the
httpx client's default headers, not to any log line, message or ``repr``.

Pass ``http_client=`` to use your own ``httpx.Client`` (its timeouts, TLS settings and transport are then yours;
it is not closed by :meth:`Transport.close`), or ``transport=`` to keep ours with another httpx transport.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from types import TracebackType
from typing import Any, Generic, Self, TypeAlias, TypeVar

import attrs
import httpx

from twenty_sdk._config import ClientConfig
from twenty_sdk._errors import (
    APIConnectionError,
    APITimeoutError,
    api_error_from_response,
    raise_for_response,
    scrub,
)
from twenty_sdk._pacing import Pacer, asyncio_sleep, is_rate_limited_path, shared_pacer
from twenty_sdk._retry import RetryPolicy

__all__ = ["AsyncTransport", "BaseTransport", "Transport"]

log = logging.getLogger("twenty_sdk")


@functools.cache
def user_agent() -> str:
    """``twenty-sdk/<installed version>``, read on the first request (importlib.metadata is slow to import)."""
    from importlib import metadata

    try:
        version = metadata.version("twenty-sdk")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
        version = "0"
    return f"twenty-sdk/{version}"


_MAX_RETRY_AFTER = 60.0

Params = Mapping[str, str | int | float | bool | None]
ClientT = TypeVar("ClientT", httpx.Client, httpx.AsyncClient)


@attrs.frozen
class _Call:
    """One logical request, whatever number of attempts it takes."""

    method: str
    path: str
    url: str
    paced: bool
    idempotent: bool | None


@attrs.frozen
class _Acquire:
    """Take a token from the pacer."""


@attrs.frozen
class _Send:
    """Send the request once; the answer (an ``httpx.Response``) is sent back in, or the ``httpx.HTTPError`` thrown."""


@attrs.frozen
class _Discard:
    """Close an answer that will be retried."""

    response: httpx.Response


@attrs.frozen
class _Wait:
    """Sleep before the next attempt."""

    seconds: float


_Step: TypeAlias = "_Acquire | _Send | _Discard | _Wait"
_ACQUIRE, _SEND = _Acquire(), _Send()


class BaseTransport(Generic[ClientT]):
    """What both transports share: the configuration, the pacer, the retry policy and every decision."""

    _client: ClientT

    def __init__(self, config: ClientConfig, *, pacer: Pacer | None = None, rng: random.Random | None = None) -> None:
        self.config = config
        self.retry: RetryPolicy = config.retry
        self.pacer = pacer if pacer is not None else shared_pacer(config.base_url, config.api_key, config.rate_limit)
        self._rng = rng
        if config.verify is False:
            log.warning("TLS certificate verification is off for %s", config.base_url)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self.config.base_url!r} api_key={self.config.api_key!r}>"

    @property
    def base_url(self) -> str:
        return self.config.base_url

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            raise ValueError(f"pass a path relative to the base URL, not a URL: {path!r}")
        return f"{self.config.base_url}/{path.lstrip('/')}"

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": user_agent()}
        if extra:
            headers.update(extra)
        headers["Authorization"] = f"Bearer {self.config.api_key.get_secret_value()}"
        return headers

    def _call(self, method: str, path: str, idempotent: bool | None) -> _Call:
        paced = self.pacer.enabled and is_rate_limited_path(path)
        return _Call(method.upper(), path, self._url(path), paced, idempotent)

    def _scrub(self, text: str) -> str:
        return scrub(text, self.config.api_key.get_secret_value())

    def _wrap(self, exc: httpx.HTTPError, method: str, url: str) -> APIConnectionError:
        """Our exception for an httpx one (whose request, with its headers, stays only in ``__cause__``)."""
        what = self._scrub(str(exc)) or type(exc).__name__
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        return cls(f"{method} {url} failed: {type(exc).__name__}: {what}", method=method, url=url)

    def _after_response(
        self, call: _Call, response: httpx.Response, attempt: int, started: float, sent_at: float | None = None
    ) -> float | None:
        """An attempt got an answer: settle the pacer, log, and say how long to wait before retrying (None: don't;
        the caller then raises for the status or returns). Tells the pacer about a 429 (``sent_at``: the pacer's
        clock when the attempt left)."""
        if call.paced:
            self.pacer.settle()
        status = response.status_code
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %d in %.3fs (attempt %d)",
                call.method,
                response.request.url,
                status,
                time.monotonic() - started,
                attempt,
            )
        if status == 429 and call.paced:  # even on the last attempt: the pacer's other requests need to know
            self.pacer.on_rate_limited(_first_message(response), sent_at=sent_at)
        if status < 400 or not self.retry.should_retry(call.method, status, attempt, call.idempotent):
            return None
        delay = self.retry.retry_delay(attempt, self._rng)
        retry_after = _retry_after_header(response)
        if retry_after is not None:
            delay = max(delay, retry_after)
        log.info(
            "retrying %s %s in %.2fs after HTTP %d (attempt %d of %d)",
            call.method,
            response.request.url,
            delay,
            status,
            attempt,
            self.retry.max_retries + 1,
        )
        return delay

    def _after_exception(self, call: _Call, exc: httpx.HTTPError, attempt: int) -> float:
        """An attempt got no answer: settle the pacer, then return the wait before retrying or raise our error."""
        if call.paced:
            self.pacer.settle()
        if not self.retry.should_retry(call.method, exc, attempt, call.idempotent):
            raise self._wrap(exc, call.method, call.url) from exc
        delay = self.retry.retry_delay(attempt, self._rng)
        log.info(
            "retrying %s %s in %.2fs after %s (attempt %d of %d)",
            call.method,
            call.url,
            delay,
            type(exc).__name__,
            attempt,
            self.retry.max_retries + 1,
        )
        return delay

    def _attempts(self, call: _Call) -> Generator[_Step, httpx.Response | None, httpx.Response]:
        """Every attempt of one request, without I/O: the steps to take, ending with the successful answer (or
        raising our error). :class:`Transport` and :class:`AsyncTransport` only carry the steps out."""
        attempt = 0
        while True:
            attempt += 1
            if call.paced:
                yield _ACQUIRE
            started = time.monotonic()
            sent_at = self.pacer.clock() if call.paced else None
            try:
                response = yield _SEND
            except httpx.HTTPError as exc:
                yield _Wait(self._after_exception(call, exc, attempt))
                continue
            assert response is not None
            retry_in = self._after_response(call, response, attempt, started, sent_at)
            if retry_in is not None:
                yield _Discard(response)
                yield _Wait(retry_in)
                continue
            raise_for_response(response)
            return response

    def _decode(self, response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return json.loads(response.content)
        except ValueError:
            raise api_error_from_response(response, note="the answer is not JSON") from None


class Transport(BaseTransport[httpx.Client]):
    """Sends requests with an ``httpx.Client``; thread-safe (share one per workspace)."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        pacer: Pacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(config, pacer=pacer, rng=rng)
        self._sleep = sleep
        self._owns_client = http_client is None
        self._client = http_client or httpx.Client(
            timeout=config.timeout, verify=_ssl_verify(config.verify), transport=transport, follow_redirects=False
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send, and return the decoded JSON body (None when empty). Raises our errors only.

        ``idempotent=True`` lets a POST be retried after a 5xx or a dropped connection (an upsert on a unique key,
        or a create with a client-supplied id); ``False`` forbids that for any method.
        """
        return self._decode(self.send(method, path, params=params, json=json, headers=headers, idempotent=idempotent))

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send with pacing and retries; return the successful ``httpx.Response`` or raise."""
        call = self._call(method, path, idempotent)
        steps = self._attempts(call)
        try:
            step = next(steps)
            while True:
                if isinstance(step, _Send):
                    try:
                        response = self._client.request(
                            call.method, call.url, params=params, json=json, headers=self._headers(headers)
                        )
                    except httpx.HTTPError as exc:
                        step = steps.throw(exc)  # the wait before the next attempt, or our error raised
                    else:
                        step = steps.send(response)
                    continue
                if isinstance(step, _Acquire):
                    self.pacer.acquire()
                elif isinstance(step, _Discard):
                    step.response.close()
                else:
                    self._sleep(step.seconds)
                step = next(steps)
        except StopIteration as done:
            result: httpx.Response = done.value
            return result

    def pause_before_retry(self, attempt: int) -> float:
        """Back off after attempt number ``attempt`` of an operation above this layer failed (a create whose
        outcome had to be checked before trying again): wait as the retry policy says; return the seconds waited."""
        delay = self.retry.retry_delay(attempt, self._rng)
        self._sleep(delay)
        return delay

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncTransport(BaseTransport[httpx.AsyncClient]):
    """Sends requests with an ``httpx.AsyncClient``; share one per workspace and event loop."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        pacer: Pacer | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio_sleep,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(config, pacer=pacer, rng=rng)
        self._sleep = sleep
        self._owns_client = http_client is None
        self._client = http_client or httpx.AsyncClient(
            timeout=config.timeout, verify=_ssl_verify(config.verify), transport=transport, follow_redirects=False
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send, and return the decoded JSON body (None when empty). See :meth:`Transport.request`."""
        response = await self.send(method, path, params=params, json=json, headers=headers, idempotent=idempotent)
        return self._decode(response)

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send with pacing and retries; return the successful ``httpx.Response`` or raise."""
        call = self._call(method, path, idempotent)
        steps = self._attempts(call)
        try:
            step = next(steps)
            while True:
                if isinstance(step, _Send):
                    try:
                        response = await self._client.request(
                            call.method, call.url, params=params, json=json, headers=self._headers(headers)
                        )
                    except httpx.HTTPError as exc:
                        step = steps.throw(exc)
                    else:
                        step = steps.send(response)
                    continue
                if isinstance(step, _Acquire):
                    await self.pacer.acquire_async()
                elif isinstance(step, _Discard):
                    await step.response.aclose()
                else:
                    await self._sleep(step.seconds)
                step = next(steps)
        except StopIteration as done:
            result: httpx.Response = done.value
            return result

    async def pause_before_retry(self, attempt: int) -> float:
        """See :meth:`Transport.pause_before_retry`."""
        delay = self.retry.retry_delay(attempt, self._rng)
        await self._sleep(delay)
        return delay

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _first_message(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return response.text or None
    if isinstance(body, dict):
        raw = body.get("messages", body.get("message"))
        if isinstance(raw, list) and raw and isinstance(raw[0], str):
            return raw[0]
        if isinstance(raw, str):
            return raw
    return None


def _retry_after_header(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds, if a proxy in front of Twenty sent one (Twenty itself never does)."""
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        return None
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


def _ssl_verify(verify: bool | str | ssl.SSLContext) -> bool | ssl.SSLContext:
    """A CA bundle path becomes an SSL context (httpx deprecates passing the path itself)."""
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify
