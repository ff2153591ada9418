"""Upsert (``?upsert=true``) on the standard workspace: matches on id and on unique fields (person email, company
domain), updates only the fields sent, restores soft-deleted matches, and answers once per stored row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .conftest import Api

P1 = "c0000099-0000-4000-a000-000000000001"
P2 = "c0000099-0000-4000-a000-000000000002"
P3 = "c0000099-0000-4000-a000-000000000003"


def _upsert_one(api: Api, body: dict[str, Any], plural: str = "people") -> dict[str, Any]:
    key = {"people": "createPerson", "companies": "createCompany"}[plural]
    return dict(api.ok("POST", f"/rest/{plural}", body, upsert="true")["data"][key])


def _ada(api: Api) -> dict[str, Any]:
    body = {"id": P1, "name": {"firstName": "Ada", "lastName": "Lovelace"}, "emails": {"primaryEmail": "ada@x.test"}}
    return dict(api.ok("POST", "/rest/people", {**body, "jobTitle": "Engineer"})["data"]["createPerson"])


def test_upsert_without_a_match_inserts(api: Api) -> None:
    person = _upsert_one(api, {"id": P1, "jobTitle": "New"})
    assert (person["id"], person["jobTitle"]) == (P1, "New")
    assert api.count() == 1


def test_upsert_by_id_updates_only_the_fields_sent(api: Api) -> None:
    before = _ada(api)
    after = _upsert_one(api, {"id": P1, "jobTitle": "Boss"})
    assert after["jobTitle"] == "Boss"
    changed = ("jobTitle", "updatedAt", "searchVector")
    assert {k: v for k, v in after.items() if k not in changed} == {k: v for k, v in before.items() if k not in changed}
    assert api.count() == 1


def test_upsert_by_email_matches_whatever_the_case_and_keeps_the_stored_id(api: Api) -> None:
    _ada(api)
    person = _upsert_one(api, {"id": P2, "emails": {"primaryEmail": "ADA@X.Test"}, "jobTitle": "Boss"})
    assert (person["id"], person["emails"]["primaryEmail"], person["jobTitle"]) == (P1, "ada@x.test", "Boss")
    assert api.count() == 1


def test_upsert_by_domain_matches_the_normalised_link(api: Api) -> None:
    first = _upsert_one(api, {"name": "Acme", "domainName": {"primaryLinkUrl": "https://Acme.test/"}}, "companies")
    again = _upsert_one(api, {"name": "Acme Inc", "domainName": {"primaryLinkUrl": "https://acme.test"}}, "companies")
    assert again["id"] == first["id"]
    assert (again["name"], again["domainName"]["primaryLinkUrl"]) == ("Acme Inc", "https://acme.test")
    assert api.count("companies") == 1


def test_a_domain_without_scheme_is_a_different_domain(api: Api) -> None:
    _upsert_one(api, {"domainName": {"primaryLinkUrl": "https://acme.test"}}, "companies")
    other = _upsert_one(api, {"domainName": {"primaryLinkUrl": "acme.test"}}, "companies")
    assert other["domainName"]["primaryLinkUrl"] == "acme.test"
    assert api.count("companies") == 2


def test_upsert_restores_a_soft_deleted_match(api: Api) -> None:
    _ada(api)
    api.ok("DELETE", f"/rest/people/{P1}", soft_delete="true")
    person = _upsert_one(api, {"emails": {"primaryEmail": "ada@x.test"}, "jobTitle": "Back"})
    assert (person["id"], person["deletedAt"], person["jobTitle"]) == (P1, None, "Back")
    assert api.ok("GET", f"/rest/people/{P1}")["data"]["person"]["jobTitle"] == "Back"


def test_a_partial_composite_keeps_the_other_sub_fields(api: Api) -> None:
    _ada(api)
    person = _upsert_one(api, {"id": P1, "name": {"firstName": "Augusta"}})
    assert person["name"] == {"firstName": "Augusta", "lastName": "Lovelace"}
    assert person["emails"] == {"primaryEmail": "ada@x.test", "additionalEmails": []}


def test_two_inputs_matching_one_stored_row_answer_once_and_the_last_wins(api: Api) -> None:
    _ada(api)
    rows = [
        {"emails": {"primaryEmail": "ada@x.test"}, "jobTitle": "First"},
        {"id": P1, "jobTitle": "Second"},
    ]
    answer = api.batch("people", rows, upsert=True)
    assert [(p["id"], p["jobTitle"]) for p in answer] == [(P1, "Second")]
    assert api.count() == 1


def test_two_inputs_with_the_same_stored_email_answer_once_and_the_last_wins(api: Api) -> None:
    _ada(api)
    rows = [
        {"emails": {"primaryEmail": "ada@x.test"}, "jobTitle": "One"},
        {"emails": {"primaryEmail": "ADA@x.test"}, "jobTitle": "Two"},
    ]
    answer = api.batch("people", rows, upsert=True)
    assert [(p["id"], p["jobTitle"]) for p in answer] == [(P1, "Two")]


def test_answers_list_updated_rows_first_then_inserted_ones(api: Api) -> None:
    _ada(api)
    rows = [{"id": P2}, {"emails": {"primaryEmail": "ada@x.test"}}, {"id": P3}]
    assert [p["id"] for p in api.batch("people", rows, upsert=True)] == [P1, P2, P3]  # as recorded (p09)


def test_one_input_matching_two_stored_rows_is_a_conflict(api: Api) -> None:
    _ada(api)
    api.ok("POST", "/rest/people", {"id": P2, "emails": {"primaryEmail": "bob@x.test"}})
    answer = api.fail("POST", "/rest/people", {"id": P2, "emails": {"primaryEmail": "ada@x.test"}}, upsert="true")
    assert answer == {  # as recorded (p08)
        "statusCode": 400,
        "error": "BadRequestException",
        "messages": [
            f"Multiple records found with the same unique field values for id (id: {P2}); emails "
            "(emails.primaryEmail: ada@x.test). Cannot determine which record to update."
        ],
    }
    assert api.ok("GET", f"/rest/people/{P2}")["data"]["person"]["emails"]["primaryEmail"] == "bob@x.test"


def test_upsert_onto_another_rows_email_is_a_duplicate_and_writes_nothing(api: Api) -> None:
    _ada(api)
    api.ok("POST", "/rest/people", {"id": P2, "emails": {"primaryEmail": "bob@x.test"}})
    rows = [
        {"id": P3},
        {"id": P2, "emails": {"primaryEmail": "carol@x.test"}},
        {"id": P1, "emails": {"primaryEmail": "carol@x.test"}},
    ]
    api.fail("POST", "/rest/batch/people", rows, upsert="true")
    assert api.count() == 2
    assert api.ok("GET", f"/rest/people/{P2}")["data"]["person"]["emails"]["primaryEmail"] == "bob@x.test"


def test_upsert_without_the_flag_is_a_plain_create(api: Api) -> None:
    _ada(api)
    answer = api.fail("POST", "/rest/people", {"emails": {"primaryEmail": "ada@x.test"}})
    assert answer["messages"] == ["A duplicate entry was detected"]
