"""The metadata API (``/rest/metadata/objects``, ``/rest/metadata/fields``) and the OpenAPI documents.

Answers as a real Twenty 2.21.0 does (``../shared/twenty/conformance`` scenarios s16, s18, s20, s23, s24):

- Lists are ordered by id descending, paged with ``limit`` (default 60, max 200) and id cursors
  (``starting_after`` / ``ending_before``), carry ``totalCount`` and ``pageInfo {hasNextPage, startCursor, endCursor}``
  and ignore ``filter``.
- Reads (``GET``) serve the metadata dictionaries as stored (null members left out); mutations answer the
  ``createOne…`` / ``updateOne…`` / ``deleteOne…`` shape, which always carries ``defaultValue`` and ``options`` (fields)
  or ``imageIdentifierFieldMetadataId`` (objects).
- Request bodies are checked like Twenty's DTOs first (class-validator's
  ``{"message": [...], "error": "Bad Request"}``), then like its metadata validators (``METADATA_VALIDATION_ERROR``
  with a per-entity report).
- Every change reaches the records store at once (new tables and columns, unique indexes, dropped columns) and
  bumps :meth:`Emulator.metadata_changed`.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from twenty_emulator import _openapi
from twenty_emulator._columns import JSON_TYPES, Column, column_for, encode, quote
from twenty_emulator._errors import ApiError, bad_request, express_bad_request
from twenty_emulator._names import (
    capitalize,
    deterministic_uuid,
    index_name,
    name_errors,
    name_from_label,
)
from twenty_emulator._state import Emulator
from twenty_emulator._store import unique_column
from twenty_emulator._values import default_row, is_uuid
from twenty_emulator._workspace import (
    COMPOSITE_TYPES,
    FIELD_TYPES,
    RELATION_TYPES,
    FieldMeta,
    ObjectMeta,
    Workspace,
    now_iso,
)

__all__ = ["handle", "open_api"]

JSON = dict[str, Any]

DEFAULT_LIMIT = 60
MAX_LIMIT = 200

# Types the server manages itself: not creatable through the API.
_NOT_CREATABLE = frozenset({"ACTOR", "POSITION", "TS_VECTOR", "MORPH_RELATION"})
_ENUM_TYPES = frozenset({"SELECT", "MULTI_SELECT"})
# Composite types with a sub-field in their unique constraint (``isIncludedInUniqueConstraint``).
_UNIQUE_COMPOSITES = frozenset({"EMAILS", "LINKS", "PHONES", "FULL_NAME"})
_OPTION_VALUE_RE = re.compile(r"^[A-Z0-9_]+$")
_RELATION_KINDS = ("MANY_TO_ONE", "ONE_TO_MANY")

# Views that get a view field for every new field (record page, then index view), as recorded for person; other
# standard objects by the same pattern of Twenty's standard universal identifiers.
_STANDARD_VIEWS: dict[str, tuple[str, ...]] = {
    "person": ("20202020-a002-4a02-8a02-ae0a1ea12001", "20202020-a002-4a02-8a02-ae0a1ea11a00"),
    "company": ("20202020-a001-4a01-8a01-c0aba11c1001", "20202020-a001-4a01-8a01-c0aba11c0001"),
}

# Objects every custom object is linked to (timeline, attachments, notes, tasks): the one-to-many side on the new
# object and a morph many-to-one ``target<Name>`` on the other, as Twenty 2.21.0 creates them.
_ACTIVITY_TARGETS: tuple[tuple[str, str, str, str, str, str], ...] = (
    # (target object, field on the custom object, its label, its icon, target's morph icon, morph id fallback)
    ("timelineActivity", "timelineActivities", "Timeline Activities", "IconTimelineEvent", "IconTimelineEvent",
     "20202020-9a2b-4c3d-a4e5-f6a7b8c9d0e1"),
    ("attachment", "attachments", "Attachments", "IconFileImport", "IconFileImport",
     "20202020-f634-435d-ab8d-e1168b375c69"),
    ("noteTarget", "noteTargets", "Notes", "IconNotes", "IconCheckbox", "20202020-f635-435d-ab8d-e1168b375c70"),
    ("taskTarget", "taskTargets", "Tasks", "IconCheckbox", "IconCheckbox", "20202020-f636-435d-ab8d-e1168b375c71"),
)  # fmt: skip

# The default fields of a custom object: (name, type, label, description, icon, isSystem, isNullable, defaultValue).
_ACTOR_DEFAULT = {"name": "''", "source": "'MANUAL'"}
_DEFAULT_FIELDS: tuple[tuple[str, str, str, str, str, bool, bool, Any], ...] = (
    ("name", "TEXT", "Name", "Name", "IconAbc", False, True, None),
    ("id", "UUID", "Id", "Id", "Icon123", True, False, "uuid"),
    ("createdAt", "DATE_TIME", "Creation date", "Creation date", "IconCalendar", True, False, "now"),
    ("createdBy", "ACTOR", "Created by", "The creator of the record", "IconCreativeCommonsSa", True, False,
     _ACTOR_DEFAULT),
    ("deletedAt", "DATE_TIME", "Deleted at", "Deletion date", "IconCalendarClock", True, True, None),
    ("position", "POSITION", "Position", "Position", "IconHierarchy2", True, False, 0),
    ("updatedAt", "DATE_TIME", "Last update", "Last time the record was changed", "IconCalendarClock", True, False,
     "now"),
    ("updatedBy", "ACTOR", "Updated by", "The workspace member who last updated the record", "IconUserCircle", True,
     False, _ACTOR_DEFAULT),
    ("searchVector", "TS_VECTOR", "Search vector", "Search vector", "IconSearch", True, True, None),
)  # fmt: skip


def open_api(emulator: Emulator, path: str, server_url: str) -> tuple[int, Any]:
    """``/rest/open-api/core`` or ``/metadata``, generated from the live metadata; ``server_url`` is the base URL."""
    if path.rstrip("/") == "/rest/open-api/core":
        return 200, _openapi.core_document(emulator.workspace, server_url)
    if path.rstrip("/") == "/rest/open-api/metadata":
        return 200, _openapi.metadata_document(emulator.workspace, server_url)
    raise ApiError(404, {"statusCode": 404, "message": f"Cannot GET {path}", "error": "Not Found"})


def handle(emulator: Emulator, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
    """Answer one ``/rest/metadata/...`` request: ``(status, JSON body)``, or raise :class:`ApiError`."""
    parts = [p for p in path.split("/") if p][2:]
    verb = "PATCH" if method == "PUT" else method
    api = _MetadataApi(emulator)
    with emulator.store.lock:
        if parts and parts[0] in ("objects", "fields") and len(parts) <= 2:
            kind = parts[0]
            if len(parts) == 2 and verb in ("GET", "PATCH", "DELETE") and not is_uuid(parts[1]):
                # Nest's ParseUUIDPipe on the controllers' ':id' (recorded: p03)
                raise ApiError(
                    400, {"message": "Validation failed (uuid is expected)", "error": "Bad Request", "statusCode": 400}
                )
            item_id = parts[1].lower() if len(parts) == 2 else None
            route = _ROUTES.get((kind, verb, item_id is not None))
            if route is not None:
                return route(api, item_id, query, body)
        if len(parts) == 1 and parts[0] not in _OTHER_CONTROLLERS and not is_uuid(parts[0]):
            # no metadata controller serves it: the record API's path parser reads it as /rest/<object>/<id>
            raise bad_request(f"'{parts[0]}' is not a valid UUID")
    raise ApiError(404, {"statusCode": 404, "message": f"Cannot {method} {path}", "error": "Not Found"})


_OTHER_CONTROLLERS = frozenset(
    {
        "views",
        "viewFields",
        "viewFilters",
        "viewFilterGroups",
        "viewGroups",
        "viewSorts",
        "pageLayouts",
        "pageLayoutTabs",
        "pageLayoutWidgets",
        "webhooks",
        "apiKeys",
    }
)
"""Twenty's other ``/rest/metadata/<name>`` controllers (not emulated: they answer 404 here)."""


# -- answer shapes ---------------------------------------------------------------------------------------------------


def _field_json(field: FieldMeta) -> JSON:
    """A field as reads serve it: the stored dictionary."""
    return dict(field.raw)


def _field_mutation_json(field: FieldMeta) -> JSON:
    """A field as ``createOneField`` / ``updateOneField`` / ``deleteOneField`` answer it."""
    out = dict(field.raw)
    out.setdefault("defaultValue", None)
    out.setdefault("options", None)
    return out


def _object_json(obj: ObjectMeta) -> JSON:
    return {**obj.raw, "fields": [_field_json(f) for f in obj.fields]}


def _object_mutation_json(obj: ObjectMeta, *, with_fields: bool = False) -> JSON:
    out = dict(obj.raw)
    out.setdefault("imageIdentifierFieldMetadataId", None)
    if with_fields:
        out["fields"] = [_field_json(f) for f in obj.fields]
    return out


def _default_fits_columns(type_: str, default: Any) -> bool:
    """Whether a ``defaultValue`` can fill the field's columns (Twenty checks it against a DTO per type): a plain
    column takes a JSON scalar, a composite an object of them by sub-field, JSON columns anything."""

    def fits(value_type: str, value: Any) -> bool:
        return value_type in JSON_TYPES or value is None or isinstance(value, (str, int, float))

    if type_ in COMPOSITE_TYPES:
        subs = COMPOSITE_TYPES[type_]
        return isinstance(default, dict) and all(fits(subs.get(k, "TEXT"), v) for k, v in default.items())
    return type_ in RELATION_TYPES or fits(type_, default)


def _not_found(message: str, code: str) -> ApiError:
    return ApiError(404, {"statusCode": 404, "error": "Error", "messages": [message], "code": code})


def _error(code: str, message: str, user_message: str | None = None, value: Any = None) -> JSON:
    out: JSON = {"code": code, "message": message, "userFriendlyMessage": user_message or message}
    if value is not None:
        out["value"] = value
    return out


def _failure(message: str, report: Mapping[str, list[JSON]]) -> ApiError:
    """A ``METADATA_VALIDATION_ERROR``: every failing entity, counted in ``summary``."""
    report = {k: v for k, v in report.items() if v}
    total = sum(len(v) for v in report.values())
    summary: JSON = {"totalErrors": total, **{k: len(v) for k, v in report.items()}}
    user_message = "Many validation errors"
    if total == 1:
        only = next(iter(report.values()))[0]
        errors = only.get("errors") or [{}]
        user_message = str(errors[0].get("userFriendlyMessage") or errors[0].get("message") or message)
    body: JSON = {
        "statusCode": 400,
        "error": "METADATA_VALIDATION_ERROR",
        "message": message,
        "errors": report,
        "summary": summary,
        "userFriendlyMessage": user_message,
    }
    return ApiError(400, body)


def _entity(metadata_name: str, kind: str, errors: list[JSON], info: JSON) -> JSON:
    return {
        "status": "fail",
        "errors": errors,
        "flatEntityMinimalInformation": info,
        "metadataName": metadata_name,
        "type": kind,
    }


# -- DTO checks (class-validator) ------------------------------------------------------------------------------------


_MISSING = object()


def _required_string(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key, _MISSING)
    out = []
    if value is _MISSING or value is None or value == "":
        out.append(f"{key} should not be empty")
    if not isinstance(value, str):
        out.append(f"{key} must be a string")
    return out


def _optional_string(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        return [f"{key} must be a string"]
    return []


def _optional_bool(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if value is not None and not isinstance(value, bool):
        return [f"{key} must be a boolean value"]
    return []


def _type_messages(data: Mapping[str, Any], *, required: bool) -> list[str]:
    value = data.get("type", _MISSING)
    out = []
    if value is _MISSING or value is None or value == "":
        if not required:
            return []
        out.append("type should not be empty")
    if value not in FIELD_TYPES:
        out.append(f"type must be one of the following values: {', '.join(FIELD_TYPES)}")
    return out


_FIELD_BOOLEANS = ("isCustom", "isActive", "isSystem", "isNullable", "isUnique")


def _create_field_messages(data: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    if not is_uuid(data.get("objectMetadataId")):
        out.append("objectMetadataId must be a UUID")
    out += _type_messages(data, required=True)
    out += _required_string(data, "name")
    out += _required_string(data, "label")
    out += _optional_string(data, "description")
    out += _optional_string(data, "icon")
    for key in _FIELD_BOOLEANS:
        out += _optional_bool(data, key)
    out += _optional_bool(data, "isLabelSyncedWithName")
    return out


def _update_field_messages(data: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    out += _type_messages(data, required=False)
    for key in ("name", "label"):
        if key in data:
            out += _required_string(data, key)
    out += _optional_string(data, "description")
    out += _optional_string(data, "icon")
    for key in _FIELD_BOOLEANS:
        out += _optional_bool(data, key)
    out += _optional_bool(data, "isLabelSyncedWithName")
    return out


_OBJECT_NAMES = ("nameSingular", "namePlural", "labelSingular", "labelPlural")
_OBJECT_BOOLEANS = ("isActive", "isLabelSyncedWithName", "isSearchable")


def _object_messages(data: Mapping[str, Any], *, create: bool) -> list[str]:
    out: list[str] = []
    for key in _OBJECT_NAMES:
        if create or key in data:
            out += _required_string(data, key)
    for key in ("description", "icon", "shortcut"):
        out += _optional_string(data, key)
    for key in _OBJECT_BOOLEANS:
        out += _optional_bool(data, key)
    for key in ("labelIdentifierFieldMetadataId", "imageIdentifierFieldMetadataId"):
        value = data.get(key)
        if value is not None and not is_uuid(value):
            out.append(f"{key} must be a UUID")
    return out


def _body(body: Any) -> dict[str, Any]:
    return body if isinstance(body, dict) else {}


# -- paging ----------------------------------------------------------------------------------------------------------


def _limit(query: Mapping[str, str]) -> int:
    raw = query.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        number = float(raw)
    except ValueError:
        number = float("nan")
    if not number.is_integer() or number < 0:
        raise bad_request(f"limit '{raw}' is invalid. Should be an integer")
    return min(int(number), MAX_LIMIT)


def _paginate(items: list[JSON], query: Mapping[str, str]) -> tuple[list[JSON], JSON]:
    """Items ordered by id descending, one page of them, and its ``pageInfo``."""
    after = query.get("starting_after") or None
    before = query.get("ending_before") or None
    if after is not None and before is not None:
        raise bad_request("'starting_after' and 'ending_before' cannot be used together.")
    for cursor in (after, before):
        if cursor is not None and not is_uuid(cursor):
            # compared with the uuid column as is: PostgreSQL's error leaks as a 500 (recorded: p03)
            raise ApiError(500, f'invalid input syntax for type uuid: "{cursor}"')
    limit = _limit(query)
    ordered = sorted(items, key=lambda item: str(item["id"]), reverse=True)
    if before is not None:
        pivot = before.lower()
        earlier = [item for item in ordered if str(item["id"]) > pivot]
        page = earlier[-limit:] if limit else []
        has_next = True
    else:
        if after is not None:
            pivot = after.lower()
            ordered = [item for item in ordered if str(item["id"]) < pivot]
        page = ordered[:limit]
        has_next = len(ordered) > limit
    info = {
        "hasNextPage": has_next,
        "startCursor": page[0]["id"] if page else None,
        "endCursor": page[-1]["id"] if page else None,
    }
    return page, info


# -- the API ---------------------------------------------------------------------------------------------------------


class _MetadataApi:
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
        error = _error("INVALID_VIEW_DATA", "Field metadata not found")
        return [
            _entity(
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
                _error(
                    "INDEX_ALREADY_EXISTS",
                    "Index with same universal identifier already exists",
                    "Index already exists",
                )
            )
            errors.append(_error("INDEX_ALREADY_EXISTS", "Index with same name already exists"))
        errors.append(
            _error(
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
        return _entity("index", "create", errors, {"universalIdentifier": uid, "name": name})

    def _availability_errors(self, obj: ObjectMeta, name: str, exclude: Iterable[FieldMeta] = ()) -> list[JSON]:
        """Name clashes on ``obj``: composite column names, field names, join column names."""
        skip = {id(f) for f in exclude}
        others = [f for f in obj.fields if id(f) not in skip]
        errors: list[JSON] = []
        composite_columns = {column_for(f, sub).name for f in others if f.is_composite for sub in f.subfields}
        if name in composite_columns:
            errors.append(
                _error(
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
        defaults: JSON = {
            "isActive": True,
            "isSystem": False,
            "isUIEditable": True,
            "isUIReadOnly": False,
            "isNullable": True,
            "isUnique": False,
        }
        for key, value in defaults.items():
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

    # -- objects ----------------------------------------------------------------------------------------------------

    def list_objects(self, _id: str | None, query: dict[str, str], _body: Any) -> tuple[int, Any]:
        objects = [_object_json(o) for o in self.ws.objects]
        page, info = _paginate(objects, query)
        return 200, {"data": {"objects": page}, "totalCount": len(objects), "pageInfo": info}

    def get_object(self, object_id: str | None, _query: dict[str, str], _body: Any) -> tuple[int, Any]:
        obj = self.ws.object_by_id(object_id or "")
        if obj is None:
            raise _not_found("Object metadata not found", "OBJECT_METADATA_NOT_FOUND")
        return 200, {"data": {"object": _object_json(obj)}}

    def create_object(self, _id: str | None, _query: dict[str, str], body: Any) -> tuple[int, Any]:
        data = _body(body)
        messages = _object_messages(data, create=True)
        if messages:
            raise express_bad_request(messages)
        singular, plural = str(data["nameSingular"]), str(data["namePlural"])
        uid = str(uuid.uuid4())
        errors = name_errors(singular, "INVALID_OBJECT_INPUT") + name_errors(plural, "INVALID_OBJECT_INPUT")
        if singular.strip().lower() == plural.strip().lower():
            message = "The singular and plural names cannot be the same for an object"
            errors.append(_error("INVALID_OBJECT_INPUT", message, value=plural))
        if any({o.name_singular, o.name_plural} & {singular, plural} for o in self.ws.objects):
            errors.append(_error("OBJECT_ALREADY_EXISTS", "Object already exists"))
        if errors:
            info = {"universalIdentifier": uid, "nameSingular": singular, "namePlural": plural}
            entity = _entity("objectMetadata", "create", errors, info)
            raise _failure("Multiple validation errors occurred while creating object", {"objectMetadata": [entity]})

        stamp = now_iso()
        raw: JSON = {
            "id": str(uuid.uuid4()),
            "universalIdentifier": uid,
            "applicationId": self.app_id,
            "nameSingular": singular,
            "namePlural": plural,
            "labelSingular": data["labelSingular"],
            "labelPlural": data["labelPlural"],
        }
        for key in ("description", "icon", "shortcut"):
            if data.get(key) is not None:
                raw[key] = data[key]
        raw.update(
            {
                "isRemote": False,
                "isActive": True,
                "isSystem": False,
                "isUIEditable": True,
                "isUICreatable": True,
                "isUIReadOnly": False,
                "isSearchable": data.get("isSearchable") if isinstance(data.get("isSearchable"), bool) else True,
                "isLabelSyncedWithName": bool(data.get("isLabelSyncedWithName", False)),
                "workspaceId": self.ws.workspace_id,
            }
        )
        obj = ObjectMeta(raw, is_custom=True)
        for name, type_, label, description, icon, system, nullable, default in _DEFAULT_FIELDS:
            extra: JSON = {"description": description, "icon": icon, "isNullable": nullable}
            if system:
                extra.update(isSystem=True, isUIEditable=False, isUIReadOnly=True)
            if default is not None:
                extra["defaultValue"] = dict(default) if isinstance(default, dict) else default
            field_uid = deterministic_uuid("fieldMetadata", self.app_id, f"{uid}:{name}")
            obj.fields.append(
                FieldMeta(
                    self._new_field_raw(obj, name=name, type_=type_, label=label, uid=field_uid, stamp=stamp, **extra),
                    obj,
                )
            )
        obj.raw["labelIdentifierFieldMetadataId"] = obj.fields[0].id
        obj.raw["createdAt"] = stamp
        obj.raw["updatedAt"] = stamp

        # The timeline / attachment / note / task links, both sides.
        pairs: list[tuple[ObjectMeta, FieldMeta, FieldMeta]] = []
        for target_name, name, label, icon, target_icon, morph_fallback in _ACTIVITY_TARGETS:
            target = self.ws.object_by_singular(target_name)
            if target is None:
                continue
            one_to_many = FieldMeta(
                self._new_field_raw(
                    obj,
                    name=name,
                    type_="RELATION",
                    label=label,
                    uid=deterministic_uuid("fieldMetadata", self.app_id, f"{uid}:{name}"),
                    stamp=stamp,
                    description=f"{capitalize(plural)} tied to the {target.raw.get('labelSingular')}",
                    icon=icon,
                    settings={"relationType": "ONE_TO_MANY"},
                ),
                obj,
            )
            morph_name = f"target{capitalize(singular)}"
            morph = FieldMeta(
                self._new_field_raw(
                    target,
                    name=morph_name,
                    type_="MORPH_RELATION",
                    label=capitalize(singular),
                    uid=deterministic_uuid("fieldMetadata", self.app_id, f"{self._object_uid(target)}:{morph_name}"),
                    stamp=stamp,
                    description=f"{capitalize(target.name_plural)} {data['labelSingular']}",
                    icon=target_icon,
                    settings={
                        "onDelete": "SET_NULL",
                        "relationType": "MANY_TO_ONE",
                        "joinColumnName": f"{morph_name}Id",
                    },
                    morphId=self._morph_id(target, morph_fallback),
                ),
                target,
            )
            self._link(one_to_many, morph)
            obj.fields.append(one_to_many)
            pairs.append((target, morph, one_to_many))

        self.ws.objects.append(obj)
        self.store.create_table(obj)
        for target, morph, _ in pairs:
            target.fields.append(morph)
            self._add_columns(target, morph)
        self._changed()
        return 201, {"data": {"createOneObject": _object_mutation_json(obj, with_fields=True)}}

    def _morph_id(self, target: ObjectMeta, fallback: str) -> str:
        for f in target.fields:
            morph = f.raw.get("morphId")
            if f.type == "MORPH_RELATION" and f.name.startswith("target") and morph:
                return str(morph)
        return fallback

    def update_object(self, object_id: str | None, _query: dict[str, str], body: Any) -> tuple[int, Any]:
        obj = self.ws.object_by_id(object_id or "")
        if obj is None:
            raise _not_found("Object to update not found", "OBJECT_METADATA_NOT_FOUND")
        data = _body(body)
        messages = _object_messages(data, create=False)
        if messages:
            raise express_bad_request(messages)
        errors: list[JSON] = []
        singular = str(data.get("nameSingular", obj.name_singular))
        plural = str(data.get("namePlural", obj.name_plural))
        renamed = singular != obj.name_singular or plural != obj.name_plural
        if renamed:
            if not obj.is_custom:
                errors.append(_error("OBJECT_MUTATION_NOT_ALLOWED", "Standard object names cannot be updated"))
            errors += name_errors(singular, "INVALID_OBJECT_INPUT") + name_errors(plural, "INVALID_OBJECT_INPUT")
            if singular.strip().lower() == plural.strip().lower():
                message = "The singular and plural names cannot be the same for an object"
                errors.append(_error("INVALID_OBJECT_INPUT", message, value=plural))
            if any(o is not obj and {o.name_singular, o.name_plural} & {singular, plural} for o in self.ws.objects):
                errors.append(_error("OBJECT_ALREADY_EXISTS", "Object already exists"))
        for key in ("labelIdentifierFieldMetadataId", "imageIdentifierFieldMetadataId"):
            value = data.get(key)
            if value is not None and obj.field_by_id(str(value).lower()) is None:
                errors.append(
                    _error(
                        "FIELD_METADATA_NOT_FOUND",
                        f"{key} {value} does not exist on object {obj.name_singular}",
                        "Field not found",
                    )
                )
        if errors:
            info = {"id": obj.id, "universalIdentifier": self._object_uid(obj), "nameSingular": singular}
            entity = _entity("objectMetadata", "update", errors, info)
            raise _failure("Multiple validation errors occurred while updating object", {"objectMetadata": [entity]})

        for key in ("nameSingular", "namePlural", "labelSingular", "labelPlural"):
            if key in data:
                obj.raw[key] = data[key]
        for key in ("description", "icon", "shortcut", "imageIdentifierFieldMetadataId"):
            if key in data:
                if data[key] is None:
                    obj.raw.pop(key, None)
                else:
                    obj.raw[key] = str(data[key]).lower() if key.endswith("Id") else data[key]
        if data.get("labelIdentifierFieldMetadataId") is not None:
            obj.raw["labelIdentifierFieldMetadataId"] = str(data["labelIdentifierFieldMetadataId"]).lower()
        for key in _OBJECT_BOOLEANS:
            if isinstance(data.get(key), bool):
                obj.raw[key] = data[key]
        obj.raw["updatedAt"] = now_iso()
        self._changed()
        return 200, {"data": {"updateOneObject": _object_mutation_json(obj)}}

    def delete_object(self, object_id: str | None, _query: dict[str, str], _body: Any) -> tuple[int, Any]:
        obj = self.ws.object_by_id(object_id or "")
        if obj is None:
            raise _not_found("Could not find flat entity in maps", "ENTITY_NOT_FOUND")
        if not obj.is_custom:
            message = "Standard objects cannot be deleted"
            entity = _entity(
                "objectMetadata",
                "delete",
                [_error("OBJECT_MUTATION_NOT_ALLOWED", message)],
                {"id": obj.id, "universalIdentifier": self._object_uid(obj), "nameSingular": obj.name_singular},
            )
            raise _failure("Multiple validation errors occurred while deleting object", {"objectMetadata": [entity]})
        answer = _object_mutation_json(obj)
        # Relation fields elsewhere that point at this object go with it (their join columns too).
        for other in self.ws.objects:
            if other is obj:
                continue
            for field in list(other.fields):
                if field.is_relation and field.target_object_id == obj.id:
                    self._remove_field(field)
        self.store.drop_table(obj)
        self.ws.objects.remove(obj)
        self._changed()
        return 200, {"data": {"deleteOneObject": answer}}

    # -- fields -----------------------------------------------------------------------------------------------------

    def list_fields(self, _id: str | None, query: dict[str, str], _body: Any) -> tuple[int, Any]:
        fields = [_field_json(f) for o in self.ws.objects for f in o.fields]
        page, info = _paginate(fields, query)
        return 200, {"data": {"fields": page}, "totalCount": len(fields), "pageInfo": info}

    def get_field(self, field_id: str | None, _query: dict[str, str], _body: Any) -> tuple[int, Any]:
        field = self.ws.field_by_id(field_id or "")
        if field is None:
            raise _not_found("Field metadata not found", "FIELD_METADATA_NOT_FOUND")
        return 200, {"data": {"field": _field_json(field)}}

    def _options(self, type_: str, options: Any, errors: list[JSON]) -> list[JSON] | None:
        """Validated options with ids and positions, as Twenty stores them (None for types without options)."""
        if type_ == "RATING":
            if not isinstance(options, list) or not options:
                return [
                    {"id": str(uuid.uuid4()), "label": str(i + 1), "value": f"RATING_{i + 1}", "position": i}
                    for i in range(5)
                ]
        elif type_ not in _ENUM_TYPES:
            return None
        if not isinstance(options, list) or not options:
            errors.append(_error("INVALID_FIELD_INPUT", "Options are required for enum fields"))
            return None
        out: list[JSON] = []
        seen: set[str] = set()
        for index, option in enumerate(options):
            if not isinstance(option, dict):
                errors.append(_error("INVALID_FIELD_INPUT", "Options are malformed", value=str(option)))
                continue
            value, label = option.get("value"), option.get("label")
            if not isinstance(value, str) or not _OPTION_VALUE_RE.match(value):
                message = f'Value must be in UPPER_CASE and follow snake_case "{value}"'
                errors.append(_error("INVALID_FIELD_INPUT", message, value=value))
            elif value in seen:
                message = f'Duplicated option value "{value}"'
                errors.append(_error("INVALID_FIELD_INPUT", message, value=value))
            else:
                seen.add(value)
            if not isinstance(label, str) or not label.strip():
                errors.append(_error("INVALID_FIELD_INPUT", "Option label is required", value=label))
            option_id = option.get("id")
            entry: JSON = {"id": option_id if is_uuid(option_id) else str(uuid.uuid4())}
            if option.get("color") is not None:
                entry["color"] = option["color"]
            entry["label"] = label
            entry["value"] = value
            position = option.get("position")
            entry["position"] = (
                position if isinstance(position, (int, float)) and not isinstance(position, bool) else index
            )
            out.append(entry)
        return out

    def _default_value_errors(self, type_: str, default: Any, options: list[JSON] | None) -> list[JSON]:
        if default is not None and not _default_fits_columns(type_, default):
            message = f"Invalid default value {json.dumps(default)} for field type {type_}"
            return [_error("INVALID_FIELD_INPUT", message, value=json.dumps(default))]
        if default is None or type_ not in _ENUM_TYPES:
            return []
        values = {o.get("value") for o in options or []}
        items = default if type_ == "MULTI_SELECT" and isinstance(default, list) else [default]
        bad = [
            v
            for v in items
            if not (isinstance(v, str) and len(v) >= 2 and v[0] == "'" and v[-1] == "'" and v[1:-1] in values)
        ]
        if type_ == "MULTI_SELECT" and not isinstance(default, list):
            bad = [default]
        return [
            _error("INVALID_FIELD_INPUT", f"Default value {v!r} must be one of the option values", value=str(v))
            for v in bad
        ]

    def create_field(self, _id: str | None, _query: dict[str, str], body: Any) -> tuple[int, Any]:
        data = _body(body)
        messages = _create_field_messages(data)
        if messages:
            raise express_bad_request(messages)
        obj = self.ws.object_by_id(str(data["objectMetadataId"]).lower())
        if obj is None:
            message = "Multiple validation errors occurred while creating field"
            entity = {
                "errors": [
                    _error(
                        "OBJECT_METADATA_NOT_FOUND",
                        "Provided object metadata id does not exist",
                        "Created field metadata, parent object metadata not found",
                    )
                ],
                "type": "create",
                "metadataName": "fieldMetadata",
                "flatEntityMinimalInformation": {"id": ""},
            }
            raise _failure(message, {"fieldMetadata": [entity]})

        type_, name, label = str(data["type"]), str(data["name"]), str(data["label"])
        uid = str(uuid.uuid4())
        is_unique = data.get("isUnique") is True
        errors: list[JSON] = name_errors(name, "INVALID_FIELD_INPUT") + self._availability_errors(obj, name)
        if type_ in _NOT_CREATABLE:
            errors.append(_error("INVALID_FIELD_INPUT", f"Field type {type_} cannot be created through the API"))
        if is_unique and (type_ in RELATION_TYPES or (type_ in COMPOSITE_TYPES and type_ not in _UNIQUE_COMPOSITES)):
            errors.append(
                _error(
                    "INVALID_FIELD_INPUT",
                    f"Unique index cannot be created for field {name} of type {type_}",
                    f"{type_} fields cannot be unique.",
                )
            )
        options = self._options(type_, data.get("options"), errors)
        errors += self._default_value_errors(type_, data.get("defaultValue"), options)

        # Relations: the payload names the target; the reverse field is made there, named from its label.
        target: ObjectMeta | None = None
        reverse_raw: JSON | None = None
        reverse_errors: list[JSON] = []
        relation_kind: str | None = None
        if type_ == "RELATION":
            payload = data.get("relationCreationPayload")
            if not isinstance(payload, dict):
                errors.append(_error("INVALID_FIELD_INPUT", "Relation creation payload is not defined"))
            else:
                target_id = payload.get("targetObjectMetadataId")
                target = self.ws.object_by_id(str(target_id).lower()) if isinstance(target_id, str) else None
                relation_kind = payload.get("type") if payload.get("type") in _RELATION_KINDS else None
                target_label = payload.get("targetFieldLabel")
                if target is None:
                    errors.append(
                        _error(
                            "OBJECT_METADATA_NOT_FOUND",
                            "Relation target object metadata not found",
                            "Object targeted by the relation not found",
                        )
                    )
                if relation_kind is None:
                    errors.append(
                        _error(
                            "INVALID_FIELD_INPUT",
                            f"Relation type must be one of: {', '.join(_RELATION_KINDS)}",
                            value=payload.get("type"),
                        )
                    )
                if not isinstance(target_label, str) or not target_label.strip():
                    errors.append(_error("INVALID_FIELD_INPUT", "Relation target field label is required"))
                if relation_kind == "MANY_TO_ONE":
                    errors += self._join_column_errors(obj, name)
                if target is not None and relation_kind is not None and isinstance(target_label, str):
                    reverse_name = name_from_label(target_label)
                    reverse_errors = name_errors(reverse_name, "INVALID_FIELD_INPUT")
                    reverse_errors += self._availability_errors(target, reverse_name)
                    if target is obj and reverse_name == name:
                        message = f'Name "{name}" is not available as it is already used by another field'
                        reverse_errors.append(
                            {"code": "NOT_AVAILABLE", "value": name, "message": message, "userFriendlyMessage": message}
                        )
                    reverse_kind = "ONE_TO_MANY" if relation_kind == "MANY_TO_ONE" else "MANY_TO_ONE"
                    if reverse_kind == "MANY_TO_ONE":
                        reverse_errors += self._join_column_errors(target, reverse_name)
                    icon = payload.get("targetFieldIcon")
                    reverse_raw = {
                        "name": reverse_name,
                        "label": target_label,
                        "description": f"{capitalize(target.name_plural)} tied to the {obj.raw.get('labelSingular')}",
                        "icon": icon if isinstance(icon, str) else None,
                        "settings": _relation_settings(reverse_kind, reverse_name),
                    }

        if errors or reverse_errors:
            report: dict[str, list[JSON]] = {"fieldMetadata": []}
            if errors:
                info = {
                    "universalIdentifier": uid,
                    "name": name,
                    "objectMetadataUniversalIdentifier": self._object_uid(obj),
                }
                report["fieldMetadata"].append(_entity("fieldMetadata", "create", errors, info))
            if reverse_errors and target is not None and reverse_raw is not None:
                info = {
                    "universalIdentifier": str(uuid.uuid4()),
                    "name": reverse_raw["name"],
                    "objectMetadataUniversalIdentifier": self._object_uid(target),
                }
                report["fieldMetadata"].append(_entity("fieldMetadata", "create", reverse_errors, info))
            report["viewField"] = self._view_field_failures(obj, uid)
            if is_unique:
                report["index"] = [self._index_failure(obj, name, type_)]
            raise _failure("Multiple validation errors occurred while creating fields", report)

        stamp = now_iso()
        extra: JSON = {
            "description": data.get("description"),
            "icon": data.get("icon"),
            "isNullable": data.get("isNullable") if isinstance(data.get("isNullable"), bool) else True,
            "isUnique": is_unique,
            "isActive": data.get("isActive") if isinstance(data.get("isActive"), bool) else True,
            "isLabelSyncedWithName": data.get("isLabelSyncedWithName") is True,
            "defaultValue": data.get("defaultValue"),
            "options": options,
            "settings": data.get("settings") if isinstance(data.get("settings"), dict) else None,
        }
        if type_ == "RELATION" and target is not None and relation_kind is not None:
            if extra["description"] is None:
                extra["description"] = f"{capitalize(obj.name_plural)} tied to the {target.raw.get('labelSingular')}"
            extra["settings"] = _relation_settings(relation_kind, name)
            extra["defaultValue"] = None
        field = FieldMeta(
            self._new_field_raw(obj, name=name, type_=type_, label=label, uid=uid, stamp=stamp, **extra), obj
        )
        obj.fields.append(field)
        try:
            self._add_columns(obj, field)
        except ApiError:
            obj.fields.remove(field)
            raise
        if target is not None and reverse_raw is not None:
            reverse = FieldMeta(
                self._new_field_raw(
                    target,
                    name=str(reverse_raw["name"]),
                    type_="RELATION",
                    label=str(reverse_raw["label"]),
                    stamp=stamp,
                    description=reverse_raw["description"],
                    icon=reverse_raw["icon"],
                    settings=reverse_raw["settings"],
                ),
                target,
            )
            self._link(field, reverse)
            target.fields.append(reverse)
            self._add_columns(target, reverse)
        self._changed()
        return 201, {"data": {"createOneField": _field_mutation_json(field)}}

    def update_field(self, field_id: str | None, _query: dict[str, str], body: Any) -> tuple[int, Any]:
        field = self.ws.field_by_id(field_id or "")
        if field is None:
            raise _not_found("Field to update not found", "FIELD_METADATA_NOT_FOUND")
        data = _body(body)
        messages = _update_field_messages(data)
        if messages:
            raise express_bad_request(messages)
        obj = field.object
        standard = field.raw.get("applicationId") == self.ws.standard_application_id
        errors: list[JSON] = []
        new_name = str(data.get("name", field.name))
        renamed = new_name != field.name
        if renamed:
            if standard or field.is_system:
                errors.append(
                    _error("FIELD_MUTATION_NOT_ALLOWED", "Cannot update the name of a standard or system field")
                )
            errors += name_errors(new_name, "INVALID_FIELD_INPUT")
            errors += self._availability_errors(obj, new_name, exclude=[field])
            if field.relation_type == "MANY_TO_ONE":
                errors += self._join_column_errors(obj, new_name, exclude=[field])
        if "type" in data and data["type"] != field.type:
            errors.append(_error("INVALID_FIELD_INPUT", "Field type cannot be updated", value=data["type"]))
        options: list[JSON] | None = None
        if "options" in data and (field.type in _ENUM_TYPES or field.type == "RATING"):
            options = self._options(field.type, data["options"], errors)
        make_unique = data.get("isUnique") is True and not field.is_unique
        if make_unique and (field.is_relation or (field.is_composite and field.type not in _UNIQUE_COMPOSITES)):
            errors.append(
                _error(
                    "INVALID_FIELD_INPUT",
                    f"Unique index cannot be created for field {field.name} of type {field.type}",
                    f"{field.type} fields cannot be unique.",
                )
            )
        if "defaultValue" in data:
            errors += self._default_value_errors(
                field.type, data["defaultValue"], options if options is not None else field.options
            )
        if errors:
            info = {"id": field.id, "name": new_name, "objectMetadataId": obj.id}
            entity = _entity("fieldMetadata", "update", errors, info)
            raise _failure("Multiple validation errors occurred while updating field", {"fieldMetadata": [entity]})

        raw = field.raw
        if renamed:
            old_columns = self._field_columns(field)
            raw["name"] = new_name
            if field.relation_type == "MANY_TO_ONE":
                raw["settings"] = {**field.settings, "joinColumnName": f"{new_name}Id"}
            self.store.rename_columns(obj, old_columns, self._field_columns(field))
        for key in ("label", "description", "icon"):
            if key in data:
                if data[key] is None and key != "label":
                    raw.pop(key, None)
                else:
                    raw[key] = data[key]
        for key in ("isActive", "isNullable", "isLabelSyncedWithName"):
            if isinstance(data.get(key), bool):
                raw[key] = data[key]
        if "defaultValue" in data:
            _set_or_drop(raw, "defaultValue", data["defaultValue"])
        if "settings" in data and not field.is_relation:
            _set_or_drop(raw, "settings", data["settings"] if isinstance(data["settings"], dict) else None)
        if options is not None:
            raw["options"] = options
            self._prune_option_values(field)
        if isinstance(data.get("isUnique"), bool) and data["isUnique"] != field.is_unique:
            before = field.is_unique
            raw["isUnique"] = data["isUnique"]
            try:
                self.store.set_unique(obj, field)
            except sqlite3.IntegrityError as exc:
                raw["isUnique"] = before
                self.store.set_unique(obj, field)
                raise self._duplicates_error(obj, field) from exc
        raw["updatedAt"] = now_iso()
        self._changed()
        return 200, {"data": {"updateOneField": _field_mutation_json(field)}}

    def _prune_option_values(self, field: FieldMeta) -> None:
        """Stored values no longer among a select field's options are cleared, as Twenty's migration does."""
        allowed = {o.get("value") for o in field.options}
        column = column_for(field)
        table = quote(self.store.table(field.object))
        if field.type == "SELECT":
            marks = ",".join("?" * len(allowed)) or "NULL"
            self.store.execute(
                f"UPDATE {table} SET {column.sql} = NULL "
                f"WHERE {column.sql} IS NOT NULL AND {column.sql} NOT IN ({marks})",
                list(allowed),
            )
        elif field.type == "MULTI_SELECT":
            rows = self.store.execute(f"SELECT id, {column.sql} FROM {table} WHERE {column.sql} IS NOT NULL").fetchall()
            for row_id, stored in rows:
                values = json.loads(stored)
                kept = [v for v in values if v in allowed] if isinstance(values, list) else []
                if kept != values:
                    self.store.execute(
                        f"UPDATE {table} SET {column.sql} = ? WHERE id = ?", (encode(column, kept), row_id)
                    )

    def delete_field(self, field_id: str | None, _query: dict[str, str], _body: Any) -> tuple[int, Any]:
        field = self.ws.field_by_id(field_id or "")
        if field is None:
            raise _not_found("Field to delete not found", "FIELD_METADATA_NOT_FOUND")
        obj = field.object
        errors: list[JSON] = []
        if field.raw.get("applicationId") == self.ws.standard_application_id:
            errors.append(_error("FIELD_MUTATION_NOT_ALLOWED", "Standard fields cannot be deleted"))
        elif field.is_system:
            errors.append(_error("FIELD_MUTATION_NOT_ALLOWED", "System fields cannot be deleted"))
        if obj.raw.get("labelIdentifierFieldMetadataId") == field.id:
            errors.append(
                _error(
                    "FIELD_MUTATION_NOT_ALLOWED",
                    "Cannot delete, please update the label identifier field first",
                    "Cannot delete the field used as the record label",
                )
            )
        if errors:
            info = {"id": field.id, "name": field.name, "objectMetadataId": obj.id}
            entity = _entity("fieldMetadata", "delete", errors, info)
            raise _failure("Multiple validation errors occurred while deleting field", {"fieldMetadata": [entity]})
        answer = _field_mutation_json(field)
        reverse = self.ws.target_field(field) if field.is_relation else None
        self._remove_field(field)
        if reverse is not None and reverse.target_field_id == field.id:
            self._remove_field(reverse)
        if obj.raw.get("imageIdentifierFieldMetadataId") == field.id:
            obj.raw.pop("imageIdentifierFieldMetadataId", None)
        self._changed()
        return 200, {"data": {"deleteOneField": answer}}


def _relation_settings(kind: str, name: str) -> JSON:
    if kind == "MANY_TO_ONE":
        return {"onDelete": "SET_NULL", "relationType": "MANY_TO_ONE", "joinColumnName": f"{name}Id"}
    return {"relationType": "ONE_TO_MANY"}


def _set_or_drop(raw: JSON, key: str, value: Any) -> None:
    if value is None:
        raw.pop(key, None)
    else:
        raw[key] = value


_Handler = Callable[[_MetadataApi, "str | None", dict[str, str], Any], tuple[int, Any]]

_ROUTES: dict[tuple[str, str, bool], _Handler] = {
    ("objects", "GET", False): _MetadataApi.list_objects,
    ("objects", "GET", True): _MetadataApi.get_object,
    ("objects", "POST", False): _MetadataApi.create_object,
    ("objects", "PATCH", True): _MetadataApi.update_object,
    ("objects", "DELETE", True): _MetadataApi.delete_object,
    ("fields", "GET", False): _MetadataApi.list_fields,
    ("fields", "GET", True): _MetadataApi.get_field,
    ("fields", "POST", False): _MetadataApi.create_field,
    ("fields", "PATCH", True): _MetadataApi.update_field,
    ("fields", "DELETE", True): _MetadataApi.delete_field,
}
