"""``resource.requests``: every HTTP request the client sent to an object's routes, retries, bisections and reads
included, so that what a piece of work cost can be read off the SDK rather than guessed."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from twenty_emulator import Emulator, create_app
from twenty_emulator._testing import ASGISyncTransport

from twenty_sdk import BatchError, TwentyClient

from .conftest import API_KEY, BASE_URL, NO_PACING, QUICK_RETRY, async_twenty, person


class FailFirst(httpx.BaseTransport):
    """Answers the first ``n`` requests with a 503, then passes requests on."""

    def __init__(self, inner: httpx.BaseTransport, n: int) -> None:
        self.inner, self.left = inner, n

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.left > 0:
            self.left -= 1
            return httpx.Response(503, json={"statusCode": 503, "messages": ["busy"]})
        return self.inner.handle_request(request)


def test_batch_writes_and_reads_are_counted_per_object(twenty: TwentyClient) -> None:
    twenty.people.upsert_many(person(i) for i in range(450))
    list(twenty.people.iter())
    twenty.companies.create({"name": "Acme"})

    assert twenty.people.requests == 3 + 3  # three batches, three pages
    assert twenty.companies.requests == 1


def test_every_resource_of_an_object_on_one_client_sees_the_same_count(twenty: TwentyClient) -> None:
    twenty.people.upsert_many([person(1)])

    assert twenty.records("people").requests == twenty.people.requests == 1


def test_retries_are_counted(emulator: Emulator) -> None:
    transport = FailFirst(ASGISyncTransport(create_app(emulator)), 2)
    with TwentyClient(BASE_URL, API_KEY, transport=transport, rate_limit=NO_PACING, retry=QUICK_RETRY) as twenty:
        twenty.people.upsert_many([person(1)])

        assert twenty.people.requests == 3  # two 503s, then the answer


def test_refused_records_resent_batches_are_counted(twenty: TwentyClient, emulator: Emulator) -> None:
    rows = [person(i) for i in range(20)]
    rows[4]["emails"] = {"primaryEmail": "bob@"}

    with pytest.raises(BatchError):
        twenty.people.upsert_many(rows)

    assert twenty.people.requests == emulator.request_counts()["POST /rest/batch/{object}"] == 2


def test_the_async_client_counts_too(emulator: Emulator) -> None:
    async def main() -> int:
        async with async_twenty(emulator) as twenty:
            await twenty.people.upsert_many(person(i) for i in range(201))
            return twenty.people.requests

    assert asyncio.run(main()) == 2
