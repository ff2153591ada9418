"""Request bodies checked as Twenty's DTOs check them (class-validator), before any metadata validator: the messages
of an ``express_bad_request`` (``{"message": [...], "error": "Bad Request"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twenty_emulator._values import is_uuid
from twenty_emulator._workspace import (
    FIELD_TYPES,
)

__all__ = ["OBJECT_BOOLEANS", "create_field_messages", "dto_body", "object_messages", "update_field_messages"]

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


def _optional_field_messages(data: Mapping[str, Any]) -> list[str]:
    """What a field's create and update DTOs check alike, after the names: description, icon, the flags."""
    out = _optional_string(data, "description") + _optional_string(data, "icon")
    for key in (*_FIELD_BOOLEANS, "isLabelSyncedWithName"):
        out += _optional_bool(data, key)
    return out


def create_field_messages(data: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    if not is_uuid(data.get("objectMetadataId")):
        out.append("objectMetadataId must be a UUID")
    out += _type_messages(data, required=True)
    out += _required_string(data, "name")
    out += _required_string(data, "label")
    return out + _optional_field_messages(data)


def update_field_messages(data: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    out += _type_messages(data, required=False)
    for key in ("name", "label"):
        if key in data:
            out += _required_string(data, key)
    return out + _optional_field_messages(data)


_OBJECT_NAMES = ("nameSingular", "namePlural", "labelSingular", "labelPlural")
OBJECT_BOOLEANS = ("isActive", "isLabelSyncedWithName", "isSearchable")


def object_messages(data: Mapping[str, Any], *, create: bool) -> list[str]:
    out: list[str] = []
    for key in _OBJECT_NAMES:
        if create or key in data:
            out += _required_string(data, key)
    for key in ("description", "icon", "shortcut"):
        out += _optional_string(data, key)
    for key in OBJECT_BOOLEANS:
        out += _optional_bool(data, key)
    for key in ("labelIdentifierFieldMetadataId", "imageIdentifierFieldMetadataId"):
        value = data.get(key)
        if value is not None and not is_uuid(value):
            out.append(f"{key} must be a UUID")
    return out


def dto_body(body: Any) -> dict[str, Any]:
    return body if isinstance(body, dict) else {}
