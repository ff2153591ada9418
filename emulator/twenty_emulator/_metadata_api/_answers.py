"""What the metadata API answers: objects and fields as reads serve them and as mutations answer them, and its
errors (``…_NOT_FOUND``, and the ``METADATA_VALIDATION_ERROR`` report with one entry per failing entity).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twenty_emulator._errors import ApiError
from twenty_emulator._workspace import (
    FieldMeta,
    ObjectMeta,
)

__all__ = [
    "JSON",
    "failed_entity",
    "field_json",
    "field_mutation_json",
    "not_found",
    "object_json",
    "object_mutation_json",
    "report_error",
    "validation_failure",
]

JSON = dict[str, Any]


# -- answer shapes ---------------------------------------------------------------------------------------------------


def field_json(field: FieldMeta) -> JSON:
    """A field as reads serve it: the stored dictionary."""
    return dict(field.raw)


def field_mutation_json(field: FieldMeta) -> JSON:
    """A field as ``createOneField`` / ``updateOneField`` / ``deleteOneField`` answer it."""
    out = dict(field.raw)
    out.setdefault("defaultValue", None)
    out.setdefault("options", None)
    return out


def object_json(obj: ObjectMeta) -> JSON:
    return {**obj.raw, "fields": [field_json(f) for f in obj.fields]}


def object_mutation_json(obj: ObjectMeta, *, with_fields: bool = False) -> JSON:
    out = dict(obj.raw)
    out.setdefault("imageIdentifierFieldMetadataId", None)
    if with_fields:
        out["fields"] = [field_json(f) for f in obj.fields]
    return out


def not_found(message: str, code: str) -> ApiError:
    return ApiError(404, {"statusCode": 404, "error": "Error", "messages": [message], "code": code})


def report_error(code: str, message: str, user_message: str | None = None, value: Any = None) -> JSON:
    out: JSON = {"code": code, "message": message, "userFriendlyMessage": user_message or message}
    if value is not None:
        out["value"] = value
    return out


def validation_failure(message: str, report: Mapping[str, list[JSON]]) -> ApiError:
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


def failed_entity(metadata_name: str, kind: str, errors: list[JSON], info: JSON) -> JSON:
    return {
        "status": "fail",
        "errors": errors,
        "flatEntityMinimalInformation": info,
        "metadataName": metadata_name,
        "type": kind,
    }
