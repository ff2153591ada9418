"""The core document's schema components: ``X``, ``XForUpdate`` and ``XForResponse`` for every object, from its
fields (Twenty's ``computeSchemaComponents`` and ``convertObjectMetadataToSchemaProperties``)."""

from __future__ import annotations

from collections.abc import Iterable

from twenty_emulator._openapi._document import JSON, capitalize, ref, uuid_schema
from twenty_emulator._openapi._examples import Fake, is_required, option_values, schema_example
from twenty_emulator._workspace import FieldMeta, ObjectMeta, Workspace

__all__ = ["schema_components"]

_ACTOR_SOURCES = ("EMAIL", "CALENDAR", "WORKFLOW", "AGENT", "API", "IMPORT", "MANUAL", "SYSTEM", "WEBHOOK")
_NOT_WRITABLE = frozenset({"id", "createdAt", "updatedAt", "deletedAt"})


def _date_time_schema() -> JSON:
    return {"type": "string", "format": "date-time"}


def _number_schema(f: FieldMeta) -> JSON:
    settings = f.settings
    decimals = settings.get("decimals")
    if settings.get("dataType") == "float" or (isinstance(decimals, int | float) and decimals > 0):
        return {"type": "number"}
    return {"type": "integer"}


def _field_schema(f: FieldMeta, *, for_response: bool) -> JSON:
    """The schema of one (non-relation) field's value."""
    match f.type:
        case "UUID":
            return uuid_schema()
        case "TEXT" | "RICH_TEXT_V1":
            return {"type": "string"}
        case "DATE_TIME":
            return _date_time_schema()
        case "DATE":
            return {"type": "string", "format": "date"}
        case "NUMBER":
            return _number_schema(f)
        case "NUMERIC" | "POSITION":
            return {"type": "number"}
        case "BOOLEAN":
            return {"type": "boolean"}
        case "RAW_JSON":
            return {"type": "object"}
        case "MULTI_SELECT":
            return {"type": "array", "items": {"type": "string", "enum": option_values(f)}}
        case "SELECT" | "RATING":
            return {"type": "string", "enum": option_values(f)}
        case "ARRAY":
            return {"type": "array", "items": {"type": "string"}}
        case "LINKS":
            return {
                "type": "object",
                "properties": {
                    "primaryLinkLabel": {"type": "string"},
                    "primaryLinkUrl": {"type": "string"},
                    "secondaryLinks": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "description": "A secondary link",
                            "properties": {"url": {"type": "string", "format": "uri"}, "label": {"type": "string"}},
                        },
                    },
                },
            }
        case "CURRENCY":
            return {
                "type": "object",
                "properties": {"amountMicros": {"type": "number"}, "currencyCode": {"type": "string"}},
            }
        case "FULL_NAME":
            return {"type": "object", "properties": {"firstName": {"type": "string"}, "lastName": {"type": "string"}}}
        case "ADDRESS":
            return {
                "type": "object",
                "properties": {
                    "addressStreet1": {"type": "string"},
                    "addressStreet2": {"type": "string"},
                    "addressCity": {"type": "string"},
                    "addressPostcode": {"type": "string"},
                    "addressState": {"type": "string"},
                    "addressCountry": {"type": "string"},
                    "addressLat": {"type": "number"},
                    "addressLng": {"type": "number"},
                },
            }
        case "ACTOR":
            properties: JSON = {"source": {"type": "string", "enum": list(_ACTOR_SOURCES)}}
            if for_response:
                properties["workspaceMemberId"] = uuid_schema()
                properties["name"] = {"type": "string"}
            return {"type": "object", "properties": properties}
        case "EMAILS":
            return {
                "type": "object",
                "properties": {
                    "primaryEmail": {"type": "string"},
                    "additionalEmails": {"type": "array", "items": {"type": "string", "format": "email"}},
                },
            }
        case "PHONES":
            return {
                "properties": {
                    "additionalPhones": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "number": {"type": "string"},
                                "countryCode": {"type": "string"},
                                "callingCode": {"type": "string"},
                            },
                        },
                    },
                    "primaryPhoneCountryCode": {"type": "string"},
                    "primaryPhoneCallingCode": {"type": "string"},
                    "primaryPhoneNumber": {"type": "string"},
                },
                "type": "object",
            }
        case "RICH_TEXT":
            return {
                "type": "object",
                "properties": {"blocknote": {"type": "string"}, "markdown": {"type": "string"}},
            }
        case "FILES":
            file_properties: JSON = {"fileId": uuid_schema(), "label": {"type": "string"}}
            if for_response:
                file_properties["extension"] = {"type": "string"}
                file_properties["url"] = {"type": "string"}
            return {"type": "array", "items": {"type": "object", "properties": file_properties}}
        case _:
            return {"type": "string"}


def _with_description(schema: JSON, f: FieldMeta) -> JSON:
    description = f.raw.get("description")
    if description:
        schema["description"] = description
    return schema


def _scalar_properties(obj: ObjectMeta, *, for_response: bool) -> JSON:
    """Twenty's ``convertObjectMetadataToSchemaProperties``: every field but search vectors and to-many relations;
    to-one relations as their ``<name>Id`` column."""
    properties: JSON = {}
    for f in obj.fields:
        if f.type == "TS_VECTOR" or (not for_response and f.name in _NOT_WRITABLE):
            continue
        if f.is_relation:
            if f.relation_type == "MANY_TO_ONE":
                properties[f"{f.name}Id"] = uuid_schema()
            continue
        properties[f.name] = _with_description(_field_schema(f, for_response=for_response), f)
    return properties


def _relation_properties(ws: Workspace, obj: ObjectMeta) -> JSON:
    properties: JSON = {}
    for f in obj.fields:
        if not f.is_relation:
            continue
        target = ws.target_object(f)
        if target is None:
            continue
        target_ref = ref(f"{capitalize(target.name_singular)}ForResponse")
        if f.relation_type == "MANY_TO_ONE":
            schema: JSON = {"type": "object", "oneOf": [target_ref]}
        elif f.relation_type == "ONE_TO_MANY":
            schema = {"type": "array", "items": target_ref}
        else:
            continue
        properties[f.name] = _with_description(schema, f)
    return properties


def _schema_component(ws: Workspace, obj: ObjectMeta, *, for_response: bool, for_update: bool) -> JSON:
    schema: JSON = {"type": "object"}
    description = obj.raw.get("description")
    if description is not None:
        schema["description"] = description
    properties = _scalar_properties(obj, for_response=for_response)
    if for_response and not for_update:
        properties.update(_relation_properties(ws, obj))
    schema["properties"] = properties
    if not for_response:
        variant = "update" if for_update else "create"
        schema["example"] = schema_example(obj, Fake(f"{obj.id}:{variant}"))
    if not for_response and not for_update:
        required = [f.name for f in obj.fields if is_required(f)]
        if required:
            schema["required"] = required
    return schema


def schema_components(ws: Workspace, objects: Iterable[ObjectMeta]) -> JSON:
    schemas: JSON = {}
    for obj in objects:
        name = capitalize(obj.name_singular)
        schemas[name] = _schema_component(ws, obj, for_response=False, for_update=False)
        schemas[f"{name}ForUpdate"] = _schema_component(ws, obj, for_response=False, for_update=True)
        schemas[f"{name}ForResponse"] = _schema_component(ws, obj, for_response=True, for_update=False)
    return schemas
