"""The sans-I/O core that keeps every sync/async twin written once: an operation is a generator that yields what it
needs done and receives the outcome; two small drivers (:func:`run`, :func:`arun`) do the I/O.

    def _get(path: str) -> Op[Info]:               # the operation: no I/O, no await, testable by hand
        answer = yield Call("GET", path)           # the driver sends it, and sends the decoded body back in
        return parse(answer)

    run(_get("/rest/x"), transport.request, transport.pause_before_retry)              # Records, Metadata, GraphQL
    await arun(_get("/rest/x"), async_transport.request, async_transport.pause_before_retry)   # their async twins

A step is a :class:`Call` (one request through the transport: paced, retried, raised for status, decoded), a
:class:`Pause` (back off as the retry policy says, above the transport: a create whose outcome had to be checked), or
an :class:`Emit` (records for the caller of a streaming operation: :func:`stream` / :func:`astream`). A request that
fails raises its :class:`~twenty_sdk.TwentyError` inside the operation, at its ``yield``: the operation may catch it
(a refused batch is bisected) or let it go up to the caller.

Why sans-I/O rather than generating the sync twin from the async source (httpcore's ``scripts/unasync.py``): the
twins differ in more than ``await`` (threads against tasks for ``concurrency=``, an async iterable as input, the
first page fetched at once or on ``await``), which token substitution turns into special cases; here the decisions
are written once, the drivers are the only code written twice, and no generated file can drift.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeAlias, TypeVar

import attrs

from twenty_sdk._errors import TwentyError

__all__ = ["Call", "Emit", "Op", "Pause", "Stream", "arun", "astream", "run", "stream"]

T = TypeVar("T")
ItemT = TypeVar("ItemT")


@attrs.frozen
class Call:
    """One request through the transport (``idempotent``: as :meth:`~twenty_sdk.Transport.request` takes it)."""

    method: str
    path: str
    params: Mapping[str, str | int] | None = None
    json: Any = None
    idempotent: bool | None = None


@attrs.frozen
class Pause:
    """Not a request: back off after attempt number ``attempt`` failed (the driver waits as its transport's retry
    policy says, and sends None back)."""

    attempt: int


@attrs.frozen
class Emit(Generic[ItemT]):
    """Records for the caller of a streaming operation, given before its next request (the driver sends None back)."""

    items: Sequence[ItemT]


Op: TypeAlias = Generator[Call | Pause, Any, T]
"""An operation answering a ``T``."""
Stream: TypeAlias = Generator[Call | Pause | Emit[ItemT], Any, None]
"""An operation streaming ``ItemT``\\ s."""

Request = Callable[..., Any]
Backoff = Callable[[int], Any]


def run(op: Op[T], request: Request, pause: Backoff) -> T:
    """Drive ``op`` to its answer: ``request(method, path, params=, json=, idempotent=)`` for each :class:`Call`,
    ``pause(attempt)`` for each :class:`Pause`."""
    try:
        step = next(op)
        while True:
            if isinstance(step, Pause):
                pause(step.attempt)
                step = op.send(None)
                continue
            try:
                answer = request(step.method, step.path, params=step.params, json=step.json, idempotent=step.idempotent)
            except TwentyError as exc:
                step = op.throw(exc)
            else:
                step = op.send(answer)
    except StopIteration as stop:
        result: T = stop.value
        return result


async def arun(op: Op[T], request: Callable[..., Awaitable[Any]], pause: Callable[[int], Awaitable[Any]]) -> T:
    """:func:`run` with an async transport's ``request`` and ``pause_before_retry``."""
    try:
        step = next(op)
        while True:
            if isinstance(step, Pause):
                await pause(step.attempt)
                step = op.send(None)
                continue
            try:
                answer = await request(
                    step.method, step.path, params=step.params, json=step.json, idempotent=step.idempotent
                )
            except TwentyError as exc:
                step = op.throw(exc)
            else:
                step = op.send(answer)
    except StopIteration as stop:
        result: T = stop.value
        return result


def stream(op: Stream[ItemT], request: Request, pause: Backoff) -> Iterator[ItemT]:
    """The items ``op`` emits, its requests sent as the iteration reaches them (see :func:`run`)."""
    step = next(op, None)
    while step is not None:
        if isinstance(step, Emit):
            yield from step.items
            step = next(op, None)
            continue
        if isinstance(step, Pause):
            pause(step.attempt)
            step = next(op, None)
            continue
        try:
            answer = request(step.method, step.path, params=step.params, json=step.json, idempotent=step.idempotent)
        except TwentyError as exc:
            step = _throw(op, exc)
        else:
            step = _send(op, answer)


async def astream(
    op: Stream[ItemT], request: Callable[..., Awaitable[Any]], pause: Callable[[int], Awaitable[Any]]
) -> AsyncIterator[ItemT]:
    """:func:`stream` with an async transport."""
    step = next(op, None)
    while step is not None:
        if isinstance(step, Emit):
            for item in step.items:
                yield item
            step = next(op, None)
            continue
        if isinstance(step, Pause):
            await pause(step.attempt)
            step = next(op, None)
            continue
        try:
            answer = await request(
                step.method, step.path, params=step.params, json=step.json, idempotent=step.idempotent
            )
        except TwentyError as exc:
            step = _throw(op, exc)
        else:
            step = _send(op, answer)


def _send(op: Stream[ItemT], answer: Any) -> Call | Pause | Emit[ItemT] | None:
    try:
        return op.send(answer)
    except StopIteration:
        return None


def _throw(op: Stream[ItemT], exc: BaseException) -> Call | Pause | Emit[ItemT] | None:
    try:
        return op.throw(exc)
    except StopIteration:
        return None
