"""Changing a workspace's metadata and its records store together, as the object and field routes do: new fields'
stored dictionaries, their tables' columns and unique indexes (with the store's errors as Twenty words them), relations
linked both ways, and the name clashes, index and view-field failures Twenty reports on the way.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable
from typing import Any

from twenty_emulator._columns import Column, column_for, encode
from twenty_emulator._errors import ApiError, bad_request
from twenty_emulator._metadata_api._answers import JSON, failed_entity, report_error
from twenty_emulator._names import (
    deterministic_uuid,
    index_name,
)
from twenty_emulator._state import Emulator
from twenty_emulator._store import unique_column
from twenty_emulator._values import default_row
from twenty_emulator._workspace import (
    COMPOSITE_TYPES,
    FIELD_FLAG_DEFAULTS,
    FieldMeta,
    ObjectMeta,
    Workspace,
    now_iso,
)

__all__ = ["WorkspaceChanges"]

# Views that get a view field for every new field (record page, then index view), as recorded for person; other
# standard objects by the same pattern of Twenty's standard universal identifiers.
_STANDARD_VIEWS: dict[str, tuple[str, ...]] = {
    "person": ("20202020-a002-4a02-8a02-ae0a1ea12001", "20202020-a002-4a02-8a02-ae0a1ea11a00"),
    "company": ("20202020-a001-4a01-8a01-c0aba11c1001", "20202020-a001-4a01-8a01-c0aba11c0001"),
}


class WorkspaceChanges:
    """The workspace being changed, its store, and the steps the object and field routes share."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.ws: Workspace = emulator.workspace
        self.store = emulator.store

    # -- helpers ----------------------------------------------------------------------------------------------------

    @property
    def app_id(self) -> str:
        return self.ws.custom_application_id

    def _object_uid(self, obj: ObjectMeta) -> str:
        return str(obj.raw.get("universalIdentifier") or obj.id)

    def _views(self, obj: ObjectMeta) -> tuple[str, ...]:
        known = _STANDARD_VIEWS.get(obj.name_singular) if not obj.is_custom else None
        if known:
            return known
        uid = self._object_uid(obj)
        return tuple(deterministic_uuid("view", self.app_id, f"{uid}:{kind}") for kind in ("recordPage", "index"))

    def _view_field_failures(self, obj: ObjectMeta, field_uid: str) -> list[JSON]:
        error = report_error("INVALID_VIEW_DATA", "Field metadata not found")
        return [
            failed_entity(
                "viewField",
                "create",
                [dict(error)],
                {
                    "universalIdentifier": str(uuid.uuid4()),
                    "viewUniversalIdentifier": view,
                    "fieldMetadataUniversalIdentifier": field_uid,
                },
            )
            for view in self._views(obj)
        ]

    def _unique_index(self, obj: ObjectMeta, field_name: str, field_type: str) -> tuple[str, str]:
        """The name and universal identifier of the unique index Twenty makes for a field."""
        columns = [field_name]
        if field_type in COMPOSITE_TYPES:
            probe = FieldMeta({"name": field_name, "type": field_type}, obj)
            columns = [unique_column(probe).name]
        name = index_name(obj.table_name, columns, unique=True)
        uid = deterministic_uuid("index", self.app_id, f"{self._object_uid(obj)}:{name}")
        return name, uid

    def _index_failure(self, obj: ObjectMeta, field_name: str, field_type: str) -> JSON:
        name, uid = self._unique_index(obj, field_name, field_type)
        exists = any(f.is_unique and self._unique_index(obj, f.name, f.type)[0] == name for f in obj.fields)
        errors: list[JSON] = []
        if exists:
            errors.append(
                report_error(
                    "INDEX_ALREADY_EXISTS",
                    "Index with same universal identifier already exists",
                    "Index already exists",
                )
            )
            errors.append(report_error("INDEX_ALREADY_EXISTS", "Index with same name already exists"))
        errors.append(
            report_error(
                "INDEX_FIELD_NOT_FOUND",
                "Could not find index field related field metadata",
                "Field referenced in index does not exist",
            )
        )
        if exists:
            errors.append(
                {
                    "code": "ENTITY_ALREADY_EXISTS",
                    "message": f'Cannot create index: universalIdentifier "{uid}" already exists in index maps '
                    f'from application "{self.app_id}"',
                }
            )
        return failed_entity("index", "create", errors, {"universalIdentifier": uid, "name": name})

    def _availability_errors(self, obj: ObjectMeta, name: str, exclude: Iterable[FieldMeta] = ()) -> list[JSON]:
        """Name clashes on ``obj``: composite column names, field names, join column names."""
        skip = {id(f) for f in exclude}
        others = [f for f in obj.fields if id(f) not in skip]
        errors: list[JSON] = []
        composite_columns = {column_for(f, sub).name for f in others if f.is_composite for sub in f.subfields}
        if name in composite_columns:
            errors.append(
                report_error(
                    "RESERVED_KEYWORD",
                    f'Name "{name}" is reserved composite field name',
                    f'Name "{name}" is not available',
                    name,
                )
            )
        taken = f'Name "{name}" is not available as it is already used by another field'
        if any(f.name == name for f in others):
            errors.append({"code": "NOT_AVAILABLE", "value": name, "message": taken, "userFriendlyMessage": taken})
        if any(f.join_column == name for f in others):
            errors.append(
                {
                    "code": "NOT_AVAILABLE",
                    "value": name,
                    "message": f'Name "{name}" is not available as it is already used by another join column name',
                    "userFriendlyMessage": f'Name "{name}" is not available as it is already used by join column name',
                }
            )
        return errors

    def _join_column_errors(self, obj: ObjectMeta, name: str, exclude: Iterable[FieldMeta] = ()) -> list[JSON]:
        """A new many-to-one relation's ``<name>Id`` must not be taken by a field or another join column."""
        join = f"{name}Id"
        skip = {id(f) for f in exclude}
        if any(id(f) not in skip and join in (f.name, f.join_column) for f in obj.fields):
            message = f'Name "{join}" is not available as it is already used by another field'
            return [{"code": "NOT_AVAILABLE", "value": join, "message": message, "userFriendlyMessage": message}]
        return []

    def _new_field_raw(
        self,
        obj: ObjectMeta,
        *,
        name: str,
        type_: str,
        label: str,
        uid: str | None = None,
        stamp: str | None = None,
        **extra: Any,
    ) -> JSON:
        stamp = stamp or now_iso()
        raw: JSON = {
            "id": str(uuid.uuid4()),
            "universalIdentifier": uid or str(uuid.uuid4()),
            "applicationId": self.app_id,
            "type": type_,
            "name": name,
            "label": label,
        }
        for key, value in FIELD_FLAG_DEFAULTS.items():
            raw[key] = extra.pop(key, value)
        for key, value in extra.items():
            if value is not None:
                raw[key] = value
        raw["workspaceId"] = self.ws.workspace_id
        raw["objectMetadataId"] = obj.id
        raw["isLabelSyncedWithName"] = bool(raw.pop("isLabelSyncedWithName", False))
        raw["createdAt"] = stamp
        raw["updatedAt"] = stamp
        return raw

    def _field_columns(self, field: FieldMeta) -> list[Column]:
        if field.is_relation and field.relation_type != "MANY_TO_ONE":
            return []
        if field.is_composite:
            return [column_for(field, sub) for sub in field.subfields]
        return [column_for(field)]

    def _add_columns(self, obj: ObjectMeta, field: FieldMeta) -> None:
        """The field's columns on ``obj``'s table, existing rows filled with its default (unique index included)."""
        columns = self._field_columns(field)
        if not columns:
            return
        row = default_row(obj)
        defaults = {c.name: encode(c, row.get(c.name)) for c in columns}
        try:
            self.store.add_field(obj, field, defaults)
        except sqlite3.IntegrityError as exc:
            self.store.drop_field(obj, field)
            raise self._duplicates_error(obj, field) from exc

    def _duplicates_error(self, obj: ObjectMeta, field: FieldMeta) -> ApiError:
        name, _ = self._unique_index(obj, field.name, field.type)
        return bad_request(f'could not create unique index "{name}"', error="QueryFailedError")

    def _link(self, a: FieldMeta, b: FieldMeta) -> None:
        a.target_object_id, a.target_field_id = b.object.id, b.id
        b.target_object_id, b.target_field_id = a.object.id, a.id

    def _remove_field(self, field: FieldMeta) -> None:
        obj = field.object
        if field in obj.fields:
            self.store.drop_field(obj, field)
            obj.fields.remove(field)

    def _changed(self) -> None:
        self.emulator.metadata_changed()
