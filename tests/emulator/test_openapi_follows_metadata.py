"""``GET /rest/open-api/core`` is generated from the live metadata: a custom field appears at once in the Person
schemas (``Person``, ``PersonForUpdate``, ``PersonForResponse``) and disappears when deleted, as on Twenty 2.21.0
(recorded in s20); a custom object gets its schemas and paths."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .conftest import Api

PERSON_SCHEMAS = ("Person", "PersonForUpdate", "PersonForResponse")


def _schemas(api: Api) -> dict[str, Any]:
    return dict(api.ok("GET", "/rest/open-api/core")["components"]["schemas"])


def _person_object_id(api: Api) -> str:
    objects = api.ok("GET", "/rest/metadata/objects", limit=200)["data"]["objects"]
    return str(next(o["id"] for o in objects if o["nameSingular"] == "person"))


@pytest.fixture
def tag_field(api: Api) -> dict[str, Any]:
    body = {"objectMetadataId": _person_object_id(api), "type": "TEXT", "name": "s20Tag", "label": "S20 Tag"}
    return dict(api.ok("POST", "/rest/metadata/fields", {**body, "isNullable": True})["data"]["createOneField"])


def test_a_standard_workspace_has_no_custom_field_in_person(api: Api) -> None:
    schemas = _schemas(api)
    assert all("s20Tag" not in schemas[name]["properties"] for name in PERSON_SCHEMAS)
    assert all("jobTitle" in schemas[name]["properties"] for name in PERSON_SCHEMAS)


def test_a_new_field_appears_in_every_person_schema(api: Api, tag_field: dict[str, Any]) -> None:
    schemas = _schemas(api)
    assert {name: schemas[name]["properties"].get("s20Tag") for name in PERSON_SCHEMAS} == {
        name: {"type": "string"} for name in PERSON_SCHEMAS
    }


def test_a_deleted_field_is_gone_from_every_person_schema(api: Api, tag_field: dict[str, Any]) -> None:
    api.ok("DELETE", f"/rest/metadata/fields/{tag_field['id']}")
    schemas = _schemas(api)
    assert [name for name in PERSON_SCHEMAS if "s20Tag" in schemas[name]["properties"]] == []


def test_a_deactivated_then_deleted_field_is_gone_as_recorded(api: Api, tag_field: dict[str, Any]) -> None:
    api.ok("PATCH", f"/rest/metadata/fields/{tag_field['id']}", {"isActive": False})
    api.ok("DELETE", f"/rest/metadata/fields/{tag_field['id']}")
    schemas = _schemas(api)
    assert [name for name in PERSON_SCHEMAS if "s20Tag" in schemas[name]["properties"]] == []


def test_a_renamed_field_is_renamed_in_the_schemas(api: Api, tag_field: dict[str, Any]) -> None:
    api.ok("PATCH", f"/rest/metadata/fields/{tag_field['id']}", {"name": "s20Label", "label": "S20 Label"})
    properties = _schemas(api)["PersonForUpdate"]["properties"]
    assert ("s20Tag" in properties, properties.get("s20Label")) == (False, {"type": "string"})


def test_the_new_field_is_writable_at_once(api: Api, tag_field: dict[str, Any]) -> None:
    person = api.ok("POST", "/rest/people", {"s20Tag": "vip"})["data"]["createPerson"]
    assert person["s20Tag"] == "vip"
    assert api.ok("GET", "/rest/people", filter="s20Tag[eq]:vip")["totalCount"] == 1


def test_a_number_field_is_an_integer_in_the_schemas_as_on_twenty(api: Api) -> None:
    # real-2.21.0/openapi-core.json: Company.employees (NUMBER) is {"type": "integer"}
    body = {"objectMetadataId": _person_object_id(api), "type": "NUMBER", "name": "s20Score", "label": "S20 Score"}
    api.ok("POST", "/rest/metadata/fields", body)
    schemas = _schemas(api)
    assert {schemas[name]["properties"]["s20Score"]["type"] for name in PERSON_SCHEMAS} == {"integer"}


def test_a_custom_object_gets_schemas_and_paths(api: Api) -> None:
    body = {
        "nameSingular": "pet",
        "namePlural": "pets",
        "labelSingular": "Pet",
        "labelPlural": "Pets",
        "icon": "IconCat",
    }
    api.ok("POST", "/rest/metadata/objects", body)
    document = api.ok("GET", "/rest/open-api/core")
    assert {"Pet", "PetForUpdate", "PetForResponse"} <= set(document["components"]["schemas"])
    assert "/pets" in document["paths"] or "/rest/pets" in document["paths"]
    assert api.ok("POST", "/rest/pets", {"name": "Rex"})["data"]["createPet"]["name"] == "Rex"


def test_the_document_names_the_server_it_was_fetched_from(api: Api) -> None:
    servers = api.ok("GET", "/rest/open-api/core")["servers"]
    assert [s["url"] for s in servers] == ["http://twenty.local/rest/"]
