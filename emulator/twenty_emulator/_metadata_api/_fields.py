"""``/rest/metadata/fields``: list, read, create (relations both ways, options, defaults, unique indexes), update
and delete fields.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from typing import Any

from twenty_emulator._columns import JSON_TYPES, column_for, encode, quote
from twenty_emulator._errors import ApiError, express_bad_request
from twenty_emulator._metadata_api._answers import (
    JSON,
    failed_entity,
    field_json,
    field_mutation_json,
    not_found,
    report_error,
    validation_failure,
)
from twenty_emulator._metadata_api._changes import WorkspaceChanges
from twenty_emulator._metadata_api._dto import create_field_messages, dto_body, update_field_messages
from twenty_emulator._metadata_api._paging import list_answer
from twenty_emulator._names import (
    capitalize,
    name_errors,
    name_from_label,
)
from twenty_emulator._values import is_uuid
from twenty_emulator._workspace import (
    COMPOSITE_TYPES,
    RELATION_TYPES,
    FieldMeta,
    ObjectMeta,
    now_iso,
)

__all__ = ["FieldsApi"]

# Types the server manages itself: not creatable through the API.
_NOT_CREATABLE = frozenset({"ACTOR", "POSITION", "TS_VECTOR", "MORPH_RELATION"})
_ENUM_TYPES = frozenset({"SELECT", "MULTI_SELECT"})
# Composite types with a sub-field in their unique constraint (``isIncludedInUniqueConstraint``).
_UNIQUE_COMPOSITES = frozenset({"EMAILS", "LINKS", "PHONES", "FULL_NAME"})
_OPTION_VALUE_RE = re.compile(r"^[A-Z0-9_]+$")
_RELATION_KINDS = ("MANY_TO_ONE", "ONE_TO_MANY")


def _default_fits_columns(type_: str, default: Any) -> bool:
    """Whether a ``defaultValue`` can fill the field's columns (Twenty checks it against a DTO per type): a plain
    column takes a JSON scalar, a composite an object of them by sub-field, JSON columns anything."""

    def fits(value_type: str, value: Any) -> bool:
        return value_type in JSON_TYPES or value is None or isinstance(value, (str, int, float))

    if type_ in COMPOSITE_TYPES:
        subs = COMPOSITE_TYPES[type_]
        return isinstance(default, dict) and all(fits(subs.get(k, "TEXT"), v) for k, v in default.items())
    return type_ in RELATION_TYPES or fits(type_, default)


class FieldsApi(WorkspaceChanges):
    """The field routes."""

    def list_fields(self, _id: str | None, query: dict[str, str], _body: Any) -> tuple[int, Any]:
        return 200, list_answer("fields", [field_json(f) for o in self.ws.objects for f in o.fields], query)

    def get_field(self, field_id: str | None, _query: dict[str, str], _body: Any) -> tuple[int, Any]:
        field = self.ws.field_by_id(field_id or "")
        if field is None:
            raise not_found("Field metadata not found", "FIELD_METADATA_NOT_FOUND")
        return 200, {"data": {"field": field_json(field)}}

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
            errors.append(report_error("INVALID_FIELD_INPUT", "Options are required for enum fields"))
            return None
        out: list[JSON] = []
        seen: set[str] = set()
        for index, option in enumerate(options):
            if not isinstance(option, dict):
                errors.append(report_error("INVALID_FIELD_INPUT", "Options are malformed", value=str(option)))
                continue
            value, label = option.get("value"), option.get("label")
            if not isinstance(value, str) or not _OPTION_VALUE_RE.match(value):
                message = f'Value must be in UPPER_CASE and follow snake_case "{value}"'
                errors.append(report_error("INVALID_FIELD_INPUT", message, value=value))
            elif value in seen:
                message = f'Duplicated option value "{value}"'
                errors.append(report_error("INVALID_FIELD_INPUT", message, value=value))
            else:
                seen.add(value)
            if not isinstance(label, str) or not label.strip():
                errors.append(report_error("INVALID_FIELD_INPUT", "Option label is required", value=label))
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
            return [report_error("INVALID_FIELD_INPUT", message, value=json.dumps(default))]
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
            report_error("INVALID_FIELD_INPUT", f"Default value {v!r} must be one of the option values", value=str(v))
            for v in bad
        ]

    def create_field(self, _id: str | None, _query: dict[str, str], body: Any) -> tuple[int, Any]:
        data = dto_body(body)
        messages = create_field_messages(data)
        if messages:
            raise express_bad_request(messages)
        obj = self.ws.object_by_id(str(data["objectMetadataId"]).lower())
        if obj is None:
            message = "Multiple validation errors occurred while creating field"
            entity = {
                "errors": [
                    report_error(
                        "OBJECT_METADATA_NOT_FOUND",
                        "Provided object metadata id does not exist",
                        "Created field metadata, parent object metadata not found",
                    )
                ],
                "type": "create",
                "metadataName": "fieldMetadata",
                "flatEntityMinimalInformation": {"id": ""},
            }
            raise validation_failure(message, {"fieldMetadata": [entity]})

        type_, name, label = str(data["type"]), str(data["name"]), str(data["label"])
        uid = str(uuid.uuid4())
        is_unique = data.get("isUnique") is True
        errors: list[JSON] = name_errors(name, "INVALID_FIELD_INPUT") + self._availability_errors(obj, name)
        if type_ in _NOT_CREATABLE:
            errors.append(report_error("INVALID_FIELD_INPUT", f"Field type {type_} cannot be created through the API"))
        if is_unique and (type_ in RELATION_TYPES or (type_ in COMPOSITE_TYPES and type_ not in _UNIQUE_COMPOSITES)):
            errors.append(
                report_error(
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
                errors.append(report_error("INVALID_FIELD_INPUT", "Relation creation payload is not defined"))
            else:
                target_id = payload.get("targetObjectMetadataId")
                target = self.ws.object_by_id(str(target_id).lower()) if isinstance(target_id, str) else None
                relation_kind = payload.get("type") if payload.get("type") in _RELATION_KINDS else None
                target_label = payload.get("targetFieldLabel")
                if target is None:
                    errors.append(
                        report_error(
                            "OBJECT_METADATA_NOT_FOUND",
                            "Relation target object metadata not found",
                            "Object targeted by the relation not found",
                        )
                    )
                if relation_kind is None:
                    errors.append(
                        report_error(
                            "INVALID_FIELD_INPUT",
                            f"Relation type must be one of: {', '.join(_RELATION_KINDS)}",
                            value=payload.get("type"),
                        )
                    )
                if not isinstance(target_label, str) or not target_label.strip():
                    errors.append(report_error("INVALID_FIELD_INPUT", "Relation target field label is required"))
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
                report["fieldMetadata"].append(failed_entity("fieldMetadata", "create", errors, info))
            if reverse_errors and target is not None and reverse_raw is not None:
                info = {
                    "universalIdentifier": str(uuid.uuid4()),
                    "name": reverse_raw["name"],
                    "objectMetadataUniversalIdentifier": self._object_uid(target),
                }
                report["fieldMetadata"].append(failed_entity("fieldMetadata", "create", reverse_errors, info))
            report["viewField"] = self._view_field_failures(obj, uid)
            if is_unique:
                report["index"] = [self._index_failure(obj, name, type_)]
            raise validation_failure("Multiple validation errors occurred while creating fields", report)

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
        return 201, {"data": {"createOneField": field_mutation_json(field)}}

    def update_field(self, field_id: str | None, _query: dict[str, str], body: Any) -> tuple[int, Any]:
        field = self.ws.field_by_id(field_id or "")
        if field is None:
            raise not_found("Field to update not found", "FIELD_METADATA_NOT_FOUND")
        data = dto_body(body)
        messages = update_field_messages(data)
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
                    report_error("FIELD_MUTATION_NOT_ALLOWED", "Cannot update the name of a standard or system field")
                )
            errors += name_errors(new_name, "INVALID_FIELD_INPUT")
            errors += self._availability_errors(obj, new_name, exclude=[field])
            if field.relation_type == "MANY_TO_ONE":
                errors += self._join_column_errors(obj, new_name, exclude=[field])
        if "type" in data and data["type"] != field.type:
            errors.append(report_error("INVALID_FIELD_INPUT", "Field type cannot be updated", value=data["type"]))
        options: list[JSON] | None = None
        if "options" in data and (field.type in _ENUM_TYPES or field.type == "RATING"):
            options = self._options(field.type, data["options"], errors)
        make_unique = data.get("isUnique") is True and not field.is_unique
        if make_unique and (field.is_relation or (field.is_composite and field.type not in _UNIQUE_COMPOSITES)):
            errors.append(
                report_error(
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
            entity = failed_entity("fieldMetadata", "update", errors, info)
            raise validation_failure(
                "Multiple validation errors occurred while updating field", {"fieldMetadata": [entity]}
            )

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
        return 200, {"data": {"updateOneField": field_mutation_json(field)}}

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
            raise not_found("Field to delete not found", "FIELD_METADATA_NOT_FOUND")
        obj = field.object
        errors: list[JSON] = []
        if field.raw.get("applicationId") == self.ws.standard_application_id:
            errors.append(report_error("FIELD_MUTATION_NOT_ALLOWED", "Standard fields cannot be deleted"))
        elif field.is_system:
            errors.append(report_error("FIELD_MUTATION_NOT_ALLOWED", "System fields cannot be deleted"))
        if obj.raw.get("labelIdentifierFieldMetadataId") == field.id:
            errors.append(
                report_error(
                    "FIELD_MUTATION_NOT_ALLOWED",
                    "Cannot delete, please update the label identifier field first",
                    "Cannot delete the field used as the record label",
                )
            )
        if errors:
            info = {"id": field.id, "name": field.name, "objectMetadataId": obj.id}
            entity = failed_entity("fieldMetadata", "delete", errors, info)
            raise validation_failure(
                "Multiple validation errors occurred while deleting field", {"fieldMetadata": [entity]}
            )
        answer = field_mutation_json(field)
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
