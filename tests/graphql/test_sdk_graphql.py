"""``twenty.graphql`` on the SDK's clients: one transport (pacing, retries), GraphQL errors raised as the
``TwentyError`` classes by Twenty's codes, streaming over a connection, local validation against the schema."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport

from twenty_sdk import (
    AsyncTwentyClient,
    AuthenticationError,
    BadRequestError,
    FieldSpec,
    InternalServerError,
    NotFoundError,
    ObjectSpec,
    Pacer,
    RateLimit,
    RateLimitError,
    RetryPolicy,
    TwentyClient,
    _pacing,
)
from twenty_sdk._graphql import graphql_error, is_mutation

API_KEY = "tw_graphql_Mv4nQ8rT2wXk"
BASE_URL = "http://twenty.local"
NO_PACING = RateLimit(enabled=False)
QUICK_RETRY = RetryPolicy(max_retries=2, initial_delay=0.0, max_delay=0.0)
NO_RETRY = RetryPolicy(max_retries=0)


@pytest.fixture(autouse=True)
def fresh_pacers() -> Iterator[None]:
    _pacing._REGISTRY.clear()
    yield
    _pacing._REGISTRY.clear()


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))


@pytest.fixture
def twenty(emulator: Emulator) -> Iterator[TwentyClient]:
    transport = ASGISyncTransport(create_app(emulator))
    with TwentyClient(BASE_URL, API_KEY, transport=transport, rate_limit=NO_PACING, retry=QUICK_RETRY) as tw:
        yield tw


def seed(twenty: TwentyClient, companies: int, people_each: int) -> None:
    rows = [{"id": f"20000000-0000-4000-8000-{c:012d}", "name": f"Co {c:03d}"} for c in range(companies)]
    twenty.records("companies").upsert_many(rows)
    people = [
        {"name": {"firstName": f"P{c}-{p}"}, "companyId": f"20000000-0000-4000-8000-{c:012d}"}
        for c in range(companies)
        for p in range(people_each)
    ]
    twenty.records("people").upsert_many(people)


def test_execute_returns_the_selected_fields(twenty: TwentyClient) -> None:
    seed(twenty, 1, 2)
    data = twenty.graphql.execute("{ companies { totalCount edges { node { name people { totalCount } } } } }")
    assert data == {
        "companies": {"totalCount": 1, "edges": [{"node": {"name": "Co 000", "people": {"totalCount": 2}}}]}
    }


def test_iter_streams_every_node_with_its_relations_a_page_a_request(emulator: Emulator, twenty: TwentyClient) -> None:
    seed(twenty, 5, 2)
    emulator.reset_counts()
    nodes = list(
        twenty.graphql.iter(
            "companies",
            "name people { edges { node { name { firstName } } } }",
            order_by=[{"name": "AscNullsFirst"}],
            page_size=2,
        )
    )
    assert [n["name"] for n in nodes] == [f"Co {c:03d}" for c in range(5)]
    assert sorted(p["node"]["name"]["firstName"] for p in nodes[4]["people"]["edges"]) == ["P4-0", "P4-1"]
    assert emulator.request_counts() == {"POST /graphql": 3}


def test_iter_filters_with_graphql_filters(twenty: TwentyClient) -> None:
    seed(twenty, 3, 0)
    nodes = list(twenty.graphql.iter("companies", "name", filter={"name": {"in": ["Co 000", "Co 002"]}}))
    assert sorted(n["name"] for n in nodes) == ["Co 000", "Co 002"]


def test_a_missing_record_raises_not_found(twenty: TwentyClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        twenty.graphql.execute('{ person(filter: {id: {eq: "20000000-0000-4000-8000-000000000999"}}) { id } }')
    assert caught.value.status == 404
    assert caught.value.error == "NOT_FOUND"
    assert caught.value.code == "RECORD_NOT_FOUND"


def test_bad_input_raises_bad_request_with_the_partial_data_in_the_body(twenty: TwentyClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        twenty.graphql.execute("{ people(filter: {nope: {eq: 1}}) { totalCount } companies { totalCount } }")
    assert caught.value.messages == ['Object person doesn\'t have any "nope" field.']
    assert caught.value.body["data"] == {"people": None, "companies": {"totalCount": 0}}


def test_a_wrong_key_raises_authentication_error(emulator: Emulator) -> None:
    transport = ASGISyncTransport(create_app(emulator))
    with (
        TwentyClient(BASE_URL, "tw_wrong_key_12345678", transport=transport, rate_limit=NO_PACING) as tw,
        pytest.raises(AuthenticationError),
    ):
        tw.graphql.execute("{ people { totalCount } }")


def test_a_throttled_query_is_retried() -> None:
    answers = [
        {"data": {"people": None}, "errors": [_limit_error()]},
        {"data": {"people": {"totalCount": 3}}},
    ]
    sent: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=answers.pop(0))

    mock = httpx.MockTransport(handler)
    with TwentyClient(BASE_URL, API_KEY, transport=mock, retry=QUICK_RETRY, rate_limit=NO_PACING) as tw:
        assert tw.graphql.execute("{ people { totalCount } }") == {"people": {"totalCount": 3}}
    assert len(sent) == 2


def test_a_throttled_query_raises_rate_limit_error_after_the_retries() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": {"people": None}, "errors": [_limit_error()]})

    with (
        TwentyClient(
            BASE_URL, API_KEY, transport=httpx.MockTransport(handler), retry=QUICK_RETRY, rate_limit=NO_PACING
        ) as tw,
        pytest.raises(RateLimitError) as caught,
    ):
        tw.graphql.execute("{ people { totalCount } }")
    assert caught.value.status == 429


def test_a_mutation_half_applied_is_not_sent_again() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        answer = {"data": {"a": {"id": "x"}, "b": None}, "errors": [_limit_error()]}
        return httpx.Response(200, json=answer)

    with (
        TwentyClient(
            BASE_URL, API_KEY, transport=httpx.MockTransport(handler), retry=QUICK_RETRY, rate_limit=NO_PACING
        ) as tw,
        pytest.raises(RateLimitError),
    ):
        tw.graphql.execute("mutation { a: createPerson(data: {}) { id } b: createCompany(data: {}) { id } }")
    assert len(calls) == 1


def test_validate_finds_a_misspelt_field_the_server_would_answer_null(twenty: TwentyClient) -> None:
    assert twenty.graphql.execute("{ people { edges { node { nmae } } } }") == {"people": {"edges": []}}
    with pytest.raises(BadRequestError) as caught:
        twenty.graphql.validate("{ people { edges { node { nmae } } } }")
    assert "Cannot query field 'nmae' on type 'Person'." in caught.value.messages[0]
    twenty.graphql.validate("{ people { edges { node { name { firstName } } } } }")


@pytest.mark.parametrize(
    ("extensions", "expected"),
    [
        ({"code": "BAD_USER_INPUT", "subCode": "INVALID_ARGS_FILTER"}, BadRequestError),
        ({"code": "NOT_FOUND"}, NotFoundError),
        ({"code": "UNAUTHENTICATED"}, AuthenticationError),
        ({"code": "INTERNAL_SERVER_ERROR"}, InternalServerError),
        ({"code": "BAD_USER_INPUT", "subCode": "LIMIT_REACHED"}, RateLimitError),
        ({}, BadRequestError),
    ],
)
def test_twentys_codes_map_onto_the_error_tree(extensions: dict[str, str], expected: type[Exception]) -> None:
    error = graphql_error({"errors": [{"message": "m", "extensions": extensions}]})
    assert type(error) is expected


def test_only_a_mutation_document_counts_as_a_mutation() -> None:
    assert is_mutation("# a comment\n mutation M { createPerson(data: {}) { id } }")
    assert not is_mutation("query { people { totalCount } }")
    assert not is_mutation("{ people { totalCount } }")


def test_the_async_client_has_the_same_surface(emulator: Emulator) -> None:
    async def run() -> list[dict[str, Any]]:
        transport = httpx.ASGITransport(app=create_app(emulator))
        async with AsyncTwentyClient(BASE_URL, API_KEY, transport=transport, rate_limit=NO_PACING) as tw:
            await tw.graphql.execute('mutation { createCompany(data: {name: "Async Co"}) { id } }')
            return [node async for node in tw.graphql.iter("companies", "name", page_size=1)]

    assert asyncio.run(run()) == [{"name": "Async Co"}]


def _limit_error() -> dict[str, Any]:
    return {
        "message": "Limit reached (100 tokens per 60000 ms)",
        "extensions": {"subCode": "LIMIT_REACHED", "userFriendlyMessage": "…", "code": "BAD_USER_INPUT"},
    }


def test_the_metadata_api_is_reached_with_path_and_is_not_paced(emulator: Emulator, twenty: TwentyClient) -> None:
    data = twenty.graphql.execute("{ objects(paging: {first: 1}) { edges { node { id } } } }", path="/metadata")
    assert len(data["objects"]["edges"]) == 1
    assert not _pacing.is_rate_limited_path("/metadata")


def test_the_pacer_takes_one_token_per_request_whatever_its_root_fields(emulator: Emulator) -> None:
    taken: list[float] = []

    class CountingPacer(Pacer):
        def reserve(self) -> float:
            taken.append(super().reserve())
            return taken[-1]

    pacer = CountingPacer(RateLimit(short_limit=1000, long_limit=1000), sleep=lambda _s: None)
    transport = ASGISyncTransport(create_app(emulator))
    with TwentyClient(BASE_URL, API_KEY, transport=transport, pacer=pacer, retry=QUICK_RETRY) as tw:
        tw.graphql.execute("{ people { totalCount } companies { totalCount } opportunities { totalCount } }")
        assert len(taken) == 1
        tw.graphql.execute("{ people { totalCount } }")
        assert len(taken) == 2


def test_iter_types_a_custom_objects_filter_from_the_metadata(twenty: TwentyClient) -> None:
    pet = ObjectSpec("pet", "pets", "Pet", "Pets", fields=[FieldSpec("nickname", "TEXT", "Nickname")])
    twenty.metadata.ensure_schema([pet])
    twenty.records("pets").create_many([{"nickname": "Rex"}, {"nickname": "Tom"}])
    nodes = list(twenty.graphql.iter("pets", "nickname", filter={"nickname": {"eq": "Tom"}}))
    assert nodes == [{"nickname": "Tom"}]
    with pytest.raises(ValueError, match="no object whose plural name is 'ghosts'"):
        list(twenty.graphql.iter("ghosts", "id", filter={}))


def _spacing_after_three_throttled_answers(sent_at: float | None) -> float:
    now = [0.0]
    pacer = Pacer(RateLimit(margin=0.0), clock=lambda: now[0], sleep=lambda _s: None)
    throttled = {"data": None, "errors": [_limit_error()]}
    with TwentyClient(
        BASE_URL, API_KEY, transport=httpx.MockTransport(lambda r: httpx.Response(500)), pacer=pacer
    ) as tw:
        for _ in range(3):  # three requests in flight together, refused together
            now[0] += 0.1
            assert tw.graphql._settle(throttled, False, 1, sent_at=sent_at)[0] is True  # retried
    return pacer.reserve() - now[0]


def test_throttled_answers_sent_before_the_last_429_stretch_the_spacing_once() -> None:
    """A GraphQL 429 (an HTTP 200 whose error is LIMIT_REACHED) tells the pacer when its request left, as a REST 429
    does: requests refused together stretch the spacing once, not once each."""
    once = _spacing_after_three_throttled_answers(sent_at=0.0)
    assert once < _spacing_after_three_throttled_answers(sent_at=None)
