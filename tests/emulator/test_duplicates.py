"""``POST /rest/<object>/duplicates``: records duplicating given data or stored records by the object's duplicate
criteria (person: full name, LinkedIn URL, primary email; company: name, domain), as Twenty 2.21.0 answers."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .conftest import Api

P1 = "c0000098-0000-4000-a000-000000000001"
P2 = "c0000098-0000-4000-a000-000000000002"
P3 = "c0000098-0000-4000-a000-000000000003"
P4 = "c0000098-0000-4000-a000-000000000004"


def _people(api: Api) -> None:
    api.batch(
        "people",
        [
            {"id": P1, "name": {"firstName": "Ada", "lastName": "Lovelace"}, "emails": {"primaryEmail": "ada@x.test"}},
            {"id": P2, "name": {"firstName": "Ada", "lastName": "Lovelace"}},
            {"id": P3, "name": {"firstName": "Bob", "lastName": "Marley"}, "emails": {"primaryEmail": "bob@x.test"}},
            {"id": P4, "name": {"firstName": "Al", "lastName": "Lovelace"}},
        ],
    )


def _ids(item: dict[str, Any], key: str = "personDuplicates") -> list[str]:
    return [r["id"] for r in item[key]]


def test_duplicates_by_data_match_on_full_name_or_email(api: Api) -> None:
    _people(api)
    body = {
        "data": [{"name": {"firstName": "Ada", "lastName": "Lovelace"}}, {"emails": {"primaryEmail": "BOB@x.test"}}]
    }
    answer = api.ok("POST", "/rest/people/duplicates", body)
    assert [_ids(item) for item in answer["data"]] == [[P1, P2], [P3]]
    assert [item["totalCount"] for item in answer["data"]] == [2, 1]


def test_duplicates_answer_shape_has_page_info_with_id_cursors(api: Api) -> None:
    _people(api)
    item = api.ok("POST", "/rest/people/duplicates", {"ids": [P1]})["data"][0]
    assert list(item) == ["personDuplicates", "totalCount", "pageInfo"]
    assert _ids(item) == [P2]  # the checked record itself is left out
    cursor = json.loads(base64.b64decode(item["pageInfo"]["startCursor"]))
    assert cursor == {"id": P2}
    assert (item["pageInfo"]["hasNextPage"], item["pageInfo"]["hasPreviousPage"]) == (False, False)
    assert "jobTitle" in item["personDuplicates"][0]


def test_values_shorter_than_three_characters_are_no_criterion(api: Api) -> None:
    _people(api)
    item = api.ok("POST", "/rest/people/duplicates", {"ids": [P4]})["data"][0]  # "Al" is too short
    assert item == {
        "personDuplicates": [],
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
    }


def test_soft_deleted_records_are_neither_checked_nor_found(api: Api) -> None:
    _people(api)
    api.ok("DELETE", f"/rest/people/{P2}", soft_delete="true")
    assert api.ok("POST", "/rest/people/duplicates", {"ids": [P1, P2]})["data"] == [
        {
            "personDuplicates": [],
            "totalCount": 0,
            "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
        }
    ]


def test_company_duplicates_by_name_or_domain(api: Api) -> None:
    api.batch(
        "companies",
        [{"name": "Acme", "domainName": {"primaryLinkUrl": "https://acme.test"}}, {"name": "Other"}],
    )
    body = {"data": [{"name": "Different", "domainName": {"primaryLinkUrl": "https://ACME.test/"}}]}
    item = api.ok("POST", "/rest/companies/duplicates", body)["data"][0]
    assert [r["name"] for r in item["companyDuplicates"]] == ["Acme"]


def test_depth_one_embeds_relations(api: Api) -> None:
    _people(api)
    item = api.ok("POST", "/rest/people/duplicates", {"ids": [P1]}, depth="1")["data"][0]
    assert item["personDuplicates"][0]["company"] is None


def test_neither_data_nor_ids_is_refused(api: Api) -> None:
    answer = api.fail("POST", "/rest/people/duplicates", {})
    assert answer == {  # as recorded (p04): the runner's exception becomes a plain BadRequestException
        "statusCode": 400,
        "error": "BadRequestException",
        "messages": ['You have to provide either "data" or "ids" argument'],
    }


def test_both_data_and_ids_are_refused(api: Api) -> None:
    answer = api.fail("POST", "/rest/people/duplicates", {"data": [{}], "ids": [P1]})
    assert answer["messages"] == ['You cannot provide both "data" and "ids" arguments']


def test_empty_data_is_refused(api: Api) -> None:
    answer = api.fail("POST", "/rest/people/duplicates", {"data": []})
    assert answer["messages"] == ['The "data" condition can not be empty when "ids" input not provided']


def test_an_unknown_field_in_data_is_refused(api: Api) -> None:
    answer = api.fail("POST", "/rest/people/duplicates", {"data": [{"nope": 1}]})
    assert answer["messages"] == ['Object person doesn\'t have any "nope" field.']


def test_a_custom_object_has_no_duplicate_criteria(api: Api) -> None:
    api.ok(
        "POST",
        "/rest/metadata/objects",
        {"nameSingular": "gadget", "namePlural": "gadgets", "labelSingular": "Gadget", "labelPlural": "Gadgets"},
    )
    api.ok("POST", "/rest/gadgets", {"name": "Same"})
    api.ok("POST", "/rest/gadgets", {"name": "Same"})
    item = api.ok("POST", "/rest/gadgets/duplicates", {"data": [{"name": "Same"}]})["data"][0]
    assert (item["gadgetDuplicates"], item["totalCount"]) == ([], 0)


def test_duplicates_is_a_post_route(api: Api) -> None:
    answer = api.fail("GET", "/rest/people/duplicates")
    assert answer["messages"] == ["'duplicates' is not a valid UUID"]
