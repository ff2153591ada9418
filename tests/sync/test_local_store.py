"""What only the embedded SQLite store does: an injected clock for its stamps, a file that outlives the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from twenty_sync._records import CONTACTS
from twenty_sync.stores import LocalStore

from .test_stores import contact


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
