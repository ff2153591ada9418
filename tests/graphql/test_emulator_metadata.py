"""The emulator's ``POST /metadata``: the workspace's objects and fields through GraphQL (a subset of Twenty's
metadata API; the recorded scenario g05 pins the exact answers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator
from twenty_emulator._testing import client


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(api_key="k")


@pytest.fixture
def http(emulator: Emulator) -> Iterator[httpx.Client]:
    with client(emulator) as c:
        c.headers["Authorization"] = "Bearer k"
        yield c


def meta(http: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = http.post("/metadata", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def person_id(emulator: Emulator) -> str:
    person = emulator.workspace.object_by_singular("person")
    assert person is not None
    return person.id


def test_objects_page_with_relay_cursors(http: httpx.Client) -> None:
    first = meta(http, "{ objects(paging: {first: 2}) { pageInfo { hasNextPage endCursor } edges { node { id } } } }")
    page = first["data"]["objects"]
    after = page["pageInfo"]["endCursor"]
    second = meta(http, f'{{ objects(paging: {{first: 2, after: "{after}"}}) {{ edges {{ node {{ id }} }} }} }}')
    ids = [e["node"]["id"] for e in page["edges"] + second["data"]["objects"]["edges"]]
    assert page["pageInfo"]["hasNextPage"] is True
    assert ids == sorted(ids, reverse=True)  # by id descending, as the REST list
    assert len(set(ids)) == 4


def test_a_field_created_through_metadata_is_a_graphql_field_at_once(emulator: Emulator, http: httpx.Client) -> None:
    created = meta(
        http,
        "mutation($i: CreateOneFieldMetadataInput!) { createOneField(input: $i) { id object { nameSingular } } }",
        {
            "i": {
                "field": {"objectMetadataId": person_id(emulator), "type": "NUMBER", "name": "score", "label": "Score"}
            }
        },
    )
    assert created["data"]["createOneField"]["object"] == {"nameSingular": "person"}
    answer = http.post("/graphql", json={"query": "mutation { createPerson(data: {score: 3}) { score } }"}).json()
    assert answer == {"data": {"createPerson": {"score": 3}}}


def test_a_relation_field_shows_both_sides(emulator: Emulator, http: httpx.Client) -> None:
    person = emulator.workspace.object_by_singular("person")
    assert person is not None
    company = person.field("company")
    assert company is not None
    answer = meta(
        http,
        f'{{ field(id: "{company.id}") {{ relation {{ type targetObjectMetadata {{ nameSingular }} '
        "targetFieldMetadata { name } } } }",
    )
    assert answer["data"]["field"]["relation"] == {
        "type": "MANY_TO_ONE",
        "targetObjectMetadata": {"nameSingular": "company"},
        "targetFieldMetadata": {"name": "people"},
    }


def test_a_duplicate_name_fails_with_the_metadata_validation_details(emulator: Emulator, http: httpx.Client) -> None:
    answer = meta(
        http,
        f'mutation {{ createOneField(input: {{field: {{objectMetadataId: "{person_id(emulator)}", type: TEXT, '
        'name: "jobTitle", label: "Again"}}) { id } }',
    )
    assert answer["data"] is None
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "METADATA_VALIDATION_FAILED"
    assert error["extensions"]["errors"]["fieldMetadata"][0]["errors"][0]["code"] == "NOT_AVAILABLE"


def test_an_unknown_object_is_not_found_in_nests_words(http: httpx.Client) -> None:
    answer = meta(http, '{ object(id: "00000000-0000-4000-8000-000000000000") { id } }')
    assert answer["errors"][0]["message"] == (
        "Unable to find ObjectMetadataEntity with id: 00000000-0000-4000-8000-000000000000"
    )
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_the_metadata_api_validates_selections(http: httpx.Client) -> None:
    answer = meta(http, "{ objects { edges { node { nope } } } }")
    assert answer == {
        "errors": [{"message": 'Cannot query field "nope" on type "Object".', "locations": [{"line": 1, "column": 28}]}]
    }


def test_a_webhook_created_without_a_secret_gets_64_hex_digits(http: httpx.Client) -> None:
    made = meta(
        http, 'mutation { createWebhook(input: {targetUrl: "https://h.test", operations: ["*.*"]}) { secret } }'
    )
    secret = made["data"]["createWebhook"]["secret"]
    assert len(secret) == 64
    assert int(secret, 16) >= 0


def test_webhooks_are_kept_per_emulator(http: httpx.Client) -> None:
    meta(http, 'mutation { createWebhook(input: {targetUrl: "https://h.test", operations: ["*.*"]}) { id } }')
    with client(Emulator(api_key="k")) as other:
        answer = other.post("/metadata", json={"query": "{ webhooks { id } }"}, headers={"Authorization": "Bearer k"})
    assert answer.json() == {"data": {"webhooks": []}}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("https://h.test", "https://h.test/"),
        ("HTTPS://User@H.Test:8443/A?b=C#D", "https://User@h.test:8443/A?b=C#D"),
        ("http://h.test/path", "http://h.test/path"),
    ],
)
def test_a_webhook_target_url_is_stored_as_javascript_prints_it(http: httpx.Client, sent: str, stored: str) -> None:
    query = "mutation($u: String!) { createWebhook(input: {targetUrl: $u, operations: []}) { targetUrl } }"
    assert meta(http, query, {"u": sent})["data"]["createWebhook"]["targetUrl"] == stored


@pytest.mark.parametrize("sent", ["h.test/hook", "ftp://h.test", "https://", "javascript:alert(1)"])
def test_a_webhook_target_that_is_not_an_http_url_is_refused(http: httpx.Client, sent: str) -> None:
    query = "mutation($u: String!) { createWebhook(input: {targetUrl: $u, operations: []}) { id } }"
    (error,) = meta(http, query, {"u": sent})["errors"]
    assert error["extensions"]["errors"]["webhook"][0]["errors"][0]["code"] == "INVALID_TARGET_URL"
