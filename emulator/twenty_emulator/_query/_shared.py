"""What the list-query modules share: the limits and directions of Twenty's REST lists, the table an object's
records live in, and the two error shapes the query runner answers with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from twenty_emulator._errors import ApiError
from twenty_emulator._workspace import ObjectMeta

__all__ = [
    "DEFAULT_DIRECTION",
    "DEFAULT_LIMIT",
    "DIRECTIONS",
    "MAX_LIMIT",
    "QueryValue",
    "js_error",
    "runner_error",
    "table_name",
]

DEFAULT_LIMIT: Final = 60
MAX_LIMIT: Final = 200
DIRECTIONS: Final = ("AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast")
DEFAULT_DIRECTION: Final = "AscNullsFirst"

QueryValue = str | Sequence[str] | None


def table_name(obj: ObjectMeta) -> str:
    """The table an object's records live in, keyed by object id (``Store.table`` is this)."""
    return f"t_{obj.id}"


def runner_error(message: str, code: str) -> ApiError:
    """A query-runner exception with a code, as REST renders it (seen: ``FIELD_NOT_FOUND``)."""
    return ApiError(400, {"statusCode": 400, "error": "Error", "messages": [message], "code": code})


def js_error(kind: str, message: str) -> ApiError:
    """A JavaScript error thrown inside the server, as REST renders it (seen: ``TypeError``)."""
    return ApiError(400, {"statusCode": 400, "error": kind, "messages": [message]})
