"""Where records live: the store protocol and its implementations.

    from twenty_sync.stores import LocalStore
    store = LocalStore("sync.sqlite3")
    store.ensure_schema()
    result = store.upsert(CONTACTS, contacts)          # WriteResult(submitted, changed, failures)
    for batch in store.read_all(CONTACTS): ...

``LocalStore`` (SQLite, no dependency) is always available. ``BigQueryStore`` needs the ``bigquery`` extra,
``PostgresStore`` and ``SupabaseRestStore`` the ``supabase`` extra; they are imported on first use, so a missing extra
only matters to the code that asks for that store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twenty_sync.stores._local import LocalStore
from twenty_sync.stores._protocol import (
    DiffRow,
    KeyHash,
    RowFailure,
    Store,
    SupportsDeletionMarks,
    SupportsKeyHashes,
    SupportsStateDiff,
    WriteResult,
)

if TYPE_CHECKING:
    from twenty_sync.stores._bigquery import BigQueryStore
    from twenty_sync.stores._postgres import PostgresStore
    from twenty_sync.stores._supabase_rest import SupabaseRestStore

__all__ = [
    "BigQueryStore",
    "DiffRow",
    "KeyHash",
    "LocalStore",
    "PostgresStore",
    "RowFailure",
    "Store",
    "SupabaseRestStore",
    "SupportsDeletionMarks",
    "SupportsKeyHashes",
    "SupportsStateDiff",
    "WriteResult",
]

_LAZY = {
    "BigQueryStore": ("twenty_sync.stores._bigquery", "bigquery"),
    "PostgresStore": ("twenty_sync.stores._postgres", "supabase"),
    "SupabaseRestStore": ("twenty_sync.stores._supabase_rest", "supabase"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, extra = _LAZY[name]
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(f"{name} needs the {extra!r} extra: pip install 'twenty-sdk[{extra}]' ({exc})") from exc
    value = getattr(module, name)
    globals()[name] = value
    return value
