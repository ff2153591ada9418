"""The normaliser: each rule on a small document shaped like Twenty's, then determinism on the real dumps."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from twenty_codegen import dumps, load_document, normalise

S = "#/components/schemas/"


def _document() -> dict[str, Any]:
    """A miniature of Twenty 2.21.0's ``/rest/open-api/core``: one object, its three schemas, a few paths."""
    phones = {
        "type": "object",
        "properties": {
            "primaryPhoneNumber": {"type": "string"},
            "primaryPhoneCountryCode": {"type": "string"},
            "additionalPhones": {"type": "array", "items": {"type": "string"}},
        },
    }
    record: dict[str, Any] = {
        "type": "object",
        "description": "A person",
        "properties": {
            "name": {"type": "object", "properties": {"firstName": {"type": "string"}, "lastName": {"type": "string"}}},
            "phones": phones,
            "jobTitle": {"type": "string"},
            "example": {"type": "string", "description": "a field that happens to be called example"},
            "performanceRating": {"type": "string", "enum": ["RATING_1", "RATING_2"]},
            "workPreference": {"type": "array", "items": {"type": "string", "enum": ["ON_SITE", "REMOTE_WORK"]}},
            "employees": {"type": "integer"},
            "companyId": {"type": "string", "format": "uuid"},
            "createdBy": {
                "type": "object",
                "properties": {"source": {"type": "string", "enum": ["API", "MANUAL"]}},
            },
            "linkedinLink": {
                "type": "object",
                "properties": {
                    "primaryLinkUrl": {"type": "string"},
                    "secondaryLinks": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"url": {"type": "string", "format": "uri"}}},
                    },
                },
            },
            "emails": {
                "type": "object",
                "properties": {
                    "primaryEmail": {"type": "string"},
                    "additionalEmails": {"type": "array", "items": {"type": "string", "format": "email"}},
                },
            },
            "settings": {"type": "object", "description": "RAW_JSON"},
        },
        "example": {"name": {"firstName": "Reta"}},
        "required": ["pets", "name"],
    }
    response = copy.deepcopy(record)
    response["properties"].update(
        {
            "id": {"type": "string", "format": "uuid"},
            "deletedAt": {"type": "string", "format": "date-time"},
            "company": {"type": "object", "oneOf": [{"$ref": S + "CompanyForResponse"}]},
            "pets": {"type": "array", "items": {"$ref": S + "PetForResponse"}},
        }
    )
    response.pop("required")
    error_ref = {"$ref": "#/components/responses/400"}
    list_answer = {
        "description": "Successful operation",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "data": {
                            "type": "object",
                            "properties": {"people": {"type": "array", "items": {"$ref": S + "PersonForResponse"}}},
                        },
                        "pageInfo": {
                            "type": "object",
                            "properties": {
                                "hasNextPage": {"type": "boolean"},
                                "startCursor": {"type": "string", "format": "uuid"},
                                "endCursor": {"type": "string", "format": "uuid"},
                            },
                        },
                        "totalCount": {"type": "integer"},
                    },
                }
            }
        },
    }
    delete_answer = {
        "description": "Successful operation",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "data": {
                            "type": "object",
                            "properties": {
                                "deletePerson": {"type": "object", "properties": {"id": {"type": "string"}}}
                            },
                        }
                    },
                }
            }
        },
    }
    return {
        "openapi": "3.1.1",
        "info": {"title": "Twenty Api", "description": "see http://localhost:3000/mcp", "version": "v0.1"},
        "servers": [{"url": "http://localhost:3000/rest/"}],
        "webhooks": {"Person Created": {}},
        "components": {
            "schemas": {
                "Person": record,
                "PersonForUpdate": copy.deepcopy(record),
                "PersonForResponse": response,
                "CompanyForResponse": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}},
                "PetForResponse": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}},
            },
            "parameters": {
                "depth": {"name": "depth", "in": "query", "schema": {"type": "integer", "enum": [0, 1], "default": 1}},
                "startingAfter": {
                    "name": "starting_after",
                    "in": "query",
                    "schema": {"type": "string", "format": "uuid"},
                },
                "idPath": {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "format": "uuid"},
                },
                "filter": {"name": "filter", "in": "query", "schema": {"type": "string"}, "examples": {"a": {}}},
            },
            "responses": {"400": {"description": "Bad Request", "content": {}}},
        },
        "paths": {
            "/people": {
                "get": {
                    "operationId": "findManyPeople",
                    "tags": ["people"],
                    "parameters": [{"$ref": "#/components/parameters/depth"}],
                    "responses": {"200": list_answer, "400": error_ref, "401": error_ref},
                }
            },
            "/people/{id}": {
                "parameters": [{"$ref": "#/components/parameters/idPath"}],
                "delete": {
                    "operationId": "deleteOnePerson",
                    "tags": ["people"],
                    "responses": {"200": delete_answer, "400": error_ref},
                },
                "get": {
                    "operationId": "findOnePerson",
                    "tags": ["people"],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "data": {
                                                "type": "object",
                                                "properties": {"person": {"$ref": S + "PersonForResponse"}},
                                            }
                                        },
                                    }
                                }
                            },
                        }
                    },
                },
            },
        },
    }


@pytest.fixture(scope="module")
def out() -> dict[str, Any]:
    return normalise(_document())


def _schema(out: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = out["components"]["schemas"][name]
    return schema


def _props(out: dict[str, Any], name: str) -> dict[str, Any]:
    props: dict[str, Any] = _schema(out, name)["properties"]
    return props


def test_scalar_properties_accept_null(out: dict[str, Any]) -> None:
    props = _props(out, "PersonForResponse")
    assert props["jobTitle"]["type"] == ["string", "null"]
    assert props["employees"]["type"] == ["integer", "null"]
    assert props["deletedAt"] == {"type": ["string", "null"], "format": "date-time"}
    assert props["companyId"]["type"] == ["string", "null"]


def test_a_records_id_stays_non_null(out: dict[str, Any]) -> None:
    assert _props(out, "PersonForResponse")["id"] == {"type": "string", "format": "uuid"}


def test_relations_are_nullable_references(out: dict[str, Any]) -> None:
    props = _props(out, "PersonForResponse")
    assert props["company"] == {"anyOf": [{"$ref": S + "CompanyForResponse"}, {"type": "null"}]}
    assert props["pets"] == {"type": ["array", "null"], "items": {"$ref": S + "PetForResponse"}}


def test_enums_are_open_and_keep_their_known_values_in_the_description(out: dict[str, Any]) -> None:
    rating = _props(out, "PersonForResponse")["performanceRating"]
    assert "enum" not in rating
    assert rating["type"] == ["string", "null"]
    assert "RATING_1, RATING_2" in rating["description"]
    preference = _props(out, "PersonForResponse")["workPreference"]
    assert "enum" not in preference["items"]
    assert "ON_SITE, REMOTE_WORK" in preference["items"]["description"]


def test_composites_become_shared_components(out: dict[str, Any]) -> None:
    props = _props(out, "Person")
    assert props["name"]["anyOf"][0] == {"$ref": S + "FullName"}
    assert props["phones"]["anyOf"][0] == {"$ref": S + "Phones"}
    assert props["createdBy"]["anyOf"][0] == {"$ref": S + "Actor"}
    assert _props(out, "PersonForResponse")["emails"]["anyOf"][0] == {"$ref": S + "Emails"}


def test_additional_phones_are_objects_even_when_the_document_says_strings(out: dict[str, Any]) -> None:
    additional = _props(out, "Phones")["additionalPhones"]
    assert additional["items"] == {"$ref": S + "AdditionalPhone"}
    assert set(_props(out, "AdditionalPhone")) == {"number", "countryCode", "callingCode"}


def test_the_actor_has_context_and_knows_the_application_source(out: dict[str, Any]) -> None:
    actor = _props(out, "Actor")
    assert set(actor) == {"source", "workspaceMemberId", "name", "context"}
    assert "APPLICATION" in actor["source"]["description"]
    assert "type" not in actor["context"]  # any JSON value


def test_email_and_uri_formats_are_not_enforced(out: dict[str, Any]) -> None:
    text = dumps(out)
    assert '"format": "email"' not in text
    assert '"format": "uri"' not in text


def test_raw_json_properties_accept_any_value(out: dict[str, Any]) -> None:
    settings = _props(out, "PersonForResponse")["settings"]
    assert "type" not in settings
    assert "properties" not in settings


def test_cursors_are_plain_strings(out: dict[str, Any]) -> None:
    page_info = _props(out, "PageInfo")
    assert page_info["startCursor"]["type"] == ["string", "null"]
    assert "format" not in page_info["startCursor"]
    assert "hasPreviousPage" in page_info
    starting_after = out["components"]["parameters"]["startingAfter"]["schema"]
    assert starting_after == {"type": "string"}
    answer = out["paths"]["/people"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["properties"]["pageInfo"] == {"$ref": S + "PageInfo"}


def test_examples_are_stripped_but_a_field_called_example_is_kept(out: dict[str, Any]) -> None:
    assert "example" not in _schema(out, "Person")
    assert "examples" not in out["components"]["parameters"]["filter"]
    assert "example" in _props(out, "Person")


def test_parameter_defaults_are_not_sent(out: dict[str, Any]) -> None:
    depth = out["components"]["parameters"]["depth"]
    assert depth["schema"]["type"] == "integer"
    assert "default" not in depth["schema"]
    assert "enum" not in depth["schema"]


def test_relations_and_unknown_names_are_not_required_on_create(out: dict[str, Any]) -> None:
    assert _schema(out, "Person")["required"] == ["name"]
    assert "required" not in _schema(out, "PersonForUpdate")


def test_a_create_body_may_carry_its_own_id(out: dict[str, Any]) -> None:
    assert _props(out, "Person")["id"]["format"] == "uuid"
    assert "id" not in _props(out, "PersonForUpdate")


def test_errors_are_one_shape_for_every_4xx_and_5xx(out: dict[str, Any]) -> None:
    responses = out["paths"]["/people"]["get"]["responses"]
    assert set(responses) == {"200", "4XX", "5XX"}
    error = _props(out, "ErrorResponse")
    assert {"statusCode", "error", "messages", "message", "code"} <= set(error)
    assert error["message"]["anyOf"][0] == {"type": "string"}


def test_delete_answers_are_the_record(out: dict[str, Any]) -> None:
    answer = out["paths"]["/people/{id}"]["delete"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["properties"]["data"]["properties"]["deletePerson"] == {"$ref": S + "PersonForResponse"}


def test_success_envelopes_require_their_keys(out: dict[str, Any]) -> None:
    answer = out["paths"]["/people"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["required"] == ["data", "pageInfo", "totalCount"]
    assert answer["properties"]["data"]["required"] == ["people"]


def test_server_specific_parts_are_removed(out: dict[str, Any]) -> None:
    assert "webhooks" not in out
    assert "description" not in out["info"]
    assert out["servers"] == [{"url": "/rest/", "description": "Relative to the workspace's base URL."}]


def test_metadata_adds_the_fields_the_document_leaves_out() -> None:
    metadata = [{"nameSingular": "person", "fields": [{"name": "searchVector", "type": "TS_VECTOR"}]}]
    props = normalise(_document(), metadata)["components"]["schemas"]["PersonForResponse"]["properties"]
    assert props["searchVector"]["type"] == ["string", "null"]


def test_a_record_named_like_a_shared_component_keeps_its_name() -> None:
    document = _document()
    document["components"]["schemas"]["Actor"] = {"type": "object", "properties": {"stage": {"type": "string"}}}
    document["components"]["schemas"]["ActorForResponse"] = {"type": "object", "properties": {}}
    schemas = normalise(document)["components"]["schemas"]
    assert "stage" in schemas["Actor"]["properties"]
    assert set(schemas["ActorValue"]["properties"]) == {"source", "workspaceMemberId", "name", "context"}


def test_normalising_is_idempotent_and_leaves_its_input_alone(out: dict[str, Any]) -> None:
    document = _document()
    before = json.dumps(document, sort_keys=True)
    once = normalise(document)
    assert json.dumps(document, sort_keys=True) == before
    assert dumps(normalise(once)) == dumps(once)


def test_openapi_3_0_nullable_becomes_a_type_list() -> None:
    document = _document()
    document["openapi"] = "3.0.3"
    document["components"]["schemas"]["Person"]["properties"]["jobTitle"] = {"type": "string", "nullable": True}
    out = normalise(document)
    assert out["openapi"] == "3.1.0"
    assert out["components"]["schemas"]["Person"]["properties"]["jobTitle"]["type"] == ["string", "null"]


@pytest.mark.needs_shared
@pytest.mark.parametrize("name", ["real-2.21.0/openapi-core.json", "real-2026-03/openapi-core.yaml"])
def test_real_documents_normalise_to_the_same_bytes_every_time(name: str, shared: Path) -> None:
    if name.endswith(".yaml") and not any(importlib.util.find_spec(m) for m in ("yaml", "ruamel")):
        pytest.skip("no YAML loader installed (PyYAML, or ruamel.yaml from the `codegen` group)")
    document = load_document(shared / name)
    first = dumps(normalise(document))
    assert dumps(normalise(load_document(shared / name))) == first
    assert dumps(normalise(json.loads(first))) == first
