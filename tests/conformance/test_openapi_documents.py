"""The emulator's OpenAPI documents against the ones a real Twenty 2.21.0 served.

Leaves are compared as ``../shared/twenty/conformance/openapi_diff.py`` does: exactly, except ``servers`` (top level
and per operation) and every ``example`` (Twenty fills examples with random fake data).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from twenty_emulator._openapi import core_document, metadata_document
from twenty_emulator._workspace import FieldMeta, ObjectMeta, Workspace

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "twenty"
REAL = SHARED / "real-2.21.0"
SERVER_URL = "http://localhost:3000"

_NO_SHARED = f"{REAL} is absent: no dumps of a real Twenty 2.21.0 to compare the documents with"


def needs_shared(test: Callable[[], None]) -> Callable[[], None]:
    """Marks a test that reads the real server's dumps, and skips it when they are not checked out beside the repo."""
    skipped: Callable[[], None] = pytest.mark.skipif(not REAL.is_dir(), reason=_NO_SHARED)(test)
    marked: Callable[[], None] = pytest.mark.needs_shared(skipped)
    return marked


# -- the openapi_diff rule -------------------------------------------------------------------------------------


def _without_servers(document: dict[str, Any]) -> dict[str, Any]:
    document = json.loads(json.dumps(document))
    document.pop("servers", None)
    for item in document.get("paths", {}).values():
        for operation in item.values() if isinstance(item, dict) else []:
            if isinstance(operation, dict):
                operation.pop("servers", None)
    return document


def _leaves(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "example":
                continue
            yield from _leaves(value, f"{path}/{key}")
        if not node:
            yield path, {}
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, f"{path}[{index}]")
        if not node:
            yield path, []
    else:
        yield path, node


def _assert_same_leaves(real: dict[str, Any], served: dict[str, Any], *, show: int = 20) -> None:
    expected = dict(_leaves(_without_servers(real)))
    actual = dict(_leaves(_without_servers(served)))
    missing = object()
    differing = [p for p in expected if actual.get(p, missing) != expected[p]]
    extra = [p for p in actual if p not in expected]
    if not differing and not extra:
        return
    lines = [
        ("DIFF  " if p in expected else "EXTRA ")
        + f"{p}  real={json.dumps(expected.get(p))[:80]}  served={json.dumps(actual.get(p))[:80]}"
        for p in (differing + extra)[:show]
    ]
    matching = len(expected) - len(differing)
    summary = f"{matching}/{len(expected)} leaves match, {len(extra)} extra leaves"
    pytest.fail("\n".join([summary, *lines]), pytrace=False)


def _real(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((REAL / name).read_text(encoding="utf-8"))
    return document


def _recorded_workspace() -> Workspace:
    return Workspace.load(REAL / "workspace-metadata.json")


def _person(ws: Workspace) -> ObjectMeta:
    person = ws.object_by_singular("person")
    assert person is not None
    return person


def _add_text_field(ws: Workspace, obj: ObjectMeta, name: str, **values: Any) -> FieldMeta:
    """A field as ``POST /rest/metadata/fields`` creates it (the s20 scenario: TEXT, nullable, no description)."""
    settings: dict[str, Any] = {"defaultValue": None, "options": None, "isNullable": True, **values}
    raw = ws.new_field_raw(obj, type="TEXT", name=name, label=name, **settings)
    field = FieldMeta(raw, obj)
    obj.fields.append(field)
    return field


# -- against the real dumps ------------------------------------------------------------------------------------


@needs_shared
def test_core_document_matches_real_dump() -> None:
    _assert_same_leaves(_real("openapi-core.json"), core_document(_recorded_workspace(), SERVER_URL))


@needs_shared
def test_core_document_with_custom_field_matches_real_dump() -> None:
    ws = _recorded_workspace()
    _add_text_field(ws, _person(ws), "s20Tag")
    _assert_same_leaves(_real("openapi-core-with-custom-field.json"), core_document(ws, SERVER_URL))


@needs_shared
def test_core_document_after_field_removal_matches_real_dump() -> None:
    ws = _recorded_workspace()
    person = _person(ws)
    field = _add_text_field(ws, person, "s20Tag")
    person.fields.remove(field)
    _assert_same_leaves(_real("openapi-core-after-s20-cleanup.json"), core_document(ws, SERVER_URL))


@needs_shared
def test_metadata_document_matches_real_dump() -> None:
    _assert_same_leaves(_real("openapi-metadata.json"), metadata_document(_recorded_workspace(), SERVER_URL))


@needs_shared
def test_servers_follow_the_server_url() -> None:
    ws = _recorded_workspace()
    core, metadata = core_document(ws, SERVER_URL), metadata_document(ws, SERVER_URL)
    assert core["servers"] == _real("openapi-core.json")["servers"]
    assert metadata["servers"] == _real("openapi-metadata.json")["servers"]
    assert core["paths"]["/open-api/core"]["get"]["servers"] == [{"url": SERVER_URL}]
    # The `servers` URL itself is accepted in place of the base URL.
    assert core_document(ws, SERVER_URL + "/rest/") == core
    assert metadata_document(ws, SERVER_URL + "/rest/metadata") == metadata


# -- documents of any workspace --------------------------------------------------------------------------------


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolves(document: dict[str, Any], ref: str) -> bool:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _capitalized(name: str) -> str:
    return name[:1].upper() + name[1:]


def test_standard_workspace_core_document_is_valid() -> None:
    ws = Workspace.standard()
    document = core_document(ws, "https://crm.example.com")
    json.dumps(document)  # serialisable as is
    refs = set(_refs(document))
    assert refs
    assert [ref for ref in refs if not _resolves(document, ref)] == []
    assert document["servers"] == [{"url": "https://crm.example.com/rest/", "description": "Production Development"}]

    tag_names = [tag["name"] for tag in document["tags"]]
    for obj in ws.objects:
        p, name = obj.name_plural, _capitalized(obj.name_singular)
        for path in (
            f"/{p}",
            f"/batch/{p}",
            f"/{p}/{{id}}",
            f"/{p}/duplicates",
            f"/restore/{p}/{{id}}",
            f"/restore/{p}",
            f"/{p}/merge",
            f"/{p}/groupBy",
        ):
            assert path in document["paths"], path
        for schema in (name, f"{name}ForUpdate", f"{name}ForResponse"):
            assert schema in document["components"]["schemas"], schema
        for action in ("Created", "Updated", "Deleted"):
            assert f"{name} {action}" in document["webhooks"]
        assert p in tag_names
    assert len(document["paths"]) == 8 * len(ws.objects) + 2  # + /open-api/core and /dashboards/{id}/duplicate


def test_standard_workspace_metadata_document_is_valid() -> None:
    document = metadata_document(Workspace.standard(), "https://crm.example.com")
    json.dumps(document)
    assert [ref for ref in set(_refs(document)) if not _resolves(document, ref)] == []
    assert document["servers"][0]["url"] == "https://crm.example.com/rest/metadata"
    for plural in ("objects", "fields", "webhooks", "apiKeys", "views"):
        assert f"/{plural}" in document["paths"]
        assert f"/{plural}/{{id}}" in document["paths"]


def test_documents_are_deterministic() -> None:
    ws = Workspace.standard()
    assert core_document(ws, SERVER_URL) == core_document(ws, SERVER_URL)  # examples included
    assert metadata_document(ws, SERVER_URL) == metadata_document(ws, SERVER_URL)


def test_field_added_in_memory_appears_in_person_schemas() -> None:
    ws = Workspace.standard()
    person = _person(ws)
    field = _add_text_field(ws, person, "externalKey", description="An id in another system")
    schemas = core_document(ws, SERVER_URL)["components"]["schemas"]
    for name in ("Person", "PersonForUpdate", "PersonForResponse"):
        assert schemas[name]["properties"]["externalKey"] == {
            "type": "string",
            "description": "An id in another system",
        }, name
    assert "externalKey" not in schemas["Company"]["properties"]

    person.fields.remove(field)
    schemas = core_document(ws, SERVER_URL)["components"]["schemas"]
    for name in ("Person", "PersonForUpdate", "PersonForResponse"):
        assert "externalKey" not in schemas[name]["properties"], name


def test_required_custom_field_is_listed_as_required_on_create_only() -> None:
    ws = Workspace.standard()
    person = _person(ws)
    _add_text_field(ws, person, "mustHave", isNullable=False)
    schemas = core_document(ws, SERVER_URL)["components"]["schemas"]
    assert "mustHave" in schemas["Person"].get("required", [])
    assert "mustHave" in schemas["Person"]["example"]
    assert "required" not in schemas["PersonForUpdate"]
    assert "required" not in schemas["PersonForResponse"]
