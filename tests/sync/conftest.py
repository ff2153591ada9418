"""Stores for the contract tests: each test gets its own empty namespace (a SQLite file, a PostgreSQL schema, a
BigQuery dataset) on the session's servers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from twenty_sync.stores import LocalStore, Store

STORE_KINDS = ("local", "postgres", "bigquery")


def _namespace() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``make_store(kind, **options)``: a fresh store of that kind with its tables created."""
    cleanups: list[Callable[[], None]] = []

    def make(kind: str, **options: Any) -> Any:
        store: Any
        if kind == "local":
            store = LocalStore(tmp_path / f"{_namespace()}.sqlite3", **options)
            cleanups.append(store.close)
        elif kind == "postgres":
            import psycopg
            from twenty_sync.stores import PostgresStore

            server = request.getfixturevalue("postgres_server")
            schema = _namespace()
            store = PostgresStore(server.conninfo, schema=schema, **options)

            def drop_schema() -> None:
                store.close()
                with psycopg.connect(server.conninfo, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

            cleanups.append(drop_schema)
        elif kind == "bigquery":
            from twenty_sync.stores import BigQueryStore

            emulator = request.getfixturevalue("bigquery_emulator")
            dataset = _namespace()
            store = BigQueryStore.connect(emulator.project, dataset, api_endpoint=emulator.url, timeout=60, **options)

            def drop_dataset() -> None:
                store.client.delete_dataset(dataset, delete_contents=True, not_found_ok=True)
                store.close()

            cleanups.append(drop_dataset)
        else:
            raise ValueError(kind)
        store.ensure_schema()
        return store

    yield make
    for cleanup in reversed(cleanups):
        cleanup()


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, make_store: Callable[..., Any]) -> Store:
    """Each store in turn, empty, with small batches so that every test crosses batch boundaries."""
    kind: str = request.param
    return make_store(kind, read_batch_size=4, write_batch_size=5)  # type: ignore[no-any-return]
