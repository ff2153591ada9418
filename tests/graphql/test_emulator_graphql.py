"""The emulator's ``POST /graphql``: records through GraphQL with the same store and rules as REST, shaped and
failing as Twenty 2.21.0's direct execution answers (the recorded scenarios g01-… pin the exact answers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import client

ACME = "10000000-0000-4000-8000-000000000001"
ADA = "10000000-0000-4000-8000-000000000011"
BOB = "10000000-0000-4000-8000-000000000012"


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(api_key="k")


@pytest.fixture
def http(emulator: Emulator) -> Iterator[httpx.Client]:
    with client(emulator) as c:
        c.headers["Authorization"] = "Bearer k"
        yield c


def gql(http: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = http.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture
def seeded(http: httpx.Client) -> httpx.Client:
    gql(http, f'mutation {{ createCompany(data: {{id: "{ACME}", name: "Acme"}}) {{ id }} }}')
    people = [
        {"id": ADA, "name": {"firstName": "Ada"}, "companyId": ACME, "emails": {"primaryEmail": "Ada@G01.test"}},
        {"id": BOB, "name": {"firstName": "Bob"}, "companyId": ACME},
    ]
    answer = gql(http, "mutation($d: [PersonCreateInput!]!) { createPeople(data: $d) { id } }", {"d": people})
    assert "errors" not in answer, answer
    return http


def test_a_list_returns_only_the_selected_fields_with_cursors_page_info_and_total(seeded: httpx.Client) -> None:
    answer = gql(
        seeded,
        "{ people(first: 1, orderBy: [{name: {firstName: AscNullsFirst}}]) { totalCount "
        "edges { node { id name { firstName } } } pageInfo { hasNextPage } } }",
    )
    assert answer == {
        "data": {
            "people": {
                "totalCount": 2,
                "edges": [{"node": {"id": ADA, "name": {"firstName": "Ada"}}}],
                "pageInfo": {"hasNextPage": True},
            }
        }
    }


def test_the_end_cursor_of_a_page_starts_the_next(seeded: httpx.Client) -> None:
    query = "query($after: String) { people(first: 1, after: $after) { edges { node { id } } pageInfo { endCursor } } }"
    first = gql(seeded, query)["data"]["people"]
    second = gql(seeded, query, {"after": first["pageInfo"]["endCursor"]})["data"]["people"]
    assert [e["node"]["id"] for e in first["edges"] + second["edges"]] == [ADA, BOB]


def test_relations_are_followed_both_ways_in_one_request(seeded: httpx.Client) -> None:
    answer = gql(
        seeded,
        f'{{ company(filter: {{id: {{eq: "{ACME}"}}}}) {{ name people {{ totalCount edges {{ node {{ id '
        "company { name } } } } } }",
    )
    company = answer["data"]["company"]
    assert company["people"]["totalCount"] == 2
    assert [e["node"] for e in company["people"]["edges"]] == [
        {"id": ADA, "company": {"name": "Acme"}},
        {"id": BOB, "company": {"name": "Acme"}},
    ]


def test_writes_normalise_values_as_rest_does(seeded: httpx.Client) -> None:
    answer = gql(seeded, f'{{ person(filter: {{id: {{eq: "{ADA}"}}}}) {{ emails {{ primaryEmail }} }} }}')
    assert answer["data"]["person"]["emails"]["primaryEmail"] == "ada@g01.test"


def test_unknown_fields_in_a_selection_answer_null_as_twenty_does(seeded: httpx.Client) -> None:
    answer = gql(seeded, f'{{ person(filter: {{id: {{eq: "{ADA}"}}}}) {{ id nope name }} }}')
    assert answer == {"data": {"person": {"id": ADA, "nope": None, "name": None}}}


def test_a_missing_record_is_not_found_with_twentys_codes(http: httpx.Client) -> None:
    answer = gql(http, f'mutation {{ updatePerson(id: "{ADA}", data: {{jobTitle: "x"}}) {{ id }} }}')
    assert answer["data"] == {"updatePerson": None}
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["subCode"] == "RECORD_NOT_FOUND"


def test_a_bad_filter_fails_its_root_field_only(seeded: httpx.Client) -> None:
    answer = gql(seeded, "{ people(filter: {nope: {eq: 1}}) { totalCount } companies { totalCount } }")
    assert answer["data"] == {"people": None, "companies": {"totalCount": 1}}
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == 'Object person doesn\'t have any "nope" field.'


def test_bulk_mutations_take_a_filter_and_restore_undoes_a_soft_delete(seeded: httpx.Client) -> None:
    gql(seeded, f'mutation {{ deletePeople(filter: {{id: {{eq: "{BOB}"}}}}) {{ id }} }}')
    assert gql(seeded, "{ people { totalCount } }")["data"]["people"]["totalCount"] == 1
    gql(seeded, f'mutation {{ restorePeople(filter: {{id: {{eq: "{BOB}"}}}}) {{ id }} }}')
    answer = gql(seeded, 'mutation { updatePeople(filter: {jobTitle: {eq: ""}}, data: {jobTitle: "CTO"}) { id } }')
    assert sorted(p["id"] for p in answer["data"]["updatePeople"]) == [ADA, BOB]
    destroyed = gql(seeded, f'mutation {{ destroyPerson(id: "{BOB}") {{ id jobTitle }} }}')
    assert destroyed["data"]["destroyPerson"] == {"id": BOB, "jobTitle": "CTO"}
    assert gql(seeded, "{ people { totalCount } }")["data"]["people"]["totalCount"] == 1


def test_a_custom_field_is_in_the_schema_and_writable_at_once(emulator: Emulator, http: httpx.Client) -> None:
    person = emulator.workspace.object_by_singular("person")
    assert person is not None
    field = {"objectMetadataId": person.id, "type": "TEXT", "name": "loyaltyTier", "label": "Loyalty tier"}
    assert http.post("/rest/metadata/fields", json=field).status_code == 201
    created = gql(http, 'mutation { createPerson(data: {loyaltyTier: "gold"}) { loyaltyTier } }')
    assert created["data"] == {"createPerson": {"loyaltyTier": "gold"}}
    names = gql(http, '{ __type(name: "Person") { fields { name } } }')["data"]["__type"]["fields"]
    assert {"name": "loyaltyTier"} in names


def test_a_request_takes_one_rate_limit_token_whatever_its_root_fields() -> None:
    """As on a real 2.21.0 (cassette graphql-429): the root fields run concurrently and all read the bucket before
    any writes it back, so three root fields cost one token; with the bucket empty, every root field is refused."""
    clock = [0.0]
    emulator = Emulator(api_key="k", rate_limiter=RateLimiter(short_limit=3, long_limit=3, clock=lambda: clock[0]))
    three = "{ people { totalCount } companies { totalCount } opportunities { totalCount } }"
    with client(emulator) as http:
        http.headers["Authorization"] = "Bearer k"
        answers = [gql(http, three), gql(http, "{ people { totalCount } }"), gql(http, three)]
        assert ["errors" in a for a in answers] == [False, False, False]
        refused = gql(http, "{ people { totalCount } companies { totalCount } }")
    assert refused["data"] == {"people": None, "companies": None}
    assert [e["extensions"] for e in refused["errors"]] == [
        {
            "subCode": "LIMIT_REACHED",
            "userFriendlyMessage": "Rate limit reached. Please try again later.",
            "code": "BAD_USER_INPUT",
        }
    ] * 2


def test_a_wrong_key_is_unauthenticated_inside_a_200(emulator: Emulator) -> None:
    with client(emulator) as http:
        response = http.post(
            "/graphql", json={"query": "{ people { totalCount } }"}, headers={"Authorization": "Bearer x"}
        )
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_syntax_and_unknown_root_fields_answer_graphql_js_messages(http: httpx.Client) -> None:
    assert gql(http, "{ people(first: 2 { id } }") == {
        "errors": [{"message": 'Syntax Error: Expected Name, found "{".', "locations": [{"line": 1, "column": 19}]}]
    }
    assert (
        gql(http, "{ peeple { totalCount } }")["errors"][0]["message"] == 'Cannot query field "peeple" on type "Query".'
    )


def test_an_empty_filter_makes_a_bulk_delete_act_on_every_row(seeded: httpx.Client) -> None:
    """Unlike REST, Twenty's GraphQL has no "filters are mandatory" guard (seen on a real 2.21.0, by accident)."""
    answer = gql(seeded, "mutation { deletePeople(filter: {}) { id } }")
    assert sorted(p["id"] for p in answer["data"]["deletePeople"]) == [ADA, BOB]
    assert gql(seeded, "{ people { totalCount } }")["data"]["people"]["totalCount"] == 0


def test_group_by_answers_groups_with_numeric_aggregates_and_a_record_sample(seeded: httpx.Client) -> None:
    gql(seeded, 'mutation { createPerson(data: {name: {firstName: "Cy"}}) { id } }')
    answer = gql(
        seeded,
        "{ peopleGroupBy(groupBy: [{companyId: true}], orderBy: [{aggregate: {totalCount: DescNullsLast}}]) "
        "{ groupByDimensionValues totalCount countNotEmptyEmails edges { node { name { firstName } } } } }",
    )
    groups = answer["data"]["peopleGroupBy"]
    assert [(g["groupByDimensionValues"], g["totalCount"], g["countNotEmptyEmails"]) for g in groups] == [
        ([ACME], 2, 1),
        ([None], 1, 0),
    ]
    assert sorted(e["node"]["name"]["firstName"] for e in groups[0]["edges"]) == ["Ada", "Bob"]
