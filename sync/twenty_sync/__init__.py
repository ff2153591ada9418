"""Keep contacts, businesses and relationships in step between a warehouse (BigQuery), an app database (Supabase /
PostgreSQL), an embedded local store and Twenty.

    from twenty_sdk import TwentyClient
    from twenty_sync import SyncEngine, SyncState
    from twenty_sync.stores import LocalStore

    engine = SyncEngine(TwentyClient(), SyncState("twenty-sync.state.sqlite3"))
    print(engine.plan(LocalStore("warehouse.sqlite3")))       # creates / updates / unchanged / deletes
    report = engine.run(LocalStore("warehouse.sqlite3"))      # 200 records per request; errors in sync_errors
    engine.pull(LocalStore("app.sqlite3"))                    # Twenty's edits since the last pull, deletions too

Your own tables, views or queries instead of the seed's: ``MappedSource(store, SyncMapping.load("mapping.toml"))``
(see :mod:`twenty_sync._source_mapping`); ``run`` provisions the mapping's fields, custom ones included.

The public surface is what a user drives and reads (the engine, its policies and reports, the plan's values, the
records, the mapping, the states); the mapping functions, the planner and the record/object tables behind them are
internal (``twenty_sync._mapping``, ``_plan``, ``_engine``) and may change.

The state lives in a SQLite file by default, or in PostgreSQL (``PostgresSyncState(dsn)``) for runs from containers
that keep no file. Or from a shell: ``twenty-sync plan | run | pull | status`` (``python -m twenty_sync``).
"""

from twenty_sync._deletions import DeletionPolicy
from twenty_sync._engine import (
    ConflictPolicy,
    EntityReport,
    FieldOwner,
    FieldPolicy,
    Progress,
    RunReport,
    SyncEngine,
)
from twenty_sync._mapped_source import MappedSource, MappedSourceError
from twenty_sync._mapping import Limits, MappingError
from twenty_sync._plan import Change, EntityPlan, Op, SyncPlan
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
from twenty_sync._seed_schema import RELATIONSHIP_OBJECT, SEED_SCHEMA
from twenty_sync._source_mapping import CustomField, EntityMapping, Identifiers, SourceMappingError, SyncMapping
from twenty_sync._state import Deletion, StateRow, SyncError, SyncState, Watermark
from twenty_sync._state_postgres import PostgresSyncState, State

__all__ = [
    "BUSINESSES",
    "Business",
    "CONTACTS",
    "Change",
    "ConflictPolicy",
    "Contact",
    "CustomField",
    "Deletion",
    "DeletionPolicy",
    "ENTITIES",
    "Entity",
    "EntityMapping",
    "EntityPlan",
    "EntityReport",
    "FieldOwner",
    "FieldPolicy",
    "Identifiers",
    "Limits",
    "MappedSource",
    "MappedSourceError",
    "MappingError",
    "Op",
    "PostgresSyncState",
    "Progress",
    "RELATIONSHIPS",
    "RELATIONSHIP_OBJECT",
    "Relationship",
    "RunReport",
    "SEED_SCHEMA",
    "SourceMappingError",
    "State",
    "StateRow",
    "SyncEngine",
    "SyncError",
    "SyncMapping",
    "SyncPlan",
    "SyncState",
    "Watermark",
]
