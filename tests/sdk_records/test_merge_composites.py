"""``upsert_many(..., merge_composites=True)``: updating some sub-fields of an EMAILS, PHONES or LINKS field keeps
the others (what a CRM user added), at the cost of one read per batch. Without it, Twenty (and the emulator, which
follows its input transforms) writes the composite whole and erases them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from twenty_emulator import Emulator
from twenty_sync import SEED_SCHEMA

from twenty_sdk import TwentyClient
from twenty_sdk._batching import complete_composites, partial_composites

from .conftest import async_twenty, batch_requests, list_requests

EXTRA_PHONE = {"number": "612345678", "countryCode": "FR", "callingCode": "+33"}


def crm_person(twenty: TwentyClient, i: int = 0) -> dict[str, Any]:
    """A person as a CRM user left it: an additional email and an additional phone besides the primary ones."""
    return twenty.records("people").create(
        {
            "emails": {"primaryEmail": f"ada{i}@x.test", "additionalEmails": [f"ada{i}@home.test"]},
            "phones": {
                "primaryPhoneNumber": "2025550123",
                "primaryPhoneCallingCode": "+1",
                "primaryPhoneCountryCode": "US",
                "additionalPhones": [EXTRA_PHONE],
            },
        }
    )


def test_a_partial_phone_write_erases_the_additional_phones_without_the_merge(twenty: TwentyClient) -> None:
    ada = crm_person(twenty)

    (stored,) = twenty.records("people").upsert_many(
        [{"id": ada["id"], "phones": {"primaryPhoneNumber": "+1 202 555 0199"}}]
    )

    assert stored["phones"]["additionalPhones"] == []


def test_a_partial_phone_write_keeps_the_additional_phones_with_the_merge(twenty: TwentyClient) -> None:
    ada = crm_person(twenty)

    (stored,) = twenty.records("people").upsert_many(
        [{"id": ada["id"], "phones": {"primaryPhoneNumber": "+1 202 555 0199"}}], merge_composites=True
    )

    assert stored["phones"]["primaryPhoneNumber"] == "2025550199"
    assert stored["phones"]["additionalPhones"] == [EXTRA_PHONE]


def test_additional_emails_alone_keep_the_primary_email(twenty: TwentyClient) -> None:
    ada = crm_person(twenty)

    (stored,) = twenty.records("people").upsert_many(
        [{"id": ada["id"], "emails": {"additionalEmails": ["new@x.test"]}}], merge_composites=True
    )

    assert stored["emails"] == {"primaryEmail": "ada0@x.test", "additionalEmails": ["new@x.test"]}


def test_a_new_domain_keeps_the_label_and_secondary_links(twenty: TwentyClient) -> None:
    twenty.metadata.ensure_schema(SEED_SCHEMA)
    links = {
        "primaryLinkUrl": "https://acme.test",
        "primaryLinkLabel": "Home",
        "secondaryLinks": [{"url": "https://blog.acme.test", "label": "Blog"}],
    }
    twenty.records("companies").create({"name": "Acme", "businessId": "B-1", "domainName": links})

    (stored,) = twenty.records("companies").upsert_many(
        [{"businessId": "B-1", "domainName": {"primaryLinkUrl": "https://acme.example"}}],
        key="businessId",
        merge_composites=True,
    )

    assert stored["domainName"] == {**links, "primaryLinkUrl": "https://acme.example"}


def test_the_merge_reads_once_per_batch_and_only_records_that_need_it(twenty: TwentyClient, emulator: Emulator) -> None:
    people = [crm_person(twenty, i) for i in range(250)]
    emulator.reset_counts()
    rows = [{"id": p["id"], "phones": {"primaryPhoneNumber": f"+1 202 555 {i:04d}"}} for i, p in enumerate(people)]
    rows += [{"id": p["id"], "jobTitle": "no composite"} for p in people[:10]]

    stored = twenty.records("people").upsert_many(rows, merge_composites=True)

    assert all(p["phones"]["additionalPhones"] == [EXTRA_PHONE] for p in stored)
    assert (list_requests(emulator), batch_requests(emulator)) == (2, 2)


def test_new_records_go_as_given(twenty: TwentyClient, emulator: Emulator) -> None:
    twenty.metadata.ensure_schema(SEED_SCHEMA)

    (stored,) = twenty.records("people").upsert_many(
        [{"contactId": "C-new", "phones": {"primaryPhoneNumber": "+1 202 555 0100"}}],
        key="contactId",
        merge_composites=True,
    )

    assert stored["phones"]["primaryPhoneNumber"] == "2025550100"


def test_the_async_client_merges_too(emulator: Emulator, twenty: TwentyClient) -> None:
    ada = crm_person(twenty)

    async def main() -> dict[str, Any]:
        async with async_twenty(emulator) as tw:
            (stored,) = await tw.records("people").upsert_many(
                [{"id": ada["id"], "phones": {"primaryPhoneNumber": "+1 202 555 0199"}}], merge_composites=True
            )
            return stored

    assert asyncio.run(main())["phones"]["additionalPhones"] == [EXTRA_PHONE]


@pytest.mark.parametrize(
    ("value", "partial"),
    [
        ({"primaryEmail": "a@x.test"}, False),
        ({"additionalEmails": ["a@x.test"]}, True),
        ({"primaryPhoneNumber": "1"}, True),
        ({"additionalPhones": []}, False),
        ({"primaryLinkUrl": "x.test"}, True),
        ({"primaryLinkUrl": "x.test", "primaryLinkLabel": "", "secondaryLinks": []}, False),
        ({"firstName": "Ada"}, False),
    ],
)
def test_partial_composites_are_those_twenty_would_write_whole(value: dict[str, Any], partial: bool) -> None:
    assert partial_composites({"f": value}) == (["f"] if partial else [])


def test_complete_composites_carries_over_only_what_was_not_sent() -> None:
    current = {
        "domainName": {"primaryLinkUrl": "a.test", "primaryLinkLabel": "A", "secondaryLinks": [{"url": "b.test"}]}
    }

    done = complete_composites({"domainName": {"primaryLinkUrl": "c.test"}, "name": "N"}, current)

    assert done == {
        "domainName": {"primaryLinkUrl": "c.test", "primaryLinkLabel": "A", "secondaryLinks": [{"url": "b.test"}]},
        "name": "N",
    }
