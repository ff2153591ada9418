"""Batch create: at most 200 records, and all or nothing — a failing batch writes no row, whatever failed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .conftest import Api

MISSING = "c0000099-0000-4000-a000-0000000000ff"
TOO_MANY = {
    "statusCode": 400,
    "error": "BadRequestException",
    "messages": ["Maximum number of records to upsert is 200."],
}
DUPLICATE = {"statusCode": 400, "error": "BadRequestException", "messages": ["A duplicate entry was detected"]}


def _people(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"emails": {"primaryEmail": f"p{i}@batch.test"}} for i in range(start, start + n)]


def test_a_batch_of_200_is_created_in_input_order(api: Api) -> None:
    created = api.batch("people", _people(200))
    assert [p["emails"]["primaryEmail"] for p in created] == [f"p{i}@batch.test" for i in range(200)]
    assert api.count() == 200


@pytest.mark.parametrize("upsert", [False, True])
def test_a_batch_of_201_is_refused_and_writes_nothing(api: Api, upsert: bool) -> None:
    params = {"upsert": "true"} if upsert else {}
    assert api.fail("POST", "/rest/batch/people", _people(201), **params) == TOO_MANY
    assert api.count() == 0


def test_an_empty_batch_answers_an_empty_list(api: Api) -> None:
    assert api.ok("POST", "/rest/batch/people", []) == {"data": {"createPeople": []}}


def test_an_object_posted_to_batch_is_refused_with_nodes_type_error(api: Api) -> None:
    answer = api.fail("POST", "/rest/batch/people", {"name": {"firstName": "Ada"}})
    assert answer == {"statusCode": 400, "error": "TypeError", "messages": ["args.data.forEach is not a function"]}


def test_one_bad_email_fails_the_whole_batch(api: Api) -> None:
    rows = [*_people(5), {"emails": {"primaryEmail": "bob@"}}, *_people(5, start=5)]
    answer = api.fail("POST", "/rest/batch/people", rows)
    assert answer["messages"] == ["Invalid string value 'bob@' for email field \"emails.primaryEmail\""]
    assert api.count() == 0


def test_one_dangling_company_id_fails_the_whole_batch(api: Api) -> None:
    rows = [*_people(5), {"companyId": MISSING}]
    answer = api.fail("POST", "/rest/batch/people", rows)
    assert answer["messages"][0].startswith('insert or update on table "person" violates foreign key constraint "FK_')
    assert api.count() == 0


def test_a_dangling_company_id_in_an_upsert_that_updates_writes_nothing(api: Api) -> None:
    api.batch("people", [{"emails": {"primaryEmail": "kept@batch.test"}, "jobTitle": "before"}])
    rows = [
        {"emails": {"primaryEmail": "kept@batch.test"}, "jobTitle": "after"},
        {"emails": {"primaryEmail": "new@batch.test"}, "companyId": MISSING},
    ]
    api.fail("POST", "/rest/batch/people", rows, upsert="true")
    people = api.ok("GET", "/rest/people")["data"]["people"]
    assert [(p["emails"]["primaryEmail"], p["jobTitle"]) for p in people] == [("kept@batch.test", "before")]


@pytest.mark.parametrize("upsert", [False, True])
def test_a_duplicate_email_inside_the_batch_fails_it_whole(api: Api, upsert: bool) -> None:
    rows = [*_people(3), {"emails": {"primaryEmail": "P1@Batch.test"}}]
    params = {"upsert": "true"} if upsert else {}
    assert api.fail("POST", "/rest/batch/people", rows, **params) == DUPLICATE
    assert api.count() == 0


@pytest.mark.parametrize("upsert", [False, True])
def test_a_duplicate_id_inside_the_batch_fails_it_whole(api: Api, upsert: bool) -> None:
    same = "c0000099-0000-4000-a000-000000000001"
    params = {"upsert": "true"} if upsert else {}
    assert api.fail("POST", "/rest/batch/people", [{"id": same}, {}, {"id": same.upper()}], **params) == DUPLICATE
    assert api.count() == 0


def test_a_duplicate_domain_inside_the_batch_fails_it_whole(api: Api) -> None:
    rows = [
        {"domainName": {"primaryLinkUrl": "https://Acme.test/"}},
        {"domainName": {"primaryLinkUrl": "https://acme.test"}},
    ]
    assert api.fail("POST", "/rest/batch/companies", rows) == DUPLICATE
    assert api.count("companies") == 0


def test_a_stored_email_fails_a_plain_batch_create_whole(api: Api) -> None:
    api.batch("people", _people(1))
    assert api.fail("POST", "/rest/batch/people", [*_people(3, start=10), *_people(1)]) == DUPLICATE
    assert api.count() == 1


def test_a_soft_deleted_row_still_holds_its_email_against_plain_creates(api: Api) -> None:
    pid = api.batch("people", _people(1))[0]["id"]
    api.ok("DELETE", f"/rest/people/{pid}", soft_delete="true")
    assert api.fail("POST", "/rest/people", _people(1)[0]) == DUPLICATE


def test_empty_emails_may_repeat(api: Api) -> None:
    created = api.batch("people", [{"emails": {"primaryEmail": ""}}, {}, {"emails": {"primaryEmail": ""}}])
    assert len({p["id"] for p in created}) == 3
