"""The store contract (``twenty_sync.stores._protocol``), run against every store on a real server: the embedded
SQLite store, a throw-away PostgreSQL cluster, and bqemulator for BigQuery."""

from __future__ import annotations

from collections.abc import Iterator
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
)
from twenty_sync.stores import RowFailure, Store, SupportsKeyHashes, WriteResult

LONG_TEXT = "Lorem ipsum ✓ dolor — " * 12_000  # ~270 kB in one field
NASTY_TEXT = 'quote " backslash \\ newline \n tab \t cr \r bell \x07 del \x7f slash / <tag> & done'


def contact(i: int, **changes: Any) -> Contact:
    base = Contact(
        contact_id=f"contact-{i:03d}",
        canonical_name=f"Contact {i}",
        contact_identifiers={"primary_email": f"c{i}@example.test", "primary_phone": f"+33 6 12 34 {i:02d}"},
        category_code="PRO",
        subcategory_code=None,
        relationship_category="client",
        llm_context={"summary": f"Met at event {i}", "topics": ["crm", "sync"]},
        communication_stats={"emails": i, "last": "2026-01-02", "ratio": 0.25},
        social_network=None,
        ai_insights={"score": i / 4, "nested": {"z": True, "a": [1, 2.5, None, "x"]}},
        recommendations=["call", "email"],
        sync_metadata={"source": "bq", "run": i},
    )
    return attrs.evolve(base, **changes)


def business(i: int, **changes: Any) -> Business:
    base = Business(
        business_id=f"business-{i:03d}",
        business_name=f"Business {i} SARL",
        website=f"https://b{i}.example.test",
        industry="Software",
        business_type="SME",
        business_data={"employees": 10 + i, "tags": ["b2b"], "revenue": {"amount": 1.5e6, "currency": "EUR"}},
        relationship_stats={"contacts": i},
        sync_metadata=None,
        llm_context="A plain JSON string as context",
    )
    return attrs.evolve(base, **changes)


def relationship(i: int, **changes: Any) -> Relationship:
    base = Relationship(
        relationship_id=f"rel-{i:03d}",
        contact_id=f"contact-{i:03d}",
        business_id=f"business-{i % 7:03d}",
        role="CTO" if i % 2 else None,
        relationship_type="employee",
    )
    return attrs.evolve(base, **changes)


FACTORIES = {"contacts": contact, "businesses": business, "relationships": relationship}


def unusual_records(entity: Entity[Any]) -> list[Any]:
    """Records that exercise the storage: Unicode everywhere, NULLs, JSON of every shape, long text."""
    make = FACTORIES[entity.name]
    if entity is CONTACTS:
        return [
            make(1),
            make(2, canonical_name="Zoë Ñúñez 张伟 محمد 😀", contact_identifiers={"primary_email": "zoë@exämple.test"}),
            make(3, category_code=None, relationship_category=None, llm_context=None, communication_stats=None,
                 ai_insights=None, recommendations=None, sync_metadata=None, contact_identifiers=None),
            make(4, canonical_name=NASTY_TEXT, llm_context=NASTY_TEXT, social_network={"k\n\"ey": NASTY_TEXT}),
            make(5, llm_context=LONG_TEXT, canonical_name="Long " + LONG_TEXT[:5000]),
            make(6, ai_insights={"b": 1, "a": {"y": [], "x": {}}, "ä": -0.0, "big": 2**63, "neg": -(2**62)}),
            make(7, recommendations=[], social_network={}, communication_stats=0, ai_insights=False),
            make(8, contact_id="contact-é-😀", canonical_name=""),
        ]  # fmt: skip
    if entity is BUSINESSES:
        return [
            make(1),
            make(2, business_name="Société Générale d'Électricité ⚡", industry="Énergie", llm_context={"k": "v"}),
            make(3, website=None, industry=None, business_type=None, business_data=None, relationship_stats=None,
                 llm_context=None),
            make(4, business_data={"notes": LONG_TEXT}, business_name=NASTY_TEXT),
        ]  # fmt: skip
    return [make(1), make(2), make(3, role=None, relationship_type=None), make(4, role="Directrice générale ✓")]


def read_all(store: Store, entity: Entity[Any]) -> list[Any]:
    return [record for batch in store.read_all(entity) for record in batch]


def keys_of(records: list[Any]) -> list[str]:
    return [r.key for r in records]


# --- round trip ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_round_trip_keeps_every_field(store: Store, entity: Entity[Any]) -> None:
    records = unusual_records(entity)
    result = store.upsert(entity, records)
    assert result == WriteResult(submitted=len(records), changed=len(records))

    back = read_all(store, entity)

    assert back == sorted(records, key=lambda r: r.key)
    assert [r.content_hash for r in back] == [r.content_hash for r in sorted(records, key=lambda r: r.key)]
    assert all(r.updated_at is not None and r.updated_at.utcoffset() is not None for r in back)


def test_json_values_come_back_with_their_types(store: Store) -> None:
    blob = {"int": 3, "float": 3.0, "big_float": 1e16, "mid_float": 1e15, "tiny": 1.5e-7, "str": "3", "bool": True,
            "null": None, "list": [1, "1", 1.0]}  # fmt: skip
    store.upsert(CONTACTS, [contact(1, ai_insights=blob)])

    (back,) = read_all(store, CONTACTS)

    assert back.ai_insights == blob
    assert {k: type(v) for k, v in back.ai_insights.items()} == {k: type(v) for k, v in blob.items()}
    assert back.content_hash == contact(1, ai_insights=blob).content_hash


# --- reads --------------------------------------------------------------------------------------------------------


def test_read_all_streams_batches_in_code_point_key_order(store: Store) -> None:
    keys = ["b", "B", "a10", "a2", "a", "é", "e", "Z", "😀", "ß", "ｚ", "_", "0", "a1"]  # noqa: RUF001 (fullwidth z)
    store.upsert(RELATIONSHIPS, [relationship(i, relationship_id=k) for i, k in enumerate(keys)])

    stream = store.read_all(RELATIONSHIPS, batch_size=4)
    batches = list(stream)

    assert isinstance(stream, Iterator)
    assert [len(b) for b in batches] == [4, 4, 4, 2]
    assert [r.key for b in batches for r in b] == sorted(keys)  # Python orders str by code point


def test_read_all_of_an_empty_table_yields_nothing(store: Store) -> None:
    assert list(store.read_all(BUSINESSES)) == []


# --- upsert -------------------------------------------------------------------------------------------------------


def test_upserting_the_same_rows_again_changes_nothing(store: Store) -> None:
    records = [contact(i) for i in range(12)]
    first = store.upsert(CONTACTS, records)
    before = read_all(store, CONTACTS)

    second = store.upsert(CONTACTS, records)

    assert (first.changed, second.changed) == (12, 0)
    assert second == WriteResult(submitted=12, changed=0)
    after = read_all(store, CONTACTS)
    assert after == before
    assert [r.updated_at for r in after] == [r.updated_at for r in before]


def test_upsert_updates_changed_rows_and_inserts_new_ones(store: Store) -> None:
    store.upsert(CONTACTS, [contact(i) for i in range(6)])
    edits = [
        contact(0),  # unchanged
        contact(1, canonical_name="Renamed"),
        contact(2, ai_insights={"score": 99}),
        contact(3, sync_metadata={"source": "elsewhere"}),  # not hashed, but still written
        contact(10),  # new
    ]

    result = store.upsert(CONTACTS, edits)

    assert result == WriteResult(submitted=5, changed=4)
    by_key = {r.key: r for r in read_all(store, CONTACTS)}
    assert len(by_key) == 7
    assert by_key["contact-001"].canonical_name == "Renamed"
    assert by_key["contact-002"].ai_insights == {"score": 99}
    assert by_key["contact-003"].sync_metadata == {"source": "elsewhere"}
    assert by_key["contact-010"] == contact(10)


def test_upsert_can_set_a_field_back_to_null(store: Store) -> None:
    store.upsert(BUSINESSES, [business(1)])

    result = store.upsert(BUSINESSES, [business(1, website=None, business_data=None)])

    assert result.changed == 1
    (back,) = read_all(store, BUSINESSES)
    assert (back.website, back.business_data) == (None, None)


def test_a_key_given_twice_keeps_its_last_record(store: Store) -> None:
    result = store.upsert(CONTACTS, [contact(1, canonical_name="first"), contact(1, canonical_name="last")])

    assert result.failures == ()
    assert [r.canonical_name for r in read_all(store, CONTACTS)] == ["last"]


def test_upsert_of_nothing_does_nothing(store: Store) -> None:
    assert store.upsert(CONTACTS, []) == WriteResult()
    assert store.delete(CONTACTS, []) == WriteResult()


# --- incremental reads --------------------------------------------------------------------------------------------


def test_read_changed_returns_the_rows_written_after_the_watermark(store: Store) -> None:
    store.upsert(CONTACTS, [contact(i) for i in range(8)])
    watermark = max(r.updated_at for r in read_all(store, CONTACTS))

    store.upsert(CONTACTS, [contact(1), contact(2, canonical_name="changed"), contact(20), contact(21)])

    changed = [r for batch in store.read_changed(CONTACTS, watermark, batch_size=2) for r in batch]
    assert sorted(keys_of(changed)) == ["contact-002", "contact-020", "contact-021"]
    assert all(r.updated_at > watermark for r in changed)
    stamps = [(r.updated_at, r.key) for r in changed]
    assert stamps == sorted(stamps)


def test_read_changed_without_a_watermark_returns_everything_in_stamp_order(store: Store) -> None:
    store.upsert(BUSINESSES, [business(3), business(1)])
    store.upsert(BUSINESSES, [business(2)])

    every = [r for batch in store.read_changed(BUSINESSES, None) for r in batch]

    assert sorted(keys_of(every)) == ["business-001", "business-002", "business-003"]
    assert keys_of(every)[-1] == "business-002"
    assert [(r.updated_at, r.key) for r in every] == sorted((r.updated_at, r.key) for r in every)


def test_read_changed_after_the_last_write_is_empty(store: Store) -> None:
    store.upsert(RELATIONSHIPS, [relationship(i) for i in range(3)])
    watermark = max(r.updated_at for r in read_all(store, RELATIONSHIPS))

    assert list(store.read_changed(RELATIONSHIPS, watermark)) == []


# --- delete -------------------------------------------------------------------------------------------------------


def test_delete_removes_rows_by_key_and_ignores_missing_keys(store: Store) -> None:
    store.upsert(RELATIONSHIPS, [relationship(i) for i in range(9)])

    result = store.delete(RELATIONSHIPS, (f"rel-{i:03d}" for i in (0, 4, 8, 99)))

    assert result == WriteResult(submitted=4, changed=3)
    assert keys_of(read_all(store, RELATIONSHIPS)) == [f"rel-{i:03d}" for i in (1, 2, 3, 5, 6, 7)]


# --- per-row failures ---------------------------------------------------------------------------------------------

BAD_ROWS = {
    # text that no store can encode: a lone surrogate, as a broken UTF-16 source leaves it
    "lone surrogate": (contact(50, canonical_name="broken \ud83d name"), "canonical_name"),
    "surrogate in JSON": (contact(51, ai_insights={"note": "x\udc00"}), "ai_insights"),
    # refused by the server itself: NULL in a required (NOT NULL / REQUIRED) column
    "NULL in required field": (contact(52, canonical_name=None), "canonical_name"),
}


@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_a_row_that_fails_is_reported_with_its_key_and_reason_and_the_others_are_written(
    store: Store, case: str
) -> None:
    bad, field = BAD_ROWS[case]
    good = [contact(i) for i in range(7)]

    result = store.upsert(CONTACTS, [*good[:3], bad, *good[3:]])

    assert result.submitted == 8
    assert result.changed == 7
    assert [f.key for f in result.failures] == [bad.key]
    assert field in result.failures[0].reason
    assert keys_of(read_all(store, CONTACTS)) == keys_of(good)


def test_several_bad_rows_in_several_batches_are_all_found(store: Store) -> None:
    records = [contact(i, canonical_name=None) if i % 4 == 1 else contact(i) for i in range(13)]

    result = store.upsert(CONTACTS, records)

    assert sorted(result.failed_keys) == [f"contact-{i:03d}" for i in (1, 5, 9)]
    assert all(isinstance(f, RowFailure) and f.reason for f in result.failures)
    assert len(read_all(store, CONTACTS)) == 10
    assert result.changed == 10


# --- streaming ----------------------------------------------------------------------------------------------------

BIG = 100_000


@pytest.mark.parametrize("kind", ["local", "postgres", "bigquery"])
def test_upsert_takes_a_generator_of_100k_rows_one_chunk_at_a_time(make_store: Any, kind: str) -> None:
    chunk = 20_000
    store = make_store(kind, write_batch_size=chunk, read_batch_size=25_000)
    pulled = 0

    def rows() -> Iterator[Relationship]:
        nonlocal pulled
        for i in range(BIG):
            pulled += 1
            yield Relationship(relationship_id=f"r{i:06d}", contact_id=f"c{i}", business_id=f"b{i % 100}")

    seen_at_each_chunk: list[tuple[int, int]] = []
    write_chunk = store._write_chunk

    def spy(entity: Entity[Any], prepared: list[Any]) -> Any:
        seen_at_each_chunk.append((pulled, len(prepared)))
        return write_chunk(entity, prepared)

    store._write_chunk = spy

    result = store.upsert(RELATIONSHIPS, rows())

    assert result == WriteResult(submitted=BIG, changed=BIG)
    # each chunk was written as soon as it was full: the generator was never more than one chunk ahead
    assert seen_at_each_chunk == [(chunk * (n + 1), chunk) for n in range(BIG // chunk)]
    sizes = [len(batch) for batch in store.read_all(RELATIONSHIPS)]
    assert sizes == [25_000] * 4


# --- capabilities -------------------------------------------------------------------------------------------------


def test_every_store_satisfies_the_protocol(store: Store) -> None:
    assert isinstance(store, Store)


def test_only_bigquery_computes_hashes_in_sql(make_store: Any) -> None:
    kinds = {kind: isinstance(make_store(kind), SupportsKeyHashes) for kind in ("local", "postgres", "bigquery")}
    assert kinds == {"local": False, "postgres": False, "bigquery": True}


def test_watermarks_are_aware_utc_datetimes(store: Store) -> None:
    before = datetime.now(UTC)
    store.upsert(CONTACTS, [contact(1)])

    (back,) = read_all(store, CONTACTS)

    assert back.updated_at is not None
    assert back.updated_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert abs((back.updated_at - before).total_seconds()) < 300
