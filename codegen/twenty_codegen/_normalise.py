"""Make Twenty's served OpenAPI document tell the truth about its answers, deterministically.

Twenty's ``/rest/open-api/core`` describes what a record *may* hold, not what the server *sends*: unset numbers,
relations, JSON, dates and currency sub-fields come back as ``null``; cursors are base64 strings although the spec says
UUID; enum values drift between versions; error bodies have two shapes the spec does not show; delete answers are the
record, not ``{id}``; parameter defaults (``depth=1``) are not the server's. A client generated from it as served
crashes on real answers. :func:`normalise` rewrites it — same input, same bytes out (:func:`dumps`), and
``normalise(normalise(d)) == normalise(d)``:

- every record property is nullable, except a record's ``id``; response records require nothing;
- enums are open: ``enum`` is dropped and the known values move to the description;
- composite values (FULL_NAME, EMAILS, LINKS, PHONES, ADDRESS, CURRENCY, ACTOR, RICH_TEXT, FILES items) become shared
  components (``FullName``, ``Emails``…) with the sub-fields Twenty actually sends (``additionalPhones`` items are
  objects, the actor has ``context``, ``source`` may be ``APPLICATION``);
- RAW_JSON properties (``type: object`` without properties) accept any JSON value;
- ``format: email``/``uri`` are dropped (Twenty stores what it is given);
- cursors (``starting_after``, ``ending_before``, ``startCursor``, ``endCursor``) are plain strings;
- ``pageInfo`` is one shared ``PageInfo`` (with ``hasPreviousPage``); success envelopes require ``data``;
- delete answers are the record schema (a soft delete returns the whole row, a destroy only its ``id``);
- every 4XX/5XX answer is one ``ErrorResponse`` (``{statusCode, error, messages}``, Express's ``{message, error,
  statusCode}``, plus ``code``/``errors`` when Twenty adds them);
- relations and unknown names are not required on create; a create body may carry a client-chosen ``id``;
- ``example``/``examples``, parameter and property ``default`` values (the client sends only what the caller sets),
  ``webhooks``, ``servers`` and the server-specific ``info.description`` are removed;
- with the workspace metadata, fields the document leaves out (``searchVector``) are added to ``XForResponse``.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["NAME_MAPS", "dumps", "load_document", "normalise"]

JSON = dict[str, Any]

_REF = "#/components/schemas/"
_SHARED_MARK = "x-twenty-shared"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_CURSOR_PARAMETERS = {"starting_after", "ending_before"}
_DROPPED_FORMATS = {"email", "idn-email", "uri", "url", "uri-reference", "iri", "hostname"}
# Keys whose value maps names to objects: a key "example" inside them is a name, not an example.
NAME_MAPS = {
    "properties",
    "patternProperties",
    "schemas",
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "paths",
    "content",
    "encoding",
    "$defs",
    "definitions",
    "dependentSchemas",
    "variables",
    "mapping",
}
_ACTOR_SOURCES = "EMAIL, CALENDAR, WORKFLOW, AGENT, API, IMPORT, MANUAL, SYSTEM, WEBHOOK, APPLICATION"


# -- loading and dumping ---------------------------------------------------------------------------------------------


def load_document(path: str | Path) -> JSON:
    """Read an OpenAPI document (JSON, or YAML when the name ends in .yaml/.yml)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in {".yaml", ".yml"}:
        loaded: Any = _load_yaml(text)
    else:
        loaded = json.loads(text)
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: not an OpenAPI document (top level is {type(loaded).__name__})")
    document: JSON = _plain(loaded)
    return document


def _load_yaml(text: str) -> Any:
    """PyYAML's C loader when it is there (10x faster), else ruamel.yaml (a dependency of openapi-python-client)."""
    try:
        import yaml
    except ImportError:
        from ruamel.yaml import YAML

        return YAML(typ="safe", pure=True).load(text)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def dumps(document: Mapping[str, Any]) -> str:
    """The canonical text of a document: sorted keys, two-space indent, UTF-8 kept, one final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _plain(value: Any) -> Any:
    """Deep-convert to JSON types (YAML may give dates, tuples, non-string keys)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# -- small schema helpers --------------------------------------------------------------------------------------------


def _ref(name: str) -> JSON:
    return {"$ref": _REF + name}


def _types(schema: Mapping[str, Any]) -> list[str]:
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [str(x) for x in t]
    return []


def _with_null(schema: JSON) -> JSON:
    """``schema`` that also accepts ``null`` (OpenAPI 3.1 style)."""
    if "$ref" in schema:
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return {**rest, "anyOf": [{"$ref": schema["$ref"]}, {"type": "null"}]}
    types = _types(schema)
    if not types:  # any value, null included
        return schema
    if "null" not in types:
        types.append("null")
    return {**schema, "type": types}


def _add_description(schema: JSON, text: str) -> None:
    current = str(schema.get("description") or "").strip()
    if text in current:
        return
    if current and current[-1] not in ".!?:":
        current += "."
    schema["description"] = f"{current} {text}" if current else text


def _nullable_scalar(type_: str, description: str | None = None, fmt: str | None = None) -> JSON:
    schema: JSON = {"type": [type_, "null"]}
    if fmt:
        schema["format"] = fmt
    if description:
        schema["description"] = description
    return schema


def _nullable_array(items: JSON, description: str | None = None) -> JSON:
    schema: JSON = {"type": ["array", "null"], "items": items}
    if description:
        schema["description"] = description
    return schema


def _object(properties: Mapping[str, JSON], description: str, required: Sequence[str] = ()) -> JSON:
    schema: JSON = {
        "type": "object",
        "description": description,
        "properties": dict(properties),
        _SHARED_MARK: True,
    }
    if required:
        schema["required"] = list(required)
    return schema


# -- shared components -----------------------------------------------------------------------------------------------

# name: (the property names it may have, the ones of which at least one must be present to recognise it)
_COMPOSITES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "FullName": (frozenset({"firstName", "lastName"}), frozenset({"firstName", "lastName"})),
    "Emails": (frozenset({"primaryEmail", "additionalEmails"}), frozenset({"primaryEmail"})),
    "Links": (frozenset({"primaryLinkLabel", "primaryLinkUrl", "secondaryLinks"}), frozenset({"primaryLinkUrl"})),
    "SecondaryLink": (frozenset({"url", "label"}), frozenset({"url"})),
    "Phones": (
        frozenset({"primaryPhoneNumber", "primaryPhoneCountryCode", "primaryPhoneCallingCode", "additionalPhones"}),
        frozenset({"primaryPhoneNumber"}),
    ),
    "AdditionalPhone": (frozenset({"number", "countryCode", "callingCode"}), frozenset({"number"})),
    "Address": (
        frozenset(
            {
                "addressStreet1",
                "addressStreet2",
                "addressCity",
                "addressPostcode",
                "addressState",
                "addressCountry",
                "addressLat",
                "addressLng",
            }
        ),
        frozenset({"addressStreet1", "addressCity", "addressCountry", "addressPostcode"}),
    ),
    "Currency": (frozenset({"amountMicros", "currencyCode"}), frozenset({"amountMicros"})),
    "Actor": (frozenset({"source", "workspaceMemberId", "name", "context"}), frozenset({"source"})),
    "RichText": (frozenset({"blocknote", "markdown"}), frozenset({"blocknote", "markdown"})),
    "FileItem": (frozenset({"fileId", "label", "extension", "url"}), frozenset({"fileId"})),
}
_ENVELOPES = ("PageInfo", "ErrorResponse")


def _shared_definitions(names: Mapping[str, str]) -> dict[str, JSON]:
    """The shared components, named as ``names`` says (a base name may get a suffix to avoid a record's name)."""
    s = _nullable_scalar
    any_json: JSON = {"description": "Any JSON value."}
    defs: dict[str, JSON] = {
        "FullName": _object(
            {"firstName": s("string"), "lastName": s("string")}, "A FULL_NAME value: first and last name."
        ),
        "Emails": _object(
            {"primaryEmail": s("string"), "additionalEmails": _nullable_array({"type": "string"})},
            "An EMAILS value. Twenty lower-cases emails on write.",
        ),
        "Links": _object(
            {
                "primaryLinkLabel": s("string"),
                "primaryLinkUrl": s("string"),
                "secondaryLinks": _nullable_array(_ref(names["SecondaryLink"])),
            },
            "A LINKS value.",
        ),
        "SecondaryLink": _object({"label": s("string"), "url": s("string")}, "One of a LINKS value's secondary links."),
        "Phones": _object(
            {
                "primaryPhoneNumber": s("string"),
                "primaryPhoneCountryCode": s("string"),
                "primaryPhoneCallingCode": s("string"),
                "additionalPhones": _nullable_array(_ref(names["AdditionalPhone"])),
            },
            "A PHONES value (numbers are parsed and re-formatted by Twenty with libphonenumber).",
        ),
        "AdditionalPhone": _object(
            {"number": s("string"), "countryCode": s("string"), "callingCode": s("string")},
            "One of a PHONES value's additional phones.",
        ),
        "Address": _object(
            {
                "addressStreet1": s("string"),
                "addressStreet2": s("string"),
                "addressCity": s("string"),
                "addressPostcode": s("string"),
                "addressState": s("string"),
                "addressCountry": s("string"),
                "addressLat": s("number"),
                "addressLng": s("number"),
            },
            "An ADDRESS value.",
        ),
        "Currency": _object(
            {"amountMicros": s("number"), "currencyCode": s("string")},
            "A CURRENCY value: the amount in millionths of the unit, and an ISO 4217 code.",
        ),
        "Actor": _object(
            {
                "source": s("string", f"Known values: {_ACTOR_SOURCES} (others are kept as they are)."),
                "workspaceMemberId": s("string", fmt="uuid"),
                "name": s("string"),
                "context": any_json,
            },
            "An ACTOR value: who created or last updated a record.",
        ),
        "RichText": _object(
            {"blocknote": s("string"), "markdown": s("string")}, "A RICH_TEXT value (BlockNote JSON and Markdown)."
        ),
        "FileItem": _object(
            {"fileId": s("string", fmt="uuid"), "label": s("string"), "extension": s("string"), "url": s("string")},
            "One file of a FILES value.",
        ),
        "PageInfo": _object(
            {
                "startCursor": s("string", "Opaque cursor of the first record (base64 JSON, not a UUID)."),
                "endCursor": s("string", "Opaque cursor of the last record: pass it as `starting_after`."),
                "hasNextPage": {"type": "boolean"},
                "hasPreviousPage": {"type": "boolean", "description": "True only on `ending_before` pages."},
            },
            "Where a page of a list sits. Cursors are null on an empty page.",
        ),
        "ErrorResponse": _object(
            {
                "statusCode": {"type": "integer"},
                "error": {"type": "string"},
                "messages": {"type": "array", "items": {"type": "string"}},
                "message": {
                    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                    "description": "Express/class-validator errors say `message` (a string or a list of strings).",
                },
                "code": {"type": "string", "description": "Set by some errors, e.g. TOO_MANY_RECORDS_TO_UPDATE."},
                "errors": any_json,
            },
            "An error body as Twenty sends it: `{statusCode, error, messages}` from its REST layer, "
            "`{message, error, statusCode}` from Express (invalid JSON, class-validator).",
        ),
    }
    return {names[base]: definition for base, definition in defs.items()}


class _Context:
    """What a normalisation pass needs to know about the document."""

    def __init__(self, schemas: Mapping[str, Any]) -> None:
        records = {
            name[: -len("ForResponse")]
            for name in schemas
            if name.endswith("ForResponse") and not _is_shared(schemas[name])
        }
        self.record_names: set[str] = set()
        for base in records:
            self.record_names.update({base, base + "ForUpdate", base + "ForResponse"})
        taken = {name for name, schema in schemas.items() if not _is_shared(schema)}
        self.names: dict[str, str] = {}
        for base in [*_COMPOSITES, *_ENVELOPES]:
            name = base
            while name in taken:
                name += "Value"
            self.names[base] = name

    def shared_ref(self, base: str) -> JSON:
        return _ref(self.names[base])


def _is_shared(schema: Any) -> bool:
    return isinstance(schema, Mapping) and bool(schema.get(_SHARED_MARK))


# -- the passes ------------------------------------------------------------------------------------------------------


def normalise(document: Mapping[str, Any], metadata: Iterable[Mapping[str, Any]] | None = None) -> JSON:
    """The truthful, canonical version of a served ``/rest/open-api/core`` document.

    ``metadata`` is the list of objects (each with its ``fields``) from ``/rest/metadata/objects``; when given, fields
    the document leaves out of ``XForResponse`` are added.
    """
    doc: JSON = _plain(copy.deepcopy(dict(document)))
    if not isinstance(doc.get("paths"), dict):
        raise ValueError("not an OpenAPI document: no `paths`")
    _upgrade_3_0(doc)
    _strip(doc, parent=None)
    doc.pop("webhooks", None)
    doc["servers"] = [{"url": "/rest/", "description": "Relative to the workspace's base URL."}]
    info = doc.setdefault("info", {})
    info.pop("description", None)
    info.setdefault("title", "Twenty Api")
    info.setdefault("version", "v0.1")

    components = doc.setdefault("components", {})
    schemas: JSON = components.setdefault("schemas", {})
    ctx = _Context(schemas)
    for name in sorted(schemas):
        if _is_shared(schemas[name]):
            del schemas[name]  # rebuilt below, under this pass's names
            continue
        schemas[name] = _record_schema(schemas[name], name, ctx)
    if metadata is not None:
        _add_metadata_fields(schemas, metadata, ctx)
    schemas.update(_shared_definitions(ctx.names))

    for parameter in (components.get("parameters") or {}).values():
        if isinstance(parameter, dict):
            _parameter(parameter)
    components["responses"] = {
        "Error": {
            "description": "An error, as Twenty sends it.",
            "content": {"application/json": {"schema": ctx.shared_ref("ErrorResponse")}},
        }
    }
    for item in doc["paths"].values():
        if not isinstance(item, dict):
            continue
        record = _path_record(item)
        for parameter in item.get("parameters") or []:
            if isinstance(parameter, dict) and "$ref" not in parameter:
                _parameter(parameter)
        for method in _METHODS:
            if isinstance(item.get(method), dict):
                _operation(item[method], record, ctx)
    return doc


def _upgrade_3_0(doc: JSON) -> None:
    """OpenAPI 3.0 ``nullable: true`` → 3.1 type lists, so that one representation is used throughout."""
    version = str(doc.get("openapi", "3.1.0"))
    if not version.startswith("3.0"):
        return
    doc["openapi"] = "3.1.0"

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.pop("nullable", False) is True:
                if "$ref" in node:
                    node["anyOf"] = [{"$ref": node.pop("$ref")}, {"type": "null"}]
                elif _types(node):
                    node["type"] = [*_types(node), "null"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)


def _strip(node: Any, parent: str | None) -> None:
    """Drop examples, defaults, closed enums and unenforced formats, everywhere but in name maps."""
    if isinstance(node, dict):
        if parent not in NAME_MAPS:
            node.pop("example", None)
            node.pop("examples", None)
            if "enum" in node and isinstance(node["enum"], list):
                values = ", ".join(str(v) for v in node.pop("enum"))
                _add_description(node, f"Known values: {values} (others are kept as they are).")
            if "default" in node and ("type" in node or "$ref" in node or "anyOf" in node):
                default = node.pop("default")
                _add_description(node, f"Documented default: {json.dumps(default)} (not sent unless set).")
            if node.get("format") in _DROPPED_FORMATS:
                del node["format"]
        for key, value in node.items():
            _strip(value, key if parent not in NAME_MAPS else None)
    elif isinstance(node, list):
        for value in node:
            _strip(value, None)


def _record_schema(schema: Any, name: str, ctx: _Context) -> Any:
    """A component schema: a record (``X``, ``XForUpdate``, ``XForResponse``) or any other object."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return schema
    role = "response" if name.endswith("ForResponse") else "update" if name.endswith("ForUpdate") else "create"
    properties: JSON = schema["properties"]
    for prop in sorted(properties):
        nullable = prop != "id"
        properties[prop] = _property(properties[prop], ctx, nullable=nullable)
    if role == "create" and name in ctx.record_names and "id" not in properties:
        properties["id"] = {
            "type": "string",
            "format": "uuid",
            "description": "Id. Optional: Twenty generates one when absent; an upsert also matches on it.",
        }
    required = [r for r in schema.get("required") or [] if isinstance(r, str)] if role == "create" else []
    required = [r for r in required if r in properties and not _is_relation(properties[r])]
    if required:
        schema["required"] = sorted(set(required))
    else:
        schema.pop("required", None)
    return schema


def _is_relation(schema: Any) -> bool:
    """A relation property: a reference to a record's response schema, or a list of them."""
    if not isinstance(schema, Mapping):
        return False
    if str(schema.get("$ref", "")).endswith("ForResponse"):
        return True
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key) or []:
            if _is_relation(option):
                return True
    if "array" in _types(schema) and isinstance(schema.get("items"), Mapping):
        return _is_relation(schema["items"])
    return False


def _property(schema: Any, ctx: _Context, *, nullable: bool) -> Any:
    """One record property (or array item when ``nullable`` is false), made truthful."""
    if not isinstance(schema, dict):
        return schema
    refs = _refs(schema)
    if refs is not None:
        description = schema.get("description")
        if len(refs) == 1:
            out: JSON = {"$ref": refs[0]}
        else:
            out = {"anyOf": [{"$ref": r} for r in refs]}
        if nullable:
            out = _with_null(out) if len(refs) == 1 else {"anyOf": [*out["anyOf"], {"type": "null"}]}
        if description:
            out["description"] = description
        return out
    types = _types(schema)
    if "object" in types:
        properties = schema.get("properties")
        if not properties:
            if isinstance(schema.get("additionalProperties"), dict | bool) and schema.get("additionalProperties"):
                return _with_null(schema) if nullable else schema
            # RAW_JSON (or an object Twenty does not describe): any JSON value
            description = str(schema.get("description") or "").strip()
            out = {"description": description} if description else {}
            _add_description(out, "Any JSON value.")
            return out
        composite = _composite(properties)
        if composite is not None:
            out = ctx.shared_ref(composite)
            if nullable:
                out = _with_null(out)
            if schema.get("description"):
                out["description"] = schema["description"]
            return out
        for prop in sorted(properties):
            properties[prop] = _property(properties[prop], ctx, nullable=True)
        schema.pop("required", None)
        return _with_null(schema) if nullable else schema
    if "array" in types:
        items = schema.get("items")
        if isinstance(items, dict):
            schema["items"] = _property(items, ctx, nullable=False)
        return _with_null(schema) if nullable else schema
    return _with_null(schema) if nullable else schema


def _refs(schema: Mapping[str, Any]) -> list[str] | None:
    """The ``$ref``s a schema is made of (``$ref``, or ``oneOf``/``anyOf``/``allOf`` of refs and nulls), else None."""
    if "$ref" in schema:
        return [str(schema["$ref"])]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if not isinstance(options, list) or not options:
            continue
        refs = [str(o["$ref"]) for o in options if isinstance(o, Mapping) and "$ref" in o]
        others = [o for o in options if not (isinstance(o, Mapping) and ("$ref" in o or _types(o) == ["null"]))]
        if refs and not others:
            return refs
    return None


def _composite(properties: Mapping[str, Any]) -> str | None:
    keys = set(properties)
    for name, (allowed, markers) in _COMPOSITES.items():
        if keys and keys <= allowed and keys & markers:
            return name
    return None


def _parameter(parameter: JSON) -> None:
    schema = parameter.get("schema")
    if not isinstance(schema, dict):
        return
    if parameter.get("name") in _CURSOR_PARAMETERS:
        schema.pop("format", None)
        schema["type"] = "string"
        _add_description(parameter, "An opaque cursor (base64 JSON, not a UUID) from `pageInfo`.")
    if parameter.get("name") == "depth":
        _add_description(parameter, "When it is not sent, Twenty 2.21.0 answers at depth 0 (no relations).")


def _path_record(item: Mapping[str, Any]) -> str | None:
    """The ``XForResponse`` the answers of a path item are about, if any."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_REF) and ref.endswith("ForResponse"):
                found.append(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for method in _METHODS:
        operation = item.get(method)
        if isinstance(operation, Mapping):
            walk(operation.get("responses"))
    return sorted(found)[0] if found else None


def _operation(operation: JSON, record: str | None, ctx: _Context) -> None:
    for parameter in operation.get("parameters") or []:
        if isinstance(parameter, dict) and "$ref" not in parameter:
            _parameter(parameter)
    responses: JSON = operation.get("responses") or {}
    for code in sorted(responses):
        if code[:1] in {"4", "5"} or code == "default":
            del responses[code]
            continue
        response = responses[code]
        if not isinstance(response, dict):
            continue
        for media in (response.get("content") or {}).values():
            if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                _envelope(media["schema"], record, ctx, operation_id=str(operation.get("operationId", "")))
    responses["4XX"] = {"$ref": "#/components/responses/Error"}
    responses["5XX"] = {"$ref": "#/components/responses/Error"}
    operation["responses"] = responses


def _envelope(schema: JSON, record: str | None, ctx: _Context, operation_id: str) -> None:
    """A success answer ``{data: {key: …}, pageInfo?, totalCount?}``: shared PageInfo, required envelope keys."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return
    _page_infos(schema, ctx)
    data = properties.get("data")
    if isinstance(data, dict) and isinstance(data.get("properties"), dict):
        inner: JSON = data["properties"]
        if len(inner) == 1:
            data["required"] = sorted(inner)
        if record is not None and operation_id.startswith("delete"):
            for key in sorted(inner):
                inner[key] = _deleted_as_record(inner[key], record)
    present = [k for k in ("data", "pageInfo", "totalCount") if k in properties]
    if "data" in present:
        schema["required"] = present


def _page_infos(node: Any, ctx: _Context) -> None:
    """Inline ``pageInfo`` objects → the shared ``PageInfo``; typed extra keys (group-by aggregates) → any value."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            page_info = properties.get("pageInfo")
            if isinstance(page_info, dict) and "$ref" not in page_info:
                keys = set(page_info.get("properties") or {})
                if keys <= {"startCursor", "endCursor", "hasNextPage", "hasPreviousPage"}:
                    properties["pageInfo"] = ctx.shared_ref("PageInfo")
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra.get("type"):
            relaxed: JSON = {"description": str(extra["description"]).strip()} if extra.get("description") else {}
            _add_description(relaxed, "Any JSON value (aggregates may be numbers, strings or null).")
            node["additionalProperties"] = relaxed
        for value in node.values():
            _page_infos(value, ctx)
    elif isinstance(node, list):
        for value in node:
            _page_infos(value, ctx)


def _deleted_as_record(schema: Any, record: str) -> Any:
    """``{id}`` (or a list of them) in a delete answer → the record: a soft delete answers the whole row."""
    if not isinstance(schema, dict):
        return schema
    if "array" in _types(schema) and isinstance(schema.get("items"), dict):
        schema["items"] = _deleted_as_record(schema["items"], record)
        return schema
    if set(schema.get("properties") or {}) == {"id"}:
        return {"$ref": record}
    return schema


# -- metadata --------------------------------------------------------------------------------------------------------


def _field_schema(field_type: str, ctx: _Context) -> JSON:
    simple: dict[str, JSON] = {
        "TEXT": {"type": "string"},
        "TS_VECTOR": {"type": "string"},
        "NUMBER": {"type": "number"},
        "NUMERIC": {"type": "number"},
        "POSITION": {"type": "number"},
        "BOOLEAN": {"type": "boolean"},
        "DATE_TIME": {"type": "string", "format": "date-time"},
        "DATE": {"type": "string", "format": "date"},
        "UUID": {"type": "string", "format": "uuid"},
        "SELECT": {"type": "string"},
        "RATING": {"type": "string"},
        "MULTI_SELECT": {"type": "array", "items": {"type": "string"}},
        "ARRAY": {"type": "array", "items": {"type": "string"}},
    }
    composite = {
        "FULL_NAME": "FullName",
        "EMAILS": "Emails",
        "LINKS": "Links",
        "PHONES": "Phones",
        "ADDRESS": "Address",
        "CURRENCY": "Currency",
        "ACTOR": "Actor",
        "RICH_TEXT": "RichText",
        "RICH_TEXT_V2": "RichText",
    }
    if field_type in simple:
        return _with_null(copy.deepcopy(simple[field_type]))
    if field_type in composite:
        return _with_null(ctx.shared_ref(composite[field_type]))
    if field_type == "FILES":
        return _nullable_array(ctx.shared_ref("FileItem"))
    return {}


def _add_metadata_fields(schemas: JSON, metadata: Iterable[Mapping[str, Any]], ctx: _Context) -> None:
    """Fields the metadata API lists but the document leaves out of ``XForResponse`` (e.g. ``searchVector``)."""
    for obj in sorted(metadata, key=lambda o: str(o.get("nameSingular", ""))):
        singular = str(obj.get("nameSingular") or "")
        response = schemas.get(singular[:1].upper() + singular[1:] + "ForResponse")
        if not singular or not isinstance(response, dict) or not isinstance(response.get("properties"), dict):
            continue
        properties: JSON = response["properties"]
        for field in sorted(obj.get("fields") or [], key=lambda f: str(f.get("name", ""))):
            name, field_type = str(field.get("name") or ""), str(field.get("type") or "")
            if not re.fullmatch(r"[a-z][a-zA-Z0-9]*", name) or name in properties:
                continue
            if field_type in {"RELATION", "MORPH_RELATION"}:
                continue
            schema = _field_schema(field_type, ctx)
            _add_description(schema, f"{field_type} field listed by the metadata API; the OpenAPI document omits it.")
            properties[name] = schema
