"""The thin metadata calls against the emulator: listing (all pages), lookups, creating, updating and deleting fields,
objects and relations, answers parsed with unknown keys kept."""

from __future__ import annotations

import json
import math

import httpx
import pytest
from twenty_emulator import Emulator

from twenty_sdk import (
    BadRequestError,
    ClientConfig,
    FieldInfo,
    Metadata,
    NotFoundError,
    ObjectInfo,
    SelectOption,
    Transport,
)

from .conftest import BASE_URL, ok, raw_fields, writes

P1 = "c0000402-0000-4000-a000-000000000001"


def test_objects_lists_every_object_with_its_fields(metadata: Metadata, emulator: Emulator) -> None:
    objects = metadata.objects()

    assert {o.name_singular for o in objects} == {o.name_singular for o in emulator.workspace.objects}
    person = next(o for o in objects if o.name_singular == "person")
    assert isinstance(person, ObjectInfo)
    assert person.name_plural == "people"
    assert person.is_custom is False
    assert person.field("emails") == next(f for f in person.fields if f.name == "emails")
    assert emulator.request_counts() == {"GET /rest/metadata/objects": 1}


def test_objects_follows_every_page(metadata: Metadata, emulator: Emulator) -> None:
    everything = metadata.objects()
    emulator.reset_counts()

    paged = metadata.objects(page_size=5)

    assert [o.id for o in paged] == [o.id for o in everything]
    assert emulator.request_counts() == {"GET /rest/metadata/objects": math.ceil(len(everything) / 5)}


def test_an_object_is_found_by_singular_plural_or_id(metadata: Metadata) -> None:
    person = metadata.object("person")
    assert metadata.object("people").id == person.id
    assert metadata.object(person.id).name_singular == "person"
    assert metadata.object(person).fields == person.fields


def test_an_unknown_object_or_field_raises_not_found(metadata: Metadata) -> None:
    with pytest.raises(NotFoundError, match="object 'persona' not found"):
        metadata.object("persona")
    with pytest.raises(NotFoundError) as caught:
        metadata.object("c0000402-0000-4000-a000-00000000dead")
    assert caught.value.code == "OBJECT_METADATA_NOT_FOUND"
    with pytest.raises(NotFoundError, match="object 'person' has no field 'nickname'"):
        metadata.field("person", "nickname")


def test_fields_are_parsed_and_keep_every_key(metadata: Metadata) -> None:
    emails = metadata.field("person", "emails")
    company = metadata.field("person", "company")

    assert (emails.type, emails.is_unique, emails.is_custom) == ("EMAILS", True, False)
    assert emails.raw["universalIdentifier"].startswith("20202020-")
    assert "workspaceId" in emails.raw
    assert (company.relation_type, company.join_column) == ("MANY_TO_ONE", "companyId")
    assert {f.name for f in metadata.fields("people")} >= {"emails", "company", "name", "jobTitle"}


def test_create_field_then_write_a_record_with_it(metadata: Metadata, http: httpx.Client) -> None:
    field = metadata.create_field(
        "person",
        "tier",
        "SELECT",
        "Tier",
        options=["GOLD", SelectOption("SILVER", "Silver level", color="gray")],
        default_value="GOLD",
    )

    assert isinstance(field, FieldInfo)
    assert (field.name, field.type, field.is_custom, field.is_active) == ("tier", "SELECT", True, True)
    assert [(o.value, o.label, o.color) for o in field.options] == [
        ("GOLD", "Gold", "blue"),
        ("SILVER", "Silver level", "gray"),
    ]
    assert field.default_value == "'GOLD'"
    person = ok(http.post("/rest/people", json={"id": P1, "tier": "SILVER"}))["data"]["createPerson"]
    assert person["tier"] == "SILVER"


def test_create_unique_field_and_update_it(metadata: Metadata, http: httpx.Client) -> None:
    field = metadata.create_field("company", "externalRef", "TEXT", "External ref", is_unique=True)
    assert field.is_unique

    updated = metadata.update_field(field, label="External reference", description="from the warehouse")

    assert (updated.label, updated.description, updated.is_unique) == ("External reference", "from the warehouse", True)
    assert raw_fields(http, "company")["externalRef"]["label"] == "External reference"


def test_update_field_replaces_options(metadata: Metadata) -> None:
    field = metadata.create_field("person", "tier", "SELECT", "Tier", options=["GOLD"])

    updated = metadata.update_field(field.id, options=["GOLD", "SILVER"], is_active=False)

    assert [o.value for o in updated.options] == ["GOLD", "SILVER"]
    assert updated.is_active is False


def test_update_field_with_nothing_to_change_is_refused(metadata: Metadata, emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="at least one change"):
        metadata.update_field("c0000402-0000-4000-a000-000000000009")
    assert emulator.request_counts() == {}


def test_delete_field_removes_it(metadata: Metadata, emulator: Emulator) -> None:
    field = metadata.create_field("person", "scratch", "TEXT", "Scratch")

    deleted = metadata.delete_field(field)

    assert deleted.id == field.id
    with pytest.raises(NotFoundError):
        metadata.field("person", "scratch")
    # 2.21.0 deletes an active custom field outright: no deactivation round trip.
    assert writes(emulator) == {"POST /rest/metadata/fields": 1, "DELETE /rest/metadata/fields/{id}": 1}


def test_delete_of_a_standard_field_is_refused_without_deactivating_it(metadata: Metadata, emulator: Emulator) -> None:
    job_title = metadata.field("person", "jobTitle")

    with pytest.raises(BadRequestError):
        metadata.delete_field(job_title)

    assert writes(emulator) == {"DELETE /rest/metadata/fields/{id}": 1}
    assert metadata.field("person", "jobTitle").is_active


def test_delete_field_deactivates_first_when_twenty_asks_for_it() -> None:
    # A Twenty that refuses to delete an active field (older versions); 2.21.0 does not, so this server is a stub.
    sent: list[tuple[str, str, object]] = []
    field_json = {"id": "f1", "name": "scratch", "type": "TEXT", "label": "Scratch", "objectMetadataId": "o1"}

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        sent.append((request.method, request.url.path, body))
        if request.method == "DELETE" and len(sent) == 1:
            refusal = {
                "statusCode": 400,
                "error": "BadRequestException",
                "messages": ["Active field cannot be deleted"],
            }
            return httpx.Response(400, json=refusal)
        if request.method == "PATCH":
            return httpx.Response(200, json={"data": {"updateOneField": {**field_json, "isActive": False}}})
        return httpx.Response(200, json={"data": {"deleteOneField": {**field_json, "isActive": False}}})

    config = ClientConfig(base_url=BASE_URL, api_key="k")
    with Transport(config, transport=httpx.MockTransport(answer)) as transport:
        deleted = Metadata(transport).delete_field("f1")

    assert deleted.is_active is False
    assert sent == [
        ("DELETE", "/rest/metadata/fields/f1", None),
        ("PATCH", "/rest/metadata/fields/f1", {"isActive": False}),
        ("DELETE", "/rest/metadata/fields/f1", None),
    ]


def test_custom_object_and_relation_lifecycle(metadata: Metadata, http: httpx.Client) -> None:
    gadget = metadata.create_object("gadget", "gadgets", "Gadget", "Gadgets", icon="IconBox")
    assert (gadget.name_plural, gadget.is_custom) == ("gadgets", True)
    assert gadget.field("name") is not None  # Twenty's label field, made with the object

    owner = metadata.create_relation(gadget, "owner", "person", "Owner", target_field_label="Owned Gadgets")

    assert (owner.type, owner.relation_type, owner.join_column) == ("RELATION", "MANY_TO_ONE", "ownerId")
    reverse = metadata.field("person", "ownedGadgets")
    assert reverse.relation_type == "ONE_TO_MANY"
    ok(http.post("/rest/people", json={"id": P1}))
    ok(http.post("/rest/gadgets", json={"name": "Lamp", "ownerId": P1}))
    person = ok(http.get(f"/rest/people/{P1}", params={"depth": 1}))["data"]["person"]
    assert [g["name"] for g in person["ownedGadgets"]] == ["Lamp"]

    deleted = metadata.delete_object("gadgets")

    assert deleted.id == gadget.id
    with pytest.raises(NotFoundError):
        metadata.object("gadget")
    with pytest.raises(NotFoundError):
        metadata.field("person", "ownedGadgets")  # the reverse field goes with the object


def test_a_relation_can_be_created_one_to_many(metadata: Metadata) -> None:
    metadata.create_object("gadget", "gadgets", "Gadget", "Gadgets")

    parts = metadata.create_relation("person", "gadgetsOwned", "gadget", "Gadgets owned", "Holder", type="ONE_TO_MANY")

    assert parts.relation_type == "ONE_TO_MANY"
    holder = metadata.field("gadget", "holder")
    assert (holder.relation_type, holder.join_column) == ("MANY_TO_ONE", "holderId")


def test_twentys_own_refusals_come_back_as_our_errors(metadata: Metadata) -> None:
    metadata.create_field("person", "nickname", "TEXT", "Nickname")

    with pytest.raises(BadRequestError) as caught:
        metadata.create_field("person", "nickname", "TEXT", "Nickname again")

    assert caught.value.error == "METADATA_VALIDATION_ERROR"
    assert "already used by another field" in json.dumps(caught.value.errors)
