"""The sans-I/O drivers every sync/async twin runs on (twenty_sdk._ops): an operation written once, driven by a
synchronous and an asynchronous transport alike."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from twenty_sdk import BadRequestError, NotFoundError
from twenty_sdk._ops import Call, Emit, Op, Pause, Stream, arun, astream, run, stream


class FakeTransport:
    """Answers each request from a script (a body, or an error to raise); records what was asked and waited."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, str, Any]] = []
        self.paused: list[int] = []

    def request(self, method: str, path: str, **kw: Any) -> Any:
        self.sent.append((method, path, kw["idempotent"]))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def pause(self, attempt: int) -> None:
        self.paused.append(attempt)

    async def arequest(self, method: str, path: str, **kw: Any) -> Any:
        return self.request(method, path, **kw)

    async def apause(self, attempt: int) -> None:
        self.pause(attempt)


def _create_then_check() -> Op[str]:
    """A create whose refusal is caught, then a pause and a read: the shape of ensure_schema's retry."""
    try:
        yield Call("POST", "/rest/x", json={"a": 1}, idempotent=False)
    except BadRequestError:
        yield Pause(1)
    body = yield Call("GET", "/rest/x")
    return str(body["data"])


def _pages() -> Stream[int]:
    first = yield Call("GET", "/rest/x?page=1")
    yield Emit(first)
    second = yield Call("GET", "/rest/x?page=2")
    yield Emit(second)


def test_run_sends_each_call_and_answers_the_operations_result() -> None:
    fake = FakeTransport({"data": "created"}, {"data": "read"})
    assert run(_create_then_check(), fake.request, fake.pause) == "read"
    assert fake.sent == [("POST", "/rest/x", False), ("GET", "/rest/x", None)]
    assert fake.paused == []


def test_a_refused_request_is_raised_inside_the_operation_where_it_may_be_caught() -> None:
    fake = FakeTransport(BadRequestError(400, ["no"]), {"data": "read"})
    assert run(_create_then_check(), fake.request, fake.pause) == "read"
    assert fake.paused == [1]


def test_an_error_the_operation_does_not_catch_reaches_the_caller() -> None:
    fake = FakeTransport(NotFoundError(404, ["gone"]))
    with pytest.raises(NotFoundError):
        run(_create_then_check(), fake.request, fake.pause)


def test_arun_drives_the_same_operation_with_an_async_transport() -> None:
    fake = FakeTransport(BadRequestError(400, ["no"]), {"data": "read"})
    assert asyncio.run(arun(_create_then_check(), fake.arequest, fake.apause)) == "read"
    assert fake.paused == [1]


def test_stream_sends_the_next_request_only_when_the_iteration_reaches_it() -> None:
    fake = FakeTransport([1, 2], [3])
    items = stream(_pages(), fake.request, fake.pause)
    assert [next(items), next(items)] == [1, 2]
    assert len(fake.sent) == 1
    assert list(items) == [3]
    assert len(fake.sent) == 2


def test_astream_yields_what_stream_yields() -> None:
    async def collect() -> list[int]:
        fake = FakeTransport([1, 2], [3])
        return [item async for item in astream(_pages(), fake.arequest, fake.apause)]

    assert asyncio.run(collect()) == [1, 2, 3]
