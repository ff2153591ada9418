"""``duplicates`` and ``merge``: finding the records Twenty considers duplicates, and merging them, sync and async,
against the emulator (which follows Twenty's duplicate criteria and merge rules)."""

from __future__ import annotations

import asyncio

import pytest
from twenty_emulator import Emulator, FaultRule, create_app
from twenty_emulator._testing import ASGISyncTransport
from twenty_generated.models import PersonForResponse

from twenty_sdk import InternalServerError, NotFoundError, RetryPolicy, TwentyClient

from .conftest import API_KEY, BASE_URL, NO_PACING, async_twenty


def seed(twenty: TwentyClient) -> list[PersonForResponse]:
    return twenty.people.create_many(
        [
            {"name": {"firstName": "Ada", "lastName": "Lovelace"}, "emails": {"primaryEmail": "ada@one.test"}},
            {"name": {"firstName": "Ada", "lastName": "Lovelace"}, "emails": {"primaryEmail": "ada@two.test"}},
            {"name": {"firstName": "Grace", "lastName": "Hopper"}, "emails": {"primaryEmail": "grace@navy.test"}},
        ]
    )


def test_duplicates_of_records_by_id_and_of_would_be_records(twenty: TwentyClient) -> None:
    one, two, grace = seed(twenty)

    by_id = twenty.people.duplicates([one.id, grace.id])
    by_data = twenty.people.duplicates(data=[{"emails": {"primaryEmail": "GRACE@navy.test"}}])

    assert [[p.id for p in found] for found in by_id] == [[two.id], []]  # same name; Grace has none
    assert all(isinstance(p, PersonForResponse) for p in by_id[0])
    assert [[p.id for p in found] for found in by_data] == [[grace.id]]  # the email, as Twenty normalises it


def test_duplicates_needs_ids_or_data(twenty: TwentyClient) -> None:
    with pytest.raises(ValueError, match="ids or data"):
        twenty.people.duplicates()
    with pytest.raises(ValueError, match="ids or data"):
        twenty.people.duplicates(["x"], data=[{}])


def test_merge_keeps_the_priority_record_and_unites_the_emails(twenty: TwentyClient) -> None:
    one, two, _ = seed(twenty)

    preview = twenty.people.merge([one.id, two.id], priority=1, dry_run=True)
    assert twenty.people.count() == 3  # a dry run changes nothing
    merged = twenty.people.merge([one.id, two.id], priority=1)

    assert merged.id == two.id
    assert merged.emails
    assert merged.emails.primary_email == "ada@two.test"
    assert list(merged.emails.additional_emails or []) == ["ada@one.test"]
    assert preview.emails == merged.emails
    assert twenty.people.count() == 2
    with pytest.raises(NotFoundError):
        twenty.people.get(one.id)


def test_a_merge_is_not_retried_after_a_5xx(emulator: Emulator) -> None:
    transport = ASGISyncTransport(create_app(emulator))
    retry = RetryPolicy(max_retries=3, initial_delay=0.0, max_delay=0.0)
    with TwentyClient(BASE_URL, API_KEY, transport=transport, rate_limit=NO_PACING, retry=retry) as twenty:
        one, two, _ = seed(twenty)
        emulator.faults.set([FaultRule(route="PATCH /rest/*", error_rate=1.0)], seed=1)
        emulator.reset_counts()
        with pytest.raises(InternalServerError):
            twenty.people.merge([one.id, two.id])
    assert sum(n for route, n in emulator.request_counts().items() if route.startswith("PATCH")) == 1


def test_async_duplicates_and_merge(emulator: Emulator) -> None:
    async def main() -> None:
        async with async_twenty(emulator) as twenty:
            one = await twenty.people.create({"name": {"firstName": "Ada", "lastName": "Byron"}})
            two = await twenty.people.create({"name": {"firstName": "Ada", "lastName": "Byron"}})
            found = await twenty.people.duplicates(one.id)
            assert [[p.id for p in f] for f in found] == [[two.id]]
            merged = await twenty.people.merge([one.id, two.id])
            assert merged.id == one.id

    asyncio.run(main())
