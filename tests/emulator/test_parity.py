"""The parity workflow: request scripts sent to a server and to the emulator, answers compared by the conformance
rule (values the server makes up match loosely; everything else exactly)."""

from __future__ import annotations

from typing import Any

import pytest
from twenty_emulator import Emulator
from twenty_emulator._parity import Comparison, parity, record, replay
from twenty_emulator._ratelimit import RateLimiter
from twenty_emulator._testing import client

ID = "c0000999-0000-4000-a000-000000000001"
NEW = "5d3a9c4e-0000-4000-a000-0000000000aa"


@pytest.mark.parametrize(
    ("expected", "actual", "diffs"),
    [
        ({"a": 1}, {"a": 1.0}, []),
        ({"a": 1}, {"a": 2}, ["body.a: expected 1, got 2"]),
        ({"a": True}, {"a": 1}, ["body.a: expected true, got 1"]),
        ({"a": 1}, {"a": 1, "b": 2}, ["body: unexpected keys ['b']"]),
        ({"a": 1, "b": 2}, {"a": 1}, ["body: missing keys ['b']"]),
        ({"createdAt": "2026-01-01T00:00:00.000Z"}, {"createdAt": "2027-05-05T00:00:00.000Z"}, []),
        (
            {"createdAt": "2026-01-01T00:00:00.000Z"},
            {"createdAt": None},
            ['body.createdAt: expected "2026-01-01T00:00:00.000Z", got null'],
        ),
        ({"position": 1}, {"position": -3.5}, []),
        ({"l": [1, 2]}, {"l": [1]}, ["body.l: expected 2 items, got 1"]),
        (
            {"messages": ["Invalid x"]},
            {"messages": ["Invalid y"]},
            ['body.messages[0]: expected "Invalid x", got "Invalid y"'],
        ),
    ],
)
def test_comparison_rule(expected: Any, actual: Any, diffs: list[str]) -> None:
    assert Comparison().diff(expected, actual) == diffs


def test_a_uuid_the_client_never_knew_matches_any_uuid_and_is_used_in_later_requests() -> None:
    comparison = Comparison(known=[ID])
    assert comparison.diff({"id": NEW}, {"id": "11111111-2222-4333-8444-555555555555"}) == []
    later = comparison.request({"method": "GET", "path": f"/rest/people/{NEW}"})
    assert later["path"] == "/rest/people/11111111-2222-4333-8444-555555555555"


def test_a_uuid_the_client_sent_must_come_back_equal() -> None:
    comparison = Comparison()
    comparison.request({"method": "POST", "path": "/rest/people", "json": {"id": ID}})
    assert comparison.diff({"id": ID}, {"id": NEW}) == [f'body.id: expected {ID}, got "{NEW}"']


def test_bulk_answers_compare_as_sets_by_id() -> None:
    other = "c0000999-0000-4000-a000-000000000002"
    comparison = Comparison(known=[ID, other])
    expected = {"deletePeople": [{"id": ID}, {"id": other}]}
    assert comparison.diff(expected, {"deletePeople": [{"id": other}, {"id": ID}]}) == []
    assert comparison.diff({"people": [{"id": ID}, {"id": other}]}, {"people": [{"id": other}, {"id": ID}]}) != []


def _script() -> dict[str, Any]:
    person = {"id": ID, "name": {"firstName": "Par", "lastName": "Ity"}, "emails": {"primaryEmail": "p@x.parity.test"}}
    return {
        "scenario": "t01-parity",
        "steps": [
            {"request": {"method": "POST", "path": "/rest/people", "json": person}},
            {
                "request": {
                    "method": "PATCH",
                    "path": f"/rest/people/{ID}",
                    "json": {"phones": {"primaryPhoneNumber": "n/a"}},
                }
            },
            {
                "request": {
                    "method": "POST",
                    "path": "/rest/people",
                    "json": {"emails": {"primaryEmail": "q@x.parity.test"}},
                }
            },
            {
                "request": {
                    "method": "GET",
                    "path": "/rest/people",
                    "query": [
                        ["filter", "emails.primaryEmail[like]:%x.parity.test"],
                        ["order_by", "emails.primaryEmail"],
                    ],
                }
            },
            {
                "request": {
                    "method": "DELETE",
                    "path": "/rest/people",
                    "query": [["filter", "emails.primaryEmail[like]:%x.parity.test"], ["soft_delete", "false"]],
                }
            },
        ],
    }


def test_parity_against_a_server_that_answers_alike_finds_no_difference() -> None:
    server = Emulator(api_key="k", rate_limiter=RateLimiter(enabled=False))
    with client(server, authenticated=False) as http:
        (result,) = parity(http, "k", [_script()])
    assert (result.matched, result.total) == (5, 5), result.report()


def test_a_recording_replayed_against_a_server_that_answers_otherwise_reports_the_step() -> None:
    server = Emulator(api_key="k", rate_limiter=RateLimiter(enabled=False))
    with client(server, authenticated=False) as http:
        recorded = record(http, "k", _script())
    recorded["steps"][1]["response"]["json"]["messages"] = ["Provided phone number is invalid N/A"]
    other = Emulator(api_key="k", rate_limiter=RateLimiter(enabled=False))
    with client(other, authenticated=False) as http:
        result = replay(http, "k", recorded)
    assert [s.label for s in result.steps if not s.matched] == ["step 2: PATCH /rest/people/" + ID]
    assert 'expected "Provided phone number is invalid N/A"' in result.report()


def test_recording_waits_out_a_429_the_script_did_not_ask_for() -> None:
    clock = [0.0]
    limiter = RateLimiter(short_limit=1, short_ttl_ms=1000, long_limit=100, clock=lambda: clock[0])
    server = Emulator(api_key="k", rate_limiter=limiter)

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    with client(server, authenticated=False) as http:
        recorded = record(http, "k", _script(), sleep=sleep)
    assert [s["response"]["status"] for s in recorded["steps"]] == [201, 400, 201, 200, 200]
    assert clock[0] >= 4
