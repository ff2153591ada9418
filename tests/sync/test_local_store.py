"""What only the embedded SQLite store does: an injected clock for its stamps, a file that outlives the store, the
content hash it stores with each row (and the migration of files written before it did)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from twenty_sync import StateRow, SyncState
from twenty_sync._plan import Planner
from twenty_sync._records import CONTACTS, ENTITIES, Contact, Entity
from twenty_sync.stores import LocalStore
from twenty_sync.stores._batching import prepare

from .test_stores import contact, unusual_records


class StoppedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def test_stamps_come_from_the_injected_clock_and_only_move_forward(tmp_path: Path) -> None:
    clock = StoppedClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    store = LocalStore(tmp_path / "s.sqlite3", clock=clock)
    store.ensure_schema()

    store.upsert(CONTACTS, [contact(1)])
    store.upsert(CONTACTS, [contact(2)])  # the clock has not moved
    clock.moment -= timedelta(hours=1)  # ... or goes back
    store.upsert(CONTACTS, [contact(3)])

    stamps = [r.updated_at for batch in store.read_all(CONTACTS) for r in batch]
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert stamps == [start, start + timedelta(microseconds=1), start + timedelta(microseconds=2)]


def test_rows_persist_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    first = LocalStore(path)
    first.ensure_schema()
    first.upsert(CONTACTS, [contact(1), contact(2)])
    first.close()

    again = LocalStore(path)
    again.ensure_schema()  # idempotent

    assert [r.key for batch in again.read_all(CONTACTS) for r in batch] == ["contact-001", "contact-002"]


def test_a_watermark_must_carry_a_time_zone(tmp_path: Path) -> None:
    store = LocalStore(":memory:")
    store.ensure_schema()

    with pytest.raises(ValueError, match="time zone"):
        list(store.read_changed(CONTACTS, datetime(2026, 1, 1)))


def test_tables_can_be_renamed(tmp_path: Path) -> None:
    store = LocalStore(":memory:", tables={"contacts": "crm_contacts"})
    store.ensure_schema()
    store.upsert(CONTACTS, [contact(1)])

    (count,) = store._conn.execute("SELECT count(*) FROM crm_contacts").fetchone()
    assert count == 1


# --- the stored content hash --------------------------------------------------------------------------------------


def stored_hashes(store: LocalStore, entity: Entity[Any]) -> dict[str, str]:
    return {row.key: row.content_hash for rows in store.read_rows(entity) for row in rows}


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_read_rows_gives_each_rows_content_hash_and_record(tmp_path: Path, entity: Entity[Any]) -> None:
    store = LocalStore(tmp_path / "s.sqlite3", read_batch_size=3)
    store.ensure_schema()
    records = unusual_records(entity)
    store.upsert(entity, records)

    rows = [row for batch in store.read_rows(entity) for row in batch]

    expected = sorted(records, key=lambda r: r.key)
    assert [(row.key, row.content_hash) for row in rows] == [(r.key, r.content_hash) for r in expected]
    assert [row.record for row in rows] == [r for batch in store.read_all(entity) for r in batch] == expected


def test_the_stored_hash_follows_updates_and_ignores_sync_metadata(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s.sqlite3")
    store.ensure_schema()
    store.upsert(CONTACTS, [contact(1), contact(2)])

    renamed, bookkept = contact(1, canonical_name="Renamed"), contact(2, sync_metadata={"run": 99})
    store.upsert(CONTACTS, [renamed, bookkept])

    assert stored_hashes(store, CONTACTS) == {
        "contact-001": renamed.content_hash,
        "contact-002": contact(2).content_hash,
    }


# The layout of a contacts table before content_hash existed (as ensure_schema created it then).
OLD_CONTACTS_TABLE = """
CREATE TABLE "contacts" ("contact_id" TEXT NOT NULL PRIMARY KEY, "canonical_name" TEXT NOT NULL,
  "contact_identifiers" TEXT, "category_code" TEXT, "subcategory_code" TEXT, "relationship_category" TEXT,
  "llm_context" TEXT, "communication_stats" TEXT, "social_network" TEXT, "ai_insights" TEXT, "recommendations" TEXT,
  "sync_metadata" TEXT, "updated_at" TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX "contacts_updated_at" ON "contacts" (updated_at, "contact_id");
"""
OLD_STAMP = "2026-02-01T10:00:00.000000+00:00"


def write_old_file(path: Path, records: list[Contact]) -> None:
    """A store file as the version before content_hash wrote it, made by hand."""
    conn = sqlite3.connect(path)
    conn.executescript(OLD_CONTACTS_TABLE)
    rows, _ = prepare(CONTACTS, records)
    conn.executemany(f"INSERT INTO contacts VALUES ({', '.join('?' * 13)})", [(*r.values, OLD_STAMP) for r in rows])
    conn.commit()
    conn.close()


def old_upsert(path: Path, record: Contact) -> None:
    """A write as the version before content_hash makes it (it knows nothing of the column)."""
    (row,), _ = prepare(CONTACTS, [record])
    names = CONTACTS.field_names
    conn = sqlite3.connect(path)
    conn.execute(
        f"INSERT INTO contacts ({', '.join(names)}, updated_at) VALUES ({', '.join('?' * 13)}) "
        f"ON CONFLICT (contact_id) DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in names[1:])}",
        (*row.values, OLD_STAMP),
    )
    conn.commit()
    conn.close()


def test_a_file_written_before_content_hash_opens_and_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = [contact(1), contact(2), contact(3, llm_context=None)]
    write_old_file(path, old)

    store = LocalStore(path)  # no ensure_schema: reading is enough to migrate

    assert [r for batch in store.read_all(CONTACTS) for r in batch] == old
    assert store._columns("contacts") >= {"content_hash"}
    (filled,) = store._conn.execute("SELECT count(*) FROM contacts WHERE content_hash IS NOT NULL").fetchone()
    assert filled == 3
    assert stored_hashes(store, CONTACTS) == {r.key: r.content_hash for r in old}
    assert [r.updated_at for batch in store.read_all(CONTACTS) for r in batch] == [
        datetime.fromisoformat(OLD_STAMP)
    ] * 3


def test_a_migrated_file_takes_writes_and_ensure_schema(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    write_old_file(path, [contact(1), contact(2)])
    store = LocalStore(path)
    store.ensure_schema()

    result = store.upsert(CONTACTS, [contact(1), contact(2, canonical_name="Two"), contact(3)])

    assert result.changed == 2
    assert stored_hashes(store, CONTACTS) == {
        r.key: r.content_hash for r in (contact(1), contact(2, canonical_name="Two"), contact(3))
    }
    assert [batch[0].key for batch in store.read_changed(CONTACTS, datetime.fromisoformat(OLD_STAMP))] == [
        "contact-002"
    ]


def test_a_hash_left_behind_by_an_older_writer_is_never_used(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = LocalStore(path)
    store.ensure_schema()
    store.upsert(CONTACTS, [contact(1), contact(2)])

    renamed, new = contact(1, canonical_name="Renamed by an old version"), contact(3)
    old_upsert(path, renamed)  # changes a hashed field without updating content_hash: the trigger clears it
    old_upsert(path, new)  # inserts without a hash
    old_upsert(path, contact(2, sync_metadata={"run": 5}))  # an unhashed field: the hash stays

    nulls = {k for (k,) in store._conn.execute("SELECT contact_id FROM contacts WHERE content_hash IS NULL")}
    assert nulls == {"contact-001", "contact-003"}
    assert stored_hashes(store, CONTACTS) == {r.key: r.content_hash for r in (renamed, contact(2), new)}


def test_a_read_only_file_written_before_content_hash_is_read_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = [contact(1), contact(2)]
    write_old_file(path, old)
    store = LocalStore(path)
    store._conn.execute("PRAGMA query_only = ON")  # as a file opened read-only (root ignores file modes)

    assert [r for batch in store.read_all(CONTACTS) for r in batch] == old
    assert stored_hashes(store, CONTACTS) == {r.key: r.content_hash for r in old}
    assert "content_hash" not in store._columns("contacts")


def test_the_plan_decodes_only_the_rows_whose_hash_changed(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s.sqlite3", read_batch_size=2)
    store.ensure_schema()
    store.upsert(CONTACTS, [contact(i) for i in range(1, 6)])
    state = SyncState(":memory:")
    known = {1: contact(1).content_hash, 2: "old", 3: contact(3).content_hash}
    state.record("contacts", [StateRow(f"contact-{i:03d}", h, "p", f"id-{i}") for i, h in known.items()])
    decoded: list[str] = []
    decode = store._decoder(CONTACTS)

    def spy(row: Any) -> Any:
        decoded.append(row[0])
        return decode(row)

    store._decoders["contacts"] = spy

    changes = list(Planner(state).changes(store, CONTACTS))

    assert [(c.op, c.key, c.record is not None) for c in changes] == [
        ("unchanged", "contact-001", False),
        ("update", "contact-002", True),
        ("unchanged", "contact-003", False),
        ("create", "contact-004", True),
        ("create", "contact-005", True),
    ]
    assert decoded == ["contact-002", "contact-004", "contact-005"]
    assert changes[1].record == contact(2)


def test_json_text_written_by_another_tool_is_read_and_nan_is_refused(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s.sqlite3")
    store.ensure_schema()
    store.upsert(CONTACTS, [contact(1)])
    store._conn.execute("UPDATE contacts SET ai_insights = ' { \"b\" : [1, 2.5] } '")

    (row,) = (row for batch in store.read_rows(CONTACTS) for row in batch)

    assert row.record.ai_insights == {"b": [1, 2.5]}
    assert row.content_hash == contact(1, ai_insights={"b": [1, 2.5]}).content_hash  # the trigger cleared the hash
    store._conn.execute("UPDATE contacts SET ai_insights = '{\"x\":NaN}'")
    with pytest.raises(ValueError, match="NaN is not a JSON number"):
        list(store.read_all(CONTACTS))
