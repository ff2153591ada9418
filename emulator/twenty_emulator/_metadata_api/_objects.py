"""``/rest/metadata/objects``: list, read, create (with a custom object's default fields and its links to the
activity objects), update and delete objects.
"""

from __future__ import annotations

import uuid
from typing import Any

from twenty_emulator._errors import express_bad_request
from twenty_emulator._metadata_api._answers import (
    JSON,
    failed_entity,
    not_found,
    object_json,
    object_mutation_json,
    report_error,
    validation_failure,
)
from twenty_emulator._metadata_api._changes import WorkspaceChanges
from twenty_emulator._metadata_api._dto import OBJECT_BOOLEANS, dto_body, object_messages
from twenty_emulator._metadata_api._paging import list_answer
from twenty_emulator._names import (
    capitalize,
    deterministic_uuid,
    name_errors,
)
from twenty_emulator._workspace import (
    FieldMeta,
    ObjectMeta,
    now_iso,
)

__all__ = ["ObjectsApi"]

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


class ObjectsApi(WorkspaceChanges):
    """The object routes."""

    def list_objects(self, _id: str | None, query: dict[str, str], _body: Any) -> tuple[int, Any]:
        return 200, list_answer("objects", [object_json(o) for o in self.ws.objects], query)

    def get_object(self, object_id: str | None, _query: dict[str, str], _body: Any) -> tuple[int, Any]:
        obj = self.ws.object_by_id(object_id or "")
        if obj is None:
            raise not_found("Object metadata not found", "OBJECT_METADATA_NOT_FOUND")
        return 200, {"data": {"object": object_json(obj)}}

    def create_object(self, _id: str | None, _query: dict[str, str], body: Any) -> tuple[int, Any]:
        data = dto_body(body)
        messages = object_messages(data, create=True)
        if messages:
            raise express_bad_request(messages)
        singular, plural = str(data["nameSingular"]), str(data["namePlural"])
        uid = str(uuid.uuid4())
        errors = name_errors(singular, "INVALID_OBJECT_INPUT") + name_errors(plural, "INVALID_OBJECT_INPUT")
        if singular.strip().lower() == plural.strip().lower():
            message = "The singular and plural names cannot be the same for an object"
            errors.append(report_error("INVALID_OBJECT_INPUT", message, value=plural))
        if any({o.name_singular, o.name_plural} & {singular, plural} for o in self.ws.objects):
            errors.append(report_error("OBJECT_ALREADY_EXISTS", "Object already exists"))
        if errors:
            info = {"universalIdentifier": uid, "nameSingular": singular, "namePlural": plural}
            entity = failed_entity("objectMetadata", "create", errors, info)
            raise validation_failure(
                "Multiple validation errors occurred while creating object", {"objectMetadata": [entity]}
            )

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
        return 201, {"data": {"createOneObject": object_mutation_json(obj, with_fields=True)}}

    def _morph_id(self, target: ObjectMeta, fallback: str) -> str:
        for f in target.fields:
            morph = f.raw.get("morphId")
            if f.type == "MORPH_RELATION" and f.name.startswith("target") and morph:
                return str(morph)
        return fallback

    def update_object(self, object_id: str | None, _query: dict[str, str], body: Any) -> tuple[int, Any]:
        obj = self.ws.object_by_id(object_id or "")
        if obj is None:
            raise not_found("Object to update not found", "OBJECT_METADATA_NOT_FOUND")
        data = dto_body(body)
        messages = object_messages(data, create=False)
        if messages:
            raise express_bad_request(messages)
        errors: list[JSON] = []
        singular = str(data.get("nameSingular", obj.name_singular))
        plural = str(data.get("namePlural", obj.name_plural))
        renamed = singular != obj.name_singular or plural != obj.name_plural
        if renamed:
            if not obj.is_custom:
                errors.append(report_error("OBJECT_MUTATION_NOT_ALLOWED", "Standard object names cannot be updated"))
            errors += name_errors(singular, "INVALID_OBJECT_INPUT") + name_errors(plural, "INVALID_OBJECT_INPUT")
            if singular.strip().lower() == plural.strip().lower():
                message = "The singular and plural names cannot be the same for an object"
                errors.append(report_error("INVALID_OBJECT_INPUT", message, value=plural))
            if any(o is not obj and {o.name_singular, o.name_plural} & {singular, plural} for o in self.ws.objects):
                errors.append(report_error("OBJECT_ALREADY_EXISTS", "Object already exists"))
        for key in ("labelIdentifierFieldMetadataId", "imageIdentifierFieldMetadataId"):
            value = data.get(key)
            if value is not None and obj.field_by_id(str(value).lower()) is None:
                errors.append(
                    report_error(
                        "FIELD_METADATA_NOT_FOUND",
                        f"{key} {value} does not exist on object {obj.name_singular}",
                        "Field not found",
                    )
                )
        if errors:
            info = {"id": obj.id, "universalIdentifier": self._object_uid(obj), "nameSingular": singular}
            entity = failed_entity("objectMetadata", "update", errors, info)
            raise validation_failure(
                "Multiple validation errors occurred while updating object", {"objectMetadata": [entity]}
            )

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
        for key in OBJECT_BOOLEANS:
            if isinstance(data.get(key), bool):
                obj.raw[key] = data[key]
        obj.raw["updatedAt"] = now_iso()
        self._changed()
        return 200, {"data": {"updateOneObject": object_mutation_json(obj)}}

    def delete_object(self, object_id: str | None, _query: dict[str, str], _body: Any) -> tuple[int, Any]:
        obj = self.ws.object_by_id(object_id or "")
        if obj is None:
            raise not_found("Could not find flat entity in maps", "ENTITY_NOT_FOUND")
        if not obj.is_custom:
            message = "Standard objects cannot be deleted"
            entity = failed_entity(
                "objectMetadata",
                "delete",
                [report_error("OBJECT_MUTATION_NOT_ALLOWED", message)],
                {"id": obj.id, "universalIdentifier": self._object_uid(obj), "nameSingular": obj.name_singular},
            )
            raise validation_failure(
                "Multiple validation errors occurred while deleting object", {"objectMetadata": [entity]}
            )
        answer = object_mutation_json(obj)
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
