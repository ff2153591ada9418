"""Fetch a workspace's schema: ``GET /rest/open-api/core``, every object with its fields from
``GET /rest/metadata/objects`` (pages of 200, ``starting_after``), and the GraphQL introspection of ``/graphql``.

The API key comes from :func:`resolve_api_key` and goes only into the ``Authorization`` header: it is never logged,
never put in an exception or a file (answers are scrubbed of it before anything is kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx

from twenty_codegen._normalise import NAME_MAPS, dumps

__all__ = [
    "API_KEY_ENV",
    "MissingApiKeyError",
    "PullError",
    "Pulled",
    "pull",
    "pull_emulator",
    "resolve_api_key",
    "write_pulled",
]

API_KEY_ENV = "TWENTY_API_KEY"
_PAGE = 200
_MAX_PAGES = 1000
_BASE_URL_PLACEHOLDER = "https://twenty.example"
_MIN_SECRET_LENGTH = 8  # shorter "keys" (tests: "k") are not secrets, and would match ordinary text
# What the normaliser reads from the metadata; the rest (ids, timestamps, icons…) changes from server to server.
_OBJECT_KEYS = ("nameSingular", "namePlural", "labelSingular", "labelPlural", "isActive", "isSystem")
_FIELD_KEYS = ("name", "type", "label", "isActive", "isNullable", "isUnique", "isSystem")


class MissingApiKeyError(LookupError):
    """No API key was found; the message names every place that was tried."""


class PullError(RuntimeError):
    """The server did not answer as Twenty does (status, JSON, shape)."""


def resolve_api_key(explicit: str | None = None, *, secret_manager: bool = True) -> str:
    """The API key, found as the SDK finds it: ``explicit`` (``--api-key``), else the environment
    (``TWENTY_API_KEY``, ``TWENTY_CRM_API_KEY``), else Google Secret Manager (when the extra is installed).

    Raises :class:`MissingApiKeyError` naming every place tried.
    """
    from twenty_sdk import ConfigurationError
    from twenty_sdk import resolve_api_key as sdk_resolve_api_key

    try:
        secret, _source = sdk_resolve_api_key(explicit, secret_manager=secret_manager)
    except ConfigurationError as exc:
        raise MissingApiKeyError(str(exc).replace("argument api_key", "--api-key")) from None
    return secret.get_secret_value()


@attrs.frozen
class Pulled:
    """A workspace's schema as served (minus what changes on every request: examples, server URLs)."""

    core: dict[str, Any]
    objects: list[dict[str, Any]]
    graphql: dict[str, Any] | None = None  # the introspection's ``__schema`` (None: the server has no /graphql)


def _base_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise PullError(f"not an http(s) URL: {url!r}")
    path = parts.path.rstrip("/")
    if path.endswith("/rest"):
        path = path[: -len("/rest")]
    return f"{parts.scheme}://{parts.netloc}{path}"


def pull(url: str, api_key: str, *, transport: httpx.BaseTransport | None = None, timeout: float = 60.0) -> Pulled:
    """Fetch the core OpenAPI document and all objects (with fields) of the workspace at ``url``."""
    base = _base_url(url)
    headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
    with httpx.Client(base_url=base, headers=headers, timeout=timeout, transport=transport) as client:
        core = _get_json(client, "/rest/open-api/core", {}, api_key)
        if not isinstance(core, dict) or "paths" not in core:
            raise PullError(f"GET {base}/rest/open-api/core did not answer an OpenAPI document")
        objects = _objects(client, base, api_key)
        graphql = _introspection(client, api_key)
    pulled = Pulled(core=_scrub(core, base), objects=[_reduce_object(o) for o in objects], graphql=graphql)
    kept = dumps(pulled.core) + dumps({"objects": pulled.objects}) + (dumps(graphql) if graphql else "")
    if len(api_key) >= _MIN_SECRET_LENGTH and api_key in kept:
        raise PullError("the server's answer contains the API key: refusing to keep it")
    return pulled


def pull_emulator() -> Pulled:
    """Pull from the emulator's built-in standard workspace (Twenty 2.21.0, stock objects) over a loopback socket:
    the source of the committed snapshot. Needs the ``emulator`` extra."""
    import secrets

    from twenty_emulator import Emulator, serve_in_thread

    api_key = secrets.token_urlsafe(24)
    with serve_in_thread(Emulator(api_key=api_key)) as server:
        return pull(server.url, api_key)


def _introspection(client: httpx.Client, api_key: str) -> dict[str, Any] | None:
    """``POST /graphql`` with the introspection query: the ``__schema``, or None when the server serves no GraphQL
    (404) or graphql-core is not installed."""
    try:
        from twenty_codegen._graphql import introspection_query

        query = introspection_query()
    except ImportError:
        return None
    where = f"POST {client.base_url}graphql"
    try:
        response = client.post("/graphql", json={"query": query})
    except httpx.HTTPError as exc:
        raise PullError(_redact(f"{where}: {type(exc).__name__}: {exc}", api_key)) from None
    if response.status_code == 404:
        return None
    try:
        answer = response.json()
        schema = answer["data"]["__schema"]
    except (ValueError, KeyError, TypeError):
        raise PullError(_redact(f"{where} answered {response.status_code}: {response.text[:300]}", api_key)) from None
    return dict(schema)


def _get_json(client: httpx.Client, path: str, params: Mapping[str, str | int], api_key: str) -> Any:
    where = f"GET {client.base_url.copy_with(path=client.base_url.path.rstrip('/') + path)}"
    try:
        response = client.get(path, params=dict(params))
    except httpx.HTTPError as exc:
        raise PullError(_redact(f"{where}: {type(exc).__name__}: {exc}", api_key)) from None
    if response.status_code != 200:
        raise PullError(_redact(f"{where} answered {response.status_code}: {response.text[:300]}", api_key))
    try:
        return response.json()
    except ValueError:
        raise PullError(f"{where} did not answer JSON") from None


def _objects(client: httpx.Client, base: str, api_key: str) -> list[dict[str, Any]]:
    """Every object, following ``pageInfo.endCursor`` while ``hasNextPage`` (and while the server moves forward)."""
    objects: dict[str, dict[str, Any]] = {}
    params: dict[str, str | int] = {"limit": _PAGE}
    for _ in range(_MAX_PAGES):
        body = _get_json(client, "/rest/metadata/objects", params, api_key)
        page = (body.get("data") or {}).get("objects") if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise PullError(f"GET {base}/rest/metadata/objects did not answer {{data: {{objects: [...]}}}}")
        new = 0
        for obj in page:
            if isinstance(obj, dict) and str(obj.get("id", obj.get("nameSingular"))) not in objects:
                objects[str(obj.get("id", obj.get("nameSingular")))] = obj
                new += 1
        page_info = body.get("pageInfo") or {}
        cursor = page_info.get("endCursor")
        if not page_info.get("hasNextPage") or not cursor or not new or cursor == params.get("starting_after"):
            return list(objects.values())
        params = {"limit": _PAGE, "starting_after": str(cursor)}
    raise PullError(f"GET {base}/rest/metadata/objects: more than {_MAX_PAGES} pages")


def _scrub(core: dict[str, Any], base: str) -> dict[str, Any]:
    """Drop what changes on every request (Twenty fills examples with random data) or names the server."""

    def walk(node: Any, in_name_map: bool) -> Any:
        if isinstance(node, dict):
            return {
                k: walk(v, not in_name_map and k in NAME_MAPS)
                for k, v in node.items()
                if in_name_map or k not in {"example", "examples", "servers"}
            }
        if isinstance(node, list):
            return [walk(v, False) for v in node]
        if isinstance(node, str):
            return node.replace(base, _BASE_URL_PLACEHOLDER)
        return node

    scrubbed: dict[str, Any] = walk(core, False)
    return scrubbed


def _reduce_object(obj: Mapping[str, Any]) -> dict[str, Any]:
    reduced = {k: obj[k] for k in _OBJECT_KEYS if k in obj}
    fields = [{k: f[k] for k in _FIELD_KEYS if k in f} for f in obj.get("fields") or [] if isinstance(f, Mapping)]
    reduced["fields"] = sorted(fields, key=lambda f: str(f.get("name", "")))
    return reduced


def _redact(text: str, api_key: str) -> str:
    return text.replace(api_key, "<api key>") if len(api_key) >= _MIN_SECRET_LENGTH else text


def write_pulled(pulled: Pulled, directory: str | Path) -> tuple[Path, Path]:
    """Write ``core.json`` and ``metadata.json`` (objects sorted by name, fields by name) into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    core_path, metadata_path = directory / "core.json", directory / "metadata.json"
    core_path.write_text(dumps(pulled.core), encoding="utf-8")
    objects = sorted(pulled.objects, key=lambda o: str(o.get("nameSingular", "")))
    metadata_path.write_text(dumps({"objects": objects}), encoding="utf-8")
    if pulled.graphql is not None:
        (directory / "graphql.json").write_text(dumps({"__schema": pulled.graphql}), encoding="utf-8")
    return core_path, metadata_path
