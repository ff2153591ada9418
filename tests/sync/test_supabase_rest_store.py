"""The Supabase REST store, through supabase-py, against a minimal PostgREST stand-in (``tests/services/
fake_postgrest.py``) on the real test PostgreSQL — tables created by ``PostgresStore.ensure_schema``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from services.fake_postgrest import FakePostgrest
from services.postgres import PostgresServer
from twenty_sync._records import CONTACTS, RELATIONSHIPS
from twenty_sync.stores import PostgresStore, Store, SupabaseRestStore, WriteResult

from .test_stores import contact, relationship, unusual_records

KEY = "sb_secret_test_only_0123456789"


@pytest.fixture
def rest(postgres_server: PostgresServer) -> Iterator[tuple[SupabaseRestStore, FakePostgrest]]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    PostgresStore(postgres_server.conninfo, schema=schema).ensure_schema()
    fake = FakePostgrest(postgres_server.conninfo)
    http = httpx.Client(transport=fake.transport())
    store = SupabaseRestStore.connect(
        "http://project.supabase.test", KEY, schema=schema, http_client=http, read_batch_size=3, write_batch_size=4
    )
    yield store, fake
    http.close()
    fake.close()
    with psycopg.connect(postgres_server.conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def everything(store: Store, entity: Any) -> list[Any]:
    return [r for batch in store.read_all(entity) for r in batch]


def test_round_trip_over_rest(rest: tuple[SupabaseRestStore, FakePostgrest]) -> None:
    store, fake = rest
    records = unusual_records(CONTACTS)

    result = store.upsert(CONTACTS, records)

    assert (result.submitted, result.failures) == (len(records), ())
    assert everything(store, CONTACTS) == sorted(records, key=lambda r: r.key)
    assert all(r.startswith(("GET /rest/v1/contacts", "POST /rest/v1/contacts")) for r in fake.requests)


def test_pages_by_key_and_reads_changes_after_a_watermark(rest: tuple[SupabaseRestStore, FakePostgrest]) -> None:
    store, _ = rest
    keys = ["b", "a,comma", 'q"uote', "é", "a", "Z", "z(paren)"]
    store.upsert(RELATIONSHIPS, [relationship(i, relationship_id=k) for i, k in enumerate(keys)])
    pages = list(store.read_all(RELATIONSHIPS))
    watermark = max(r.updated_at for page in pages for r in page)

    store.upsert(
        RELATIONSHIPS, [relationship(0, relationship_id="b"), relationship(9, relationship_id="a", role="new")]
    )

    assert [len(p) for p in pages] == [3, 3, 1]
    assert [r.key for p in pages for r in p] == sorted(keys)
    changed = [r.key for batch in store.read_changed(RELATIONSHIPS, watermark) for r in batch]
    assert changed == ["a"]  # "b" was sent again unchanged: the trigger kept its stamp
    assert len([r for batch in store.read_changed(RELATIONSHIPS, None) for r in batch]) == len(keys)


def test_a_refused_row_is_found_and_the_others_are_written(rest: tuple[SupabaseRestStore, FakePostgrest]) -> None:
    store, _ = rest
    records = [contact(i, canonical_name=None) if i == 5 else contact(i) for i in range(9)]

    result = store.upsert(CONTACTS, records)

    assert [f.key for f in result.failures] == ["contact-005"]
    assert "canonical_name" in result.failures[0].reason
    assert len(everything(store, CONTACTS)) == 8


def test_delete_over_rest(rest: tuple[SupabaseRestStore, FakePostgrest]) -> None:
    store, _ = rest
    store.upsert(RELATIONSHIPS, [relationship(i, relationship_id=k) for i, k in enumerate(["x", "y,1", "z"])])

    result = store.delete(RELATIONSHIPS, ["y,1", "z", "missing"])

    assert result == WriteResult(submitted=3, changed=2)
    assert [r.key for r in everything(store, RELATIONSHIPS)] == ["x"]


def test_the_key_stays_out_of_the_repr(rest: tuple[SupabaseRestStore, FakePostgrest]) -> None:
    store, _ = rest
    assert KEY not in repr(store)
    store.ensure_schema()  # the tables answer
