"""Streaming every page: 200 records per request, each record once, lazily, and a guard against a stuck cursor."""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator

from twenty_sdk import Filter, PaginationError, TwentyClient

from .conftest import API_KEY, NO_PACING, list_requests, person

TOTAL = 1050


@pytest.fixture
def many_people(twenty: TwentyClient, emulator: Emulator) -> None:
    twenty.people.upsert_many(person(i) for i in range(TOTAL))
    emulator.reset_counts()


@pytest.mark.usefixtures("many_people")
def test_iter_visits_every_record_once_in_ceil_n_over_200_requests(twenty: TwentyClient, emulator: Emulator) -> None:
    seen = Counter(str(p.id) for p in twenty.people.iter())
    assert len(seen) == TOTAL
    assert set(seen.values()) == {1}
    assert list_requests(emulator) == math.ceil(TOTAL / 200) == 6


@pytest.mark.usefixtures("many_people")
def test_iter_is_lazy(twenty: TwentyClient, emulator: Emulator) -> None:
    stream = twenty.people.iter()
    first = next(stream)
    assert first.id is not None
    assert list_requests(emulator) == 1
    for _ in range(200):
        next(stream)
    assert list_requests(emulator) == 2


@pytest.mark.usefixtures("many_people")
def test_iter_with_an_order_and_a_filter(twenty: TwentyClient) -> None:
    names = [
        p.name.first_name
        for p in twenty.people.iter(
            filter=Filter.starts_with("name.firstName", "P10"), order_by=[("name.firstName", "DescNullsLast"), "id"]
        )
        if p.name
    ]
    expected = sorted((f"P{i}" for i in range(TOTAL) if str(i).startswith("10")), reverse=True)
    assert names == expected


@pytest.mark.usefixtures("many_people")
def test_pages_carry_total_count_and_page_size(twenty: TwentyClient) -> None:
    sizes = [(len(page), page.total_count) for page in twenty.people.pages()]
    assert sizes == [(200, TOTAL)] * 5 + [(50, TOTAL)]


def test_pages_refuse_a_page_size_above_200(twenty: TwentyClient) -> None:
    with pytest.raises(ValueError, match="between 1 and 200"):
        next(twenty.people.pages(page_size=201))


def _stuck_server(cursor: str | None) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A server whose every page says there is a next one, with the same endCursor (or none)."""
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        n = len(requests)
        body: dict[str, Any] = {
            "data": {"people": [{"id": f"00000000-0000-4000-8000-{n:012d}"}]},
            "totalCount": 1000,
            "pageInfo": {"startCursor": cursor, "endCursor": cursor, "hasNextPage": True, "hasPreviousPage": False},
        }
        return httpx.Response(200, content=json.dumps(body), headers={"content-type": "application/json"})

    return httpx.MockTransport(answer), requests


def test_a_cursor_that_does_not_move_stops_the_walk_with_a_clear_error() -> None:
    mock, requests = _stuck_server("eyJpZCI6InN0dWNrIn0=")
    with TwentyClient("http://stuck.local", API_KEY, transport=mock, rate_limit=NO_PACING) as twenty:
        stream = twenty.people.iter()
        assert next(stream).id is not None
        # The second page, asked with starting_after=<the cursor>, gives the same cursor: its records (a repeat of
        # the first page's, as far as the client can tell) are not yielded.
        with pytest.raises(PaginationError, match=r"returned the cursor .* again"):
            next(stream)
    assert len(requests) == 2
    assert "starting_after" not in requests[0].url.params
    assert requests[1].url.params["starting_after"] == "eyJpZCI6InN0dWNrIn0="
    assert requests[1].url.params["limit"] == "200"


def test_a_next_page_without_a_cursor_stops_the_walk() -> None:
    mock, requests = _stuck_server(None)
    with (
        TwentyClient("http://stuck.local", API_KEY, transport=mock, rate_limit=NO_PACING) as twenty,
        pytest.raises(PaginationError, match="gives no endCursor"),
    ):
        list(twenty.people.iter())
    assert len(requests) == 1


def test_a_cursor_cycle_is_caught_too() -> None:
    cursors = ["A", "B", "A"]

    def answer(request: httpx.Request) -> httpx.Response:
        cursor = cursors.pop(0)
        body = {"data": {"people": []}, "pageInfo": {"endCursor": cursor, "hasNextPage": True}}
        return httpx.Response(200, json=body)

    mock = httpx.MockTransport(answer)
    with (
        TwentyClient("http://cycle.local", API_KEY, transport=mock, rate_limit=NO_PACING) as tw,
        pytest.raises(PaginationError),
    ):
        list(tw.people.iter())
    assert cursors == []
