"""Routing ``/rest/metadata/…`` and ``/rest/open-api/…`` requests: Nest's ``ParseUUIDPipe`` on ``:id``, the object and
field routes, and what Twenty answers for paths no metadata controller serves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twenty_emulator import _openapi
from twenty_emulator._errors import ApiError, bad_request
from twenty_emulator._metadata_api._changes import WorkspaceChanges
from twenty_emulator._metadata_api._fields import FieldsApi
from twenty_emulator._metadata_api._objects import ObjectsApi
from twenty_emulator._state import Emulator
from twenty_emulator._values import is_uuid

__all__ = ["handle", "open_api"]


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
                api, answer = route
                return answer(api(emulator), item_id, query, body)
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


_Handler = Callable[[Any, "str | None", dict[str, str], Any], tuple[int, Any]]

_ROUTES: dict[tuple[str, str, bool], tuple[type[WorkspaceChanges], _Handler]] = {
    ("objects", "GET", False): (ObjectsApi, ObjectsApi.list_objects),
    ("objects", "GET", True): (ObjectsApi, ObjectsApi.get_object),
    ("objects", "POST", False): (ObjectsApi, ObjectsApi.create_object),
    ("objects", "PATCH", True): (ObjectsApi, ObjectsApi.update_object),
    ("objects", "DELETE", True): (ObjectsApi, ObjectsApi.delete_object),
    ("fields", "GET", False): (FieldsApi, FieldsApi.list_fields),
    ("fields", "GET", True): (FieldsApi, FieldsApi.get_field),
    ("fields", "POST", False): (FieldsApi, FieldsApi.create_field),
    ("fields", "PATCH", True): (FieldsApi, FieldsApi.update_field),
    ("fields", "DELETE", True): (FieldsApi, FieldsApi.delete_field),
}
