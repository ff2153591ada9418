"""The emulator's ``/graphql`` introspection, booted from the recorded 2.21.0 workspace, against the real server's dump
of the same workspace (``../shared/twenty/real-2.21.0``): the same types, each of the same kind and equal field for
field (names, types with their nullability and lists, arguments, enum values). Order is not compared: the real
server lists an object's fields in the order its metadata rows come back, which differs between the dump and the
metadata snapshot for the fields added later.

``python tests/graphql/test_introspection.py`` prints the figures and every type that differs.

The metadata dump was taken after an SDK test had added a few objects and fields (``sdkWidget…``, ``sdkNote…``) that
the introspection dump predates (and the morph-relation fields that point to them); they are left out of the
workspace booted here.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator
from twenty_emulator._testing import client
from twenty_emulator._workspace import Workspace

_LEFTOVER = re.compile(r"(?i)sdk(widget|note)")  # an SDK test's objects and fields, newer than the dump
REAL = Path(__file__).resolve().parents[3] / "shared" / "twenty" / "real-2.21.0"
METADATA = REAL / "workspace-metadata.json"
DUMP = REAL / "introspection-graphql.json"

pytestmark = [
    pytest.mark.needs_shared,
    pytest.mark.skipif(not DUMP.exists(), reason=f"the real 2.21.0 dumps are not here ({REAL})"),
]

# What a client of the records API reads and writes: the objects, their connections and edges, the inputs of every
# argument of the root fields below, the composite and scalar-filter types they use.
FOCUS_TYPES = [
    *(f"{o}{s}" for o in ("Person", "Company") for s in (
        "", "Edge", "Connection", "FilterInput", "OrderByInput", "CreateInput", "UpdateInput", "RelationInput",
        "ConnectInput", "WhereUniqueInput",
    )),
    "PersonWorkPreferenceEnum", "PersonPerformanceRatingEnum", "CompanyWorkPolicyEnum", "PageInfo",
    *(f"{c}{s}" for c in ("FullName", "Emails", "Phones", "Links", "Address", "Currency", "Actor")
      for s in ("", "CreateInput", "UpdateInput", "FilterInput", "OrderByInput")),
    "StringFilter", "UUIDFilter", "DateTimeFilter", "FloatFilter", "IntFilter", "BooleanFilter", "BigFloatFilter",
    "RawJsonFilter", "TSVectorFilter", "ArrayFilter", "FilterIs", "OrderByDirection", "ActorSourceEnum",
]  # fmt: skip
FOCUS_ROOT_FIELDS = {
    "Query": ["people", "person", "companies", "company", "peopleGroupBy", "personDuplicates"],
    "Mutation": [
        f"{verb}{name}"
        for verb in ("create", "update", "delete", "destroy", "restore")
        for name in ("Person", "People", "Company", "Companies")
    ]
    + ["mergePeople", "mergeCompanies"],
}

INTROSPECTION = """
query {
  __schema {
    types {
      kind name
      fields(includeDeprecated: true) { name args { name type { ...T } } type { ...T } }
      inputFields { name type { ...T } }
      enumValues(includeDeprecated: true) { name }
    }
  }
}
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
"""


def _type_ref(ref: dict[str, Any] | None) -> str:
    if ref is None:
        return "?"
    if ref["kind"] == "NON_NULL":
        return _type_ref(ref["ofType"]) + "!"
    if ref["kind"] == "LIST":
        return f"[{_type_ref(ref['ofType'])}]"
    return str(ref["name"])


def signature(t: dict[str, Any]) -> dict[str, Any]:
    """A type as the comparison sees it: its kind, each field's type and arguments (order ignored), or the enum's
    values."""
    out: dict[str, Any] = {"<kind>": t["kind"]}
    for field in t.get("fields") or []:
        args = sorted((a["name"], _type_ref(a["type"])) for a in field.get("args") or [])
        out[field["name"]] = (_type_ref(field["type"]), args)
    for field in t.get("inputFields") or []:
        out[field["name"]] = _type_ref(field["type"])
    for value in t.get("enumValues") or []:
        out[value["name"]] = None
    return out


def real_types() -> dict[str, dict[str, Any]]:
    schema = json.loads(DUMP.read_text(encoding="utf-8"))["data"]["__schema"]
    return {t["name"]: t for t in schema["types"] if not t["name"].startswith("__")}


def emulator_types() -> dict[str, dict[str, Any]]:
    document = json.loads(METADATA.read_text(encoding="utf-8"))
    objects = document["data"]["objects"] if "data" in document else document
    kept = [
        {**o, "fields": [f for f in o["fields"] if not _LEFTOVER.search(f["name"])]}
        for o in objects
        if not _LEFTOVER.search(o["nameSingular"])
    ]
    emulator = Emulator(Workspace.from_json({"data": {"objects": kept}}), api_key="k")
    with client(emulator) as http:
        answer = http.post("/graphql", json={"query": INTROSPECTION}, headers={"Authorization": "Bearer k"})
    assert answer.status_code == httpx.codes.OK, answer.text
    body = answer.json()
    assert "errors" not in body, body["errors"]
    return {t["name"]: t for t in body["data"]["__schema"]["types"] if not t["name"].startswith("__")}


@pytest.fixture(scope="module")
def both() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    return real_types(), emulator_types()


def differences(real: dict[str, Any], mine: dict[str, Any] | None) -> dict[str, Any]:
    if mine is None:
        return {"<type>": "missing"}
    a, b = signature(mine), signature(real)
    return {k: {"emulator": a.get(k), "real": b.get(k)} for k in a.keys() | b.keys() if a.get(k) != b.get(k)}


@pytest.mark.parametrize("name", FOCUS_TYPES)
def test_a_type_clients_use_is_the_real_one(name: str, both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    real, mine = both
    assert name in real, f"{name} is not in the real dump"
    assert differences(real[name], mine.get(name)) == {}


@pytest.mark.parametrize("root", sorted(FOCUS_ROOT_FIELDS))
def test_the_root_fields_and_their_arguments_are_the_real_ones(
    root: str, both: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    real, mine = both
    wanted = FOCUS_ROOT_FIELDS[root]
    real_sig = {k: v for k, v in signature(real[root]).items() if k in wanted}
    mine_sig = {k: v for k, v in signature(mine[root]).items() if k in wanted}
    assert sorted(real_sig) == sorted(wanted)
    assert mine_sig == real_sig


def match_figures(real: dict[str, Any], mine: dict[str, Any]) -> tuple[int, int, list[str]]:
    differing = [name for name in real if differences(real[name], mine.get(name))]
    return len(real) - len(differing), len(real), differing


def test_the_emulator_serves_exactly_the_real_types(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    real, mine = both
    assert sorted(mine) == sorted(real)


def test_every_type_of_the_schema_is_the_real_one(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    real, mine = both
    _, _, differing = match_figures(real, mine)
    assert {name: differences(real[name], mine.get(name)) for name in differing} == {}


def test_a_unique_index_over_two_relations_connects_by_both(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """``messageListMember``'s unique index over ``person`` and ``list`` shows as two ``ID`` fields."""
    _, mine = both
    assert signature(mine["MessageListMemberWhereUniqueInput"]) == {
        "<kind>": "INPUT_OBJECT",
        "id": "ID",
        "person": "ID",
        "list": "ID",
    }


if __name__ == "__main__":
    real, mine = real_types(), emulator_types()
    equal, total, differing = match_figures(real, mine)
    focus_equal = sum(not differences(real[n], mine.get(n)) for n in FOCUS_TYPES)
    print(f"focus types equal: {focus_equal}/{len(FOCUS_TYPES)}")
    print(f"all types equal: {equal}/{total} = {100 * equal / total:.1f} %")
    if "-v" in sys.argv:
        for name in differing:
            print(name, json.dumps(differences(real[name], mine.get(name)))[:300])


METADATA_DUMP = REAL / "introspection-metadata.json"
OBJECT_FIELDS_NOT_SERVED = {"indexMetadatas", "indexMetadataList", "searchFieldMetadataList"}


def test_the_metadata_subset_is_typed_as_the_real_metadata_api() -> None:
    """``/metadata`` serves a subset (objects and fields): each of its types and root fields is the real one
    (``Object`` without its index and search-field lists)."""
    real = {t["name"]: t for t in json.loads(METADATA_DUMP.read_text(encoding="utf-8"))["data"]["__schema"]["types"]}
    emulator = Emulator(api_key="k")
    with client(emulator) as http:
        answer = http.post("/metadata", json={"query": INTROSPECTION}, headers={"Authorization": "Bearer k"}).json()
    mine = {t["name"]: t for t in answer["data"]["__schema"]["types"] if not t["name"].startswith("__")}
    for name, served in mine.items():
        if name in ("Query", "Mutation"):
            wanted = {k: v for k, v in signature(real[name]).items() if k in signature(served)}
        else:
            skipped = OBJECT_FIELDS_NOT_SERVED if name == "Object" else set()
            wanted = {k: v for k, v in signature(real[name]).items() if k not in skipped}
        assert signature(served) == wanted, name
