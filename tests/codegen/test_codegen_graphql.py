"""The GraphQL half of codegen: the introspection normalised to one text, models generated from it that read real
answers, typed filter inputs, and the committed module equal to a fresh generation."""

from __future__ import annotations

import json
import random
from typing import Any

from twenty_codegen import Layout
from twenty_codegen._graphql import introspection_query, normalise_introspection
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import client
from twenty_generated import graphql_models as gm

from twenty_sdk import RateLimit, TwentyClient


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, list):
        items = [_shuffled(v, rng) for v in value]
        rng.shuffle(items)
        return items
    if isinstance(value, dict):
        return {k: _shuffled(v, rng) for k, v in value.items()}
    return value


def test_normalising_is_blind_to_the_order_the_server_lists_things_in(layout: Layout) -> None:
    pulled = json.loads(layout.pulled_graphql.read_text(encoding="utf-8"))
    schema = pulled["__schema"]
    shuffled = {**schema, "types": _shuffled(schema["types"], random.Random(5))}
    assert normalise_introspection({"__schema": shuffled}) == normalise_introspection(pulled)


def test_the_committed_snapshot_is_the_normalised_pull(layout: Layout) -> None:
    pulled = json.loads(layout.pulled_graphql.read_text(encoding="utf-8"))
    committed = json.loads(layout.graphql_snapshot.read_text(encoding="utf-8"))
    assert normalise_introspection(pulled) == committed


def test_models_read_an_answer_with_nested_relations_and_connections() -> None:
    emulator = Emulator(api_key="k", rate_limiter=RateLimiter(enabled=False))
    with client(emulator) as http:
        http.post("/rest/companies", json={"id": "c0000301-0000-4000-a000-000000000001", "name": "Acme"})
        http.post(
            "/rest/people",
            json={
                "name": {"firstName": "Ada", "lastName": "Lovelace"},
                "emails": {"primaryEmail": "ada@acme.test"},
                "companyId": "c0000301-0000-4000-a000-000000000001",
            },
        )
        person = "name { firstName } emails { primaryEmail } company { name }"
        people = f"people {{ totalCount edges {{ node {{ {person} }} }} }}"
        query = f"{{ companies {{ edges {{ node {{ id name {people} }} }} }} }}"
        data = http.post("/graphql", json={"query": query}).json()["data"]
    acme = gm.Company.from_dict(data["companies"]["edges"][0]["node"])
    assert acme.name == "Acme"
    assert acme.people is not None
    assert acme.people.total_count == 1
    (ada,) = acme.people.nodes
    assert isinstance(ada, gm.Person)
    assert ada.name is not None
    assert ada.name.first_name == "Ada"
    assert ada.emails is not None
    assert ada.emails.primary_email == "ada@acme.test"
    assert ada.company is not None
    assert ada.company.name == "Acme"
    assert ada.job_title is None  # not selected


def test_iter_pages_through_a_root_connection_with_typed_filters() -> None:
    emulator = Emulator(api_key="k", rate_limiter=RateLimiter(enabled=False))
    only: gm.PersonFilterInput = {"name": {"firstName": {"in": ["P1", "P3"]}}}
    order: list[gm.PersonOrderByInput] = [{"name": {"firstName": "DescNullsLast"}}]
    with (
        client(emulator, authenticated=False) as http,
        TwentyClient("http://twenty.local", "k", http_client=http, rate_limit=RateLimit(enabled=False)) as twenty,
    ):
        twenty.people.create_many({"name": {"firstName": f"P{i}"}} for i in range(5))
        people = list(gm.iter_people(twenty.graphql, "name { firstName }", filter=only, order_by=order))
    assert [p.name.first_name for p in people if p.name] == ["P3", "P1"]


def test_the_introspection_query_asks_no_descriptions() -> None:
    assert "description" not in introspection_query()
