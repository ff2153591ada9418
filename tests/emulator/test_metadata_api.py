"""The emulator's metadata API (``/rest/metadata/objects|fields``) on the built-in standard workspace: field types and
their record defaults, unique fields as upsert keys, relations on both sides, Twenty's name validation bodies, custom
object lifecycle, paging — and never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator
from twenty_emulator._testing import client as emulator_client

AUTH = {"Authorization": "Bearer k"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
P1 = "c0000099-0000-4000-a000-000000000001"
P2 = "c0000099-0000-4000-a000-000000000002"

FIELD_TYPE_LIST = (
    "ACTOR, ADDRESS, ARRAY, BOOLEAN, CURRENCY, DATE, DATE_TIME, EMAILS, FILES, FULL_NAME, LINKS, MORPH_RELATION, "
    "MULTI_SELECT, NUMBER, NUMERIC, PHONES, POSITION, RATING, RAW_JSON, RELATION, RICH_TEXT, SELECT, TEXT, TS_VECTOR, "
    "UUID"
)


class Api:
    """A test client that never accepts a 500."""

    def __init__(self, client: httpx.Client, emulator: Emulator) -> None:
        self.client = client
        self.emulator = emulator

    def call(self, method: str, path: str, body: Any = None, **params: str) -> tuple[int, Any]:
        response = self.client.request(method, path, json=body, params=params or None, headers=AUTH)
        assert response.status_code != 500, response.text
        return response.status_code, response.json()

    def ok(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        status, answer = self.call(method, path, body, **params)
        assert status in (200, 201), answer
        return answer

    def object_id(self, name: str) -> str:
        for obj in self.ok("GET", "/rest/metadata/objects", limit="200")["data"]["objects"]:
            if obj["nameSingular"] == name:
                return str(obj["id"])
        raise AssertionError(name)

    def object(self, name: str) -> dict[str, Any]:
        return dict(self.ok("GET", f"/rest/metadata/objects/{self.object_id(name)}")["data"]["object"])

    def field(self, object_name: str, field_name: str) -> dict[str, Any] | None:
        for field in self.object(object_name)["fields"]:
            if field["name"] == field_name:
                return dict(field)
        return None

    def create_field(self, object_name: str, **body: Any) -> dict[str, Any]:
        answer = self.ok("POST", "/rest/metadata/fields", {"objectMetadataId": self.object_id(object_name), **body})
        return dict(answer["data"]["createOneField"])


@pytest.fixture
def api() -> Iterator[Api]:
    emulator = Emulator(api_key="k")
    with emulator_client(emulator) as client:
        yield Api(client, emulator)


# -- reading ---------------------------------------------------------------------------------------------------------


def test_object_list_is_paged_by_id_descending(api: Api) -> None:
    everything = api.ok("GET", "/rest/metadata/objects", limit="200")
    ids = [o["id"] for o in everything["data"]["objects"]]
    assert ids == sorted(ids, reverse=True)
    assert everything["totalCount"] == len(ids)
    assert everything["pageInfo"] == {"hasNextPage": False, "startCursor": ids[0], "endCursor": ids[-1]}

    first = api.ok("GET", "/rest/metadata/objects", limit="5", filter="nameSingular[eq]:person")
    assert [o["id"] for o in first["data"]["objects"]] == ids[:5]
    assert first["pageInfo"] == {"hasNextPage": True, "startCursor": ids[0], "endCursor": ids[4]}
    assert first["totalCount"] == len(ids)
    second = api.ok("GET", "/rest/metadata/objects", limit="5", starting_after=ids[4])
    assert [o["id"] for o in second["data"]["objects"]] == ids[5:10]
    back = api.ok("GET", "/rest/metadata/objects", limit="3", ending_before=ids[5])
    assert [o["id"] for o in back["data"]["objects"]] == ids[2:5]

    default = api.ok("GET", "/rest/metadata/fields")
    assert len(default["data"]["fields"]) == 60
    assert default["totalCount"] > 200
    assert len(api.ok("GET", "/rest/metadata/fields", limit="1000")["data"]["fields"]) == 200
    assert {"isUnique", "name", "type"} <= default["data"]["fields"][0].keys()


def test_object_list_rejects_a_bad_limit(api: Api) -> None:
    status, body = api.call("GET", "/rest/metadata/objects", limit="abc")
    assert status == 400
    assert body["messages"] == ["limit 'abc' is invalid. Should be an integer"]


def test_object_list_with_a_cursor_that_is_no_uuid_leaks_the_database_error(api: Api) -> None:
    response = api.client.get("/rest/metadata/objects", params={"starting_after": "nope"}, headers=AUTH)
    assert (response.status_code, response.json()) == (500, 'invalid input syntax for type uuid: "nope"')  # p03


def test_get_one_and_not_found(api: Api) -> None:
    person_id = api.object_id("person")
    assert api.ok("GET", f"/rest/metadata/objects/{person_id}")["data"]["object"]["namePlural"] == "people"
    missing = "c0000099-0000-4000-a000-000000000077"
    assert api.call("GET", f"/rest/metadata/objects/{missing}") == (
        404,
        {
            "statusCode": 404,
            "error": "Error",
            "messages": ["Object metadata not found"],
            "code": "OBJECT_METADATA_NOT_FOUND",
        },
    )
    assert api.call("GET", f"/rest/metadata/fields/{missing}") == (
        404,
        {
            "statusCode": 404,
            "error": "Error",
            "messages": ["Field metadata not found"],
            "code": "FIELD_METADATA_NOT_FOUND",
        },
    )


# -- field types -----------------------------------------------------------------------------------------------------

SELECT_OPTIONS = [
    {"value": "ALPHA", "label": "Alpha", "color": "blue", "position": 0},
    {"value": "BETA", "label": "Beta", "color": "green", "position": 1},
]
EMPTY_PHONES = {
    "primaryPhoneNumber": "",
    "primaryPhoneCountryCode": "",
    "primaryPhoneCallingCode": "",
    "additionalPhones": [],
}
EMPTY_ADDRESS = {
    "addressStreet1": "",
    "addressStreet2": "",
    "addressCity": "",
    "addressPostcode": "",
    "addressState": "",
    "addressCountry": "",
    "addressLat": None,
    "addressLng": None,
}


@pytest.mark.parametrize(
    ("type_", "extra", "expected"),
    [
        ("TEXT", {}, ""),
        ("TEXT", {"defaultValue": "'hello'"}, "hello"),
        ("NUMBER", {}, None),
        ("NUMBER", {"defaultValue": 7}, 7),
        ("BOOLEAN", {"defaultValue": True}, True),
        ("DATE_TIME", {}, None),
        ("DATE", {}, None),
        ("UUID", {}, None),
        ("RAW_JSON", {}, None),
        ("SELECT", {"options": SELECT_OPTIONS}, None),
        ("SELECT", {"options": SELECT_OPTIONS, "defaultValue": "'BETA'"}, "BETA"),
        ("MULTI_SELECT", {"options": SELECT_OPTIONS}, []),
        ("EMAILS", {}, {"primaryEmail": "", "additionalEmails": []}),
        ("PHONES", {}, EMPTY_PHONES),
        ("LINKS", {}, {"primaryLinkLabel": "", "primaryLinkUrl": "", "secondaryLinks": []}),
        ("FULL_NAME", {}, {"firstName": "", "lastName": ""}),
        ("CURRENCY", {}, {"amountMicros": None, "currencyCode": None}),
        ("ADDRESS", {}, EMPTY_ADDRESS),
        ("RATING", {}, None),
        ("ARRAY", {}, None),
    ],
)
def test_each_field_type_works_in_records_with_its_default(
    api: Api, type_: str, extra: dict[str, Any], expected: Any
) -> None:
    api.ok("POST", "/rest/people", {"id": P1, "name": {"firstName": "Before"}})
    created = api.create_field("person", type=type_, name="s99Thing", label="S99 Thing", **extra)
    assert created["type"] == type_
    assert created["name"] == "s99Thing"
    assert UUID.match(created["id"])
    assert created["applicationId"] == api.emulator.workspace.custom_application_id
    assert {"defaultValue", "options", "isUnique", "isNullable", "createdAt", "updatedAt"} <= created.keys()

    # an existing row gets the default, and so does a new one
    assert api.ok("GET", f"/rest/people/{P1}")["data"]["person"]["s99Thing"] == expected
    new = api.ok("POST", "/rest/people", {"id": P2, "name": {"firstName": "After"}})["data"]["createPerson"]
    assert new["s99Thing"] == expected
    # the field reads back, nulls left out
    read = api.ok("GET", f"/rest/metadata/fields/{created['id']}")["data"]["field"]
    assert None not in read.values()


def test_select_options_get_ids_and_positions(api: Api) -> None:
    created = api.create_field(
        "person",
        type="SELECT",
        name="s99Stage",
        label="S99 Stage",
        options=[{"value": "NEW", "label": "New", "color": "blue"}, {"value": "DONE", "label": "Done", "color": "red"}],
    )
    assert [(o["value"], o["position"]) for o in created["options"]] == [("NEW", 0), ("DONE", 1)]
    assert all(UUID.match(o["id"]) for o in created["options"])
    rating = api.create_field("person", type="RATING", name="s99Score", label="S99 Score")
    assert [o["value"] for o in rating["options"]] == [f"RATING_{i}" for i in range(1, 6)]
    api.ok("POST", "/rest/people", {"id": P1, "s99Stage": "DONE"})
    status, _ = api.call("POST", "/rest/people", {"id": P2, "s99Stage": "MAYBE"})
    assert status == 400


def test_select_option_values_must_be_upper_case(api: Api) -> None:
    body = {
        "objectMetadataId": api.object_id("person"),
        "type": "SELECT",
        "name": "s99Stage",
        "label": "S99 Stage",
        "options": [{"value": "lower", "label": "Lower", "color": "blue"}],
    }
    status, answer = api.call("POST", "/rest/metadata/fields", body)
    assert status == 400
    assert answer["error"] == "METADATA_VALIDATION_ERROR"
    errors = answer["errors"]["fieldMetadata"][0]["errors"]
    assert errors == [
        {
            "code": "INVALID_FIELD_INPUT",
            "message": 'Value must be in UPPER_CASE and follow snake_case "lower"',
            "userFriendlyMessage": 'Value must be in UPPER_CASE and follow snake_case "lower"',
            "value": "lower",
        }
    ]


# -- unique fields ---------------------------------------------------------------------------------------------------


def test_unique_field_rejects_duplicates_and_is_an_upsert_key(api: Api) -> None:
    field = api.create_field("person", type="TEXT", name="s99ExternalId", label="S99 External Id", isUnique=True)
    assert field["isUnique"] is True
    api.ok("POST", "/rest/people", {"id": P1, "s99ExternalId": "x-1", "jobTitle": "first"})
    status, body = api.call("POST", "/rest/people", {"id": P2, "s99ExternalId": "x-1"})
    assert (status, body["messages"]) == (400, ["A duplicate entry was detected"])
    # empty values may repeat
    api.ok("POST", "/rest/people", {"id": P2})

    upserted = api.ok("POST", "/rest/people", {"s99ExternalId": "x-1", "jobTitle": "second"}, upsert="true")
    person = upserted["data"]["createPerson"]
    assert (person["id"], person["jobTitle"]) == (P1, "second")

    again = api.call("POST", "/rest/metadata/fields", {**_field_body(api, "s99ExternalId"), "isUnique": True})
    assert again[0] == 400
    index = again[1]["errors"]["index"][0]
    assert [e["code"] for e in index["errors"]] == [
        "INDEX_ALREADY_EXISTS",
        "INDEX_ALREADY_EXISTS",
        "INDEX_FIELD_NOT_FOUND",
        "ENTITY_ALREADY_EXISTS",
    ]
    assert again[1]["summary"] == {"totalErrors": 4, "fieldMetadata": 1, "viewField": 2, "index": 1}


def test_making_a_field_unique_over_duplicates_fails_cleanly(api: Api) -> None:
    field = api.create_field("person", type="TEXT", name="s99Code", label="S99 Code")
    api.ok("POST", "/rest/people", {"id": P1, "s99Code": "same"})
    api.ok("POST", "/rest/people", {"id": P2, "s99Code": "same"})
    status, _ = api.call("PATCH", f"/rest/metadata/fields/{field['id']}", {"isUnique": True})
    assert status == 400
    assert api.ok("GET", f"/rest/metadata/fields/{field['id']}")["data"]["field"]["isUnique"] is False
    api.ok("PATCH", f"/rest/people/{P2}", {"s99Code": "other"})
    updated = api.ok("PATCH", f"/rest/metadata/fields/{field['id']}", {"isUnique": True})
    assert updated["data"]["updateOneField"]["isUnique"] is True
    status, _ = api.call("PATCH", f"/rest/people/{P2}", {"s99Code": "same"})
    assert status == 400


def _field_body(api: Api, name: str, object_name: str = "person", **extra: Any) -> dict[str, Any]:
    return {"objectMetadataId": api.object_id(object_name), "type": "TEXT", "name": name, "label": name, **extra}


# -- relations -------------------------------------------------------------------------------------------------------


def _create_project_object(api: Api) -> dict[str, Any]:
    body = {
        "nameSingular": "s99Project",
        "namePlural": "s99Projects",
        "labelSingular": "S99 Project",
        "labelPlural": "S99 Projects",
        "icon": "IconBox",
    }
    return dict(api.ok("POST", "/rest/metadata/objects", body)["data"]["createOneObject"])


def test_relation_creation_makes_both_sides_and_links_records(api: Api) -> None:
    project = _create_project_object(api)
    person_id = api.object_id("person")
    forward = api.create_field(
        "s99Project",
        type="RELATION",
        name="owner",
        label="Owner",
        icon="IconUser",
        relationCreationPayload={
            "type": "MANY_TO_ONE",
            "targetObjectMetadataId": person_id,
            "targetFieldLabel": "S99 Owned Projects",
            "targetFieldIcon": "IconBox",
        },
    )
    assert forward["settings"] == {"onDelete": "SET_NULL", "relationType": "MANY_TO_ONE", "joinColumnName": "ownerId"}
    assert forward["description"] == "S99Projects tied to the Person"
    reverse = api.field("person", "s99OwnedProjects")
    assert reverse is not None
    assert reverse["settings"] == {"relationType": "ONE_TO_MANY"}
    assert (reverse["label"], reverse["icon"]) == ("S99 Owned Projects", "IconBox")
    assert reverse["description"] == "People tied to the S99 Project"
    f = api.emulator.workspace.field_by_id(forward["id"])
    r = api.emulator.workspace.field_by_id(reverse["id"])
    assert f is not None
    assert r is not None
    assert (f.target_object_id, f.target_field_id) == (person_id, r.id)
    assert (r.target_object_id, r.target_field_id) == (project["id"], f.id)

    api.ok("POST", "/rest/people", {"id": P1, "name": {"firstName": "Owner"}})
    created = api.ok("POST", "/rest/s99Projects", {"id": P2, "name": "Apollo", "ownerId": P1})["data"]
    assert created["createS99Project"]["ownerId"] == P1
    embedded = api.ok("GET", f"/rest/s99Projects/{P2}", depth="1")["data"]["s99Project"]
    assert embedded["owner"]["id"] == P1
    person = api.ok("GET", f"/rest/people/{P1}", depth="1")["data"]["person"]
    assert [p["id"] for p in person["s99OwnedProjects"]] == [P2]
    assert api.ok("GET", "/rest/s99Projects", filter=f"ownerId[eq]:{P1}")["totalCount"] == 1

    # deleting the relation removes both sides and the join column
    api.ok("DELETE", f"/rest/metadata/fields/{forward['id']}")
    assert api.field("person", "s99OwnedProjects") is None
    assert "ownerId" not in api.ok("GET", f"/rest/s99Projects/{P2}")["data"]["s99Project"]


def test_one_to_many_creation_puts_the_join_column_on_the_target(api: Api) -> None:
    _create_project_object(api)
    api.create_field(
        "company",
        type="RELATION",
        name="s99SponsoredProjects",
        label="S99 Sponsored Projects",
        relationCreationPayload={
            "type": "ONE_TO_MANY",
            "targetObjectMetadataId": api.object_id("s99Project"),
            "targetFieldLabel": "Sponsor",
            "targetFieldIcon": "IconBuilding",
        },
    )
    sponsor = api.field("s99Project", "sponsor")
    assert sponsor is not None
    assert sponsor["settings"]["joinColumnName"] == "sponsorId"
    api.ok("POST", "/rest/companies", {"id": P1, "name": "S99 Corp"})
    api.ok("POST", "/rest/s99Projects", {"id": P2, "sponsorId": P1})
    company = api.ok("GET", f"/rest/companies/{P1}", depth="1")["data"]["company"]
    assert [p["id"] for p in company["s99SponsoredProjects"]] == [P2]


# -- name validation -------------------------------------------------------------------------------------------------


def _invalid(name: str, message: str) -> dict[str, Any]:
    return {"code": "INVALID_FIELD_INPUT", "message": message, "userFriendlyMessage": message, "value": name}


def _taken(name: str, message: str | None = None, user: str | None = None) -> dict[str, Any]:
    message = message or f'Name "{name}" is not available as it is already used by another field'
    return {"code": "NOT_AVAILABLE", "value": name, "message": message, "userFriendlyMessage": user or message}


FORMAT = "Name is not valid: it must start with lowercase letter and contain only alphanumeric letters"
RESERVED = 'This name is reserved. Use a different name or the system will add "Custom" suffix.'


@pytest.mark.parametrize(
    ("name", "errors"),
    [
        ("s99_bad", [_invalid("s99_bad", FORMAT)]),
        ("S99Upper", [_invalid("S99Upper", FORMAT)]),
        ("9lives", [_invalid("9lives", FORMAT)]),
        ("type", [_invalid("type", RESERVED)]),
        ("addresses", [_invalid("addresses", RESERVED)]),
        ("a" * 64, [_invalid("a" * 64, "Name is too long")]),
        ("jobTitle", [_taken("jobTitle")]),
        (
            "emailsPrimaryEmail",
            [
                {
                    "code": "RESERVED_KEYWORD",
                    "message": 'Name "emailsPrimaryEmail" is reserved composite field name',
                    "userFriendlyMessage": 'Name "emailsPrimaryEmail" is not available',
                    "value": "emailsPrimaryEmail",
                }
            ],
        ),
        (
            "companyId",
            [
                _taken(
                    "companyId",
                    'Name "companyId" is not available as it is already used by another join column name',
                    'Name "companyId" is not available as it is already used by join column name',
                )
            ],
        ),
    ],
)
def test_field_name_validation_bodies(api: Api, name: str, errors: list[dict[str, Any]]) -> None:
    status, body = api.call("POST", "/rest/metadata/fields", _field_body(api, name))
    assert status == 400
    person_uid = api.object("person")["universalIdentifier"]
    field_entity = body["errors"]["fieldMetadata"][0]
    field_uid = field_entity["flatEntityMinimalInformation"]["universalIdentifier"]
    assert UUID.match(field_uid)
    view_fields = body["errors"]["viewField"]
    assert body == {
        "statusCode": 400,
        "error": "METADATA_VALIDATION_ERROR",
        "message": "Multiple validation errors occurred while creating fields",
        "errors": {
            "fieldMetadata": [
                {
                    "status": "fail",
                    "errors": errors,
                    "flatEntityMinimalInformation": {
                        "universalIdentifier": field_uid,
                        "name": name,
                        "objectMetadataUniversalIdentifier": person_uid,
                    },
                    "metadataName": "fieldMetadata",
                    "type": "create",
                }
            ],
            "viewField": [
                {
                    "status": "fail",
                    "errors": [
                        {
                            "code": "INVALID_VIEW_DATA",
                            "message": "Field metadata not found",
                            "userFriendlyMessage": "Field metadata not found",
                        }
                    ],
                    "flatEntityMinimalInformation": {
                        "universalIdentifier": view_field["flatEntityMinimalInformation"]["universalIdentifier"],
                        "viewUniversalIdentifier": view,
                        "fieldMetadataUniversalIdentifier": field_uid,
                    },
                    "metadataName": "viewField",
                    "type": "create",
                }
                for view_field, view in zip(
                    view_fields,
                    ["20202020-a002-4a02-8a02-ae0a1ea12001", "20202020-a002-4a02-8a02-ae0a1ea11a00"],
                    strict=True,
                )
            ],
        },
        "summary": {"totalErrors": 3, "fieldMetadata": 1, "viewField": 2},
        "userFriendlyMessage": "Many validation errors",
    }


@pytest.mark.parametrize(
    ("change", "messages"),
    [
        ({"type": "NOT_A_TYPE"}, [f"type must be one of the following values: {FIELD_TYPE_LIST}"]),
        ({"name": None}, ["name should not be empty", "name must be a string"]),
        ({"name": 5}, ["name must be a string"]),
        ({"label": ""}, ["label should not be empty"]),
        ({"isUnique": "yes"}, ["isUnique must be a boolean value"]),
        ({"objectMetadataId": "person"}, ["objectMetadataId must be a UUID"]),
    ],
)
def test_field_dto_errors(api: Api, change: dict[str, Any], messages: list[str]) -> None:
    body = {k: v for k, v in {**_field_body(api, "s99Ok"), **change}.items() if v is not None}
    assert api.call("POST", "/rest/metadata/fields", body) == (
        400,
        {"message": messages, "error": "Bad Request", "statusCode": 400},
    )


def test_field_on_unknown_object(api: Api) -> None:
    body = {**_field_body(api, "s99Orphan"), "objectMetadataId": "c0000099-0000-4000-a000-000000000077"}
    message = "Created field metadata, parent object metadata not found"
    assert api.call("POST", "/rest/metadata/fields", body) == (
        400,
        {
            "statusCode": 400,
            "error": "METADATA_VALIDATION_ERROR",
            "message": "Multiple validation errors occurred while creating field",
            "errors": {
                "fieldMetadata": [
                    {
                        "errors": [
                            {
                                "code": "OBJECT_METADATA_NOT_FOUND",
                                "message": "Provided object metadata id does not exist",
                                "userFriendlyMessage": message,
                            }
                        ],
                        "type": "create",
                        "metadataName": "fieldMetadata",
                        "flatEntityMinimalInformation": {"id": ""},
                    }
                ]
            },
            "summary": {"totalErrors": 1, "fieldMetadata": 1},
            "userFriendlyMessage": message,
        },
    )


@pytest.mark.parametrize(
    ("singular", "plural", "codes"),
    [
        ("user", "s99Users", ["INVALID_OBJECT_INPUT"]),
        ("s99_thing", "s99Things", ["INVALID_OBJECT_INPUT"]),
        ("s99Same", "s99Same", ["INVALID_OBJECT_INPUT"]),
        ("person", "s99People", ["OBJECT_ALREADY_EXISTS"]),
    ],
)
def test_object_name_validation(api: Api, singular: str, plural: str, codes: list[str]) -> None:
    body = {"nameSingular": singular, "namePlural": plural, "labelSingular": "X", "labelPlural": "Xs"}
    status, answer = api.call("POST", "/rest/metadata/objects", body)
    assert status == 400
    assert answer["error"] == "METADATA_VALIDATION_ERROR"
    assert [e["code"] for e in answer["errors"]["objectMetadata"][0]["errors"]] == codes


def test_object_dto_errors(api: Api) -> None:
    assert api.call("POST", "/rest/metadata/objects", {"nameSingular": "s99Thing"}) == (
        400,
        {
            "message": [
                "namePlural should not be empty",
                "namePlural must be a string",
                "labelSingular should not be empty",
                "labelSingular must be a string",
                "labelPlural should not be empty",
                "labelPlural must be a string",
            ],
            "error": "Bad Request",
            "statusCode": 400,
        },
    )


# -- lifecycle -------------------------------------------------------------------------------------------------------


def test_custom_object_lifecycle(api: Api) -> None:
    version = api.emulator.metadata_version
    project = _create_project_object(api)
    assert api.emulator.metadata_version > version
    names = {f["name"] for f in project["fields"]}
    assert names == {
        "id",
        "name",
        "createdAt",
        "updatedAt",
        "deletedAt",
        "createdBy",
        "updatedBy",
        "position",
        "searchVector",
        "timelineActivities",
        "attachments",
        "noteTargets",
        "taskTargets",
    }
    assert project["labelIdentifierFieldMetadataId"] == next(f["id"] for f in project["fields"] if f["name"] == "name")
    assert project["imageIdentifierFieldMetadataId"] is None
    assert api.field("timelineActivity", "targetS99Project") is not None

    created = api.ok("POST", "/rest/s99Projects", {"id": P1, "name": "Apollo"})["data"]["createS99Project"]
    assert created["name"] == "Apollo"
    assert created["createdBy"]["source"] == "API"
    assert api.ok("GET", "/rest/s99Projects")["totalCount"] == 1

    renamed = api.ok("PATCH", f"/rest/metadata/objects/{project['id']}", {"labelPlural": "S99 Big Projects"})
    assert renamed["data"]["updateOneObject"]["labelPlural"] == "S99 Big Projects"

    deleted = api.ok("DELETE", f"/rest/metadata/objects/{project['id']}")["data"]["deleteOneObject"]
    assert deleted["id"] == project["id"]
    assert "fields" not in deleted
    assert api.field("timelineActivity", "targetS99Project") is None
    assert api.call("GET", "/rest/s99Projects") == (
        400,
        {
            "statusCode": 400,
            "error": "BadRequestException",
            "messages": ["object 's99Projects' not found. eg: companies"],
        },
    )
    assert api.call("DELETE", f"/rest/metadata/objects/{project['id']}")[1]["code"] == "ENTITY_NOT_FOUND"
    assert api.call("PATCH", f"/rest/metadata/objects/{project['id']}", {"isActive": False}) == (
        404,
        {
            "statusCode": 404,
            "error": "Error",
            "messages": ["Object to update not found"],
            "code": "OBJECT_METADATA_NOT_FOUND",
        },
    )
    # the name is free again
    _create_project_object(api)


def test_standard_objects_and_fields_cannot_be_deleted(api: Api) -> None:
    status, body = api.call("DELETE", f"/rest/metadata/objects/{api.object_id('person')}")
    assert (status, body["error"]) == (400, "METADATA_VALIDATION_ERROR")
    job_title = api.field("person", "jobTitle")
    assert job_title is not None
    status, body = api.call("DELETE", f"/rest/metadata/fields/{job_title['id']}")
    assert (status, body["error"]) == (400, "METADATA_VALIDATION_ERROR")


def test_field_update_rename_deactivate_and_delete(api: Api) -> None:
    field = api.create_field("person", type="TEXT", name="s99Note", label="S99 Note")
    api.ok("POST", "/rest/people", {"id": P1, "s99Note": "kept"})

    relabelled = api.ok("PATCH", f"/rest/metadata/fields/{field['id']}", {"label": "S99 Renamed", "description": "d"})
    assert relabelled["data"]["updateOneField"]["label"] == "S99 Renamed"
    assert relabelled["data"]["updateOneField"]["description"] == "d"

    api.ok("PUT", f"/rest/metadata/fields/{field['id']}", {"name": "s99Memo"})
    person = api.ok("GET", f"/rest/people/{P1}")["data"]["person"]
    assert person["s99Memo"] == "kept"
    assert "s99Note" not in person

    inactive = api.ok("PATCH", f"/rest/metadata/fields/{field['id']}", {"isActive": False})
    assert inactive["data"]["updateOneField"]["isActive"] is False
    assert api.ok("GET", "/rest/people", filter="s99Memo[eq]:kept")["totalCount"] == 1
    api.ok("PATCH", f"/rest/people/{P1}", {"s99Memo": "still writable"})

    deleted = api.ok("DELETE", f"/rest/metadata/fields/{field['id']}")["data"]["deleteOneField"]
    assert (deleted["name"], deleted["isActive"]) == ("s99Memo", False)
    assert "s99Memo" not in api.ok("GET", f"/rest/people/{P1}")["data"]["person"]
    assert api.call("DELETE", f"/rest/metadata/fields/{field['id']}") == (
        404,
        {
            "statusCode": 404,
            "error": "Error",
            "messages": ["Field to delete not found"],
            "code": "FIELD_METADATA_NOT_FOUND",
        },
    )
    # an active field can be deleted too
    other = api.create_field("person", type="NUMBER", name="s99Count", label="S99 Count")
    api.ok("DELETE", f"/rest/metadata/fields/{other['id']}")


def test_rename_validates_the_new_name(api: Api) -> None:
    field = api.create_field("person", type="TEXT", name="s99Note", label="S99 Note")
    status, body = api.call("PATCH", f"/rest/metadata/fields/{field['id']}", {"name": "jobTitle"})
    assert status == 400
    assert body["message"] == "Multiple validation errors occurred while updating field"
    assert body["errors"]["fieldMetadata"][0]["errors"] == [_taken("jobTitle")]


def test_nothing_answers_500(api: Api) -> None:
    person_id = api.object_id("person")
    field = api.create_field("person", type="TEXT", name="s99Fuzz", label="S99 Fuzz")
    bodies: list[Any] = [
        None,
        [],
        [1, 2],
        "text",
        42,
        {},
        {"objectMetadataId": person_id},
        {"objectMetadataId": person_id, "type": "RELATION", "name": "s99Rel", "label": "R"},
        {
            "objectMetadataId": person_id,
            "type": "RELATION",
            "name": "s99Rel",
            "label": "R",
            "relationCreationPayload": {"type": "SIDEWAYS", "targetObjectMetadataId": 5, "targetFieldLabel": None},
        },
        {"objectMetadataId": person_id, "type": "SELECT", "name": "s99Sel", "label": "S", "options": "x"},
        {"objectMetadataId": person_id, "type": "SELECT", "name": "s99Sel", "label": "S", "options": [1, None]},
        {"objectMetadataId": person_id, "type": "TS_VECTOR", "name": "s99Vec", "label": "V"},
        {"objectMetadataId": person_id, "type": "EMAILS", "name": "s99Mail", "label": "M", "isUnique": True},
        {"objectMetadataId": person_id, "type": "CURRENCY", "name": "s99Cur", "label": "C", "isUnique": True},
        {"nameSingular": 1, "namePlural": [], "labelSingular": {}, "labelPlural": None},
        {"name": "", "label": None, "options": {"a": 1}, "settings": [], "defaultValue": {"x": []}},
        {"labelIdentifierFieldMetadataId": "not-a-uuid", "isActive": "no"},
        {"labelIdentifierFieldMetadataId": "c0000099-0000-4000-a000-000000000077"},
    ]
    paths = [
        ("POST", "/rest/metadata/fields"),
        ("POST", "/rest/metadata/objects"),
        ("PATCH", f"/rest/metadata/fields/{field['id']}"),
        ("PATCH", f"/rest/metadata/objects/{person_id}"),
    ]
    for method, path in paths:
        for body in bodies:
            status, _ = api.call(method, path, body)
            assert status in (200, 201, 400, 404)
    for method in ("GET", "POST", "PATCH", "DELETE"):
        for path in ("/rest/metadata", "/rest/metadata/other", "/rest/metadata/fields/x/y", "/rest/metadata/objects/x"):
            api.call(method, path, {})


def test_select_options_update_clears_removed_values(api: Api) -> None:
    field = api.create_field("person", type="SELECT", name="s99Stage", label="S99 Stage", options=SELECT_OPTIONS)
    api.ok("POST", "/rest/people", {"id": P1, "s99Stage": "BETA"})
    api.ok("POST", "/rest/people", {"id": P2, "s99Stage": "ALPHA"})
    options = [
        {"value": "ALPHA", "label": "Alpha", "color": "blue"},
        {"value": "GAMMA", "label": "Gamma", "color": "red"},
    ]
    updated = api.ok("PATCH", f"/rest/metadata/fields/{field['id']}", {"options": options})["data"]["updateOneField"]
    assert [o["value"] for o in updated["options"]] == ["ALPHA", "GAMMA"]
    assert api.ok("GET", f"/rest/people/{P1}")["data"]["person"]["s99Stage"] is None
    assert api.ok("GET", f"/rest/people/{P2}")["data"]["person"]["s99Stage"] == "ALPHA"
    api.ok("PATCH", f"/rest/people/{P1}", {"s99Stage": "GAMMA"})
