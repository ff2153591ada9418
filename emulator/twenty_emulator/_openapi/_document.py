"""What both OpenAPI documents share: the data files they are read from, the document's frame (``info``,
``servers``, security, the ``/open-api/<name>`` path) and the shared components (parameters, error responses, tags).

The static parts live in ``twenty_emulator/data/openapi/`` as JSON (and the ``info.description`` as Markdown), read
once and copied on every use so that each call builds a new document.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable
from importlib import resources
from typing import Any

__all__ = [
    "JSON",
    "base_document",
    "capitalize",
    "error_responses",
    "load",
    "parameter_components",
    "ref",
    "tags",
    "uuid_schema",
]

JSON = dict[str, Any]

OPENAPI_VERSION = "3.1.1"
API_VERSION = "v0.1"

_DATA = "data/openapi"


@functools.cache
def _read(name: str) -> str:
    return resources.files("twenty_emulator").joinpath(f"{_DATA}/{name}").read_text(encoding="utf-8")


@functools.cache
def _parsed(name: str) -> Any:
    return json.loads(_read(name))


def load(name: str) -> Any:
    """A fresh copy of the JSON data file ``data/openapi/<name>`` (parsed once)."""
    return copy.deepcopy(_parsed(name))


def capitalize(name: str) -> str:
    return name[:1].upper() + name[1:]


def ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def uuid_schema() -> JSON:
    return {"type": "string", "format": "uuid"}


def parameter_components(*, from_metadata: bool) -> JSON:
    """Twenty's ``computeParameterComponents``: the same parameters for both documents, but for ``limit``'s bounds."""
    parameters: JSON = load("common.json")["parameters"]
    if from_metadata:
        parameters["limit"]["schema"].update({"maximum": 1000, "default": 1000})
    return parameters


def error_responses() -> JSON:
    """The ``400`` and ``401`` response components."""
    responses: JSON = load("common.json")["responses"]
    return responses


def _open_api_path(server_url: str) -> JSON:
    """``GET /open-api/<core|metadata>``: the document describing itself."""
    operation: JSON = load("common.json")["openApiSchemaOperation"]
    operation["servers"] = [{"url": server_url}]
    return {"get": operation}


def _base_url(server_url: str) -> str:
    """The server's base URL (``http://localhost:3000``), also when given the document's ``servers`` URL
    (``http://localhost:3000/rest/`` or ``…/rest/metadata``)."""
    url = server_url.rstrip("/")
    for suffix in ("/rest/metadata", "/rest"):
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


def base_document(schema_name: str, server_url: str) -> JSON:
    """The frame of the ``core`` or ``metadata`` document, with only its own ``/open-api/<name>`` path."""
    server_url = _base_url(server_url)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Twenty Api",
            "description": _read("description.md")
            .replace("{server_url}", server_url)
            .replace("{schema_name}", schema_name),
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


def tags(plurals: Iterable[str]) -> list[JSON]:
    return [
        {"name": "General", "description": "General requests"},
        *({"name": plural, "description": f"Object `{capitalize(plural)}`"} for plural in plurals),
    ]
