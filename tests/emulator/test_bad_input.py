"""Bad input never answers 500 nor a traceback: random JSON values, bodies and query strings posted to the records
and metadata routes get a 2xx or a 4xx in one of Twenty's error shapes. The one 500 a real Twenty 2.21.0 was seen to
give (a NUL byte in a text value) is answered with its exact body."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import client

NUL_500 = {"statusCode": 500, "error": "InternalServerErrorException", "messages": ["Data validation error."]}
P1 = "c0000099-0000-4000-a000-000000000001"
C1 = "c0000099-0000-4000-a000-0000000000c1"
# Derandomized: CI runs the same examples every time (set TWENTY_FUZZ_EXAMPLES to look further, randomly).
FUZZ_EXAMPLES = int(os.environ.get("TWENTY_FUZZ_EXAMPLES", "0"))
PROPERTY = settings(
    max_examples=FUZZ_EXAMPLES or 60,
    derandomize=not FUZZ_EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- strategies --------------------------------------------------------------------------------------------------------

texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "a@b.c", "bob@", "https://Acme.test/", "+33 6 12 34 56 78", "n/a", P1, "null", "\x00"]),
    st.sampled_from(["2024-01-01", "2024-01-01T00:00:00Z", "NaN", "1e400", "%", "'", '"', "\\", "∞", "🦄"]),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 2**53 + 1, 2**63, -(2**63) - 1, 10**30, 1e308, 5e-324]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3), max_leaves=8
)

PERSON_KEYS = {
    "id": [],
    "name": ["firstName", "lastName"],
    "emails": ["primaryEmail", "additionalEmails"],
    "linkedinLink": ["primaryLinkUrl", "primaryLinkLabel", "secondaryLinks"],
    "jobTitle": [],
    "phones": ["primaryPhoneNumber", "primaryPhoneCountryCode", "primaryPhoneCallingCode", "additionalPhones"],
    "avatarUrl": [],
    "avatarFile": [],
    "position": [],
    "companyId": [],
    "company": [],
    "createdBy": ["source", "name"],
    "deletedAt": [],
    "searchVector": [],
    "attachments": [],
}
COMPANY_KEYS = {
    "name": [],
    "domainName": ["primaryLinkUrl", "secondaryLinks"],
    "address": ["addressCity", "addressLat", "addressLng"],
    "annualRevenue": ["amountMicros", "currencyCode"],
    "accountOwnerId": [],
    "people": [],
}


def _records(keys: dict[str, list[str]]) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies that name real fields and sub-fields (with wrong and right values alike), and some unknown ones."""
    field_value: dict[str, st.SearchStrategy[Any]] = {
        name: (st.dictionaries(st.sampled_from(subs) | texts, json_values, max_size=3) | json_values)
        if subs
        else json_values
        for name, subs in keys.items()
    }
    known = st.fixed_dictionaries({}, optional=field_value)
    return st.one_of(known, known, st.dictionaries(texts, json_values, max_size=3))


people_bodies = _records(PERSON_KEYS)
company_bodies = _records(COMPANY_KEYS)


def _cursor(value: Any) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


FILTERS = st.one_of(
    texts,
    st.builds(
        lambda f, op, v: f"{f}[{op}]:{v}",
        st.sampled_from(["id", "jobTitle", "name.firstName", "emails.primaryEmail", "position", "createdAt", "x"]),
        st.sampled_from(["eq", "neq", "in", "is", "gt", "like", "ilike", "containsAny", "bogus", ""]),
        texts,
    ),
    st.builds(lambda a, b: f"or({a},{b})", texts, texts),
)
QUERY = st.dictionaries(
    st.sampled_from(
        ["filter", "order_by", "limit", "depth", "starting_after", "ending_before", "upsert", "soft_delete", "x"]
    ),
    st.one_of(
        FILTERS,
        texts,
        st.integers(-5, 500).map(str),
        st.sampled_from(["true", "eyJpZCI6MX0=", "e30=", "1e400", "99999999999999999999999"]),
        json_values.map(_cursor),  # cursors of any JSON
        st.dictionaries(st.sampled_from(["id", "position", "name", "jobTitle", "createdAt"]), json_values).map(_cursor),
    ),
    max_size=4,
)

# -- the checks --------------------------------------------------------------------------------------------------------

ERROR_KEYS = {"statusCode", "error", "messages", "message", "code", "errors", "summary", "userFriendlyMessage"}


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    return False


def _no_constant(name: str) -> Any:
    raise AssertionError(f"{name} is not JSON")


def strict_json(text: str) -> Any:
    """JSON as a JavaScript client reads it: ``NaN`` and ``Infinity`` are errors."""
    return json.loads(text, parse_constant=_no_constant)


def check_answer(response: httpx.Response, sent: Any = None) -> None:
    """A 2xx, or Twenty's error shape with a 4xx (or the NUL 500, only for a NUL sent); always strict JSON."""
    assert "Traceback" not in response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = strict_json(response.text)
    if response.status_code >= 500:
        if isinstance(body, str) and body.startswith("invalid input syntax for type uuid"):
            return  # a metadata cursor that is no UUID: Twenty leaks PostgreSQL's error as a 500 (recorded: p03)
        assert body == NUL_500, body
        assert _contains_nul(sent), f"500 for a body without NUL: {sent!r}"
        return
    if response.status_code < 400:
        return
    assert isinstance(body, dict), body
    assert set(body) <= ERROR_KEYS, body
    assert body["statusCode"] == response.status_code, body
    assert isinstance(body["error"], str), body
    if "messages" in body:
        assert "message" not in body, body
        assert isinstance(body["messages"], list), body
        assert body["messages"], body
        assert all(isinstance(m, str) for m in body["messages"]), body
    else:
        message = body["message"]
        assert isinstance(message, str) or (isinstance(message, list) and all(isinstance(m, str) for m in message))


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One workspace for every example (what earlier examples wrote makes later ones more varied)."""
    with client(Emulator(api_key="k", rate_limiter=RateLimiter(enabled=False))) as c:
        assert c.post("/rest/people", json={"id": P1, "emails": {"primaryEmail": "ada@x.test"}}).status_code == 201
        assert c.post("/rest/companies", json={"id": C1, "name": "Acme"}).status_code == 201
        yield c


def _send(http: httpx.Client, method: str, path: str, body: Any, params: dict[str, str] | None = None) -> None:
    content = json.dumps(body, ensure_ascii=False)
    response = http.request(method, path, content=content, params=params, headers={"content-type": "application/json"})
    check_answer(response, body)


# -- records -----------------------------------------------------------------------------------------------------------


@PROPERTY
@given(body=people_bodies, upsert=st.booleans())
def test_creating_a_person_from_any_body_never_fails_the_server(http: httpx.Client, body: Any, upsert: bool) -> None:
    _send(http, "POST", "/rest/people", body, {"upsert": "true"} if upsert else None)


@PROPERTY
@given(body=st.lists(people_bodies, max_size=4) | json_values, upsert=st.booleans())
def test_a_batch_of_any_bodies_never_fails_the_server(http: httpx.Client, body: Any, upsert: bool) -> None:
    _send(http, "POST", "/rest/batch/people", body, {"upsert": "true"} if upsert else None)


@PROPERTY
@given(body=company_bodies, upsert=st.booleans())
def test_creating_a_company_from_any_body_never_fails_the_server(http: httpx.Client, body: Any, upsert: bool) -> None:
    _send(http, "POST", "/rest/companies", body, {"upsert": "true"} if upsert else None)


@PROPERTY
@given(body=people_bodies | json_values, record_id=st.sampled_from([P1, P1.upper(), "x", "00000000-0000-0000-0000-0"]))
def test_updating_a_person_with_any_body_never_fails_the_server(http: httpx.Client, body: Any, record_id: str) -> None:
    _send(http, "PATCH", f"/rest/people/{record_id}", body)


@PROPERTY
@given(query=QUERY)
def test_listing_with_any_query_never_fails_the_server(http: httpx.Client, query: dict[str, str]) -> None:
    check_answer(http.get("/rest/people", params=query))


@PROPERTY
@given(
    method=st.sampled_from(["GET", "PATCH", "DELETE", "POST", "PUT"]),
    path=st.sampled_from(
        [
            "/rest/people",
            f"/rest/people/{P1}",
            "/rest/restore/people",
            "/rest/batch/people",
            "/rest/person",
            "/rest/x/y",
        ]
    ),
    query=QUERY,
    body=people_bodies | json_values,
)
def test_any_method_path_query_and_body_never_fails_the_server(
    http: httpx.Client, method: str, path: str, query: dict[str, str], body: Any
) -> None:
    if method == "DELETE" and "filter" not in query:
        query = {**query, "filter": "id[eq]:c0000099-0000-4000-a000-0000000000ff"}  # keep the seeded rows
    _send(http, method, path, body, query)


@PROPERTY
@given(raw=st.binary(max_size=40) | st.text(max_size=40).map(str.encode))
def test_a_body_that_is_not_json_never_fails_the_server(http: httpx.Client, raw: bytes) -> None:
    for path in ("/rest/people", "/rest/batch/people", "/rest/metadata/fields"):
        response = http.post(path, content=raw, headers={"content-type": "application/json"})
        check_answer(response, raw.decode("utf-8", errors="replace"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"position": NaN}', 'Unexpected token \'N\', "{"position..." is not valid JSON'),
        ("[Infinity]", "Unexpected token 'I', \"[Infinity]\" is not valid JSON"),
        ('{"position": -Infinity}', "No number after minus sign in JSON at position 14 (line 1 column 15)"),
    ],
)
def test_nan_and_infinity_are_not_json(http: httpx.Client, raw: str, message: str) -> None:
    response = http.post("/rest/people", content=raw, headers={"content-type": "application/json"})
    assert (response.status_code, response.json()) == (
        400,
        {"message": message, "error": "Bad Request", "statusCode": 400},
    )


def test_a_number_too_large_for_a_double_is_infinity_as_in_javascript(http: httpx.Client) -> None:
    response = http.post("/rest/people", content='{"jobTitle": 1e999}', headers={"content-type": "application/json"})
    assert response.json()["messages"] == ['Invalid string value Infinity for text field "jobTitle"']


@pytest.mark.parametrize("number", ["1e999", "-1e999", "1" * 30, "-" + "9" * 5000, "9223372036854775808"])
def test_huge_numbers_are_stored_and_answered_as_strict_json(http: httpx.Client, number: str) -> None:
    response = http.post(
        "/rest/people", content=f'{{"position": {number}}}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text
    position = strict_json(response.text)["data"]["createPerson"]["position"]
    assert position is None or abs(position) >= 9e18  # JSON.stringify writes a non-finite number as null


def test_a_lone_surrogate_is_stored_as_the_replacement_character(http: httpx.Client) -> None:
    raw = '{"jobTitle": "a\\ud800b", "name": {"firstName": "\\ud83e\\udd84"}}'
    response = http.post("/rest/people", content=raw, headers={"content-type": "application/json"})
    person = strict_json(response.text)["data"]["createPerson"]
    assert (person["jobTitle"], person["name"]["firstName"]) == ("a\ufffdb", "\U0001f984")


def test_a_huge_integer_in_a_cursor_is_not_a_server_error(http: httpx.Client) -> None:
    cursor = base64.b64encode(json.dumps({"position": 10**30, "id": P1}).encode()).decode()
    response = http.get("/rest/people", params={"order_by": "position", "starting_after": cursor})
    check_answer(response)
    assert response.status_code == 200


def test_a_nul_byte_in_a_text_value_answers_twentys_500(http: httpx.Client) -> None:
    response = http.post("/rest/people", json={"jobTitle": "a\x00b"})
    assert (response.status_code, response.json()) == (500, NUL_500)


# -- metadata ----------------------------------------------------------------------------------------------------------

FIELD_TYPES = ["TEXT", "NUMBER", "SELECT", "MULTI_SELECT", "RELATION", "EMAILS", "LINKS", "CURRENCY", "BOOLEAN", "X"]


@pytest.fixture(scope="module")
def person_object_id(http: httpx.Client) -> str:
    objects = http.get("/rest/metadata/objects", params={"limit": 200}).json()["data"]["objects"]
    return str(next(o["id"] for o in objects if o["nameSingular"] == "person"))


@PROPERTY
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(FIELD_TYPES) | json_values,
            "name": st.sampled_from(["fuzzA", "fuzzB", "Bad", "type", "jobTitle", "a_b"]) | json_values,
            "label": texts | json_values,
            "isUnique": json_values,
            "isNullable": json_values,
            "defaultValue": json_values,
            "options": json_values,
            "settings": json_values,
            "relationCreationPayload": json_values,
            "objectMetadataId": json_values,
        },
    ),
    on_person=st.booleans(),
)
def test_creating_a_field_from_any_body_never_fails_the_server(
    http: httpx.Client, person_object_id: str, body: dict[str, Any], on_person: bool
) -> None:
    if on_person:
        body = {**body, "objectMetadataId": person_object_id}
    _send(http, "POST", "/rest/metadata/fields", body)


@PROPERTY
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "nameSingular": st.sampled_from(["fuzzThing", "person", "Bad", "x"]) | json_values,
            "namePlural": st.sampled_from(["fuzzThings", "people", "xs"]) | json_values,
            "labelSingular": texts | json_values,
            "labelPlural": texts | json_values,
            "icon": json_values,
            "isActive": json_values,
        },
    )
    | json_values,
    method=st.sampled_from(["POST", "PATCH"]),
)
def test_writing_an_object_from_any_body_never_fails_the_server(
    http: httpx.Client, person_object_id: str, body: Any, method: str
) -> None:
    if method == "POST" and isinstance(body, dict) and body.get("nameSingular") == "fuzzThing":
        body = {**body, "nameSingular": "fuzzThingNot"}  # the PATCH examples below must not rename a real object
    path = "/rest/metadata/objects" if method == "POST" else f"/rest/metadata/objects/{P1}"
    _send(http, method, path, body)


@PROPERTY
@given(
    path=st.sampled_from(["/rest/metadata/objects", "/rest/metadata/fields", "/rest/metadata/objects/x"]),
    query=st.dictionaries(
        st.sampled_from(["limit", "starting_after", "ending_before", "filter"]),
        texts | st.integers(-5, 500).map(str),
        max_size=3,
    ),
)
def test_metadata_lists_with_any_query_never_fail_the_server(
    http: httpx.Client, path: str, query: dict[str, str]
) -> None:
    check_answer(http.get(path, params=query))


@pytest.mark.parametrize(
    ("type_", "default"),
    [("NUMBER", [1]), ("NUMBER", {"a": 1}), ("TEXT", ["x"]), ("CURRENCY", {"amountMicros": [1]}), ("FULL_NAME", "x")],
)
def test_a_default_value_that_does_not_fit_the_type_is_refused(
    http: httpx.Client, person_object_id: str, type_: str, default: Any
) -> None:
    name = f"fuzzDefault{type_.title().replace('_', '')}{len(json.dumps(default))}"
    body = {"objectMetadataId": person_object_id, "type": type_, "name": name, "label": name, "defaultValue": default}
    response = http.post("/rest/metadata/fields", json=body)
    check_answer(response, body)
    assert response.status_code == 400
    assert response.json()["error"] == "METADATA_VALIDATION_ERROR"
    assert http.post("/rest/people", json={}).status_code == 201


def test_a_default_value_update_that_does_not_fit_the_type_is_refused(
    http: httpx.Client, person_object_id: str
) -> None:
    body = {"objectMetadataId": person_object_id, "type": "NUMBER", "name": "fuzzScore", "label": "Fuzz Score"}
    field = http.post("/rest/metadata/fields", json={**body, "defaultValue": 3}).json()["data"]["createOneField"]
    response = http.patch(f"/rest/metadata/fields/{field['id']}", json={"defaultValue": [1]})
    check_answer(response)
    assert response.status_code == 400
    assert http.post("/rest/people", json={}).json()["data"]["createPerson"]["fuzzScore"] == 3


@pytest.mark.parametrize("path", ["/", "/rest", "/graphql-nope", "/_emulator/faults/extra"])
def test_a_path_outside_the_api_answers_nests_404(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    check_answer(response)
    assert response.json() == {"statusCode": 404, "message": f"Cannot GET {path}", "error": "Not Found"}
