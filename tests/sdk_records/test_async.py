"""The async client: the same surface, awaited, with ``async for`` streaming (each test runs its own event loop)."""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from twenty_emulator import Emulator
from twenty_generated.models import Emails, FullName, Person, PersonForResponse

from twenty_sdk import AsyncTwentyClient, BatchError, Filter, NotFoundError, PaginationError

from .conftest import API_KEY, NO_PACING, async_twenty, batch_requests, list_requests, person


def test_async_crud_round_trip(emulator: Emulator) -> None:
    async def main() -> None:
        async with async_twenty(emulator) as twenty:
            made = await twenty.people.create(
                Person(name=FullName(first_name="Ada"), emails=Emails(primary_email="ADA@async.test"))
            )
            assert isinstance(made, PersonForResponse)
            assert made.emails  # neither None nor UNSET
            assert made.emails.primary_email == "ada@async.test"
            assert (await twenty.people.get(made.id)).id == made.id
            assert (await twenty.people.update(made.id, {"jobTitle": "Async"})).job_title == "Async"
            assert (await twenty.people.upsert({"emails": {"primaryEmail": "ada@async.test"}})).id == made.id
            await twenty.people.delete(made.id)
            with pytest.raises(NotFoundError):
                await twenty.people.get(made.id)
            assert [p.id for p in await twenty.people.restore(made.id)] == [made.id]
            await twenty.people.destroy(made.id)
            assert await twenty.people.count() == 0

    asyncio.run(main())


def test_async_many_record_writes(emulator: Emulator) -> None:
    async def main() -> None:
        async with async_twenty(emulator) as twenty:
            await twenty.people.create_many([person(i, jobTitle="Old") for i in range(5)])
            changed = await twenty.people.update_many(Filter.eq("jobTitle", "Old"), {"jobTitle": "New"})
            assert len(changed) == 5
            deleted = await twenty.people.delete_many(Filter.eq("jobTitle", "New"))
            assert all(p.deleted_at is not None for p in deleted)
            page = await twenty.people.list(filter=Filter.is_not_null("deletedAt"), limit=2)
            assert len(page) == 2
            assert page.total_count == 5

    asyncio.run(main())


def test_async_iter_visits_every_record_once_in_ceil_n_over_200_requests(emulator: Emulator) -> None:
    async def main() -> Counter[str]:
        async with async_twenty(emulator) as twenty:
            await twenty.people.upsert_many(person(i) for i in range(1050))
            emulator.reset_counts()
            return Counter([str(p.id) async for p in twenty.people.iter()])

    seen = asyncio.run(main())
    assert len(seen) == 1050
    assert set(seen.values()) == {1}
    assert list_requests(emulator) == math.ceil(1050 / 200)


def test_async_upsert_many_merges_in_batch_duplicates(emulator: Emulator) -> None:
    rows = []
    for i in range(1000):
        rows.append(person(i))
        if i % 4 == 0:
            rows.append({"emails": {"primaryEmail": f"P{i}@Records.TEST"}, "jobTitle": "dup"})

    async def main() -> int:
        async with async_twenty(emulator) as twenty:
            stored = await twenty.people.upsert_many(rows)
            assert len(stored) == 1000
            return await twenty.people.count()

    assert asyncio.run(main()) == 1000
    assert batch_requests(emulator) == 5


def test_async_bisection_lands_the_good_records(emulator: Emulator) -> None:
    rows = [person(i) for i in range(300)]
    rows[42]["emails"] = {"primaryEmail": "nope@"}
    rows[250]["companyId"] = "00000000-0000-4000-8000-000000000001"

    async def main() -> BatchError:
        async with async_twenty(emulator) as twenty:
            with pytest.raises(BatchError) as caught:
                await twenty.people.upsert_many(rows)
            assert await twenty.people.count() == 298
            return caught.value

    err = asyncio.run(main())
    assert sorted(f.index for f in err.failures) == [42, 250]
    assert err.succeeded == 298
    assert API_KEY not in str(err) + repr(err)


def test_async_custom_object_records(emulator: Emulator) -> None:
    async def main() -> None:
        async with async_twenty(emulator) as twenty:
            await twenty.transport.request(
                "POST",
                "/rest/metadata/objects",
                json={"nameSingular": "gadget", "namePlural": "gadgets", "labelSingular": "G", "labelPlural": "Gs"},
            )
            gadgets = twenty.records("gadgets")
            assert twenty.records("gadgets") is gadgets
            await gadgets.create_many([{"name": f"g{i}"} for i in range(3)])
            assert sorted([g["name"] async for g in gadgets.iter()]) == ["g0", "g1", "g2"]

    asyncio.run(main())


def test_async_cursor_guard() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        body = {"data": {"people": []}, "pageInfo": {"endCursor": "same", "hasNextPage": True}}
        return httpx.Response(200, content=json.dumps(body))

    async def main() -> None:
        async with AsyncTwentyClient(
            "http://stuck.local", API_KEY, transport=httpx.MockTransport(answer), rate_limit=NO_PACING
        ) as twenty:
            with pytest.raises(PaginationError):
                async for _ in twenty.people.iter():
                    pass

    asyncio.run(main())


@pytest.mark.parametrize("concurrency", [1, 3])
def test_async_upsert_many_reads_an_async_iterable_as_batches_are_needed(emulator: Emulator, concurrency: int) -> None:
    pulled: list[int] = []

    async def cursor() -> AsyncIterator[dict[str, object]]:  # an async database cursor, say
        for i in range(450):
            pulled.append(i)
            await asyncio.sleep(0)
            yield person(i % 430, jobTitle=f"v{i}")  # the last 20 repeat earlier emails: merged, later wins
        yield {"name": {"firstName": "Nul"}, "jobTitle": "a\x00b"}  # refused before sending, with its index

    async def main() -> None:
        async with async_twenty(emulator) as twenty:
            with pytest.raises(BatchError) as caught:
                await twenty.people.upsert_many(cursor(), concurrency=concurrency, max_failures=None)
            assert [f.index for f in caught.value.failures] == [450]
            people = {p.emails.primary_email: p.job_title async for p in twenty.people.iter() if p.emails}
            assert len(people) == 430
            assert people["p0@records.test"] == "v430"

    asyncio.run(main())
    assert pulled == list(range(450))
    assert batch_requests(emulator) == math.ceil(430 / 200)
