"""Batch writes: ⌈N/200⌉ requests, no in-batch duplicate ever reaches Twenty, and a refused batch is bisected so that
the good records land and the bad ones come back with Twenty's reasons."""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator

from twenty_sdk import BadRequestError, BatchError, Filter, InternalServerError, TwentyClient

from .conftest import API_KEY, NO_PACING, QUICK_RETRY, batch_requests, person

BISECTION_BOUND_PER_BAD_RECORD = 2 + 2 * math.ceil(math.log2(200))  # 18


def test_upsert_many_of_10k_people_takes_exactly_50_requests(twenty: TwentyClient, emulator: Emulator) -> None:
    stored = twenty.people.upsert_many(person(i) for i in range(10_000))
    assert len(stored) == 10_000
    assert batch_requests(emulator) == 50
    assert twenty.people.count() == 10_000


def test_upsert_many_returns_the_stored_records_in_input_order(twenty: TwentyClient) -> None:
    stored = twenty.people.upsert_many([person(i) for i in range(450)])
    assert [p.emails.primary_email for p in stored if p.emails] == [f"p{i}@records.test" for i in range(450)]


def test_upsert_many_again_updates_in_place(twenty: TwentyClient) -> None:
    first = twenty.people.upsert_many([person(i) for i in range(300)])
    again = twenty.people.upsert_many([person(i, jobTitle="Again") for i in range(300)])
    assert [p.id for p in again] == [p.id for p in first]
    assert twenty.people.count() == 300
    assert twenty.people.count(Filter.eq("jobTitle", "Again")) == 300


def _with_mixed_case_duplicates(n: int, every: int) -> list[dict[str, Any]]:
    """``n`` people; after every ``every``-th one, a duplicate with the email in upper case and a job title."""
    rows: list[dict[str, Any]] = []
    for i in range(n):
        rows.append(person(i))
        if i % every == 0:
            rows.append({"emails": {"primaryEmail": f"P{i}@RECORDS.Test"}, "jobTitle": f"dup {i}"})
    return rows


def test_in_batch_duplicates_land_once_and_cost_no_request(twenty: TwentyClient, emulator: Emulator) -> None:
    rows = _with_mixed_case_duplicates(1_000, every=5)
    assert len(rows) == 1_200
    stored = twenty.people.upsert_many(rows)
    assert batch_requests(emulator) == 5  # ⌈1000 distinct / 200⌉: the 200 duplicates were merged, not sent
    assert len(stored) == 1_000
    emails = [p.emails.primary_email for p in twenty.people.iter() if p.emails]
    assert len(emails) == len(set(emails)) == 1_000


def test_in_batch_duplicates_merge_the_later_one_winning_field_by_field(twenty: TwentyClient) -> None:
    twenty.people.upsert_many(_with_mixed_case_duplicates(10, every=5))
    p5 = next(iter(twenty.people.iter(filter=Filter.eq("emails.primaryEmail", "p5@records.test"))))
    assert p5.job_title == "dup 5"  # from the later record
    assert p5.name  # neither None nor UNSET
    assert p5.name.first_name == "P5"


def test_in_batch_duplicates_by_id_and_by_email_chain_into_one(twenty: TwentyClient, emulator: Emulator) -> None:
    ident = "6f1c1a52-3c1b-4a8e-9d3e-0b1d2c3e4f50"
    rows = [
        {"id": ident, "name": {"firstName": "First"}},
        {"id": ident.upper(), "emails": {"primaryEmail": "chain@records.test"}},
        {"emails": {"primaryEmail": "CHAIN@records.test"}, "jobTitle": "Last"},
    ]
    stored = twenty.people.upsert_many(rows)
    assert len(stored) == 1
    assert str(stored[0].id) == ident
    assert stored[0].job_title == "Last"
    assert stored[0].name  # neither None nor UNSET
    assert stored[0].name.first_name == "First"
    assert batch_requests(emulator) == 1


def test_create_many_reports_an_in_batch_duplicate_instead_of_sending_it(
    twenty: TwentyClient, emulator: Emulator
) -> None:
    rows = [person(1), person(2), {"emails": {"primaryEmail": "P1@records.test"}}]
    with pytest.raises(BatchError) as caught:
        twenty.people.create_many(rows)
    err = caught.value
    assert [(f.index, f.key) for f in err.failures] == [(2, ("emails.primaryEmail", "p1@records.test"))]
    assert "same emails.primaryEmail as record #0" in err.failures[0].reason
    assert err.succeeded == 2
    assert len(err.results) == 2
    assert batch_requests(emulator) == 1


def _with_bad_records() -> tuple[list[dict[str, Any]], dict[int, str]]:
    """400 people, 3 with invalid emails and 1 with a companyId that points nowhere."""
    rows = [person(i) for i in range(400)]
    bad = {
        17: "Invalid string value",
        150: "Invalid string value",
        233: "Invalid string value",
        391: "foreign key constraint",
    }
    rows[17]["emails"] = {"primaryEmail": "bob@"}
    rows[150]["emails"] = {"primaryEmail": "not an email"}
    rows[233]["emails"] = {"primaryEmail": "@nobody"}
    rows[391]["companyId"] = "00000000-0000-4000-8000-000000000001"
    return rows, bad


def test_a_refused_batch_is_bisected_so_the_good_records_land(
    twenty: TwentyClient, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    rows, bad = _with_bad_records()
    with caplog.at_level(logging.INFO, logger="twenty_sdk"), pytest.raises(BatchError) as caught:
        twenty.people.upsert_many(rows)
    err = caught.value

    assert sorted(f.index for f in err.failures) == sorted(bad)
    for failure in err.failures:
        assert bad[failure.index] in failure.reason
        assert failure.record is rows[failure.index]
    assert err.succeeded == 396
    assert len(err.results) == 396
    assert err.complete
    assert twenty.people.count() == 396
    assert str(err).startswith("4 record(s) failed, 396 succeeded; first: #17: Invalid string value 'bob@'")

    requests = batch_requests(emulator)
    summary = [r.getMessage() for r in caplog.records if "record(s) failed" in r.getMessage()]
    assert len(summary) == 1
    expected = rf"upsert people: 4 record\(s\) failed, 396 landed, in {requests} request\(s\) \(\d+ refused batches "
    assert re.match(expected, summary[0]), summary[0]
    print(f"bisection: 400 records, 4 bad: {requests} requests (bound {4 * BISECTION_BOUND_PER_BAD_RECORD})")
    assert requests <= len(bad) * BISECTION_BOUND_PER_BAD_RECORD


def test_one_bad_record_in_a_full_batch_costs_at_most_17_requests(twenty: TwentyClient, emulator: Emulator) -> None:
    for position in (0, 99, 100, 199):
        emulator.reset_counts()
        rows = [person(1000 * position + i) for i in range(200)]
        rows[position]["emails"] = {"primaryEmail": "broken@"}
        with pytest.raises(BatchError) as caught:
            twenty.people.upsert_many(rows)
        assert [f.index for f in caught.value.failures] == [position]
        assert batch_requests(emulator) <= 1 + 2 * math.ceil(math.log2(200))


def test_the_api_key_never_shows_in_a_batch_error(twenty: TwentyClient) -> None:
    rows = [person(1), {"emails": {"primaryEmail": f"{API_KEY}@"}}]  # Twenty echoes the invalid value
    with pytest.raises(BatchError) as caught:
        twenty.people.upsert_many(rows)
    err = caught.value
    assert err.failures[0].index == 1
    assert "[redacted]" in err.failures[0].reason
    for text in (str(err), repr(err), repr(err.failures), err.failures[0].reason):
        assert API_KEY not in text


def test_a_nul_byte_is_refused_before_sending(twenty: TwentyClient, emulator: Emulator) -> None:
    rows = [person(1), person(2, jobTitle="bad\x00title")]
    with pytest.raises(BatchError) as caught:
        twenty.people.upsert_many(rows)
    assert [f.index for f in caught.value.failures] == [1]
    assert "NUL byte" in caught.value.failures[0].reason
    assert batch_requests(emulator) == 1  # the good record only, no 500 and no bisection


def test_too_many_failures_stop_the_operation(twenty: TwentyClient, emulator: Emulator) -> None:
    rows = [{"emails": {"primaryEmail": f"broken{i}@"}} for i in range(64)]
    with pytest.raises(BatchError) as caught:
        twenty.people.upsert_many(rows, max_failures=3)
    err = caught.value
    assert not err.complete
    assert len(err.failures) == 4
    assert "stopped early" in str(err)
    assert batch_requests(emulator) < 64


def test_a_400_about_the_whole_request_is_raised_as_it_is(twenty: TwentyClient, emulator: Emulator) -> None:
    with pytest.raises(BadRequestError, match="object 'nothings' not found"):
        twenty.records("nothings").upsert_many([{"name": "a"}, {"name": "b"}])
    assert batch_requests(emulator) == 1


def _flaky(status_first: int) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A server that fails the first request with ``status_first``, then stores the batch."""
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if len(requests) == 1:
            return httpx.Response(status_first, json={"statusCode": status_first, "messages": ["flaky"]})
        rows = json.loads(request.content)
        return httpx.Response(
            201, json={"data": {"createPeople": [{"id": f"id-{i}", **r} for i, r in enumerate(rows)]}}
        )

    return httpx.MockTransport(answer), requests


def test_an_upsert_batch_is_retried_after_a_503() -> None:
    mock, requests = _flaky(503)
    with TwentyClient("http://flaky.local", API_KEY, transport=mock, rate_limit=NO_PACING, retry=QUICK_RETRY) as tw:
        stored = tw.records("people").upsert_many([person(1), person(2)])
    assert len(requests) == 2
    assert [r["id"] for r in stored] == ["id-0", "id-1"]
    assert requests[1].url.params["upsert"] == "true"


def test_a_create_batch_without_ids_is_not_retried_after_a_503() -> None:
    mock, requests = _flaky(503)
    with (
        TwentyClient("http://flaky.local", API_KEY, transport=mock, rate_limit=NO_PACING, retry=QUICK_RETRY) as tw,
        pytest.raises(InternalServerError),
    ):
        tw.records("people").create_many([person(1)])
    assert len(requests) == 1


def test_a_create_batch_with_client_ids_is_retried_after_a_503() -> None:
    mock, requests = _flaky(503)
    with TwentyClient("http://flaky.local", API_KEY, transport=mock, rate_limit=NO_PACING, retry=QUICK_RETRY) as tw:
        tw.records("people").create_many([person(1, id="6f1c1a52-3c1b-4a8e-9d3e-0b1d2c3e4f51")])
    assert len(requests) == 2


def test_batch_size_can_be_lowered_but_not_raised_past_200(twenty: TwentyClient, emulator: Emulator) -> None:
    twenty.people.upsert_many([person(i) for i in range(100)], batch_size=25)
    assert batch_requests(emulator) == 4
    with pytest.raises(ValueError, match="between 1 and 200"):
        twenty.people.upsert_many([person(1)], batch_size=201)


def test_the_input_is_read_one_batch_at_a_time(twenty: TwentyClient, emulator: Emulator) -> None:
    sent_before: list[int] = []

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(500):
            sent_before.append(batch_requests(emulator))
            yield person(i)

    twenty.people.upsert_many(rows())
    # Record 200 is read only after the first 200 were sent, record 400 after the next 200: one chunk in memory.
    assert sent_before[199] == 0
    assert sent_before[200] == 1
    assert sent_before[400] == 2
    assert batch_requests(emulator) == 3


def test_an_empty_input_sends_nothing(twenty: TwentyClient, emulator: Emulator) -> None:
    assert twenty.people.upsert_many([]) == []
    assert twenty.people.create_many(iter(())) == []
    assert batch_requests(emulator) == 0


def test_a_refusal_naming_its_value_costs_one_request_per_bad_record(twenty: TwentyClient, emulator: Emulator) -> None:
    rows = [person(i) for i in range(200)]
    for position, email in ((3, "bob@"), (77, "not an email"), (150, "@nobody")):
        rows[position]["emails"] = {"primaryEmail": email}

    with pytest.raises(BatchError) as caught:
        twenty.people.upsert_many(rows)

    assert [f.index for f in caught.value.failures] == [3, 77, 150]
    assert caught.value.succeeded == 197
    assert batch_requests(emulator) == 1 + 3  # the batch, then the rest again after each named record


def test_records_sharing_the_named_value_all_fail_at_once(twenty: TwentyClient, emulator: Emulator) -> None:
    rows = [person(i) for i in range(10)]
    rows[2]["phones"] = {"primaryPhoneNumber": "n/a"}
    rows[8]["phones"] = {"primaryPhoneNumber": "n/a"}

    with pytest.raises(BatchError) as caught:
        twenty.people.upsert_many(rows)

    assert [f.index for f in caught.value.failures] == [2, 8]
    assert caught.value.failures[0].reason.startswith("Provided phone number is invalid n/a")
    assert batch_requests(emulator) == 2


def test_a_refusal_naming_a_value_no_record_holds_falls_back_to_bisection(
    twenty: TwentyClient, emulator: Emulator
) -> None:
    rows = [person(i) for i in range(8)]
    rows[5]["companyId"] = "00000000-0000-4000-8000-000000000001"  # the message names a constraint, no value

    with pytest.raises(BatchError) as caught:
        twenty.people.upsert_many(rows)

    assert [f.index for f in caught.value.failures] == [5]
    assert batch_requests(emulator) > 2


@pytest.mark.parametrize(
    ("message", "payload", "named"),
    [
        (
            "Invalid string value 'bob@' for email field \"emails.primaryEmail\"",
            {"emails": {"primaryEmail": "bob@"}},
            True,
        ),
        ("Invalid string value 'bob@' for email field \"emails.primaryEmail\"", {"jobTitle": "bob@"}, False),
        ("Invalid string value 'it\\'s' for text field \"jobTitle\"", {"jobTitle": "it's"}, True),
        ('Invalid string value 12 for text field "jobTitle"', {"jobTitle": 12}, True),
        ('Invalid string value 12 for text field "jobTitle"', {"jobTitle": "12"}, False),
        (
            "Invalid string value 'x@' for email field \"emails.additionalEmails\"",
            {"emails": {"additionalEmails": ["a@b.co", "x@"]}},
            True,
        ),
        ("Provided phone number is invalid 12", {"phones": {"additionalPhones": [{"number": "12"}]}}, True),
        ("The URL of the link is not valid", {"domainName": {"primaryLinkUrl": "n/a"}}, False),
    ],
)
def test_named_in_finds_the_records_holding_the_value_twenty_names(
    message: str, payload: dict[str, Any], named: bool
) -> None:
    from twenty_sdk._batching import Item, named_in

    error = BadRequestError(400, [message])
    items = [Item([0], [payload], payload, ()), Item([1], [{}], {"jobTitle": "fine"}, ())]

    assert [i.indexes[0] for i in named_in(error, items)] == ([0] if named else [])


def test_upsert_results_follow_the_input_although_twenty_answers_updates_first(twenty: TwentyClient) -> None:
    """Twenty answers a batch upsert with the rows it updated first, then those it inserted (recorded: p09): the
    results are paired with the input by their keys, not by position."""
    twenty.people.create({"name": {"firstName": "Old"}, "emails": {"primaryEmail": "old@order.test"}})
    rows = [
        {"name": {"firstName": "New 1"}, "emails": {"primaryEmail": "new1@order.test"}},
        {"name": {"firstName": "Old again"}, "emails": {"primaryEmail": "old@order.test"}},
        {"name": {"firstName": "Keyless"}},
    ]
    results = twenty.people.upsert_many(rows)
    assert [p.name.first_name for p in results] == ["New 1", "Old again", "Keyless"]
