"""Error answers in the shapes a real Twenty 2.21.0 sends them.

Every failure inside the emulator is an :class:`ApiError` carrying the status and the exact JSON body; the app turns
it into a response. Nothing else may escape a handler: an unexpected exception becomes Twenty's 500 shape.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "bad_request",
    "express_bad_request",
    "internal_error",
    "metadata_validation_error",
    "not_found",
]


class ApiError(Exception):
    """An answer other than success: HTTP status and JSON body (mostly an object; a leaked database error is a
    bare JSON string)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def bad_request(message: str, *, error: str = "BadRequestException", code: str | None = None) -> ApiError:
    """Twenty's usual 400: ``{"statusCode":400,"error":...,"messages":[...]}`` (plus ``code`` on some errors)."""
    body: dict[str, Any] = {"statusCode": 400, "error": error, "messages": [message]}
    if code is not None:
        body["code"] = code
    return ApiError(400, body)


def express_bad_request(message: str | list[str]) -> ApiError:
    """The body-parser / class-validator shape: ``{"message":...,"error":"Bad Request","statusCode":400}``."""
    return ApiError(400, {"message": message, "error": "Bad Request", "statusCode": 400})


def not_found(message: str = "Record not found", *, error: str = "NotFoundException") -> ApiError:
    return ApiError(404, {"statusCode": 404, "error": error, "messages": [message]})


def metadata_validation_error(message: str, errors: dict[str, Any] | None = None, status: int = 400) -> ApiError:
    body: dict[str, Any] = {"statusCode": status, "error": "METADATA_VALIDATION_ERROR", "message": message}
    if errors is not None:
        body["errors"] = errors
    return ApiError(status, body)


def internal_error(message: str = "Data validation error.") -> ApiError:
    return ApiError(500, {"statusCode": 500, "error": "InternalServerErrorException", "messages": [message]})
