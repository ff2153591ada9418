"""Routing ``/rest/metadata/…`` and ``/rest/open-api/…`` requests: Nest's ``ParseUUIDPipe`` on ``:id``, the object and
field routes, and what Twenty answers for paths no metadata controller serves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twenty_emulator import _openapi, _webhooks
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
        if parts and parts[0] == "webhooks" and len(parts) <= 2:
            return _webhook_route(emulator, verb, parts[1] if len(parts) == 2 else None, body)
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
        "apiKeys",
    }
)
"""Twenty's other ``/rest/metadata/<name>`` controllers (not emulated: they answer 404 here)."""


def _webhook_route(emulator: Emulator, verb: str, item_id: str | None, body: Any) -> tuple[int, Any]:
    """``/rest/metadata/webhooks[/:id]`` as Twenty's ``WebhookController`` answers (recorded: p12): the webhooks
    themselves, no ``data`` envelope; a missing one read by id is an empty 200, updated or deleted a 400
    ``WEBHOOK_NOT_FOUND``; an id that is no UUID reaches PostgreSQL; a refused URL is the migration builder's 400."""
    if item_id is not None and not is_uuid(item_id):
        raise bad_request(f'invalid input syntax for type uuid: "{item_id}"', error="BadRequestException")
    try:
        if item_id is None and verb == "GET":
            return 200, [_rest_webhook(emulator, w) for w in _webhooks.list_webhooks(emulator)]
        if item_id is None and verb == "POST":
            return 201, _rest_webhook(emulator, _webhooks.create_webhook(emulator, _webhook_input(body)))
        if item_id is not None and verb == "GET":
            found = _webhooks.find_webhook(emulator, item_id)
            return 200, None if found is None else _rest_webhook(emulator, found)
        if item_id is not None and verb == "PATCH":
            changes = dict(body) if isinstance(body, dict) else {}
            return 200, _rest_webhook(emulator, _webhooks.update_webhook(emulator, item_id, changes))
        if item_id is not None and verb == "DELETE":
            _webhooks.delete_webhook(emulator, item_id)
            return 200, True
    except _webhooks.WebhookError as err:
        if err.not_found:
            raise ApiError(
                400, {"statusCode": 400, "error": "Error", "messages": [err.message], "code": "WEBHOOK_NOT_FOUND"}
            ) from None
        raise bad_request(err.message, error="WorkspaceMigrationBuilderException") from None
    raise ApiError(404, {"statusCode": 404, "message": f"Cannot {verb} /rest/metadata/webhooks", "error": "Not Found"})


def _webhook_input(body: Any) -> dict[str, Any]:
    data = dict(body) if isinstance(body, dict) else {}
    data.setdefault("targetUrl", "")
    data.setdefault("operations", [])
    return data


def _rest_webhook(emulator: Emulator, webhook: dict[str, Any]) -> dict[str, Any]:
    """A webhook as REST shows it: GraphQL's fields with the workspace id after the secret."""
    out: dict[str, Any] = {}
    for key, value in webhook.items():
        out[key] = value
        if key == "secret":
            out["workspaceId"] = emulator.workspace.workspace_id
    return out


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
