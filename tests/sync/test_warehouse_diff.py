"""The in-warehouse diff (``SupportsStateDiff``, BigQuery on bqemulator): the state's (key, hash) pairs are copied
into the dataset and the join runs there, so only rows that differ leave the warehouse. The copy is a cache: kept up
to date from the state's changes, rebuilt when it is gone, and never the judge of a write."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from twenty_sync import BUSINESSES, CONTACTS, SyncState
from twenty_sync.stores import DiffRow, KeyHash, SupportsStateDiff

from .test_engine import BATCH_ROUTE, World, contact, load, record_requests, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("bigquery_emulator")


def diff(store: Any, entity: Any, mirror: str) -> tuple[int, list[DiffRow]]:
    total, batches = store.diff_mirror(entity, mirror, batch_size=3)
    return total, [row for batch in batches for row in batch]


class RowCounter:
    """Wraps a store's ``diff_mirror`` to count the rows that leave the warehouse, and its load jobs."""

    def __init__(self, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rows = 0
        self.loads = 0
        inner_diff, inner_load = store.diff_mirror, store.client.load_table_from_file

        def diff_mirror(*args: Any, **kwargs: Any) -> tuple[int, Iterator[list[DiffRow]]]:
            total, batches = inner_diff(*args, **kwargs)

            def counted() -> Iterator[list[DiffRow]]:
                for batch in batches:
                    self.rows += len(batch)
                    yield batch

            return total, counted()

        def load(*args: Any, **kwargs: Any) -> Any:
            self.loads += 1
            return inner_load(*args, **kwargs)

        def no_full_read(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("the whole table was read")

        monkeypatch.setattr(store, "diff_mirror", diff_mirror)
        monkeypatch.setattr(store.client, "load_table_from_file", load)
        monkeypatch.setattr(store, "read_all", no_full_read)
        monkeypatch.setattr(store, "key_hashes", no_full_read)


# --- the store's side ---------------------------------------------------------------------------------------------


def test_bigquery_diffs_against_a_copy_of_the_state(make_store: Callable[..., Any]) -> None:
    store = make_store("bigquery")
    capable: object = store
    assert isinstance(capable, SupportsStateDiff)
    store.upsert(CONTACTS, [contact(i) for i in range(6)])
    hashes = {c.key: c.content_hash for c in (contact(i) for i in range(6))}
    assert not store.mirror_exists(CONTACTS, "m1")

    copy = [KeyHash(k, h) for k, h in hashes.items() if k != "C-00002"]  # C-00002 never synced
    copy[0] = KeyHash(copy[0].key, "an-older-hash")  # C-00000 changed since
    copy.append(KeyHash("C-00099", "gone-from-the-store"))
    store.write_mirror(CONTACTS, "m1", iter(copy), (), replace=True)

    total, rows = diff(store, CONTACTS, "m1")
    assert store.mirror_exists(CONTACTS, "m1")
    assert total == 6
    assert [(r.key, r.record is not None) for r in rows] == [("C-00000", True), ("C-00002", True), ("C-00099", False)]
    assert rows[0].record == contact(0)  # the whole row, as read_all returns it
    assert rows[0].record.content_hash == hashes["C-00000"]


def test_a_delta_upserts_and_deletes_in_the_copy(make_store: Callable[..., Any]) -> None:
    store = make_store("bigquery")
    store.upsert(CONTACTS, [contact(i) for i in range(3)])
    store.write_mirror(CONTACTS, "m2", [KeyHash("C-00000", "x"), KeyHash("C-00009", "y")], (), replace=True)

    fixed = [KeyHash(f"C-{i:05d}", contact(i).content_hash) for i in range(3)]
    store.write_mirror(CONTACTS, "m2", iter(fixed), iter(["C-00009"]), replace=False)

    assert diff(store, CONTACTS, "m2") == (3, [])
    store.write_mirror(CONTACTS, "m2", (), (), replace=False)  # nothing to do: no job, no error
    assert diff(store, CONTACTS, "m2") == (3, [])


def test_a_replace_on_an_empty_state_gives_an_empty_copy(make_store: Callable[..., Any]) -> None:
    store = make_store("bigquery")
    store.upsert(CONTACTS, [contact(1)])
    store.write_mirror(CONTACTS, "m3", [KeyHash("C-00001", contact(1).content_hash)], (), replace=True)
    store.write_mirror(CONTACTS, "m3", (), (), replace=True)

    total, rows = diff(store, CONTACTS, "m3")
    assert (total, [r.key for r in rows]) == (1, ["C-00001"])


@pytest.mark.parametrize("name", ["", "a-b", "x" * 65, "a`b"])
def test_mirror_names_are_plain_identifiers(make_store: Callable[..., Any], name: str) -> None:
    store = make_store("bigquery")
    with pytest.raises(ValueError, match="mirror name"):
        store.mirror_exists(CONTACTS, name)


# --- the state's side ---------------------------------------------------------------------------------------------


def test_state_changes_since_and_its_id(tmp_path: Any) -> None:
    from twenty_sync import StateRow

    state = SyncState(tmp_path / "s.sqlite3")
    state_id = state.state_id
    state.record("contacts", [StateRow("a", "h1", "p1", "id-a"), StateRow("b", "h2", "p2", "id-b")])
    mark = state.now()
    state.record("contacts", [StateRow("c", "h3", "p3", "id-c")])
    state.forget("contacts", ["a"])
    state.forget("contacts", ["c"])
    state.record("contacts", [StateRow("c", "h4", "p4", "id-c2")])  # forgotten, then synced again

    rows, gone = state.changes_since("contacts", mark)
    assert [(r.key, r.source_hash) for r in rows] == [("c", "h4")]
    assert list(gone) == ["a"]
    everything, none = state.changes_since("contacts", None)
    assert [r.key for r in everything] == ["b", "c"]
    assert list(none) == []
    state.close()
    assert SyncState(tmp_path / "s.sqlite3").state_id == state_id  # fixed for the file's life
    assert SyncState(tmp_path / "other.sqlite3").state_id != state_id


# --- the engine over it -------------------------------------------------------------------------------------------


def test_only_the_changed_rows_leave_the_warehouse(
    world: World,  # noqa: F811
    make_store: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = make_store("bigquery")
    load(store, 3, 30, 0)
    world.engine().run(store, entities=(BUSINESSES, CONTACTS))

    store.upsert(CONTACTS, [contact(4, category_code="VIP"), contact(7, canonical_name="Grace Hopper")])
    store.upsert(CONTACTS, [contact(40)])
    counter = RowCounter(store, monkeypatch)
    world.emulator.reset_counts()
    report = world.engine().run(store, entities=(BUSINESSES, CONTACTS))

    assert counter.rows == 3  # two updates and a create; 30 unchanged rows stayed in BigQuery
    assert counter.loads == 1  # after the push, one upload of the 3 rows' new hashes into the copy
    assert report.entity("contacts").counts == Counter({"unchanged": 28, "updated": 2, "created": 1})
    assert report.entity("businesses").counts == Counter({"unchanged": 3})
    assert world.counts()[BATCH_ROUTE] == 1
    people = {p["contactId"]: p for p in world.records("people")}
    assert people["C-00007"]["name"]["firstName"] == "Grace"
    assert "C-00040" in people

    counter.rows = counter.loads = 0
    world.emulator.reset_counts()
    again = world.engine().run(store, entities=(BUSINESSES, CONTACTS))
    assert again.written == 0
    assert counter.rows == 0
    assert counter.loads == 0  # the copy was up to date: no job but the diff itself
    assert record_requests(world.counts()) == 0


def test_a_lost_copy_is_rebuilt_and_a_stale_one_costs_reads_not_writes(
    world: World,  # noqa: F811
    make_store: Callable[..., Any],
) -> None:
    store = make_store("bigquery")
    load(store, 0, 12, 0)
    engine = world.engine()
    engine.run(store, entities=(CONTACTS,))
    mirror_ref = store._mirror_ref(CONTACTS, world.state.state_id)

    store.client.delete_table(mirror_ref)  # expired, dropped by someone
    world.emulator.reset_counts()
    assert engine.run(store, entities=(CONTACTS,)).written == 0
    assert store.mirror_exists(CONTACTS, world.state.state_id)
    assert diff(store, CONTACTS, world.state.state_id) == (12, [])

    store.write_mirror(CONTACTS, world.state.state_id, [KeyHash("C-00003", "stale")], ["C-00004"], replace=False)
    report = engine.run(store, entities=(CONTACTS,))
    assert report.written == 0  # both rows were read back and found unchanged against the state itself
    assert record_requests(world.counts()) == 0


def test_deletes_reach_the_copy_and_a_key_coming_back_is_created(
    world: World,  # noqa: F811
    make_store: Callable[..., Any],
) -> None:
    store = make_store("bigquery")
    load(store, 0, 5, 0)
    engine = world.engine()
    engine.run(store, entities=(CONTACTS,))
    store.delete(CONTACTS, ["C-00002"])

    gone = engine.run(store, entities=(CONTACTS,), apply_deletes=True)
    assert gone.entity("contacts").counts == Counter({"deleted": 1, "unchanged": 4})

    store.upsert(CONTACTS, [contact(2)])  # the same row again
    back = engine.run(store, entities=(CONTACTS,))
    assert back.entity("contacts").counts == Counter({"created": 1, "unchanged": 4})
    assert sorted(p["contactId"] for p in world.records("people")) == [f"C-{i:05d}" for i in range(5)]


def test_the_plan_counts_from_the_diff(world: World, make_store: Callable[..., Any]) -> None:  # noqa: F811
    store = make_store("bigquery")
    load(store, 0, 8, 0)
    engine = world.engine()
    engine.run(store, entities=(CONTACTS,))
    store.upsert(CONTACTS, [contact(1, category_code="VIP"), contact(20)])
    store.delete(CONTACTS, ["C-00005"])

    plan = engine.plan(store, (CONTACTS,))

    assert plan.entities[0].counts == Counter({"unchanged": 6, "update": 1, "create": 1, "delete": 1})
    assert world.state.count("contacts") == 8  # a plan writes nothing to the state's records


def test_one_contact_everywhere_from_bigquery_reads_only_what_changed(
    world: World,  # noqa: F811
    make_store: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from twenty_sync.stores import LocalStore

    store = make_store("bigquery")
    load(store, 0, 20, 0)
    engine = world.engine()
    engine.run(store, entities=(CONTACTS,))
    store.upsert(CONTACTS, [contact(3, category_code="VIP"), contact(4, category_code="VIP")])
    app = LocalStore(world.tmp / "app.sqlite3")
    app.ensure_schema()
    counter = RowCounter(store, monkeypatch)
    world.recorder.batches.clear()

    pushed, pulled = engine.sync_contact_to_all("C-00003", store, app)

    assert counter.rows == 2  # the two changed rows left BigQuery; the 18 others did not
    assert [[p["contactId"] for p in rows] for _, rows in world.recorder.batches] == [["C-00003"]]
    assert pushed.entity("contacts").counts["updated"] == 1
    assert pulled.entity("contacts").counts["updated"] == 1  # written to the app (the state knew the record)
    assert [c.category_code for batch in app.read_all(CONTACTS) for c in batch] == ["VIP"]
    app.close()


def test_a_run_killed_while_the_copy_is_rebuilt_recovers(
    world: World,  # noqa: F811
    make_store: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = make_store("bigquery")
    load(store, 0, 10, 0)
    engine = world.engine()
    engine.run(store, entities=(CONTACTS,))
    store.client.delete_table(store._mirror_ref(CONTACTS, world.state.state_id))  # the next run rebuilds it
    inner = store._load_lines

    def die_after_the_ddl(*args: Any, **kwargs: Any) -> int:
        raise KeyboardInterrupt  # killed between CREATE OR REPLACE TABLE and the load: an empty copy is left

    monkeypatch.setattr(store, "_load_lines", die_after_the_ddl)
    with pytest.raises(KeyboardInterrupt):
        engine.run(store, entities=(CONTACTS,))
    monkeypatch.setattr(store, "_load_lines", inner)
    store.upsert(CONTACTS, [contact(2, category_code="VIP")])
    world.emulator.reset_counts()
    counter = RowCounter(store, monkeypatch)

    report = engine.run(store, entities=(CONTACTS,))

    assert report.entity("contacts").counts == Counter({"updated": 1, "unchanged": 9})
    assert counter.rows == 1  # the empty copy was rebuilt, not trusted (else all 10 rows would have been read)
    assert world.counts()[BATCH_ROUTE] == 1
    assert diff(store, CONTACTS, world.state.state_id) == (10, [])


def test_a_new_mapping_reads_every_row_once_then_none(
    world: World,  # noqa: F811
    make_store: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from twenty_sync._mapping import MAPPING_VERSION

    store = make_store("bigquery")
    load(store, 0, 12, 0)
    engine = world.engine()
    engine.run(store, entities=(CONTACTS,))
    world.state.set_meta("mapping_version", "1")
    counter = RowCounter(store, monkeypatch)

    report = engine.run(store)

    assert counter.rows == 12  # every row mapped again
    assert report.written == 0  # same payloads: nothing to send
    assert world.state.meta("mapping_version") == MAPPING_VERSION
    counter.rows = 0
    engine.run(store)
    assert counter.rows == 0  # the copy was put right by the remapping run


def test_a_stale_copy_is_put_right_after_one_read(
    world: World,  # noqa: F811
    make_store: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = make_store("bigquery")
    load(store, 0, 6, 0)
    engine = world.engine()
    engine.run(store, entities=(CONTACTS,))
    store.write_mirror(CONTACTS, world.state.state_id, [KeyHash("C-00001", "stale")], (), replace=False)
    counter = RowCounter(store, monkeypatch)

    engine.run(store, entities=(CONTACTS,))
    first = counter.rows
    counter.rows = 0
    engine.run(store, entities=(CONTACTS,))

    assert (first, counter.rows) == (1, 0)
