"""Any object through ``client.records(name)``: a custom object created with the raw metadata API, as plain dicts."""

from __future__ import annotations

from typing import Any

import pytest
from twenty_emulator import Emulator

from twenty_sdk import BatchError, Filter, NotFoundError, TwentyClient

from .conftest import batch_requests


@pytest.fixture
def pets(twenty: TwentyClient) -> TwentyClient:
    """A custom object ``pet``/``pets`` with a unique TEXT field ``externalId``, made with raw metadata requests."""
    created = twenty.transport.request(
        "POST",
        "/rest/metadata/objects",
        json={
            "nameSingular": "pet",
            "namePlural": "pets",
            "labelSingular": "Pet",
            "labelPlural": "Pets",
            "icon": "IconDog",
        },
    )
    object_id = created["data"]["createOneObject"]["id"]
    twenty.transport.request(
        "POST",
        "/rest/metadata/fields",
        json={
            "objectMetadataId": object_id,
            "type": "TEXT",
            "name": "externalId",
            "label": "External id",
            "isUnique": True,
        },
    )
    return twenty


def pet(i: int, **extra: Any) -> dict[str, Any]:
    return {"name": f"Pet {i}", "externalId": f"ext-{i}", **extra}


def test_crud_on_a_custom_object_gives_plain_dicts(pets: TwentyClient) -> None:
    records = pets.records("pets")
    made = records.create(pet(1))
    assert isinstance(made, dict)
    assert made["name"] == "Pet 1"
    assert made["externalId"] == "ext-1"
    assert records.get(made["id"])["id"] == made["id"]
    assert records.update(made["id"], {"name": "Renamed"})["name"] == "Renamed"
    records.delete(made["id"])
    with pytest.raises(NotFoundError):
        records.get(made["id"])
    assert [r["id"] for r in records.restore(made["id"])] == [made["id"]]
    records.destroy(made["id"])
    assert records.count() == 0


def test_the_same_resource_is_returned_for_a_name(pets: TwentyClient) -> None:
    assert pets.records("pets") is pets.records("pets")
    with pytest.raises(ValueError, match="camelCase"):
        pets.records("Pets/../people")


def test_upsert_many_on_a_custom_unique_key(pets: TwentyClient, emulator: Emulator) -> None:
    records = pets.records("pets")
    first = records.upsert_many([pet(i) for i in range(250)], key="externalId")
    rows = [pet(i, name=f"Again {i}") for i in range(250)]
    rows.insert(1, pet(3, name="Overridden later"))  # an in-batch duplicate on externalId; pet 3 comes after it
    again = records.upsert_many(rows, key="externalId")
    assert len(again) == 250
    assert {r["externalId"]: r["id"] for r in again} == {r["externalId"]: r["id"] for r in first}
    assert records.count() == 250
    assert batch_requests(emulator) == 4
    names = {r["externalId"]: r["name"] for r in records.iter(filter=Filter.in_("externalId", ["ext-3", "ext-4"]))}
    assert names == {"ext-3": "Again 3", "ext-4": "Again 4"}


def test_without_naming_the_key_an_in_batch_duplicate_is_isolated_and_lands_alone(
    pets: TwentyClient, emulator: Emulator
) -> None:
    records = pets.records("pets")
    stored = records.upsert_many([pet(1), pet(2), pet(1, name="dup")])  # Twenty refuses the batch of 3
    assert [r["name"] for r in stored] == ["Pet 1", "Pet 2", "dup"]
    assert records.count() == 2
    assert batch_requests(emulator) == 3  # the batch, its left half, then the duplicate alone (an update)


def test_a_create_of_an_unnamed_duplicate_fails_with_twentys_reason(pets: TwentyClient) -> None:
    records = pets.records("pets")
    with pytest.raises(BatchError) as caught:
        records.create_many([pet(1), pet(2), pet(1, name="dup")])
    assert [(f.index, f.reason) for f in caught.value.failures] == [(2, "A duplicate entry was detected")]
    assert caught.value.succeeded == 2


def test_list_and_iter_on_a_custom_object(pets: TwentyClient) -> None:
    records = pets.records("pets")
    records.create_many([pet(i) for i in range(230)])
    page = records.list(limit=5, order_by="externalId")
    assert [r["externalId"] for r in page.data] == ["ext-0", "ext-1", "ext-10", "ext-100", "ext-101"]
    assert sum(1 for _ in records.iter()) == 230
