"""What only the PostgreSQL store does: rows PostgreSQL cannot hold are refused one by one, reads use their own
connection (writes may go on meanwhile), the connection string stays out of reprs."""

from __future__ import annotations

from typing import Any

import pytest
from services.postgres import PostgresServer
from twenty_sync._records import CONTACTS

from .test_stores import contact


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (contact(9, canonical_name="nul \x00 inside"), "NUL"),
        (contact(9, ai_insights={"note": "nul \x00 in json"}), "\\u0000"),
    ],
    ids=["NUL in text", "NUL in jsonb"],
)
def test_nul_characters_are_refused_per_row(make_store: Any, bad: Any, words: str) -> None:
    store = make_store("postgres", write_batch_size=50)

    result = store.upsert(CONTACTS, [contact(1), bad, contact(2)])

    assert [f.key for f in result.failures] == ["contact-009"]
    assert words in result.failures[0].reason
    assert [r.key for batch in store.read_all(CONTACTS) for r in batch] == ["contact-001", "contact-002"]


def test_writes_may_go_on_while_a_read_streams(make_store: Any) -> None:
    store = make_store("postgres", read_batch_size=2)
    store.upsert(CONTACTS, [contact(i) for i in range(6)])

    stream = store.read_all(CONTACTS)
    first = next(stream)
    store.upsert(CONTACTS, [contact(i, canonical_name="renamed") for i in range(6)])  # committed mid-stream
    rest = [r for batch in stream for r in batch]

    assert [r.canonical_name for r in [*first, *rest]] == [
        "Contact 0",
        "Contact 1",
        *[f"Contact {i}" for i in range(2, 6)],
    ]
    assert {r.canonical_name for batch in store.read_all(CONTACTS) for r in batch} == {"renamed"}


def test_an_abandoned_read_releases_its_connection(make_store: Any, postgres_server: PostgresServer) -> None:
    import psycopg

    store = make_store("postgres", read_batch_size=1)
    store.upsert(CONTACTS, [contact(i) for i in range(3)])

    def connections() -> int:
        with psycopg.connect(postgres_server.conninfo) as conn:
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'").fetchone()
            return int(row[0]) - 1

    baseline = connections()
    stream = store.read_all(CONTACTS)
    next(stream)
    assert connections() == baseline + 1
    stream.close()

    assert connections() == baseline


def test_the_connection_string_stays_out_of_the_repr(postgres_server: PostgresServer) -> None:
    from twenty_sync.stores import PostgresStore

    store = PostgresStore("host=127.0.0.1 password=hunter2 dbname=x", schema="crm")

    assert "hunter2" not in repr(store)
