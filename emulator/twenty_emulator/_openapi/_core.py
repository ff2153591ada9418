"""``GET /rest/open-api/core``, generated from the workspace's live metadata.

It follows the rules of Twenty's ``engine/core-modules/open-api`` utilities: one tag and the record routes (paths,
parameters, responses) per object, the objects' schema components (``_schemas``), three webhooks per object, in the
frame and with the shared components both documents have (``_document``). The parts that do not depend on the
workspace (the webhooks' headers, the dashboard duplication route) are the data file ``data/openapi/core.json``.
"""

from __future__ import annotations

from typing import Any

from twenty_emulator._openapi._document import (
    JSON,
    base_document,
    capitalize,
    error_responses,
    load,
    parameter_components,
    ref,
    tags,
    uuid_schema,
)
from twenty_emulator._openapi._examples import Fake
from twenty_emulator._openapi._schemas import schema_components
from twenty_emulator._workspace import ObjectMeta, Workspace

__all__ = ["core_document"]

# -- small helpers -------------------------------------------------------------------------------------------------


def _locale_key(name: str) -> tuple[str, str]:
    """An approximation of JavaScript's ``localeCompare`` for identifiers: case-insensitive, lower case first."""
    return (name.casefold(), name.swapcase())


def _param(name: str) -> JSON:
    return {"$ref": f"#/components/parameters/{name}"}


def _error_refs() -> JSON:
    return {"400": {"$ref": "#/components/responses/400"}, "401": {"$ref": "#/components/responses/401"}}


def _json_content(schema: JSON) -> JSON:
    return {"application/json": {"schema": schema}}


def _success(schema: JSON) -> JSON:
    return {"description": "Successful operation", "content": _json_content(schema)}


def _data_response(key: str, value: JSON) -> JSON:
    """``{"data": {key: value}}`` as a successful response."""
    return _success({"type": "object", "properties": {"data": {"type": "object", "properties": {key: value}}}})


def _body(schema: JSON, *, description: bool = True) -> JSON:
    body: JSON = {"description": "body", "required": True, "content": _json_content(schema)}
    if not description:
        del body["description"]
    return body


def _page_info(*, uuid_cursors: bool = False) -> JSON:
    cursor = uuid_schema() if uuid_cursors else {"type": "string"}
    return {
        "type": "object",
        "properties": {"hasNextPage": {"type": "boolean"}, "startCursor": dict(cursor), "endCursor": dict(cursor)},
    }


def _find_many_response(plural: str, item_schema: str) -> JSON:
    return _success(
        {
            "type": "object",
            "properties": {
                "data": {
                    "type": "object",
                    "properties": {plural: {"type": "array", "items": ref(item_schema)}},
                },
                "pageInfo": _page_info(),
                "totalCount": {"type": "integer"},
            },
        }
    )


def _array_of(schema_name: str) -> JSON:
    return {"type": "array", "items": ref(schema_name)}


def _deleted_id() -> JSON:
    return {"type": "object", "properties": {"id": uuid_schema()}}


# -- core paths ------------------------------------------------------------------------------------------------


def _object_paths(obj: ObjectMeta, fake: Fake) -> dict[str, JSON]:
    s, p = obj.name_singular, obj.name_plural
    cap_s, cap_p = capitalize(s), capitalize(p)
    for_response = f"{cap_s}ForResponse"

    find_many = {
        "tags": [p],
        "summary": f"Find Many {p}",
        "description": "**order_by**, **filter**, **limit**, **depth**, **starting_after** or **ending_before** can "
        f"be provided to request your **{p}**",
        "operationId": f"findMany{cap_p}",
        "parameters": [
            _param("orderBy"),
            _param("filter"),
            _param("limit"),
            _param("depth"),
            _param("startingAfter"),
            _param("endingBefore"),
        ],
        "responses": {"200": _find_many_response(p, for_response), **_error_refs()},
    }
    create_one = {
        "tags": [p],
        "summary": f"Create One {s}",
        "operationId": f"createOne{cap_s}",
        "parameters": [_param("depth"), _param("upsert")],
        "requestBody": _body(ref(cap_s)),
        "responses": {"201": _data_response(f"create{cap_s}", ref(for_response)), **_error_refs()},
    }
    delete_many = {
        "tags": [p],
        "summary": f"Delete Many {p}",
        "operationId": f"deleteMany{cap_p}",
        "parameters": [_param("filter"), _param("softDelete")],
        "responses": {
            "200": _data_response(f"delete{cap_p}", {"type": "array", "items": _deleted_id()}),
            **_error_refs(),
        },
    }
    update_many = {
        "tags": [p],
        "summary": f"Update Many {p}",
        "operationId": f"updateMany{cap_p}",
        "parameters": [_param("depth"), _param("filter")],
        "requestBody": _body(ref(f"{cap_s}ForUpdate")),
        "responses": {"200": _data_response(f"update{cap_p}", _array_of(for_response)), **_error_refs()},
    }
    create_many = {
        "tags": [p],
        "summary": f"Create Many {p}",
        "operationId": f"createMany{cap_p}",
        "parameters": [_param("depth"), _param("upsert")],
        "requestBody": _body({"type": "array", "items": ref(cap_s)}, description=False),
        "responses": {"201": _data_response(f"create{cap_p}", _array_of(for_response)), **_error_refs()},
    }
    find_one = {
        "tags": [p],
        "summary": f"Find One {s}",
        "description": f"**depth** can be provided to request your **{s}**",
        "operationId": f"findOne{cap_s}",
        "parameters": [_param("idPath"), _param("depth")],
        "responses": {"200": _data_response(s, ref(for_response)), **_error_refs()},
    }
    delete_one = {
        "tags": [p],
        "summary": f"Delete One {s}",
        "operationId": f"deleteOne{cap_s}",
        "parameters": [_param("idPath"), _param("softDelete")],
        "responses": {"200": _data_response(f"delete{cap_s}", _deleted_id()), **_error_refs()},
    }
    update_one = {
        "tags": [p],
        "summary": f"Update One {s}",
        "operationId": f"UpdateOne{cap_s}",
        "parameters": [_param("idPath"), _param("depth")],
        "requestBody": _body(ref(f"{cap_s}ForUpdate")),
        "responses": {"200": _data_response(f"update{cap_s}", ref(for_response)), **_error_refs()},
    }
    find_duplicates = {
        "tags": [p],
        "summary": f"Find {s} Duplicates",
        "description": f"**depth** can be provided to request your **{s}**",
        "operationId": f"find{cap_s}Duplicates",
        "parameters": [_param("depth")],
        "requestBody": _body(
            {
                "type": "object",
                "properties": {
                    "data": {"type": "array", "items": ref(cap_s)},
                    "ids": {"type": "array", "items": uuid_schema()},
                },
                "example": {"ids": [fake.uuid()]},
            }
        ),
        "responses": {
            "200": _success(
                {
                    "type": "object",
                    "properties": {
                        "data": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "totalCount": {"type": "number"},
                                    "pageInfo": _page_info(uuid_cursors=True),
                                    f"{s}Duplicates": _array_of(for_response),
                                },
                            },
                        }
                    },
                }
            ),
            **_error_refs(),
        },
    }
    restore_one = {
        "tags": [p],
        "summary": f"Restore One {s}",
        "operationId": f"restoreOne{cap_s}",
        "parameters": [_param("idPath"), _param("depth")],
        "responses": {"200": _data_response(f"restore{cap_s}", ref(for_response)), **_error_refs()},
    }
    restore_many = {
        "tags": [p],
        "summary": f"Restore Many {p}",
        "operationId": f"restoreMany{cap_p}",
        "parameters": [_param("filter"), _param("depth")],
        "responses": {"200": _data_response(f"restore{cap_p}", _array_of(for_response)), **_error_refs()},
    }
    merge_many = {
        "tags": [p],
        "summary": f"Merge Many {p}",
        "operationId": f"mergeMany{cap_p}",
        "parameters": [_param("depth")],
        "requestBody": _body(
            {
                "type": "object",
                "properties": {
                    "ids": {
                        "type": "array",
                        "description": "The IDs of the records to merge",
                        "items": uuid_schema(),
                    },
                    "conflictPriorityIndex": {
                        "type": "number",
                        "description": "The index of the record to use when conflicts occur",
                    },
                    "dryRun": {
                        "description": "If true, the merge will not be performed and a preview of the merge will be "
                        "returned.",
                        "type": "boolean",
                        "default": False,
                    },
                },
                "example": {"ids": [fake.uuid()], "conflictPriorityIndex": 0, "dryRun": False},
                "required": ["ids", "conflictPriorityIndex"],
            }
        ),
        "responses": {"200": _data_response(f"merge{cap_p}", ref(for_response)), **_error_refs()},
    }
    group_by = {
        "tags": [p],
        "summary": f"Group By {p}",
        "description": f"Groups **{p}** by specified fields and optionally computes aggregate values for each group.",
        "operationId": f"groupBy{cap_p}",
        "parameters": [
            _param("groupBy"),
            _param("filter"),
            _param("orderBy"),
            _param("limit"),
            _param("viewId"),
            _param("aggregate"),
            _param("includeRecordsSample"),
            _param("orderByForRecords"),
        ],
        "responses": {
            "200": _data_response(
                f"{p}GroupBy",
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "groupByDimensionValues": {
                                "type": "array",
                                "description": "Array of values representing each dimension in the group",
                                "items": {"type": "string"},
                            },
                            "records": {
                                "type": "array",
                                "description": "Sample of records for this group (only present when "
                                "include_records_sample is true)",
                                "items": ref(for_response),
                            },
                        },
                        "additionalProperties": {
                            "type": "number",
                            "description": "Aggregate values (e.g., countNotEmptyId)",
                        },
                    },
                },
            )
        },
    }
    return {
        f"/{p}": {"get": find_many, "post": create_one, "delete": delete_many, "patch": update_many},
        f"/batch/{p}": {"post": create_many},
        f"/{p}/{{id}}": {"get": find_one, "delete": delete_one, "patch": update_one},
        f"/{p}/duplicates": {"post": find_duplicates},
        f"/restore/{p}/{{id}}": {"patch": restore_one},
        f"/restore/{p}": {"patch": restore_many},
        f"/{p}/merge": {"patch": merge_many},
        f"/{p}/groupBy": {"get": group_by},
    }


# -- webhooks --------------------------------------------------------------------------------------------------

_WEBHOOK_ACTIONS = (("created", "Created"), ("updated", "Updated"), ("deleted", "Deleted"))


def _webhook(ws: Workspace, obj: ObjectMeta, action: str, fake: Fake) -> JSON:
    s = obj.name_singular
    properties: JSON = {
        "targetUrl": {"type": "string", "example": "https://example.com/incomingWebhook"},
        "eventName": {"type": "string", "example": f"{s}.{action}"},
        "objectMetadata": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "example": obj.id},
                "nameSingular": {"type": "string", "enum": [s]},
            },
        },
        "workspaceId": {"type": "string", "example": ws.workspace_id},
        "userId": {"type": "string", "example": fake.uuid()},
        "workspaceMemberId": {"type": "string", "example": fake.uuid()},
        "webhookId": {"type": "string", "example": fake.uuid()},
        "eventDate": {"type": "string", "example": "2024-02-14T11:27:01.779Z"},
        "record": ref(f"{capitalize(s)}ForResponse"),
    }
    if action == "updated":
        properties["updatedFields"] = {"type": "array", "items": {"type": "string"}}
    return {
        "post": {
            "tags": [s],
            "security": [],
            "parameters": load("core.json")["webhookHeaders"],
            "requestBody": {"content": _json_content({"type": "object", "properties": properties})},
            "responses": {
                "200": {"description": "Return a 200 status to indicate that the data was received successfully"}
            },
        }
    }


# -- the core document -----------------------------------------------------------------------------------------


# -- the core document -----------------------------------------------------------------------------------------


def _api_objects(ws: Workspace) -> list[ObjectMeta]:
    """The objects the REST API describes, in the order Twenty lists them (by plural name)."""
    return sorted(ws.objects, key=lambda o: _locale_key(o.name_plural))


def core_document(ws: Workspace, server_url: str) -> dict[str, Any]:
    """``GET /rest/open-api/core`` for this workspace.

    ``server_url`` is the server's base URL (``http://localhost:3000``; Twenty's ``SERVER_URL``); the ``servers`` URL
    derived from it (``http://localhost:3000/rest/``) is accepted too. A new dictionary is built on every call."""
    document = base_document("core", server_url)
    objects = _api_objects(ws)
    if not objects:
        return document
    paths: JSON = document["paths"]
    webhooks: JSON = {}
    for obj in objects:
        fake = Fake(obj.id)
        paths.update(_object_paths(obj, fake))
        for action, label in _WEBHOOK_ACTIONS:
            webhooks[f"{capitalize(obj.name_singular)} {label}"] = _webhook(ws, obj, action, fake)
    # added by Twenty to every workspace's document, whether or not it has dashboards
    paths["/dashboards/{id}/duplicate"] = load("core.json")["duplicateDashboardPath"]
    document["webhooks"] = webhooks
    document["components"] = {
        **document["components"],
        "schemas": schema_components(ws, objects),
        "parameters": parameter_components(from_metadata=False),
        "responses": error_responses(),
    }
    document["tags"] = tags(o.name_plural for o in objects)
    return document


# -- the metadata document -------------------------------------------------------------------------------------

# The entities Twenty's metadata REST API serves (``pageLayout*`` behind a feature flag that 2.21.0 workspaces have).
METADATA_ENTITIES: tuple[tuple[str, str], ...] = (
    ("object", "objects"),
    ("field", "fields"),
    ("webhook", "webhooks"),
    ("apiKey", "apiKeys"),
    ("view", "views"),
    ("viewField", "viewFields"),
    ("viewFilter", "viewFilters"),
    ("viewSort", "viewSorts"),
    ("viewGroup", "viewGroups"),
    ("viewFilterGroup", "viewFilterGroups"),
    ("pageLayout", "pageLayouts"),
    ("pageLayoutTab", "pageLayoutTabs"),
    ("pageLayoutWidget", "pageLayoutWidgets"),
)
