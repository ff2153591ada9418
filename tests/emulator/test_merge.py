"""``PATCH /rest/<object>/merge``: records merged into the one at ``conflictPriorityIndex`` with Twenty 2.21.0's
conflict rules; the others destroyed, relations pointing at them moved to the survivor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .conftest import Api

P1 = "c0000097-0000-4000-a000-000000000001"
P2 = "c0000097-0000-4000-a000-000000000002"
P3 = "c0000097-0000-4000-a000-000000000003"
C1 = "c0000097-0000-4000-b000-000000000001"
C2 = "c0000097-0000-4000-b000-000000000002"


def _merge(api: Api, ids: list[str], index: int, plural: str = "people", **body: Any) -> dict[str, Any]:
    key = {"people": "mergePerson", "companies": "mergeCompany"}[plural]
    answer = api.ok("PATCH", f"/rest/{plural}/merge", {"ids": ids, "conflictPriorityIndex": index, **body})
    assert list(answer["data"]) == [key]
    return dict(answer["data"][key])


def _two_adas(api: Api) -> None:
    api.batch(
        "people",
        [
            {
                "id": P1,
                "name": {"firstName": "Ada", "lastName": "Lovelace"},
                "emails": {"primaryEmail": "ada@x.test", "additionalEmails": ["a2@x.test"]},
                "jobTitle": "",
            },
            {
                "id": P2,
                "name": {"firstName": "Augusta", "lastName": "King"},
                "emails": {"primaryEmail": "augusta@x.test"},
                "jobTitle": "Countess",
            },
        ],
    )


def test_priority_values_win_and_empty_ones_are_filled_from_the_others(api: Api) -> None:
    _two_adas(api)
    merged = _merge(api, [P1, P2], 0)
    assert merged["id"] == P1
    assert merged["name"] == {"firstName": "Ada", "lastName": "Lovelace"}
    assert merged["jobTitle"] == "Countess"


def test_emails_keep_the_priority_primary_and_gather_the_rest(api: Api) -> None:
    _two_adas(api)
    merged = _merge(api, [P1, P2], 1)
    assert merged["id"] == P2
    assert merged["emails"] == {"primaryEmail": "augusta@x.test", "additionalEmails": ["ada@x.test", "a2@x.test"]}


def test_the_other_records_are_destroyed(api: Api) -> None:
    _two_adas(api)
    _merge(api, [P1, P2], 0)
    assert api.fail("GET", f"/rest/people/{P2}", status=404)["messages"] == ["Record not found"]
    assert api.count() == 1
    assert api.count(filter="deletedAt[is]:NOT_NULL") == 0


def test_relations_to_merged_away_records_move_to_the_survivor(api: Api) -> None:
    api.batch("companies", [{"id": C1, "name": "Acme"}, {"id": C2, "name": "Acme Inc"}])
    api.batch("people", [{"id": P1, "companyId": C1}, {"id": P2, "companyId": C2}])
    _merge(api, [C1, C2], 0, "companies")
    people = api.ok("GET", "/rest/people", order_by="id")["data"]["people"]
    assert [p["companyId"] for p in people] == [C1, C1]


def test_dry_run_changes_nothing_and_previews_with_a_new_id(api: Api) -> None:
    _two_adas(api)
    preview = _merge(api, [P1, P2], 0, dryRun=True)
    assert preview["id"] not in (P1, P2)
    assert preview["deletedAt"] is not None
    assert preview["jobTitle"] == "Countess"
    assert api.count() == 2
    assert api.ok("GET", f"/rest/people/{P1}")["data"]["person"]["jobTitle"] == ""


def test_depth_one_embeds_relations(api: Api) -> None:
    _two_adas(api)
    answer = api.ok("PATCH", "/rest/people/merge", {"ids": [P1, P2], "conflictPriorityIndex": 0}, depth="1")
    assert answer["data"]["mergePerson"]["company"] is None


def test_fewer_than_two_ids_are_refused(api: Api) -> None:
    answer = api.fail("PATCH", "/rest/people/merge", {"ids": [P1], "conflictPriorityIndex": 0})
    assert answer["error"] == "BadRequestException"  # as recorded (p04), with no code
    assert "code" not in answer
    assert answer["messages"] == ["At least 2 record IDs are required for merge"]


def test_merge_is_a_patch_route(api: Api) -> None:
    answer = api.fail("POST", "/rest/people/merge", {"ids": [P1, P2], "conflictPriorityIndex": 0}, status=404)
    assert answer["message"] == "Cannot POST /rest/people/merge"


def test_more_than_nine_ids_are_refused(api: Api) -> None:
    ids = [f"c0000097-0000-4000-a000-0000000000{i:02d}" for i in range(10)]
    answer = api.fail("PATCH", "/rest/people/merge", {"ids": ids, "conflictPriorityIndex": 0})
    assert answer["messages"] == ["Maximum 9 records can be merged at once"]


def test_an_out_of_range_priority_is_refused(api: Api) -> None:
    answer = api.fail("PATCH", "/rest/people/merge", {"ids": [P1, P2], "conflictPriorityIndex": 2})
    assert answer["messages"] == ["Invalid conflict priority '2'. Valid options for 2 records: 0-1"]


def test_a_missing_record_answers_404(api: Api) -> None:
    _two_adas(api)
    answer = api.fail("PATCH", "/rest/people/merge", {"ids": [P1, P3], "conflictPriorityIndex": 0}, status=404)
    assert answer == {"statusCode": 404, "error": "NotFoundException", "messages": ["Record not found"]}
    assert api.count() == 2


def test_an_object_without_duplicate_criteria_cannot_merge(api: Api) -> None:
    answer = api.fail("PATCH", "/rest/opportunities/merge", {"ids": [P1, P2], "conflictPriorityIndex": 0})
    assert answer["messages"] == [
        "Merge is only available for objects with duplicate criteria. "
        "Object 'opportunity' does not have duplicate criteria defined."
    ]


def test_links_keep_the_priority_primary_and_gather_the_others_as_secondary(api: Api) -> None:
    api.batch(
        "companies",
        [
            {"id": C1, "name": "Acme", "domainName": {"primaryLinkUrl": "https://acme.test"}},
            {"id": C2, "name": "Acme Inc", "domainName": {"primaryLinkUrl": "https://acme-inc.test"}},
        ],
    )
    merged = _merge(api, [C1, C2], 0, "companies")
    assert merged["domainName"]["primaryLinkUrl"] == "https://acme.test"
    assert merged["domainName"]["secondaryLinks"] == [{"url": "https://acme-inc.test", "label": ""}]


def test_array_values_are_united(api: Api) -> None:
    objects = api.ok("GET", "/rest/metadata/objects")["data"]["objects"]
    company = next(o["id"] for o in objects if o["nameSingular"] == "company")
    api.ok(
        "POST", "/rest/metadata/fields", {"objectMetadataId": company, "type": "ARRAY", "name": "tags", "label": "Tags"}
    )
    api.batch(
        "companies", [{"id": C1, "name": "Acme", "tags": ["a", "b"]}, {"id": C2, "name": "Acme", "tags": ["c", "a"]}]
    )
    assert _merge(api, [C1, C2], 1, "companies")["tags"] == ["a", "b", "c"]  # in ids order, not priority first


def test_a_primary_email_is_taken_from_a_merged_away_record(api: Api) -> None:
    api.batch("people", [{"id": P1, "jobTitle": "No email"}, {"id": P2, "emails": {"primaryEmail": "b@x.test"}}])
    merged = _merge(api, [P1, P2], 0)
    assert (merged["id"], merged["jobTitle"], merged["emails"]["primaryEmail"]) == (P1, "No email", "b@x.test")
