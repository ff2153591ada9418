"""The public surface of twenty_sync.stores, locked: adding or removing a name is a decision, made here."""

from __future__ import annotations

import pkgutil

import pytest
import twenty_sync.stores as stores

EXPECTED = {
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
}


def test_all_is_sorted_unique_and_exactly_the_expected_names() -> None:
    assert stores.__all__ == sorted(set(stores.__all__))
    assert set(stores.__all__) == EXPECTED


def test_every_exported_name_resolves_to_a_twenty_sync_object() -> None:
    for name in stores.__all__:
        assert getattr(stores, name).__module__.startswith("twenty_sync.stores"), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchStore"):
        stores.NoSuchStore  # type: ignore[attr-defined]  # noqa: B018


def test_no_public_module_besides_the_package() -> None:
    modules = [m.name for m in pkgutil.iter_modules(stores.__path__)]
    assert all(name.startswith("_") for name in modules), modules
