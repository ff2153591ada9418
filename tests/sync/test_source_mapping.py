"""Mappings (``twenty_sync.SyncMapping``) without any server: loading from TOML, every validation error naming where,
the default mapping being the seed's, values read or refused with their column, and ``twenty-sync mapping check``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from twenty_sync import (
    CONTACTS,
    SEED_SCHEMA,
    CustomField,
    EntityMapping,
    Identifiers,
    SourceMappingError,
    SyncMapping,
)
from twenty_sync._cli import main

from twenty_sdk import FieldSpec

CUSTOMERS = {
    "table": "crm.customers",
    "key": "id",
    "fields": {"canonical_name": "full_name"},
    "identifiers": {"shape": "columns", "email": "email", "phone": "mobile"},
    "custom": {"tier": {"column": "tier", "type": "SELECT", "options": ["GOLD", "SILVER"]}},
}


def problems(data: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(SourceMappingError) as caught:
        SyncMapping.from_dict(data, origin="m.toml")
    return caught.value.problems


def contacts(**changes: Any) -> dict[str, Any]:
    return {"contacts": {**CUSTOMERS, **changes}}


def mapping_of(**changes: Any) -> EntityMapping:
    mapped = SyncMapping.from_dict(contacts(**changes)).contacts
    assert mapped is not None
    return mapped


# --- loading and validation ---------------------------------------------------------------------------------------


def test_a_toml_file_loads_into_the_mapping_it_describes(tmp_path: Path) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(
        '[contacts]\ntable = "crm.customers"\nkey = "id"\nupdated_at = "modified_at"\n'
        'fields = { canonical_name = "full_name" }\n'
        'identifiers = { shape = "columns", email = "email" }\n'
        '[contacts.custom.tier]\ncolumn = "tier"\ntype = "select"\noptions = ["GOLD"]\n'
    )

    mapping = SyncMapping.load(path)

    assert mapping.contacts == EntityMapping(
        "contacts",
        "id",
        table="crm.customers",
        updated_at="modified_at",
        fields={"canonical_name": "full_name"},
        identifiers=Identifiers("columns", email="email"),
        custom=(CustomField("tier", "tier", "SELECT", options=("GOLD",)),),
    )
    assert (mapping.businesses, mapping.relationships, mapping.origin) == (None, None, str(path))


def test_the_default_mapping_is_the_seeds_tables_and_schema() -> None:
    default = SyncMapping.default()

    assert default.is_default
    assert default.schema() == SEED_SCHEMA
    assert default.contacts is not None
    assert (default.contacts.table, default.contacts.key) == ("contacts", "contact_id")
    assert set(default.contacts.fields) == {f.name for f in CONTACTS.fields} - {"contact_id"}


def test_a_file_that_is_not_toml_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[contacts\n")

    with pytest.raises(SourceMappingError, match=r"broken\.toml: not valid TOML"):
        SyncMapping.load(path)


def test_an_unknown_section_is_an_error() -> None:
    assert "m.toml: unknown section [people] (expected contacts, businesses, relationships)" in problems(
        {**contacts(), "people": {}}
    )


def test_an_unknown_key_is_an_error_naming_the_section() -> None:
    (problem,) = problems(contacts(tabel="x"))
    assert problem.startswith("m.toml [contacts]: unknown key 'tabel' (expected one of ")


def test_an_unknown_key_of_a_custom_field_is_an_error() -> None:
    tier = {"column": "tier", "type": "SELECT", "options": ["GOLD"], "colour": "red"}
    (problem,) = problems(contacts(custom={"tier": tier}))
    assert problem.startswith("m.toml [contacts] custom.tier: unknown key 'colour'")


def test_a_source_must_be_exactly_one_of_table_view_or_query() -> None:
    assert "m.toml [contacts]: give exactly one of table, view or query (2 given)" in problems(
        contacts(query="SELECT 1")
    )


def test_a_missing_key_column_is_an_error() -> None:
    data = contacts()
    del data["contacts"]["key"]
    assert "m.toml [contacts]: key (the key column) is missing" in problems(data)


def test_a_column_mapped_twice_is_an_error_naming_both_uses() -> None:
    assert problems(contacts(identifiers={"shape": "columns", "email": "full_name"})) == (
        "m.toml [contacts] identifiers: the column 'full_name' is already mapped by fields.canonical_name",
    )


def test_the_key_column_mapped_as_a_field_is_an_error() -> None:
    assert problems(contacts(fields={"canonical_name": "id"})) == (
        "m.toml [contacts] fields.canonical_name: the column 'id' is the key column",
    )


def test_a_field_the_entity_does_not_have_is_an_error() -> None:
    (problem,) = problems(contacts(fields={"full_name": "full_name"}))
    assert problem.startswith("m.toml [contacts] fields: 'full_name' is not a field of contacts")


def test_a_relationship_without_its_contact_and_business_columns_is_an_error() -> None:
    data = {"relationships": {"query": "SELECT 1", "key": "id", "fields": {"role": "r"}}}
    assert problems(data) == (
        "m.toml [relationships] fields: contact_id is required (the column holding it)",
        "m.toml [relationships] fields: business_id is required (the column holding it)",
    )


def test_a_custom_field_named_like_a_standard_field_is_an_error() -> None:
    assert problems(contacts(custom={"jobTitle": {"column": "tier", "type": "TEXT"}})) == (
        "m.toml [contacts] custom.jobTitle (column tier): 'jobTitle' is one of Twenty's standard person fields",
    )


def test_a_custom_field_named_like_a_field_of_the_sync_is_an_error() -> None:
    (problem,) = problems(contacts(custom={"contactId": {"column": "tier", "type": "TEXT"}}))
    assert problem.endswith("'contactId' is a field of the sync's own (map it under fields instead)")


def test_a_reserved_custom_field_name_is_an_error() -> None:
    assert problems(contacts(custom={"type": {"column": "tier", "type": "TEXT"}})) == (
        "m.toml [contacts] custom.type (column tier): 'type' is a reserved word in Twenty; pick another name",
    )


def test_a_type_the_sync_cannot_write_is_an_error() -> None:
    (problem,) = problems(contacts(custom={"files": {"column": "tier", "type": "FILES"}}))
    assert problem.startswith("m.toml [contacts] custom.files (column tier): type 'FILES' is not one the sync can")


def test_a_select_without_options_is_an_error() -> None:
    assert problems(contacts(custom={"tier": {"column": "tier", "type": "SELECT"}})) == (
        "m.toml [contacts] custom.tier (column tier): a SELECT field needs options",
    )


def test_a_select_option_twenty_would_refuse_is_an_error() -> None:
    (problem,) = problems(contacts(custom={"tier": {"column": "tier", "type": "SELECT", "options": ["gold"]}}))
    assert problem.startswith("m.toml [contacts] custom.tier (column tier): option value 'gold' must be UPPER_CASE")


def test_an_identifier_shape_without_its_column_is_an_error() -> None:
    assert problems(contacts(identifiers={"shape": "typed_list"})) == (
        "m.toml [contacts] identifiers: shape typed_list needs the column holding the identifiers",
    )


def test_every_problem_is_reported_at_once() -> None:
    found = problems({"contacts": {**CUSTOMERS, "colour": 1, "fields": {"nick": "n"}}, "people": {}})
    assert len(found) == 3


def test_a_mapping_built_in_python_is_validated_too() -> None:
    with pytest.raises(SourceMappingError, match=r"\[contacts\]: give exactly one of table \(or view\) and query"):
        SyncMapping(contacts=EntityMapping("contacts", "id"))


# --- the schema a mapping provisions ------------------------------------------------------------------------------


def test_a_mapping_provisions_its_key_field_the_seed_fields_it_fills_and_its_custom_fields() -> None:
    mapping = SyncMapping.from_dict(contacts(fields={"canonical_name": "full_name", "category_code": "cat"}))

    (person,) = mapping.schema()

    assert person.name_singular == "person"
    assert [f.name for f in person.fields] == ["contactId", "categoryCode", "tier"]
    tier = person.fields[-1]
    assert isinstance(tier, FieldSpec)
    assert (tier.type, [o.value for o in tier.options]) == ("SELECT", ["GOLD", "SILVER"])


# --- values -------------------------------------------------------------------------------------------------------


ROW = {"id": 7, "full_name": "Ada Lovelace", "email": "ada@x.test", "mobile": None, "tier": "GOLD"}


def test_a_row_is_read_into_the_syncs_values_and_the_custom_fields() -> None:
    row = mapping_of().read_row(ROW)

    assert (row.key, row.error) == ("7", None)
    assert row.values == {"canonical_name": "Ada Lovelace", "primary_email": "ada@x.test", "primary_phone": None}
    assert row.custom == {"tier": "GOLD"}


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("NUMBER", "n/a", "'n/a' is not a number"),
        ("NUMBER", True, "True is not a number"),
        ("BOOLEAN", "maybe", "'maybe' is not a boolean (true/false, yes/no, 1/0)"),
        ("DATE_TIME", "yesterday", "'yesterday' is not an ISO 8601 date and time"),
        ("DATE", "31/12/2026", "'31/12/2026' is not an ISO 8601 date"),
        ("RAW_JSON", "{not json", "not JSON text: '{not json'"),
        ("TEXT", ["a"], 'a list (["a"]), not text'),
        ("EMAILS", "not-an-email", "'not-an-email' is not a valid email address"),
    ],
)
def test_a_value_a_custom_field_cannot_read_refuses_the_row_with_the_column(kind: str, value: Any, reason: str) -> None:
    mapped = mapping_of(custom={"extra": {"column": "extra", "type": kind}})

    row = mapped.read_row({**ROW, "extra": value})

    assert row.error is not None
    assert row.error.startswith(f"extra: {reason}")
    assert (row.key, row.values, row.custom) == ("7", {}, {})


@pytest.mark.parametrize(
    ("kind", "value", "sent"),
    [
        ("NUMBER", "1200.50", 1200.5),
        ("NUMBER", 3, 3),
        ("BOOLEAN", "yes", True),
        ("BOOLEAN", 0, False),
        ("DATE_TIME", "2026-03-01T10:00:00+01:00", "2026-03-01T09:00:00Z"),
        ("DATE", "2026-03-01", "2026-03-01"),
        ("RAW_JSON", '{"b": 1}', {"b": 1}),
        ("TEXT", 42, "42"),
        ("EMAILS", " Ada@X.test ", {"primaryEmail": "ada@x.test"}),
        ("EMAILS", None, {"primaryEmail": ""}),
        ("LINKS", "acme.test", {"primaryLinkUrl": "acme.test"}),
        ("TEXT", None, None),
    ],
)
def test_a_custom_value_is_sent_as_twenty_takes_it(kind: str, value: Any, sent: Any) -> None:
    mapped = mapping_of(custom={"extra": {"column": "extra", "type": kind}})

    row = mapped.read_row({**ROW, "extra": value})

    assert row.error is None
    assert row.custom["extra"] == sent


def test_a_select_value_outside_its_options_refuses_the_row() -> None:
    assert mapping_of().read_row({**ROW, "tier": "platinum"}).error == (
        "tier: 'platinum' is not one of the options GOLD, SILVER"
    )


def test_a_multi_select_takes_a_list_or_comma_separated_text_of_its_options() -> None:
    tags = {"tags": {"column": "tags", "type": "MULTI_SELECT", "options": ["A", "B", "C"]}}
    mapped = mapping_of(custom=tags)

    assert mapped.read_row({**ROW, "tags": "C, A"}).custom["tags"] == ["A", "C"]
    assert mapped.read_row({**ROW, "tags": '["B"]'}).custom["tags"] == ["B"]
    assert mapped.read_row({**ROW, "tags": "A, Z"}).error == "tags: 'Z' is not one of the options A, B, C"


TYPED = {"shape": "typed_list", "column": "ids", "type_key": "kind", "value_key": "v", "primary_key": "main"}


def test_a_typed_list_gives_the_primary_email_and_phone_by_its_own_key_names() -> None:
    mapped = mapping_of(identifiers=TYPED)
    ids = [
        {"kind": "email", "v": "old@x.test"},
        {"kind": "Email", "v": "ada@x.test", "main": True},
        {"kind": "mobile", "v": "+44 20 7946 0001"},
        {"kind": "fax", "v": "123"},
    ]

    row = mapped.read_row({**ROW, "ids": ids})

    assert (row.values["primary_email"], row.values["primary_phone"]) == ("ada@x.test", "+44 20 7946 0001")


def test_a_typed_list_column_that_is_not_a_list_refuses_the_row() -> None:
    row = mapping_of(identifiers=TYPED).read_row({**ROW, "ids": '{"kind": "email", "v": "ada@x.test"}'})

    assert row.error == 'ids: expected a list of typed identifiers, not {"kind": "email", "v": "ada@x.test"}'


def test_a_typed_identifier_without_its_type_refuses_the_row() -> None:
    row = mapping_of(identifiers=TYPED).read_row({**ROW, "ids": [{"v": "ada@x.test"}]})

    assert row.error == "ids[0]: expected {'kind': ..., 'v': ...}, not {\"v\": \"ada@x.test\"}"


def test_an_object_shape_reads_its_own_key_names() -> None:
    shape = {"shape": "object", "column": "ids", "email_key": "mail", "phone_key": "tel"}

    row = mapping_of(identifiers=shape).read_row({**ROW, "ids": {"mail": "ada@x.test", "tel": 5}})

    assert row.error == "ids.tel: a int (5), not text"


# --- the command --------------------------------------------------------------------------------------------------


def test_mapping_check_prints_what_it_validated(tmp_path: Path) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text('[contacts]\nview = "customers_v"\nkey = "id"\nfields = { canonical_name = "full_name" }\n')
    out, err = io.StringIO(), io.StringIO()

    code = main(["mapping", "check", str(path)], stdout=out, stderr=err)

    assert (code, err.getvalue()) == (0, "")
    assert out.getvalue().splitlines() == [
        f"mapping {path}: valid",
        "contacts → person: table customers_v, key id, every row read each run (no updated_at)",
        "  full_name                → canonical_name (name)",
    ]


def test_mapping_check_exits_2_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text('[contacts]\ntable = "t"\nkey = "id"\ncolour = 1\n[people]\n')
    out, err = io.StringIO(), io.StringIO()

    code = main(["mapping", "check", str(path)], stdout=out, stderr=err)

    assert code == 2
    assert f"{path}: unknown section [people]" in err.getvalue()
    assert f"{path} [contacts]: unknown key 'colour'" in err.getvalue()
