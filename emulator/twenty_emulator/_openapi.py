"""The OpenAPI documents Twenty 2.21.0 serves at ``GET /rest/open-api/core`` and ``GET /rest/open-api/metadata``.

The core document is generated from the workspace's live metadata, following the rules of Twenty's
``engine/core-modules/open-api`` utilities (paths, parameters, responses, schema components, webhooks, tags); the
metadata document is Twenty's hand-written description of its metadata API, with the server URL filled in.

Twenty fills ``example`` values with random fake data on every request; here they are derived from the metadata with a
seeded generator, so the same workspace always gives the same document.
"""

from __future__ import annotations

import copy
import random
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from twenty_emulator._workspace import FIELD_TYPES, FieldMeta, ObjectMeta, Workspace

__all__ = ["core_document", "metadata_document"]

JSON = dict[str, Any]

OPENAPI_VERSION = "3.1.1"
API_VERSION = "v0.1"

# -- small helpers -------------------------------------------------------------------------------------------------


def _capitalize(name: str) -> str:
    return name[:1].upper() + name[1:]


def _camel_to_title_case(name: str) -> str:
    """``surveyResult`` → ``Survey Result`` (Twenty's ``camelToTitleCase``)."""
    spaced = re.sub(r"([A-Z])", r" \1", name)
    return spaced[:1].upper() + spaced[1:]


def _locale_key(name: str) -> tuple[str, str]:
    """An approximation of JavaScript's ``localeCompare`` for identifiers: case-insensitive, lower case first."""
    return (name.casefold(), name.swapcase())


def _ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str) -> JSON:
    return {"$ref": f"#/components/parameters/{name}"}


def _uuid_schema() -> JSON:
    return {"type": "string", "format": "uuid"}


def _date_time_schema() -> JSON:
    return {"type": "string", "format": "date-time"}


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
    cursor = _uuid_schema() if uuid_cursors else {"type": "string"}
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
                    "properties": {plural: {"type": "array", "items": _ref(item_schema)}},
                },
                "pageInfo": _page_info(),
                "totalCount": {"type": "integer"},
            },
        }
    )


def _array_of(schema_name: str) -> JSON:
    return {"type": "array", "items": _ref(schema_name)}


def _deleted_id() -> JSON:
    return {"type": "object", "properties": {"id": _uuid_schema()}}


# -- fake example values (Twenty's generateRandomFieldValue, seeded) ---------------------------------------------

_FIRST_NAMES = ("Aurore", "Reta", "Floy", "Eriberto", "Fannie", "Reagan", "Otha", "Riley", "Carolina", "Verner")
_LAST_NAMES = ("McDermott", "Strosin", "Hackett", "Gutkowski", "Crist", "Reilly", "Hilpert", "Champlin", "Conner")
_MAIL_DOMAINS = ("gmail.com", "yahoo.com", "hotmail.com", "example.com")
_URL_WORDS = (
    "basic",
    "instruction",
    "motionless",
    "basket",
    "firm",
    "fellow",
    "lovely",
    "courtroom",
    "gloomy",
    "cycle",
)
_URL_TLDS = ("com", "net", "org", "biz", "name")
_STREETS = ("Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Elm Street")
_CITIES = ("Paris", "Lyon", "Springfield", "Riverside", "Franklin")
_STATES = ("California", "Texas", "Oregon", "Ohio", "Maine")
_COUNTRIES = ("France", "United States", "Germany", "Spain", "Canada")


class _Fake:
    """Plausible random values, seeded so that a document is the same on every request."""

    def __init__(self, seed: str) -> None:
        self._rng = random.Random(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def first_name(self) -> str:
        return self._rng.choice(_FIRST_NAMES)

    def last_name(self) -> str:
        return self._rng.choice(_LAST_NAMES)

    def email(self) -> str:
        user = f"{self.first_name()}.{self.last_name()}{self._rng.randint(1, 99)}".lower().replace("'", "")
        return f"{user}@{self._rng.choice(_MAIL_DOMAINS)}"

    def url(self) -> str:
        words = "-".join(self._rng.sample(_URL_WORDS, 2))
        return f"https://{words}.{self._rng.choice(_URL_TLDS)}"

    def date_time(self) -> str:
        day = self._rng.randint(1, 28)
        hour = self._rng.randint(0, 23)
        return f"2026-12-{day:02d}T{hour:02d}:00:00.000Z"

    def text(self, characters: str) -> str:
        """One character picked from ``characters`` (faker's ``string.fromCharacters``)."""
        return self._rng.choice(characters) if characters else ""

    def int(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    def float(self, low: float, high: float) -> float:
        return round(self._rng.uniform(low, high), 2)

    def street(self) -> str:
        return f"{self._rng.randint(1, 999)} {self._rng.choice(_STREETS)}"

    def choice(self, values: tuple[str, ...]) -> str:
        return self._rng.choice(values)


def _option_values(f: FieldMeta) -> list[str]:
    return [str(o.get("value")) for o in f.options if isinstance(o, Mapping)]


def _random_field_value(f: FieldMeta, fake: _Fake) -> Any:
    match f.type:
        case "UUID":
            return fake.uuid()
        case "TEXT":
            return fake.text(f.name)
        case "PHONES":
            return {
                "primaryPhoneNumber": "06 10 20 30 40",
                "primaryPhoneCallingCode": "+33",
                "primaryPhoneCountryCode": "FR",
                "additionalPhones": [],
            }
        case "EMAILS":
            return {"primaryEmail": fake.email(), "additionalEmails": None}
        case "DATE" | "DATE_TIME":
            return fake.date_time()
        case "BOOLEAN":
            return False
        case "NUMBER":
            return fake.float(1, 1000)
        case "NUMERIC":
            return fake.int(1, 1000)
        case "LINKS":
            return {"primaryLinkLabel": "", "primaryLinkUrl": fake.url(), "secondaryLinks": []}
        case "CURRENCY":
            return {"amountMicros": fake.int(100, 1000) * 1_000_000, "currencyCode": "EUR"}
        case "FULL_NAME":
            return {"firstName": fake.first_name(), "lastName": fake.last_name()}
        case "RATING":
            return "RATING_5"
        case "SELECT":
            values = _option_values(f)
            return values[0] if values else None
        case "MULTI_SELECT":
            values = _option_values(f)
            return values[:1]
        case "RELATION" | "MORPH_RELATION":
            return None
        case "POSITION":
            return 1
        case "ADDRESS":
            return {
                "addressStreet1": fake.street(),
                "addressStreet2": f"Apt. {fake.int(1, 999)}",
                "addressCity": fake.choice(_CITIES),
                "addressState": fake.choice(_STATES),
                "addressCountry": fake.choice(_COUNTRIES),
                "addressPostcode": f"{fake.int(10000, 99999)}",
                "addressLat": fake.float(-90, 90),
                "addressLng": fake.float(-180, 180),
            }
        case "RAW_JSON":
            return {}
        case "RICH_TEXT":
            return ""
        case "ACTOR":
            return {
                "source": "MANUAL",
                "context": {},
                "name": f"{fake.first_name()} {fake.last_name()}",
                "workspaceMemberId": None,
            }
        case "ARRAY" | "FILES":
            return []
        case _:
            return None


def _is_required(f: FieldMeta) -> bool:
    return not f.is_nullable and f.default_value is None


_EXAMPLE_TYPES = frozenset({"EMAILS", "LINKS", "CURRENCY", "FULL_NAME", "SELECT", "MULTI_SELECT", "PHONES"})


def _schema_example(obj: ObjectMeta, fake: _Fake) -> JSON:
    example: JSON = {}
    for f in obj.fields:
        if f.type == "TS_VECTOR":
            continue
        if _is_required(f) or f.type in _EXAMPLE_TYPES:
            example[f.name] = _random_field_value(f, fake)
        elif f.type == "TEXT" and f.name == "name":
            example[f.name] = f"{_camel_to_title_case(obj.name_singular)} name"
    return example


# -- schema components -----------------------------------------------------------------------------------------

_ACTOR_SOURCES = ("EMAIL", "CALENDAR", "WORKFLOW", "AGENT", "API", "IMPORT", "MANUAL", "SYSTEM", "WEBHOOK")
_NOT_WRITABLE = frozenset({"id", "createdAt", "updatedAt", "deletedAt"})


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
            return _uuid_schema()
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
            return {"type": "array", "items": {"type": "string", "enum": _option_values(f)}}
        case "SELECT" | "RATING":
            return {"type": "string", "enum": _option_values(f)}
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
                properties["workspaceMemberId"] = _uuid_schema()
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
            file_properties: JSON = {"fileId": _uuid_schema(), "label": {"type": "string"}}
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
                properties[f"{f.name}Id"] = _uuid_schema()
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
        ref = _ref(f"{_capitalize(target.name_singular)}ForResponse")
        if f.relation_type == "MANY_TO_ONE":
            schema: JSON = {"type": "object", "oneOf": [ref]}
        elif f.relation_type == "ONE_TO_MANY":
            schema = {"type": "array", "items": ref}
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
        schema["example"] = _schema_example(obj, _Fake(f"{obj.id}:{variant}"))
    if not for_response and not for_update:
        required = [f.name for f in obj.fields if _is_required(f)]
        if required:
            schema["required"] = required
    return schema


def _schema_components(ws: Workspace, objects: Iterable[ObjectMeta]) -> JSON:
    schemas: JSON = {}
    for obj in objects:
        name = _capitalize(obj.name_singular)
        schemas[name] = _schema_component(ws, obj, for_response=False, for_update=False)
        schemas[f"{name}ForUpdate"] = _schema_component(ws, obj, for_response=False, for_update=True)
        schemas[f"{name}ForResponse"] = _schema_component(ws, obj, for_response=True, for_update=False)
    return schemas


# -- parameters and shared responses ---------------------------------------------------------------------------


def _parameter_components(*, from_metadata: bool) -> JSON:
    return {
        "idPath": {
            "name": "id",
            "in": "path",
            "description": "Object id.",
            "required": True,
            "schema": _uuid_schema(),
        },
        "startingAfter": {
            "name": "starting_after",
            "in": "query",
            "description": "Returns objects starting after a specific cursor. You can find cursors in **startCursor** "
            "and **endCursor** in **pageInfo** in response data",
            "required": False,
            "schema": {"type": "string"},
        },
        "endingBefore": {
            "name": "ending_before",
            "in": "query",
            "description": "Returns objects ending before a specific cursor. You can find cursors in **startCursor** "
            "and **endCursor** in **pageInfo** in response data",
            "required": False,
            "schema": {"type": "string"},
        },
        "filter": {
            "name": "filter",
            "in": "query",
            "description": "Format: field[COMPARATOR]:value,field2[COMPARATOR]:value2.\n"
            "    For like/ilike, use % as a wildcard (e.g. %value% for substring match).\n"
            "    Refer to the filter section at the top of the page for more details.",
            "required": False,
            "schema": {"type": "string"},
            "examples": {
                "simple": {"value": 'createdAt[gte]:"2023-01-01"', "description": "A simple filter param"},
                "simpleNested": {
                    "value": "emails.primaryEmail[eq]:foo99@example.com",
                    "description": "A simple composite type filter param",
                },
                "complex": {
                    "value": 'or(createdAt[gte]:"2024-01-01",createdAt[lte]:"2023-01-01",not(id[is]:NULL))',
                    "description": "A more complex filter param",
                },
                "like": {"value": 'name[like]:"%value%"', "description": "Pattern matching"},
            },
        },
        "depth": {
            "name": "depth",
            "in": "query",
            "description": "Determines the level of nested related objects to include in the response.\n"
            "    - 0: Primary object only\n"
            "    - 1: Primary object + direct relations",
            "required": False,
            "schema": {"type": "integer", "enum": [0, 1], "default": 1},
        },
        "upsert": {
            "name": "upsert",
            "in": "query",
            "description": "If true, creates the object or updates it if it already exists.",
            "required": False,
            "schema": {"type": "boolean", "default": False},
        },
        "softDelete": {
            "name": "soft_delete",
            "in": "query",
            "description": "If true, soft deletes the objects. If false, objects are permanently deleted.",
            "required": False,
            "schema": {"type": "boolean", "default": False},
        },
        "orderBy": {
            "name": "order_by",
            "in": "query",
            "description": "Format: **field_name_1,field_name_2[DIRECTION_2]\n"
            "    Refer to the filter section at the top of the page for more details.",
            "required": False,
            "schema": {"type": "string"},
            "examples": {
                "simple": {"value": "createdAt", "summary": "A simple order_by param"},
                "complex": {
                    "value": "id[AscNullsFirst],createdAt[DescNullsLast]",
                    "summary": "A more complex order_by param",
                },
            },
        },
        "limit": {
            "name": "limit",
            "in": "query",
            "description": "Limits the number of objects returned.",
            "required": False,
            "schema": {
                "type": "integer",
                "minimum": 0,
                "maximum": 1000 if from_metadata else 200,
                "default": 1000 if from_metadata else 60,
            },
        },
        "groupBy": {
            "name": "group_by",
            "in": "query",
            "description": "Array of fields to group by. Each element can specify a field and optionally a subfield "
            "or granularity for date fields.",
            "required": True,
            "schema": {"type": "string"},
            "examples": {
                "simple": {"value": '[{"updatedAt": true}]', "summary": "Group by a single field"},
                "subfield": {
                    "value": '[{"assignee": {"name": true}}]',
                    "summary": "Group by a relation field subfield",
                },
                "dateGranularity": {
                    "value": '[{"createdAt": {"granularity": "MONTH"}}]',
                    "summary": "Group by date with granularity (DAY, WEEK, MONTH, YEAR)",
                },
            },
        },
        "viewId": {
            "name": "view_id",
            "in": "query",
            "description": "View ID to apply filters from.",
            "required": False,
            "schema": _uuid_schema(),
        },
        "aggregate": {
            "name": "aggregate",
            "in": "query",
            "description": "Array of aggregate operations to compute for each group.",
            "required": False,
            "schema": {"type": "string"},
            "examples": {
                "count": {"value": '["countNotEmptyId"]', "summary": "Count non-empty IDs in each group"},
                "multiple": {"value": '["countNotEmptyId", "sumAmount"]', "summary": "Multiple aggregate operations"},
            },
        },
        "includeRecordsSample": {
            "name": "include_records_sample",
            "in": "query",
            "description": "If true, includes a sample of records for each group in the response.",
            "required": False,
            "schema": {"type": "boolean", "default": False},
        },
        "orderByForRecords": {
            "name": "order_by_for_records",
            "in": "query",
            "description": "Order by clause for records within each group. Only applicable when include_records_sample "
            "is true.",
            "required": False,
            "schema": {"type": "string"},
            "examples": {"simple": {"value": "createdAt", "summary": "Order records by createdAt"}},
        },
    }


def _error_responses() -> JSON:
    return {
        "400": {
            "description": "Bad Request",
            "content": _json_content(
                {
                    "type": "object",
                    "properties": {
                        "statusCode": {"type": "number"},
                        "messages": {"type": "array", "items": {"type": "string"}},
                        "error": {"type": "string"},
                    },
                    "example": {"statusCode": 400, "message": "error message", "error": "Bad Request"},
                }
            ),
        },
        "401": {
            "description": "Unauthorized",
            "content": _json_content(
                {
                    "type": "object",
                    "properties": {
                        "statusCode": {"type": "number"},
                        "message": {"type": "string"},
                        "error": {"type": "string"},
                    },
                    "example": {"statusCode": 401, "message": "Token invalid.", "error": "Unauthorized"},
                }
            ),
        },
    }


# -- base document --------------------------------------------------------------------------------------------

_DESCRIPTION = """Use this page to explore and call the **REST API**.

## Authentication

Send a Bearer token with each request:

```http
Authorization: Bearer <token>
```

Example cURL:

```bash
curl -H 'Authorization: Bearer <token>' <server>/rest/core/companies
```

Tokens can be generated in Settings \u2192 Playground and are workspace-scoped.

> **Never put your token in a URL.** Tokens passed as query parameters end up in
> server access logs, browser history, and `Referer` headers, which is why the
> API only accepts tokens from the `Authorization` header.


## Filters

Use the `filter` query parameter to narrow results.

- Format: `field[COMPARATOR]:value`
- Multiple conditions: `field1[eq]:1,field2[gte]:10` (root conjunction is AND)
- Composite fields: `field.subField[COMPARATOR]:value`
- Common comparators: `eq`, `neq`, `in`, `containsAny`, `is`, `gt`, `gte`, `lt`, `lte`, `startsWith`, `like`, `ilike`
- Wildcards: For `like`/`ilike`, use `%` as a wildcard (e.g. `%value%` for substring match)

Examples:

```text
filter=status[eq]:"open"
filter=createdAt[gte]:"2024-01-01"
filter=owner.name[ilike]:"%smith%"
filter=id[in]:["id-1","id-2"]
filter=deletedAt[is]:NULL
filter=isActive[eq]:true
```

Advanced (optional): `and(...)`, `or(...)`, `not(...)` (`not` wraps one condition)

```text
filter=or(status[eq]:"open",assigneeId[is]:NULL)
```

Notes: Strings and dates are quoted; numbers are not.

## Pagination and ordering

All list endpoints use cursor-based pagination.

- Use **limit** to cap page size (default: 60, max: 60).
- Use **starting_after** to fetch the next page (forward).
- Use **ending_before** to fetch the previous page (backward).
- Responses include **pageInfo** with `hasNextPage`, `startCursor`, and `endCursor`.

Examples:

```bash
# First page
curl -H 'Authorization: Bearer <token>' \\
  '<server>/rest/core/companies?limit=60'

# Next page
curl -H 'Authorization: Bearer <token>' \\
  '<server>/rest/core/companies?limit=60&starting_after=<endCursorFromPreviousPage>'

# Previous page
curl -H 'Authorization: Bearer <token>' \\
  '<server>/rest/core/companies?limit=60&ending_before=<startCursorFromCurrentPage>'
```

You can combine pagination with filters and ordering.

Ordering with `order_by`:
- Shape: `field1,field2[DIRECTION2]`
- Directions: AscNullsFirst, AscNullsLast, DescNullsFirst, DescNullsLast
- Default per-field direction: AscNullsFirst

Examples:
```text
order_by=createdAt
order_by=id[AscNullsFirst],createdAt[DescNullsLast]
```

## Usage with LLMs

The recommended way to give an LLM agent (Claude Desktop, Cursor, Windsurf, \u2026)
access to your workspace is the **Twenty MCP server**, not this OpenAPI schema.
The MCP server exposes typed tools the agent can call directly with proper
header-based auth (OAuth or API key), no tokens in URLs.

Configure it from **Settings \u2192 AI \u2192 MCP** in your workspace. The endpoint is:

```text
{server_url}/mcp
```

If you specifically need the raw OpenAPI document (for code generation, type
generation, etc.), download it locally with a header-authenticated request and
hand the file to your tool \u2014 never paste a tokenized URL into a chat:

```bash
curl -H 'Authorization: Bearer <token>' \\
  {server_url}/rest/open-api/{schema_name} > twenty-{schema_name}.json
```
"""


def _open_api_path(server_url: str) -> JSON:
    """``GET /open-api/<core|metadata>``: the document describing itself."""
    string = {"type": "string"}
    return {
        "get": {
            "tags": ["General"],
            "summary": "Get Open Api Schema",
            "operationId": "GetOpenApiSchema",
            "servers": [{"url": server_url}],
            "responses": {
                "200": _success(
                    {
                        "type": "object",
                        "properties": {
                            "openapi": dict(string),
                            "info": {
                                "type": "object",
                                "properties": {
                                    "title": dict(string),
                                    "description": dict(string),
                                    "termsOfService": dict(string),
                                    "contact": {"type": "object", "properties": {"email": dict(string)}},
                                    "license": {
                                        "type": "object",
                                        "properties": {"name": dict(string), "url": dict(string)},
                                    },
                                },
                            },
                            "servers": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {"url": dict(string), "description": dict(string)},
                                },
                            },
                            "components": {
                                "type": "object",
                                "properties": {
                                    "schemas": {"type": "object"},
                                    "parameters": {"type": "object"},
                                    "responses": {"type": "object"},
                                },
                            },
                            "paths": {"type": "object"},
                            "tags": {"type": "object"},
                        },
                    }
                )
            },
        }
    }


def _base_url(server_url: str) -> str:
    """The server's base URL (``http://localhost:3000``), also when given the document's ``servers`` URL
    (``http://localhost:3000/rest/`` or ``…/rest/metadata``)."""
    url = server_url.rstrip("/")
    for suffix in ("/rest/metadata", "/rest"):
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


def _base_document(schema_name: str, server_url: str) -> JSON:
    server_url = _base_url(server_url)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Twenty Api",
            "description": _DESCRIPTION.replace("{server_url}", server_url).replace("{schema_name}", schema_name),
            "termsOfService": "https://github.com/twentyhq/twenty?tab=coc-ov-file#readme",
            "contact": {"email": "felix@twenty.com"},
            "license": {"name": "AGPL-3.0", "url": "https://github.com/twentyhq/twenty?tab=License-1-ov-file#readme"},
            "version": API_VERSION,
        },
        "servers": [
            {
                "url": f"{server_url}/rest/{schema_name if schema_name != 'core' else ''}",
                "description": "Production Development",
            }
        ],
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": 'Enter the token with the `Bearer: ` prefix, e.g. "Bearer abcde12345".',
                }
            }
        },
        "security": [{"bearerAuth": []}],
        "externalDocs": {"description": "Find out more about **Twenty**", "url": "https://twenty.com"},
        "paths": {f"/open-api/{schema_name}": _open_api_path(server_url)},
    }


def _tags(plurals: Iterable[str]) -> list[JSON]:
    return [
        {"name": "General", "description": "General requests"},
        *({"name": plural, "description": f"Object `{_capitalize(plural)}`"} for plural in plurals),
    ]


# -- core paths ------------------------------------------------------------------------------------------------


def _object_paths(obj: ObjectMeta, fake: _Fake) -> dict[str, JSON]:
    s, p = obj.name_singular, obj.name_plural
    cap_s, cap_p = _capitalize(s), _capitalize(p)
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
        "requestBody": _body(_ref(cap_s)),
        "responses": {"201": _data_response(f"create{cap_s}", _ref(for_response)), **_error_refs()},
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
        "requestBody": _body(_ref(f"{cap_s}ForUpdate")),
        "responses": {"200": _data_response(f"update{cap_p}", _array_of(for_response)), **_error_refs()},
    }
    create_many = {
        "tags": [p],
        "summary": f"Create Many {p}",
        "operationId": f"createMany{cap_p}",
        "parameters": [_param("depth"), _param("upsert")],
        "requestBody": _body({"type": "array", "items": _ref(cap_s)}, description=False),
        "responses": {"201": _data_response(f"create{cap_p}", _array_of(for_response)), **_error_refs()},
    }
    find_one = {
        "tags": [p],
        "summary": f"Find One {s}",
        "description": f"**depth** can be provided to request your **{s}**",
        "operationId": f"findOne{cap_s}",
        "parameters": [_param("idPath"), _param("depth")],
        "responses": {"200": _data_response(s, _ref(for_response)), **_error_refs()},
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
        "requestBody": _body(_ref(f"{cap_s}ForUpdate")),
        "responses": {"200": _data_response(f"update{cap_s}", _ref(for_response)), **_error_refs()},
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
                    "data": {"type": "array", "items": _ref(cap_s)},
                    "ids": {"type": "array", "items": _uuid_schema()},
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
        "responses": {"200": _data_response(f"restore{cap_s}", _ref(for_response)), **_error_refs()},
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
                        "items": _uuid_schema(),
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
        "responses": {"200": _data_response(f"merge{cap_p}", _ref(for_response)), **_error_refs()},
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
                                "items": _ref(for_response),
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


def _duplicate_dashboard_path() -> JSON:
    """Added by Twenty to every workspace's document, whether or not it has dashboards."""
    return {
        "post": {
            "tags": ["dashboards"],
            "summary": "Duplicate a dashboard",
            "description": "Creates a duplicate of an existing dashboard",
            "operationId": "duplicateDashboard",
            "parameters": [_param("idPath")],
            "responses": {
                "201": {
                    "description": "Dashboard duplicated successfully",
                    "content": _json_content(_ref("DashboardForResponse")),
                },
                **_error_refs(),
            },
        }
    }


# -- webhooks --------------------------------------------------------------------------------------------------

_SIGNATURE_DESCRIPTION = """HMAC SHA256 signature of the request payload using the webhook secret. To compute the \
signature:
1. Concatenate `X-Twenty-Webhook-Timestamp`, a colon (:), and the JSON string of the request payload.
2. Compute the HMAC SHA256 hash using the shared secret as the key.
3. Send the resulting hex digest as this header value.
Example (Node.js):
```javascript
const crypto = require("crypto");
const timestamp = "1735066639761";
const payload = JSON.stringify({...});
const secret = "your-secret";
const stringToSign = `${timestamp}:${JSON.stringify(payload)}`;
const signature = crypto.createHmac("sha256", secret)
  .update(stringToSign)
  .digest("hex");
```"""

_WEBHOOK_ACTIONS = (("created", "Created"), ("updated", "Updated"), ("deleted", "Deleted"))


def _webhook_headers() -> list[JSON]:
    return [
        {
            "in": "header",
            "name": "X-Twenty-Webhook-Signature",
            "schema": {"type": "string"},
            "description": _SIGNATURE_DESCRIPTION,
            "required": False,
        },
        {
            "in": "header",
            "name": "X-Twenty-Webhook-Timestamp",
            "schema": {"type": "string"},
            "description": "Unix timestamp of when the webhook was sent. This timestamp is included in the HMAC "
            "signature generation to prevent replay attacks.",
            "required": False,
        },
        {
            "in": "header",
            "name": "X-Twenty-Webhook-Nonce",
            "schema": {"type": "string"},
            "description": "Unique identifier for this webhook request to prevent replay attacks. Consumers should "
            "ensure this nonce is not reused.",
            "required": False,
        },
    ]


def _webhook(ws: Workspace, obj: ObjectMeta, action: str, fake: _Fake) -> JSON:
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
        "record": _ref(f"{_capitalize(s)}ForResponse"),
    }
    if action == "updated":
        properties["updatedFields"] = {"type": "array", "items": {"type": "string"}}
    return {
        "post": {
            "tags": [s],
            "security": [],
            "parameters": _webhook_headers(),
            "requestBody": {"content": _json_content({"type": "object", "properties": properties})},
            "responses": {
                "200": {"description": "Return a 200 status to indicate that the data was received successfully"}
            },
        }
    }


# -- the core document -----------------------------------------------------------------------------------------


def _api_objects(ws: Workspace) -> list[ObjectMeta]:
    """The objects the REST API describes, in the order Twenty lists them (by plural name)."""
    return sorted(ws.objects, key=lambda o: _locale_key(o.name_plural))


def core_document(ws: Workspace, server_url: str) -> dict[str, Any]:
    """``GET /rest/open-api/core`` for this workspace.

    ``server_url`` is the server's base URL (``http://localhost:3000``; Twenty's ``SERVER_URL``); the ``servers`` URL
    derived from it (``http://localhost:3000/rest/``) is accepted too. A new dictionary is built on every call."""
    document = _base_document("core", server_url)
    objects = _api_objects(ws)
    if not objects:
        return document
    paths: JSON = document["paths"]
    webhooks: JSON = {}
    for obj in objects:
        fake = _Fake(obj.id)
        paths.update(_object_paths(obj, fake))
        for action, label in _WEBHOOK_ACTIONS:
            webhooks[f"{_capitalize(obj.name_singular)} {label}"] = _webhook(ws, obj, action, fake)
    paths["/dashboards/{id}/duplicate"] = _duplicate_dashboard_path()
    document["webhooks"] = webhooks
    document["components"] = {
        **document["components"],
        "schemas": _schema_components(ws, objects),
        "parameters": _parameter_components(from_metadata=False),
        "responses": _error_responses(),
    }
    document["tags"] = _tags(o.name_plural for o in objects)
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


_AGGREGATE_OPERATIONS = ["AVG", "COUNT", "MAX", "MIN", "SUM"]
_VIEW_FILTER_OPERANDS = [
    "IS",
    "IS_NOT_NULL",
    "IS_NOT",
    "LESS_THAN_OR_EQUAL",
    "GREATER_THAN_OR_EQUAL",
    "IS_BEFORE",
    "IS_AFTER",
    "CONTAINS",
    "DOES_NOT_CONTAIN",
    "IS_EMPTY",
    "IS_NOT_EMPTY",
    "IS_RELATIVE",
    "IS_IN_PAST",
    "IS_IN_FUTURE",
    "IS_TODAY",
    "VECTOR_SEARCH",
]
_PAGE_LAYOUT_TYPES = ["RECORD_INDEX", "RECORD_PAGE", "DASHBOARD", "STANDALONE_PAGE"]
_WIDGET_TYPES = ["VIEW", "IFRAME", "FIELDS", "GRAPH", "TIMELINE", "TASKS", "NOTES", "FILES", "EMAILS", "CALENDAR"]
_WIDGET_TYPES_FOR_UPDATE = ["VIEW", "IFRAME", "FIELDS", "GRAPH"]


def _string() -> JSON:
    return {"type": "string"}


def _number(default: float | None = None) -> JSON:
    return {"type": "number"} if default is None else {"type": "number", "default": default}


def _boolean(default: bool | None = None) -> JSON:
    return {"type": "boolean"} if default is None else {"type": "boolean", "default": default}


def _enum(values: list[str], default: str | None = None) -> JSON:
    schema: JSON = {"type": "string", "enum": list(values)}
    if default is not None:
        schema["default"] = default
    return schema


def _meta_object(description: str, properties: JSON, required: list[str] | None = None) -> JSON:
    schema: JSON = {"type": "object", "description": description, "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _meta_list(plural: str, item: str) -> JSON:
    return {"type": "array", "description": f"A list of {plural}", "items": _ref(item)}


def _stamps(*, deleted: bool = True) -> JSON:
    stamps: JSON = {"workspaceId": _uuid_schema(), "createdAt": _date_time_schema(), "updatedAt": _date_time_schema()}
    if deleted:
        stamps["deletedAt"] = _date_time_schema()
    return stamps


def _field_properties(*, with_immutable: bool) -> JSON:
    properties: JSON = {}
    if with_immutable:
        properties["type"] = _enum(list(FIELD_TYPES))
        properties["objectMetadataId"] = _uuid_schema()
    properties.update(
        {
            "name": _string(),
            "label": _string(),
            "description": _string(),
            "icon": _string(),
            "defaultValue": {},
            "isNullable": _boolean(),
            "settings": {"type": "object"},
            "options": {
                "type": "array",
                "description": "For enum field types like SELECT or MULTI_SELECT",
                "items": {
                    "type": "object",
                    "properties": {
                        "color": _string(),
                        "label": _string(),
                        "value": {"type": "string", "pattern": "^[A-Z0-9]+_[A-Z0-9]+$", "example": "OPTION_1"},
                        "position": _number(),
                    },
                },
            },
        }
    )
    return properties


def _metadata_entity_schemas(singular: str, plural: str) -> JSON:
    """The ``X``, ``Xs``, ``XForUpdate``, ``XForResponse``, ``XsForResponse`` schemas of one metadata entity."""
    name = _capitalize(singular)
    create: JSON
    update: JSON
    response: JSON
    extra: JSON = {}
    match singular:
        case "object":
            object_properties: JSON = {
                "nameSingular": _string(),
                "namePlural": _string(),
                "labelSingular": _string(),
                "labelPlural": _string(),
                "description": _string(),
                "icon": _string(),
                "labelIdentifierFieldMetadataId": _uuid_schema(),
                "imageIdentifierFieldMetadataId": _uuid_schema(),
            }
            create = _meta_object("An object", object_properties)
            update = _meta_object("An object", {"isActive": _boolean()})
            response = _meta_object(
                "An object",
                {
                    **copy.deepcopy(object_properties),
                    "id": _uuid_schema(),
                    "dataSourceId": _uuid_schema(),
                    "isCustom": _boolean(),
                    "isActive": _boolean(),
                    "isSystem": _boolean(),
                    "createdAt": _date_time_schema(),
                    "updatedAt": _date_time_schema(),
                    "fields": {"type": "array", "items": _ref("FieldForResponse")},
                },
            )
        case "field":
            create = _meta_object(
                "A field", _field_properties(with_immutable=True), ["type", "name", "label", "objectMetadataId"]
            )
            update = _meta_object("A field", _field_properties(with_immutable=False))
            response = _meta_object(
                "A field",
                {
                    **_field_properties(with_immutable=True),
                    "id": _uuid_schema(),
                    "isCustom": _boolean(),
                    "isActive": _boolean(),
                    "isSystem": _boolean(),
                    "createdAt": _date_time_schema(),
                    "updatedAt": _date_time_schema(),
                },
            )
        case "webhook":
            create = _meta_object(
                "A webhook",
                {
                    "targetUrl": _string(),
                    "operations": {"type": "array", "items": _string(), "default": ["*.*"]},
                    "description": _string(),
                    "secret": _string(),
                },
                ["targetUrl"],
            )
            update = _meta_object(
                "A webhook for update",
                {
                    "targetUrl": _string(),
                    "operations": {"type": "array", "items": _string(), "default": []},
                    "description": _string(),
                    "secret": _string(),
                },
            )
            response = _meta_object(
                "A webhook",
                {
                    "id": _uuid_schema(),
                    "targetUrl": _string(),
                    "operations": {"type": "array", "items": _string()},
                    "description": _string(),
                    "secret": _string(),
                    **_stamps(),
                },
            )
        case "apiKey":
            create = _meta_object(
                "An API key",
                {"name": _string(), "expiresAt": _date_time_schema(), "roleId": _uuid_schema()},
                ["name", "expiresAt", "roleId"],
            )
            update = _meta_object(
                "An API key for update",
                {
                    "name": _string(),
                    "expiresAt": _date_time_schema(),
                    "revokedAt": {
                        **_date_time_schema(),
                        "description": "Set to null to clear revocation. Defaults to null if not provided.",
                    },
                },
            )
            response = _meta_object(
                "An API key",
                {
                    "id": _uuid_schema(),
                    "name": _string(),
                    "expiresAt": _date_time_schema(),
                    "revokedAt": _date_time_schema(),
                    "roleId": _uuid_schema(),
                    **_stamps(deleted=False),
                },
            )
        case "view":

            def view_properties(*, defaults: bool) -> JSON:
                return {
                    "type": _enum(["TABLE", "KANBAN"], "TABLE" if defaults else None),
                    "key": {"type": "string", "default": "INDEX"} if defaults else _string(),
                    "icon": _string(),
                    "position": _number(0 if defaults else None),
                    "isCompact": _boolean(False if defaults else None),
                    "openRecordIn": _enum(["SIDE_PANEL", "RECORD_PAGE"], "SIDE_PANEL" if defaults else None),
                    "kanbanAggregateOperation": _enum(_AGGREGATE_OPERATIONS),
                    "kanbanAggregateOperationFieldMetadataId": _uuid_schema(),
                    "anyFieldFilterValue": _string(),
                }

            create = _meta_object(
                "A view",
                {"name": _string(), "objectMetadataId": _uuid_schema(), **view_properties(defaults=True)},
                ["name", "objectMetadataId", "icon"],
            )
            update = _meta_object("A view for update", {"name": _string(), **view_properties(defaults=False)})
            response = _meta_object(
                "A view",
                {
                    "id": _uuid_schema(),
                    "name": _string(),
                    "objectMetadataId": _uuid_schema(),
                    **view_properties(defaults=False),
                    **_stamps(),
                },
            )
        case "viewField":

            def view_field_properties(*, defaults: bool) -> JSON:
                return {
                    "isVisible": _boolean(True if defaults else None),
                    "size": _number(0 if defaults else None),
                    "position": _number(0 if defaults else None),
                    "aggregateOperation": _enum(_AGGREGATE_OPERATIONS),
                }

            keys = {"fieldMetadataId": _uuid_schema(), "viewId": _uuid_schema()}
            create = _meta_object(
                "A view field", {**keys, **view_field_properties(defaults=True)}, ["fieldMetadataId", "viewId"]
            )
            update = _meta_object("A view field for update", view_field_properties(defaults=False))
            response = _meta_object(
                "A view field",
                {"id": _uuid_schema(), **copy.deepcopy(keys), **view_field_properties(defaults=False), **_stamps()},
            )
        case "viewFilter":

            def view_filter_properties(*, defaults: bool) -> JSON:
                return {
                    "operand": _enum(_VIEW_FILTER_OPERANDS, "CONTAINS" if defaults else None),
                    "value": {"type": "object", "description": "Filter value (JSON format)"},
                    "viewFilterGroupId": _uuid_schema(),
                    "positionInViewFilterGroup": _number(),
                    "subFieldName": _string(),
                }

            keys = {"fieldMetadataId": _uuid_schema(), "viewId": _uuid_schema()}
            create = _meta_object(
                "A view filter",
                {**keys, **view_filter_properties(defaults=True)},
                ["fieldMetadataId", "viewId", "value"],
            )
            update = _meta_object("A view filter for update", view_filter_properties(defaults=False))
            response = _meta_object(
                "A view filter",
                {"id": _uuid_schema(), **copy.deepcopy(keys), **view_filter_properties(defaults=False), **_stamps()},
            )
        case "viewSort":
            keys = {"fieldMetadataId": _uuid_schema(), "viewId": _uuid_schema()}
            create = _meta_object(
                "A view sort", {**keys, "direction": _enum(["ASC", "DESC"], "ASC")}, ["fieldMetadataId", "viewId"]
            )
            update = _meta_object("A view sort for update", {"direction": _enum(["ASC", "DESC"])})
            response = _meta_object(
                "A view sort",
                {"id": _uuid_schema(), **copy.deepcopy(keys), "direction": _enum(["ASC", "DESC"]), **_stamps()},
            )
        case "viewGroup":

            def view_group_properties(*, defaults: bool) -> JSON:
                return {
                    "fieldValue": _string(),
                    "isVisible": _boolean(True if defaults else None),
                    "position": _number(0 if defaults else None),
                }

            keys = {"fieldMetadataId": _uuid_schema(), "viewId": _uuid_schema()}
            create = _meta_object(
                "A view group",
                {**keys, **view_group_properties(defaults=True)},
                ["fieldMetadataId", "viewId", "fieldValue"],
            )
            update = _meta_object("A view group for update", view_group_properties(defaults=False))
            response = _meta_object(
                "A view group",
                {"id": _uuid_schema(), **copy.deepcopy(keys), **view_group_properties(defaults=False), **_stamps()},
            )
        case "viewFilterGroup":

            def view_filter_group_properties(*, defaults: bool) -> JSON:
                return {
                    "parentViewFilterGroupId": _uuid_schema(),
                    "logicalOperator": _enum(["AND", "OR", "NOT"], "AND" if defaults else None),
                    "positionInViewFilterGroup": _number(),
                }

            create = _meta_object(
                "A view filter group",
                {"viewId": _uuid_schema(), **view_filter_group_properties(defaults=True)},
                ["viewId"],
            )
            update = _meta_object("A view filter group for update", view_filter_group_properties(defaults=False))
            response = _meta_object(
                "A view filter group",
                {
                    "id": _uuid_schema(),
                    "viewId": _uuid_schema(),
                    **view_filter_group_properties(defaults=False),
                    **_stamps(),
                },
            )
        case "pageLayout":
            create = _meta_object(
                "A page layout",
                {
                    "name": _string(),
                    "type": _enum(_PAGE_LAYOUT_TYPES, "RECORD_PAGE"),
                    "objectMetadataId": _uuid_schema(),
                },
                ["name"],
            )
            update = _meta_object(
                "A page layout for update",
                {"name": _string(), "type": _enum(_PAGE_LAYOUT_TYPES), "objectMetadataId": _uuid_schema()},
            )
            response = _meta_object(
                "A page layout",
                {
                    "id": _uuid_schema(),
                    "name": _string(),
                    "type": _enum(_PAGE_LAYOUT_TYPES),
                    "objectMetadataId": _uuid_schema(),
                    "tabs": {"type": "array", "items": _ref("PageLayoutTabForResponse")},
                    **_stamps(),
                },
            )
        case "pageLayoutTab":
            create = _meta_object(
                "A page layout tab",
                {"title": _string(), "position": _number(0), "pageLayoutId": _uuid_schema()},
                ["title", "pageLayoutId"],
            )
            update = _meta_object("A page layout tab for update", {"title": _string(), "position": _number()})
            response = _meta_object(
                "A page layout tab",
                {
                    "id": _uuid_schema(),
                    "title": _string(),
                    "position": _number(),
                    "pageLayoutId": _uuid_schema(),
                    **_stamps(),
                },
            )
        case "pageLayoutWidget":
            extra["GridPosition"] = _meta_object(
                "Grid position for widget placement",
                {
                    "row": {"type": "number", "minimum": 0},
                    "column": {"type": "number", "minimum": 0},
                    "rowSpan": {"type": "number", "minimum": 1},
                    "columnSpan": {"type": "number", "minimum": 1},
                },
                ["row", "column", "rowSpan", "columnSpan"],
            )

            def widget_properties(types: list[str], default: str | None) -> JSON:
                return {
                    "title": _string(),
                    "type": _enum(types, default),
                    "objectMetadataId": _uuid_schema(),
                    "gridPosition": _ref("GridPosition"),
                    "configuration": {"type": "object", "description": "Widget-specific configuration"},
                }

            create = _meta_object(
                "A page layout widget",
                {"pageLayoutTabId": _uuid_schema(), **widget_properties(_WIDGET_TYPES, "VIEW")},
                ["pageLayoutTabId", "title", "gridPosition"],
            )
            update = _meta_object("A page layout widget for update", widget_properties(_WIDGET_TYPES_FOR_UPDATE, None))
            response = _meta_object(
                "A page layout widget",
                {
                    "id": _uuid_schema(),
                    "pageLayoutTabId": _uuid_schema(),
                    **widget_properties(_WIDGET_TYPES_FOR_UPDATE, None),
                    **_stamps(),
                },
            )
        case _:
            raise ValueError(f"unknown metadata entity {singular!r}")
    return {
        **extra,
        name: create,
        _capitalize(plural): _meta_list(plural, name),
        f"{name}ForUpdate": update,
        f"{name}ForResponse": response,
        f"{_capitalize(plural)}ForResponse": _meta_list(plural, f"{name}ForResponse"),
    }


def _metadata_paths(singular: str, plural: str) -> dict[str, JSON]:
    name = _capitalize(singular)
    for_response = f"{name}ForResponse"
    return {
        f"/{plural}": {
            "get": {
                "tags": [plural],
                "summary": f"Find Many {plural}",
                "parameters": [_param("limit"), _param("startingAfter"), _param("endingBefore")],
                "responses": {"200": _find_many_response(plural, for_response), **_error_refs()},
            },
            "post": {
                "tags": [plural],
                "summary": f"Create One {singular}",
                "operationId": f"createOne{name}",
                "requestBody": _body(_ref(name)),
                "responses": {"201": _data_response(f"createOne{name}", _ref(for_response)), **_error_refs()},
            },
        },
        f"/{plural}/{{id}}": {
            "delete": {
                "tags": [plural],
                "summary": f"Delete One {singular}",
                "operationId": f"deleteOne{name}",
                "parameters": [_param("idPath")],
                "responses": {"200": _data_response(f"deleteOne{name}", _deleted_id()), **_error_refs()},
            },
            "get": {
                "tags": [plural],
                "summary": f"Find One {singular}",
                "parameters": [_param("idPath")],
                "responses": {"200": _data_response(singular, _ref(for_response)), **_error_refs()},
            },
            "patch": {
                "tags": [plural],
                "summary": f"Update One {singular}",
                "operationId": f"updateOne{name}",
                "parameters": [_param("idPath")],
                "requestBody": _body(_ref(f"{name}ForUpdate")),
                "responses": {"200": _data_response(f"updateOne{name}", _ref(for_response)), **_error_refs()},
            },
        },
    }


def metadata_document(ws: Workspace, server_url: str) -> dict[str, Any]:
    """``GET /rest/open-api/metadata``, served from ``server_url`` (as for :func:`core_document`; ``…/rest/metadata``
    is accepted too). Twenty writes this one by hand: it does not depend on the workspace's objects (``ws`` is taken
    for symmetry with :func:`core_document`)."""
    del ws
    document = _base_document("metadata", server_url)
    paths: JSON = document["paths"]
    schemas: JSON = {}
    for singular, plural in METADATA_ENTITIES:
        paths.update(_metadata_paths(singular, plural))
        schemas.update(_metadata_entity_schemas(singular, plural))
    document["components"] = {
        **document["components"],
        "schemas": schemas,
        "parameters": _parameter_components(from_metadata=True),
        "responses": _error_responses(),
    }
    document["tags"] = _tags(plural for _, plural in METADATA_ENTITIES)
    return document
