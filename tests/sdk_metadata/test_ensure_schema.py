"""``Metadata.ensure_schema`` against the emulator: the seed's schema on a fresh standard workspace, idempotence,
dry runs, drift (reported, left alone unless allowed and safe), plan errors before any write, resuming after a
failure, and the report."""

from __future__ import annotations

import httpx
import pytest
from twenty_emulator import Emulator, FaultRule
from twenty_sync import SEED_SCHEMA

from twenty_sdk import (
    APIError,
    FieldSpec,
    Metadata,
    ObjectSpec,
    RelationSpec,
    SchemaError,
    SchemaItem,
    SchemaReport,
)

from .conftest import add_field, ok, raw_fields, raw_object, writes

REL = "contactBusinessRelationship"
PERSON_FIELDS = {
    "contactId": ("TEXT", True),
    "contactIdentifiers": ("RAW_JSON", False),
    "categoryCode": ("TEXT", False),
    "subcategoryCode": ("TEXT", False),
    "relationshipCategory": ("TEXT", False),
    "llmContext": ("TEXT", False),
    "communicationStats": ("RAW_JSON", False),
    "socialNetwork": ("RAW_JSON", False),
    "aiInsights": ("RAW_JSON", False),
    "recommendations": ("RAW_JSON", False),
    "syncMetadata": ("RAW_JSON", False),
}
COMPANY_FIELDS = {
    "businessId": ("TEXT", True),
    "industry": ("TEXT", False),
    "businessType": ("TEXT", False),
    "llmContext": ("TEXT", False),
    "businessData": ("RAW_JSON", False),
    "relationshipStats": ("RAW_JSON", False),
    "syncMetadata": ("RAW_JSON", False),
}
REL_FIELDS = {"relationshipId": ("TEXT", True), "contactRole": ("TEXT", False), "relationshipType": ("TEXT", False)}
SEED_ITEMS = (
    {f"person.{n}" for n in PERSON_FIELDS}
    | {f"company.{n}" for n in COMPANY_FIELDS}
    | {REL, *(f"{REL}.{n}" for n in REL_FIELDS), f"{REL}.person", f"{REL}.company"}
)
P1 = "c0000401-0000-4000-a000-000000000001"
C1 = "c0000401-0000-4000-a000-000000000002"
R1 = "c0000401-0000-4000-a000-000000000003"


def paths(items: tuple[SchemaItem, ...]) -> set[str]:
    return {item.path for item in items}


def standard_field_names(name: str) -> set[str]:
    obj = next(o for o in Emulator().workspace.objects if o.name_singular == name)
    return {f.name for f in obj.fields}


# -- the seed's schema on a fresh workspace ----------------------------------------------------------------------------


def test_a_fresh_workspace_gets_exactly_the_seed_schema(
    metadata: Metadata, emulator: Emulator, http: httpx.Client
) -> None:
    report = metadata.ensure_schema(SEED_SCHEMA)

    assert paths(report.created) == SEED_ITEMS
    assert paths(report.unchanged) == {"person", "company"}
    assert not report.drifted
    assert report.writes == 24
    assert writes(emulator) == {"POST /rest/metadata/objects": 1, "POST /rest/metadata/fields": 23}

    person = raw_fields(http, "person")
    added = set(person) - standard_field_names("person")
    assert added == {*PERSON_FIELDS, "contactBusinessRelationships"}
    for name, (type_, unique) in PERSON_FIELDS.items():
        assert (person[name]["type"], person[name]["isUnique"]) == (type_, unique), name
    company = raw_fields(http, "company")
    assert set(company) - standard_field_names("company") == {*COMPANY_FIELDS, "contactBusinessRelationships"}
    for name, (type_, unique) in COMPANY_FIELDS.items():
        assert (company[name]["type"], company[name]["isUnique"]) == (type_, unique), name

    rel = raw_object(http, REL)
    assert rel["namePlural"] == "contactBusinessRelationships"
    rel_fields = {f["name"]: f for f in rel["fields"]}
    for name, (type_, unique) in REL_FIELDS.items():
        assert (rel_fields[name]["type"], rel_fields[name]["isUnique"]) == (type_, unique), name
    assert rel_fields["person"]["settings"] == {
        "onDelete": "SET_NULL",
        "relationType": "MANY_TO_ONE",
        "joinColumnName": "personId",
    }
    assert rel_fields["company"]["settings"]["joinColumnName"] == "companyId"
    assert person["contactBusinessRelationships"]["settings"]["relationType"] == "ONE_TO_MANY"
    assert company["contactBusinessRelationships"]["type"] == "RELATION"


def test_records_can_be_written_with_the_new_fields_and_relations_work_both_ways(
    metadata: Metadata, http: httpx.Client
) -> None:
    metadata.ensure_schema(SEED_SCHEMA)
    stats = {"emails": 12, "channels": ["email", "phone"], "last": {"at": "2026-01-02"}}
    ok(
        http.post(
            "/rest/companies",
            json={
                "id": C1,
                "name": "Acme",
                "businessId": "B-1",
                "industry": "Software",
                "businessType": "SaaS",
                "businessData": {"employees": 40},
            },
        )
    )
    person = ok(
        http.post(
            "/rest/people",
            json={
                "id": P1,
                "name": {"firstName": "Ada"},
                "contactId": "C-1",
                "categoryCode": "CAT-A",
                "llmContext": "likes graphs",
                "communicationStats": stats,
                "syncMetadata": {"source": "warehouse", "batch": 1},
            },
        )
    )["data"]["createPerson"]
    assert person["contactId"] == "C-1"
    assert person["communicationStats"] == stats
    ok(
        http.post(
            "/rest/contactBusinessRelationships",
            json={
                "id": R1,
                "name": "Ada @ Acme",
                "relationshipId": "R-1",
                "contactRole": "CTO",
                "relationshipType": "employee",
                "personId": P1,
                "companyId": C1,
            },
        )
    )

    rel = ok(http.get(f"/rest/contactBusinessRelationships/{R1}", params={"depth": 1}))["data"][REL]
    assert (rel["personId"], rel["companyId"], rel["contactRole"]) == (P1, C1, "CTO")
    assert rel["person"]["id"] == P1
    assert rel["company"]["name"] == "Acme"
    by_person = ok(http.get("/rest/contactBusinessRelationships", params={"filter": f"personId[eq]:{P1}"}))
    assert [r["id"] for r in by_person["data"]["contactBusinessRelationships"]] == [R1]
    back = ok(http.get(f"/rest/people/{P1}", params={"depth": 1}))["data"]["person"]
    assert [r["id"] for r in back["contactBusinessRelationships"]] == [R1]
    company = ok(http.get(f"/rest/companies/{C1}", params={"depth": 1}))["data"]["company"]
    assert [r["id"] for r in company["contactBusinessRelationships"]] == [R1]


def test_the_unique_external_keys_make_upserts_repeatable(metadata: Metadata, http: httpx.Client) -> None:
    metadata.ensure_schema(SEED_SCHEMA)
    rows = [{"contactId": f"C-{i}", "categoryCode": "A"} for i in range(3)]
    first = ok(http.post("/rest/batch/people", params={"upsert": "true"}, json=rows))["data"]["createPeople"]
    again = [{**row, "categoryCode": "B"} for row in rows]
    second = ok(http.post("/rest/batch/people", params={"upsert": "true"}, json=again))["data"]["createPeople"]
    assert [p["id"] for p in second] == [p["id"] for p in first]
    assert {p["categoryCode"] for p in second} == {"B"}


# -- idempotence and dry runs ------------------------------------------------------------------------------------------


def test_a_second_run_reads_once_and_writes_nothing(metadata: Metadata, emulator: Emulator) -> None:
    metadata.ensure_schema(SEED_SCHEMA)
    emulator.reset_counts()

    report = metadata.ensure_schema(SEED_SCHEMA)

    assert emulator.request_counts() == {"GET /rest/metadata/objects": 1}
    assert report.writes == 0
    assert not report.changed
    assert paths(report.unchanged) == SEED_ITEMS | {"person", "company"}


def test_a_dry_run_writes_nothing_and_plans_what_a_real_run_then_does(metadata: Metadata, emulator: Emulator) -> None:
    plan = metadata.ensure_schema(SEED_SCHEMA, dry_run=True)

    assert writes(emulator) == {}
    assert plan.dry_run
    assert paths(plan.would_create) == SEED_ITEMS
    assert "dry run, nothing written" in str(plan)

    done = metadata.ensure_schema(SEED_SCHEMA)
    assert paths(done.created) == paths(plan.would_create)
    assert [i.path for i in done.items] == [i.path for i in plan.items]


def test_a_declared_field_twenty_makes_with_the_object_is_verified_not_created(
    metadata: Metadata, emulator: Emulator
) -> None:
    schema = [
        ObjectSpec("gadget", "gadgets", "Gadget", "Gadgets", fields=[FieldSpec("name", "TEXT", "Name")]),
    ]
    plan = metadata.ensure_schema(schema, dry_run=True)
    assert plan.item("gadget.name").status == "unchanged"

    report = metadata.ensure_schema(schema)
    assert report.item("gadget").status == "created"
    assert report.item("gadget.name").status == "unchanged"
    assert writes(emulator) == {"POST /rest/metadata/objects": 1}


# -- drift -------------------------------------------------------------------------------------------------------------


def test_a_field_with_another_type_is_reported_and_left_alone(
    metadata: Metadata, emulator: Emulator, http: httpx.Client
) -> None:
    add_field(http, "person", name="contactId", label="Contact ID", type="NUMBER")
    emulator.reset_counts()

    report = metadata.ensure_schema(SEED_SCHEMA)

    item = report.item("person.contactId")
    assert item.status == "drifted"
    assert "type is NUMBER in the workspace, TEXT declared" in item.details[0]
    assert report.has_drift
    assert raw_fields(http, "person")["contactId"]["type"] == "NUMBER"
    assert paths(report.created) == SEED_ITEMS - {"person.contactId"}
    assert set(writes(emulator)) == {"POST /rest/metadata/objects", "POST /rest/metadata/fields"}


def test_allow_destructive_never_changes_a_type(metadata: Metadata, emulator: Emulator, http: httpx.Client) -> None:
    add_field(http, "person", name="contactId", label="Contact ID", type="NUMBER")
    metadata.ensure_schema(SEED_SCHEMA)
    emulator.reset_counts()

    report = metadata.ensure_schema(SEED_SCHEMA, allow_destructive=True)

    assert report.item("person.contactId").status == "drifted"
    assert writes(emulator) == {}
    assert raw_fields(http, "person")["contactId"]["type"] == "NUMBER"


TIERS = ObjectSpec(
    "person",
    "people",
    custom=False,
    fields=[
        FieldSpec("tier", "SELECT", "Tier", options=["GOLD", "SILVER", "BRONZE"]),
        FieldSpec("memberCode", "TEXT", "Member code", is_unique=True),
    ],
)


@pytest.fixture
def drifted_tiers(http: httpx.Client, emulator: Emulator) -> dict[str, str]:
    """person.tier without BRONZE but with an extra PLATINUM, person.memberCode not unique; a record holding GOLD."""
    tier = add_field(
        http,
        "person",
        name="tier",
        label="Tier",
        type="SELECT",
        options=[
            {"value": "GOLD", "label": "Gold"},
            {"value": "SILVER", "label": "Silver"},
            {"value": "PLATINUM", "label": "Platinum"},
        ],
    )
    add_field(http, "person", name="memberCode", label="Member code", type="TEXT")
    ok(http.post("/rest/people", json={"id": P1, "tier": "GOLD"}))
    emulator.reset_counts()
    return {o["value"]: o["id"] for o in tier["options"]}


def test_drift_in_uniqueness_and_options_is_only_reported_by_default(
    metadata: Metadata, emulator: Emulator, drifted_tiers: dict[str, str]
) -> None:
    report = metadata.ensure_schema([TIERS])

    tier = report.item("person.tier")
    assert tier.status == "drifted"
    assert "options differ: missing BRONZE; not declared PLATINUM" in tier.details
    code = report.item("person.memberCode")
    assert code.status == "drifted"
    assert "isUnique is false in the workspace, true declared" in code.details
    assert writes(emulator) == {}


def test_allow_destructive_repairs_uniqueness_and_options_in_place(
    metadata: Metadata, emulator: Emulator, http: httpx.Client, drifted_tiers: dict[str, str]
) -> None:
    plan = metadata.ensure_schema([TIERS], dry_run=True, allow_destructive=True)
    assert {i.path for i in plan.would_update} == {"person.tier", "person.memberCode"}
    assert writes(emulator) == {}

    report = metadata.ensure_schema([TIERS], allow_destructive=True)

    assert {i.path for i in report.updated} == {"person.tier", "person.memberCode"}
    assert writes(emulator) == {"PATCH /rest/metadata/fields/{id}": 2}
    fields = raw_fields(http, "person")
    options = {o["value"]: o["id"] for o in fields["tier"]["options"]}
    assert set(options) == {"GOLD", "SILVER", "BRONZE"}
    assert options["GOLD"] == drifted_tiers["GOLD"]  # kept: records holding GOLD keep it
    assert ok(http.get(f"/rest/people/{P1}"))["data"]["person"]["tier"] == "GOLD"
    assert fields["memberCode"]["isUnique"] is True
    assert metadata.ensure_schema([TIERS]).writes == 0


def test_label_differences_are_harmless_notes(metadata: Metadata, emulator: Emulator, http: httpx.Client) -> None:
    add_field(http, "person", name="contactId", label="External id", type="TEXT", isUnique=True)
    emulator.reset_counts()

    report = metadata.ensure_schema(SEED_SCHEMA)

    item = report.item("person.contactId")
    assert item.status == "unchanged"
    assert item.details == ("label is 'External id' in the workspace, 'Contact ID' declared", "description differs")
    assert not report.has_drift


def test_a_relation_pointing_elsewhere_is_reported(metadata: Metadata, http: httpx.Client) -> None:
    # The custom object exists with a `person` relation that actually targets company.
    metadata.ensure_schema([ObjectSpec(REL, "contactBusinessRelationships", "Relationship", "Relationships")])
    rel_id = raw_object(http, REL)["id"]
    company_id = raw_object(http, "company")["id"]
    payload = {"type": "MANY_TO_ONE", "targetObjectMetadataId": company_id, "targetFieldLabel": "Oddities"}
    body = {"objectMetadataId": rel_id, "type": "RELATION", "name": "person", "label": "Person"}
    ok(http.post("/rest/metadata/fields", json={**body, "relationCreationPayload": payload}))

    report = metadata.ensure_schema(SEED_SCHEMA)

    item = report.item(f"{REL}.person")
    assert item.status == "drifted"
    assert "no reverse relation field person.contactBusinessRelationships" in item.details[0]
    assert report.item(f"{REL}.company").status == "created"


# -- problems only the workspace shows: raised before any write ----------------------------------------------------


def test_a_taken_reverse_field_name_fails_before_any_write(
    metadata: Metadata, emulator: Emulator, http: httpx.Client
) -> None:
    add_field(http, "person", name="contactBusinessRelationships", label="Taken", type="TEXT")
    emulator.reset_counts()

    with pytest.raises(SchemaError, match="choose another target_field_label"):
        metadata.ensure_schema(SEED_SCHEMA)
    assert writes(emulator) == {}


def test_a_missing_standard_object_or_relation_target_fails_before_any_write(
    metadata: Metadata, emulator: Emulator
) -> None:
    schema = [
        ObjectSpec("invoice", "invoices", custom=False, fields=[FieldSpec("code", "TEXT", "Code")]),
        ObjectSpec(
            "gadget", "gadgets", "Gadget", "Gadgets", fields=[RelationSpec("owner", "wizard", "Owner", "Gadgets")]
        ),
    ]
    with pytest.raises(SchemaError) as caught:
        metadata.ensure_schema(schema)
    assert caught.value.problems == [
        "object 'invoice' is not in the workspace (declared custom=False, so it is not created)",
        "gadget.owner: the target object 'wizard' is neither in the workspace nor declared",
    ]
    assert writes(emulator) == {}


# -- failure and resumption --------------------------------------------------------------------------------------------


def test_a_failed_run_says_what_it_did_and_a_second_run_resumes(metadata: Metadata, emulator: Emulator) -> None:
    emulator.faults.set([FaultRule(route="POST /rest/metadata/fields", error_rate=1.0, error_status=500)])

    with pytest.raises(APIError) as caught:
        metadata.ensure_schema(SEED_SCHEMA)
    assert caught.value.status == 500
    assert "ensure_schema stopped after 1 write(s): create_object contactBusinessRelationship" in "".join(
        caught.value.__notes__
    )

    emulator.faults.clear()
    report = metadata.ensure_schema(SEED_SCHEMA)
    assert report.item(REL).status == "unchanged"
    assert paths(report.created) == SEED_ITEMS - {REL}


# -- the report --------------------------------------------------------------------------------------------------------


def test_the_report_is_a_table_with_a_row_per_item(metadata: Metadata, http: httpx.Client) -> None:
    add_field(http, "person", name="contactId", label="Contact ID", type="NUMBER")

    report = metadata.ensure_schema(SEED_SCHEMA)
    lines = str(report).splitlines()

    assert lines[0].split() == ["STATUS", "KIND", "ITEM", "DECLARED", "DETAILS"]
    assert len(lines) == len(report.items) + 2
    for line, item in zip(lines[1:], report.items, strict=False):
        assert line.startswith(item.status.replace("_", " "))
        assert f" {item.path} " in line
    assert "person.contactId" in lines[2]
    assert "type is NUMBER in the workspace" in lines[2]
    assert lines[-1] == "23 created, 2 unchanged, 1 drifted (23 writes)"


def test_an_empty_report_still_prints() -> None:
    report = SchemaReport(())
    assert str(report).splitlines()[-1] == "0 unchanged, 0 drifted (0 writes)"
