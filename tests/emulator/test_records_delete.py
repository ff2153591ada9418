"""Deleting and restoring records, and the guards on bulk writes: hard destroy by default, ``soft_delete=true``
sets ``deletedAt``, restore-many clears it, delete-many needs a filter, update-many changes at most 200 rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .conftest import Api

P1 = "c0000099-0000-4000-a000-000000000001"
P2 = "c0000099-0000-4000-a000-000000000002"
NOT_FOUND = {"statusCode": 404, "error": "NotFoundException", "messages": ["Record not found"]}
DESTROY_NEEDS_FILTER = (
    "Filters are mandatory for bulk destroy operations. "
    "Please provide at least one filter to prevent accidental deletion of all records."
)
SOFT_DELETE_NEEDS_FILTER = DESTROY_NEEDS_FILTER.replace("destroy", "delete")
TOO_MANY_TO_UPDATE = {
    "statusCode": 400,
    "error": "Error",
    "messages": ["Cannot update more than 200 records at once"],
    "code": "TOO_MANY_RECORDS_TO_UPDATE",
}


def _person(api: Api, record_id: str = P1, **body: Any) -> dict[str, Any]:
    return dict(api.ok("POST", "/rest/people", {"id": record_id, **body})["data"]["createPerson"])


def _people(api: Api, n: int, **body: Any) -> list[str]:
    ids: list[str] = []
    for start in range(0, n, 200):
        ids += [p["id"] for p in api.batch("people", [dict(body) for _ in range(min(200, n - start))])]
    return ids


# -- one record --------------------------------------------------------------------------------------------------------


def test_delete_destroys_by_default(api: Api) -> None:
    _person(api)
    assert api.ok("DELETE", f"/rest/people/{P1}") == {"data": {"deletePerson": {"id": P1}}}
    assert api.fail("GET", f"/rest/people/{P1}", status=404) == NOT_FOUND
    assert api.count(filter="deletedAt[is]:NOT_NULL") == 0


def test_soft_delete_sets_deleted_at_and_hides_the_record(api: Api) -> None:
    _person(api)
    deleted = api.ok("DELETE", f"/rest/people/{P1}", soft_delete="true")["data"]["deletePerson"]
    assert deleted["id"] == P1
    assert isinstance(deleted["deletedAt"], str)
    assert api.fail("GET", f"/rest/people/{P1}", status=404) == NOT_FOUND
    assert api.count() == 0


def test_soft_deleted_records_are_listed_when_the_filter_names_deleted_at(api: Api) -> None:
    _person(api)
    _person(api, P2)
    api.ok("DELETE", f"/rest/people/{P1}", soft_delete="true")
    listed = api.ok("GET", "/rest/people", filter="deletedAt[is]:NOT_NULL")["data"]["people"]
    assert [p["id"] for p in listed] == [P1]


def test_soft_deleting_twice_is_not_found(api: Api) -> None:
    _person(api)
    api.ok("DELETE", f"/rest/people/{P1}", soft_delete="true")
    assert api.fail("DELETE", f"/rest/people/{P1}", status=404, soft_delete="true") == NOT_FOUND


def test_a_soft_deleted_record_can_be_destroyed(api: Api) -> None:
    _person(api)
    api.ok("DELETE", f"/rest/people/{P1}", soft_delete="true")
    assert api.ok("DELETE", f"/rest/people/{P1}") == {"data": {"deletePerson": {"id": P1}}}
    assert api.count(filter="deletedAt[is]:NOT_NULL") == 0


def test_deleting_an_unknown_id_is_not_found(api: Api) -> None:
    assert api.fail("DELETE", f"/rest/people/{P1}", status=404) == NOT_FOUND


def test_patching_a_soft_deleted_record_changes_it_and_it_stays_deleted(api: Api) -> None:
    _person(api)
    api.ok("DELETE", f"/rest/people/{P1}", soft_delete="true")
    updated = api.ok("PATCH", f"/rest/people/{P1}", {"jobTitle": "Ghost"})["data"]["updatePerson"]
    assert updated["jobTitle"] == "Ghost"
    assert updated["deletedAt"] is not None


def test_restore_many_clears_deleted_at(api: Api) -> None:
    _person(api, jobTitle="Back")
    api.ok("DELETE", f"/rest/people/{P1}", soft_delete="true")
    restored = api.ok("PATCH", "/rest/restore/people", filter=f"id[eq]:{P1}")["data"]["restorePeople"]
    assert [(p["id"], p["deletedAt"], p["jobTitle"]) for p in restored] == [(P1, None, "Back")]
    assert api.ok("GET", f"/rest/people/{P1}")["data"]["person"]["deletedAt"] is None


def test_restoring_a_live_record_answers_it(api: Api) -> None:
    _person(api)
    restored = api.ok("PATCH", "/rest/restore/people", filter=f"id[eq]:{P1}")["data"]["restorePeople"]
    assert [p["id"] for p in restored] == [P1]


def test_restore_many_without_a_filter_restores_everything(api: Api) -> None:
    ids = _people(api, 3)
    api.ok("DELETE", "/rest/people", soft_delete="true", filter='jobTitle[eq]:""')
    assert api.count() == 0
    restored = api.ok("PATCH", "/rest/restore/people")["data"]["restorePeople"]
    assert sorted(p["id"] for p in restored) == sorted(ids)
    assert api.count() == 3


def test_restore_by_id_path_answers_twentys_400(api: Api) -> None:
    _person(api)
    answer = api.fail("PATCH", f"/rest/restore/people/{P1}")
    examples = "/rest/companies/id or /rest/companies or /rest/batch/companies"  # as recorded (p02)
    assert answer["messages"] == [f"Query path '/rest/restore/people/{P1}' invalid. Valid examples: {examples}"]


# -- many records ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("soft", "message"), [(False, DESTROY_NEEDS_FILTER), (True, SOFT_DELETE_NEEDS_FILTER)])
def test_delete_many_without_a_filter_is_refused_and_deletes_nothing(api: Api, soft: bool, message: str) -> None:
    _people(api, 3)
    params = {"soft_delete": "true"} if soft else {}
    assert api.fail("DELETE", "/rest/people", **params)["messages"] == [message]
    assert api.count() == 3


def test_delete_many_is_not_capped(api: Api) -> None:
    _people(api, 250, jobTitle="Gone")
    _people(api, 2, jobTitle="Kept")
    deleted = api.ok("DELETE", "/rest/people", filter="jobTitle[eq]:Gone")["data"]["deletePeople"]
    assert len(deleted) == 250
    assert api.count() == 2


def test_soft_delete_many_hides_only_the_matching_rows(api: Api) -> None:
    gone = _people(api, 3, jobTitle="Gone")
    _people(api, 2, jobTitle="Kept")
    deleted = api.ok("DELETE", "/rest/people", soft_delete="true", filter="jobTitle[eq]:Gone")["data"]["deletePeople"]
    assert sorted(p["id"] for p in deleted) == sorted(gone)
    assert all(p["deletedAt"] is not None for p in deleted)
    assert api.count() == 2


def test_update_many_changes_the_matching_rows(api: Api) -> None:
    ids = _people(api, 3, jobTitle="Old")
    _people(api, 2, jobTitle="Other")
    updated = api.ok("PATCH", "/rest/people", {"jobTitle": "New"}, filter="jobTitle[eq]:Old")["data"]["updatePeople"]
    assert sorted((p["id"], p["jobTitle"]) for p in updated) == sorted((i, "New") for i in ids)
    assert api.count(filter="jobTitle[eq]:New") == 3


def test_update_many_of_exactly_200_rows_goes_through(api: Api) -> None:
    _people(api, 200)
    assert len(api.ok("PATCH", "/rest/people", {"jobTitle": "All"})["data"]["updatePeople"]) == 200


@pytest.mark.parametrize("params", [{}, {"filter": "jobTitle[eq]:Many"}])
def test_update_many_over_200_rows_is_refused_and_changes_nothing(api: Api, params: dict[str, str]) -> None:
    _people(api, 201, jobTitle="Many")
    assert api.fail("PATCH", "/rest/people", {"jobTitle": "Changed"}, **params) == TOO_MANY_TO_UPDATE
    assert api.count(filter="jobTitle[eq]:Changed") == 0


def test_update_many_counts_soft_deleted_rows_against_the_cap(api: Api) -> None:
    ids = _people(api, 201)
    api.ok("DELETE", f"/rest/people/{ids[0]}", soft_delete="true")
    assert api.fail("PATCH", "/rest/people", {"jobTitle": "Changed"}) == TOO_MANY_TO_UPDATE


def test_hard_deleting_a_company_unlinks_its_people(api: Api) -> None:
    company = api.ok("POST", "/rest/companies", {"name": "Acme"})["data"]["createCompany"]["id"]
    _person(api, companyId=company)
    api.ok("DELETE", f"/rest/companies/{company}")
    assert api.ok("GET", f"/rest/people/{P1}")["data"]["person"]["companyId"] is None
