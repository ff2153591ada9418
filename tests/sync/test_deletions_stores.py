"""The deletion-mark contract (``SupportsDeletionMarks``: ``mark_deleted`` / ``deleted_marks``), run against every
store on a real server, as ``test_stores.py`` runs the rest of the contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from twenty_sync._records import BUSINESSES, CONTACTS, RELATIONSHIPS
from twenty_sync.stores import Store, SupportsDeletionMarks

from .test_stores import business, contact, relationship

AT = datetime(2026, 12, 4, 18, 55, 40, 806000, tzinfo=UTC)  # Twenty's deletedAt has millisecond precision


def marks(store: Any, entity: Any) -> list[tuple[str, datetime]]:
    return [m for batch in store.deleted_marks(entity) for m in batch]


def everything(store: Store, entity: Any) -> list[Any]:
    return [r for batch in store.read_all(entity) for r in batch]


def test_every_store_supports_deletion_marks(store: Store) -> None:
    assert isinstance(store, SupportsDeletionMarks)


def test_a_mark_is_read_back_in_key_order_with_its_moment(store: Any) -> None:
    store.upsert(CONTACTS, [contact(i) for i in range(7)])
    result = store.mark_deleted(CONTACTS, [("contact-005", AT), ("contact-001", AT + timedelta(seconds=1))])
    assert (result.submitted, result.changed) == (2, 2)
    assert marks(store, CONTACTS) == [("contact-001", AT + timedelta(seconds=1)), ("contact-005", AT)]


def test_a_mark_leaves_the_rows_fields_and_content_hash_alone(store: Any) -> None:
    store.upsert(BUSINESSES, [business(1), business(2)])
    before = {b.key: b.content_hash for b in everything(store, BUSINESSES)}
    store.mark_deleted(BUSINESSES, [("business-001", AT)])
    after = everything(store, BUSINESSES)
    assert [b.key for b in after] == ["business-001", "business-002"]
    assert {b.key: b.content_hash for b in after} == before


def test_a_mark_cleared_with_none_is_gone(store: Any) -> None:
    store.upsert(CONTACTS, [contact(1), contact(2)])
    store.mark_deleted(CONTACTS, [("contact-001", AT), ("contact-002", AT)])
    result = store.mark_deleted(CONTACTS, [("contact-001", None)])
    assert result.changed == 1
    assert marks(store, CONTACTS) == [("contact-002", AT)]


def test_marking_a_key_without_a_row_creates_nothing(store: Any) -> None:
    store.upsert(RELATIONSHIPS, [relationship(1)])
    result = store.mark_deleted(RELATIONSHIPS, [("rel-404", AT)])
    assert (result.submitted, result.changed, result.failures) == (1, 0, ())
    assert [r.key for r in everything(store, RELATIONSHIPS)] == ["rel-001"]
    assert marks(store, RELATIONSHIPS) == []


def test_the_same_mark_again_changes_no_row(store: Any) -> None:
    store.upsert(CONTACTS, [contact(1)])
    store.mark_deleted(CONTACTS, [("contact-001", AT)])
    assert store.mark_deleted(CONTACTS, [("contact-001", AT)]).changed == 0
    assert store.mark_deleted(CONTACTS, [("contact-001", AT + timedelta(milliseconds=1))]).changed == 1


def test_an_upsert_leaves_a_mark_alone(store: Any) -> None:
    store.upsert(CONTACTS, [contact(1), contact(2)])
    store.mark_deleted(CONTACTS, [("contact-001", AT)])
    store.upsert(CONTACTS, [attrs.evolve(contact(1), canonical_name="Renamed"), contact(2)])
    assert marks(store, CONTACTS) == [("contact-001", AT)]


def test_a_mark_is_a_change_of_the_row_read_changed_sees(store: Any) -> None:
    store.upsert(CONTACTS, [contact(1), contact(2)])
    (batch,) = store.read_changed(CONTACTS, None)
    watermark = max(r.updated_at for r in batch)
    store.mark_deleted(CONTACTS, [("contact-002", AT)])
    changed = [r.key for b in store.read_changed(CONTACTS, watermark) for r in b]
    assert changed == ["contact-002"]


def test_marks_stream_in_batches(store: Any) -> None:
    store.upsert(CONTACTS, [contact(i) for i in range(9)])
    store.mark_deleted(CONTACTS, [(f"contact-{i:03d}", AT) for i in range(9)])
    batches = list(store.deleted_marks(CONTACTS, batch_size=4))
    assert [len(b) for b in batches] == [4, 4, 1]
    assert [k for b in batches for k, _ in b] == [f"contact-{i:03d}" for i in range(9)]


def test_a_local_table_made_before_deleted_at_gets_it_when_first_marked(tmp_path: Any) -> None:
    from twenty_sync.stores import LocalStore

    old = LocalStore(tmp_path / "old.sqlite3")
    old.ensure_schema()
    old.upsert(CONTACTS, [contact(1)])
    old._conn.execute('ALTER TABLE contacts DROP COLUMN "deleted_at"')  # as an earlier version made it
    old.close()
    store = LocalStore(tmp_path / "old.sqlite3")

    assert store.mark_deleted(CONTACTS, [("contact-001", AT)]).changed == 1
    assert marks(store, CONTACTS) == [("contact-001", AT)]
    store.close()


def test_a_postgres_table_made_before_deleted_at_gets_it_from_ensure_schema(make_store: Any) -> None:
    store = make_store("postgres")
    store.upsert(CONTACTS, [contact(1)])
    with store.connection.transaction():
        store.connection.execute(f'ALTER TABLE "{store.schema}".contacts DROP COLUMN deleted_at')

    store.ensure_schema()

    assert store.mark_deleted(CONTACTS, [("contact-001", AT)]).changed == 1
    assert [k for k, _ in marks(store, CONTACTS)] == ["contact-001"]
