"""The SDK's key flows against a real Twenty 2.21.0 (replayed from cassettes; see conftest.py).

Each flow uses records of its own (fixed UUIDs, ``@cassette-…`` email domains), cleans up after itself, and asserts
on what the real server answered: Twenty's normalisation, its refusals and its paging.
"""

from __future__ import annotations

import contextlib

import pytest

from twenty_sdk import BatchError, FieldSpec, Filter, NotFoundError, ObjectSpec, TwentyClient

from .conftest import client, played

ADA = "c0000c01-0000-4000-a000-000000000001"


def test_crud_a_person_as_twenty_answers() -> None:
    with played("sdk-crud"), client() as twenty:
        twenty.people.delete_many(Filter.like("emails.primaryEmail", "%@cassette-crud.test"), soft=False)
        ada = twenty.people.create(
            {
                "id": ADA,
                "name": {"firstName": "Ada", "lastName": "Lovelace"},
                "emails": {"primaryEmail": "Ada@Cassette-CRUD.test"},
            }
        )
        assert ada.emails.primary_email == "ada@cassette-crud.test"  # Twenty lower-cases emails
        assert twenty.people.get(ADA).name.first_name == "Ada"
        updated = twenty.people.update(ADA, {"jobTitle": "Countess"})
        assert updated.job_title == "Countess"
        twenty.people.delete(ADA)
        with pytest.raises(NotFoundError):
            twenty.people.get(ADA)  # soft-deleted: 404 by id
        (restored,) = twenty.people.restore(ADA)
        assert restored.deleted_at is None
        twenty.people.destroy(ADA)
        with pytest.raises(NotFoundError):
            twenty.people.get(ADA)


def test_batch_upsert_lands_the_good_records_and_names_the_refused_ones() -> None:
    rows = [{"name": {"firstName": f"P{i}"}, "emails": {"primaryEmail": f"p{i}@cassette-batch.test"}} for i in range(4)]
    rows.insert(
        2,
        {
            "name": {"firstName": "Junk"},
            "emails": {"primaryEmail": "junk@cassette-batch.test"},
            "phones": {"primaryPhoneNumber": "n/a", "primaryPhoneCountryCode": "US"},
        },
    )
    rows.append({"name": {"firstName": "P0 again"}, "emails": {"primaryEmail": "P0@cassette-batch.test"}})
    with played("sdk-batch-upsert"), client() as twenty:
        everyone = Filter.like("emails.primaryEmail", "%@cassette-batch.test")
        twenty.people.delete_many(everyone, soft=False)
        with pytest.raises(BatchError) as refused:
            twenty.people.upsert_many(rows, max_failures=None)
        assert [(f.index, f.reason) for f in refused.value.failures] == [
            (2, "Provided phone number is invalid n/a (Error, INVALID_PHONE_NUMBER)")
        ]
        landed = {p.emails.primary_email: p.name.first_name for p in refused.value.results}
        assert landed == {  # the in-batch duplicate of p0 was merged into it, the later one winning
            "p0@cassette-batch.test": "P0 again",
            "p1@cassette-batch.test": "P1",
            "p2@cassette-batch.test": "P2",
            "p3@cassette-batch.test": "P3",
        }
        assert twenty.people.count(everyone) == 4
        again = twenty.people.upsert_many(rows[:2])  # an upsert of what exists updates it: no duplicate
        assert [p.emails.primary_email for p in again] == ["p0@cassette-batch.test", "p1@cassette-batch.test"]
        assert twenty.people.count(everyone) == 4
        twenty.people.delete_many(everyone, soft=False)


def test_iter_follows_the_cursor_through_every_page() -> None:
    rows = [{"name": {"firstName": f"Q{i}"}, "emails": {"primaryEmail": f"q{i}@cassette-pages.test"}} for i in range(5)]
    with played("sdk-pagination"), client() as twenty:
        everyone = Filter.like("emails.primaryEmail", "%@cassette-pages.test")
        twenty.people.delete_many(everyone, soft=False)
        twenty.people.create_many(rows)
        seen = [
            p.emails.primary_email
            for p in twenty.people.iter(filter=everyone, order_by="emails.primaryEmail", page_size=2)
        ]
        assert seen == [f"q{i}@cassette-pages.test" for i in range(5)]
        pages = list(twenty.people.pages(filter=everyone, order_by="emails.primaryEmail", page_size=2))
        assert [len(p.records) for p in pages] == [2, 2, 1]
        twenty.people.delete_many(everyone, soft=False)


def _drop_leftovers(twenty: TwentyClient) -> None:
    """What an interrupted recording may have left behind (a replay sends exactly what the recording did)."""
    with contextlib.suppress(NotFoundError):
        twenty.metadata.delete_field(twenty.metadata.field("person", "cassetteTier"))
    with contextlib.suppress(NotFoundError):
        twenty.metadata.delete_object(twenty.metadata.object("cassetteWidget"))


def test_ensure_schema_creates_once_then_only_verifies() -> None:
    schema = [
        ObjectSpec(
            "cassetteWidget",
            "cassetteWidgets",
            "Cassette widget",
            "Cassette widgets",
            fields=[FieldSpec("sku", "TEXT", "SKU", is_unique=True), FieldSpec("grams", "NUMBER", "Grams")],
        ),
        ObjectSpec("person", "people", custom=False, fields=[FieldSpec("cassetteTier", "TEXT", "Cassette tier")]),
    ]
    with played("sdk-ensure-schema"), client() as twenty:
        _drop_leftovers(twenty)
        first = twenty.metadata.ensure_schema(schema)
        assert sorted((i.kind, i.object, i.name) for i in first.created) == [
            ("field", "cassetteWidget", "grams"),
            ("field", "cassetteWidget", "sku"),
            ("field", "person", "cassetteTier"),
            ("object", "cassetteWidget", "cassetteWidget"),
        ]
        second = twenty.metadata.ensure_schema(schema)
        assert second.writes == 0
        assert not second.created
        twenty.metadata.delete_field(twenty.metadata.field("person", "cassetteTier"))
        twenty.metadata.delete_object(twenty.metadata.object("cassetteWidget"))
