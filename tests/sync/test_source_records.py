"""Source records: keys, validation, and the content hash the engine diffs on (its canonical text is BigQuery's
``TO_JSON_STRING``, so that SQL can compute the same hash)."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from twenty_sync._records import (
    BUSINESSES,
    CONTACTS,
    ENTITIES,
    RELATIONSHIPS,
    Business,
    Contact,
    Entity,
    Relationship,
    canonical_json,
    decimal_json,
    text_json,
)
from twenty_sync.stores._batching import prepare

from .test_stores import unusual_records


def ada(**changes: Any) -> Contact:
    base = Contact(
        contact_id="c-1",
        canonical_name="Ada Lovelace",
        contact_identifiers={"primary_phone": "+44 20 7946 0000", "primary_email": "ada@example.test"},
        category_code="SCI",
        llm_context={"summary": "Analyst", "tags": ["math", "engines"]},
        ai_insights={"score": 0.5, "rank": 3},
        sync_metadata={"twenty_id": "0b0e…", "synced_at": "2026-01-01T00:00:00Z"},
    )
    return attrs.evolve(base, **changes)


def test_the_canonical_text_of_a_contact_is_pinned() -> None:
    text = CONTACTS.canonical_text(ada())

    assert text == (
        '{"ai_insights":{"rank":3,"score":0.5},"canonical_name":"Ada Lovelace","category_code":"SCI",'
        '"communication_stats":null,"contact_identifiers":{"primary_email":"ada@example.test",'
        '"primary_phone":"+44 20 7946 0000"},"llm_context":{"summary":"Analyst","tags":["math","engines"]},'
        '"recommendations":null,"relationship_category":null,"social_network":null,"subcategory_code":null}'
    )
    assert ada().content_hash == hashlib.sha256(text.encode()).hexdigest()


def test_the_hash_covers_sorted_fields_except_the_key_and_sync_metadata() -> None:
    assert [f.name for f in RELATIONSHIPS.hashed_fields] == ["business_id", "contact_id", "relationship_type", "role"]
    assert "sync_metadata" not in {f.name for f in BUSINESSES.hashed_fields}
    for entity in ENTITIES:
        assert entity.key not in {f.name for f in entity.hashed_fields}


def test_json_key_order_does_not_change_the_hash() -> None:
    reordered = ada(
        contact_identifiers={"primary_email": "ada@example.test", "primary_phone": "+44 20 7946 0000"},
        ai_insights=json.loads('{ "score" : 0.5 ,\n "rank": 3 }'),
    )

    assert reordered.content_hash == ada().content_hash


@pytest.mark.parametrize(
    "change",
    [
        {"sync_metadata": {"run": 2}},
        {"updated_at": datetime(2030, 1, 1, tzinfo=UTC)},
    ],
    ids=["sync_metadata", "updated_at"],
)
def test_bookkeeping_fields_do_not_change_the_hash(change: dict[str, Any]) -> None:
    assert ada(**change).content_hash == ada().content_hash


@pytest.mark.parametrize(
    "change",
    [
        {"canonical_name": "Ada King"},
        {"category_code": None},
        {"ai_insights": {"score": 0.5, "rank": 4}},
        {"ai_insights": {"score": 0.5, "rank": 3.0}},  # 3 and 3.0 are stored differently by BigQuery
        {"llm_context": "Analyst"},
        {"social_network": {}},
    ],
)
def test_a_content_change_changes_the_hash(change: dict[str, Any]) -> None:
    assert ada(**change).content_hash != ada().content_hash


def test_records_are_equal_whatever_their_stamps_and_hashable() -> None:
    stamped = ada(updated_at=datetime(2026, 5, 1, tzinfo=UTC))

    assert stamped == ada()
    assert hash(stamped) == hash(ada())
    assert len({stamped, ada(), ada(canonical_name="other")}) == 2


def test_a_contact_exposes_its_primary_email_and_phone() -> None:
    assert (ada().primary_email, ada().primary_phone) == ("ada@example.test", "+44 20 7946 0000")
    assert (ada(contact_identifiers=None).primary_email, ada(contact_identifiers=["x"]).primary_phone) == (None, None)


@pytest.mark.parametrize("key", ["", None, 17])
def test_a_record_needs_a_non_empty_string_key(key: Any) -> None:
    with pytest.raises(ValueError, match="contact_id must be a non-empty string"):
        Contact(contact_id=key, canonical_name="x")


@pytest.mark.parametrize(
    ("blob", "error"),
    [
        ({"x": math.nan}, ValueError),
        ({"x": [math.inf]}, ValueError),
        ({1: "int key"}, TypeError),
        ({"x": {1, 2}}, TypeError),
        ({"x": b"bytes"}, TypeError),
    ],
    ids=["nan", "inf", "int key", "set", "bytes"],
)
def test_json_fields_refuse_what_is_not_json(blob: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        Business(business_id="b", business_name="x", business_data=blob)


def test_the_entities_describe_their_records() -> None:
    assert [e.name for e in ENTITIES] == ["contacts", "businesses", "relationships"]
    for entity, cls in zip(ENTITIES, (Contact, Business, Relationship), strict=True):
        assert entity.record_type is cls
        assert cls.entity is entity
        assert set(entity.field_names) == {a.name for a in attrs.fields(cls)} - {"updated_at"}


def test_from_values_and_values_round_trip() -> None:
    values = CONTACTS.values(ada())
    stamp = datetime(2026, 1, 1, tzinfo=UTC)

    rebuilt = CONTACTS.from_values(values, stamp)

    assert rebuilt == ada()
    assert rebuilt.updated_at == stamp


def test_from_checked_values_builds_the_same_record_as_from_values() -> None:
    for record in (ada(), ada(contact_identifiers=None, ai_insights=[1, 2.5])):
        values = list(CONTACTS.values(record).values())
        stamp = datetime(2026, 1, 1, tzinfo=UTC)

        rebuilt = CONTACTS.from_checked_values(values, stamp)

        assert type(rebuilt) is Contact
        assert rebuilt == CONTACTS.from_values(CONTACTS.values(record), stamp)
        assert (rebuilt.updated_at, rebuilt.content_hash) == (stamp, record.content_hash)
    rel = RELATIONSHIPS.from_checked_values(["r-1", "c-1", "b-1", None, "employee"])
    assert rel == Relationship("r-1", "c-1", "b-1", relationship_type="employee")


@pytest.mark.parametrize("key", ["", None, 17])
def test_from_checked_values_still_checks_the_key(key: Any) -> None:
    with pytest.raises(ValueError, match="contact_id must be a non-empty string"):
        CONTACTS.from_checked_values([key, "x", *[None] * 10])


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_the_hash_of_a_stored_row_is_the_records_content_hash(entity: Entity[Any]) -> None:
    records = [*unusual_records(entity), *_number_records(entity)]
    rows, failures = prepare(entity, records)

    assert not failures
    assert [entity.stored_content_hash(row.values) for row in rows] == [r.content_hash for r in records]


def _number_records(entity: Entity[Any]) -> list[Any]:
    """Records whose JSON needs nlohmann's number notation (the slow encoder path)."""
    numbers = [1e15, -0.0, 2**64, 1e16, 1e-05, 3, 0.5]
    if entity is CONTACTS:
        return [ada(contact_id=f"n-{i}", ai_insights={"x": n}, llm_context=[n]) for i, n in enumerate(numbers)]
    if entity is BUSINESSES:
        return [Business(f"n-{i}", "x", business_data=n) for i, n in enumerate(numbers)]
    return []


# --- the canonical JSON text: BigQuery's TO_JSON_STRING --------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1.0, "1.0"),
        (100.0, "100.0"),
        (0.5, "0.5"),
        (-2.25, "-2.25"),
        (0.0001, "0.0001"),
        (1e-05, "1e-05"),
        (1.5e-07, "1.5e-07"),
        (1e14, "100000000000000.0"),
        (1e15, "1e+15"),
        (1234567890123456.0, "1.234567890123456e+15"),
        (1e16, "1e+16"),
        (2.5e20, "2.5e+20"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (-0.0, "0.0"),
        (3, "3"),
        (2**64 - 1, "18446744073709551615"),
        (-(2**63), "-9223372036854775808"),
        (2**64, "1.8446744073709552e+19"),  # beyond BigQuery's integers: a double there
    ],
)
def test_numbers_are_written_as_bigquery_writes_them(number: float, text: str) -> None:
    assert canonical_json(number) == text
    assert canonical_json([number]) == f"[{text}]"  # the same inside containers (both encoder paths)


def test_canonical_json_sorts_keys_by_code_point_and_drops_whitespace() -> None:
    value = {"é": 1, "z": {"b": [1, {"d": 2, "c": None}], "a": True}, "E": "x", "😀": [], "a b": {}}

    assert canonical_json(value) == '{"E":"x","a b":{},"z":{"a":true,"b":[1,{"c":null,"d":2}]},"é":1,"😀":[]}'


def test_strings_are_escaped_minimally_and_unicode_is_kept() -> None:
    text = 'é "q" \\ \n \x01 \x1f \x7f / 😀 \u2028'

    assert canonical_json(text) == '"é \\"q\\" \\\\ \\n \\u0001 \\u001f \x7f / 😀 \u2028"'
    # a STRING column escapes the line and paragraph separators too (ZetaSQL JsonEscapeString)
    assert text_json(text) == '"é \\"q\\" \\\\ \\n \\u0001 \\u001f \x7f / 😀 \\u2028"'
    assert text_json(None) == "null"


def test_decimal_json_keeps_integral_floats_floats_for_jsonb() -> None:
    assert decimal_json({"a": 1e16, "b": 2.0, "c": 1e-7, "d": 7}) == '{"a":10000000000000000.0,"b":2.0,"c":1e-07,"d":7}'
    assert json.loads(decimal_json([1e300]))[0] == 1e300


def test_a_record_with_an_unencodable_string_still_has_a_hash() -> None:
    assert len(ada(canonical_name="broken \ud800").content_hash) == 64
