"""The GraphQL half of the generated client: pull the workspace's introspection, normalise it, generate typed models.

    pull      POST /graphql with graphql-core's introspection query (no descriptions) → the answer's ``__schema``
    normalise types, fields, input fields, enum values sorted by name; descriptions, deprecations and ``__`` types
              dropped: the same workspace always gives the same text (``codegen/snapshots/graphql.json``)
    generate  one module, ``twenty_generated/graphql_models.py``:
              - an attrs class per record type (``Person``) and per composite value (``FullName``, ``Links``…),
                every field optional (a query selects what it wants), ``from_dict`` to read an answer's node,
                connections read as :class:`Connection` (``nodes``, ``total_count``, ``end_cursor``…);
              - a ``TypedDict`` per filter and order-by input (``PersonFilterInput``, ``PersonOrderByInput``) and the
                inputs they nest, keys as GraphQL spells them (``and``/``or``/``not`` included);
              - ``iter_<plural>(graphql, selection, filter=…, order_by=…)``: typed pages over a root connection,
                for any object with an ``iter(connection, fields, filter=, order_by=)`` (``twenty.graphql``).

Why a generator of our own rather than ariadne-codegen or gql's DSL: ariadne-codegen generates pydantic models and a
client of its own per *operation* (queries written in advance), where Twenty's users select fields at run time and
the house style is attrs with the transport of ``twenty_sdk``; gql's DSL builds queries but gives untyped dicts back.
A small generator over the introspection gives attrs models typed from the workspace itself, checked by mypy.
"""

from __future__ import annotations

import hashlib
import json
import keyword
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["INTROSPECTION_PATH", "generate_graphql_module", "introspection_query", "normalise_introspection"]

INTROSPECTION_PATH = "/graphql"
_SCALARS: Mapping[str, str] = {
    "String": "str",
    "ID": "str",
    "UUID": "str",
    "DateTime": "str",
    "Date": "str",
    "Cursor": "str",
    "ConnectionCursor": "str",
    "TSVector": "str",
    "Int": "int",
    "BigInt": "int",
    "Float": "float",
    "BigFloat": "float | str",
    "Position": "float",
    "Boolean": "bool",
    "JSON": "JsonValue",
    "RawJSONScalar": "JsonValue",
}


def introspection_query() -> str:
    """graphql-core's introspection query, without descriptions (they change nothing the client types)."""
    from graphql import get_introspection_query

    return get_introspection_query(descriptions=False)


def _args(args: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A field's arguments by name, each with its name and type only (defaults and descriptions left out)."""
    return sorted(({"name": a["name"], "type": a["type"]} for a in args), key=lambda a: str(a["name"]))


def _sorted_type(t: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": t["kind"], "name": t["name"]}
    for key in ("fields", "inputFields"):
        items = t.get(key)
        if items:
            out[key] = sorted(
                (
                    {
                        "name": f["name"],
                        "type": f["type"],
                        **({"args": _args(f["args"])} if f.get("args") else {}),
                    }
                    for f in items
                ),
                key=lambda f: f["name"],
            )
    if t.get("enumValues"):
        out["enumValues"] = sorted(v["name"] for v in t["enumValues"])
    if t.get("interfaces"):
        out["interfaces"] = sorted(i["name"] for i in t["interfaces"])
    return out


def normalise_introspection(answer: Mapping[str, Any]) -> dict[str, Any]:
    """An introspection answer (``{"data": {"__schema": …}}`` or the ``__schema`` itself) → a deterministic
    document: the types by name, their members by name, no descriptions."""
    schema = answer.get("data", answer)
    schema = schema.get("__schema", schema)
    types = []
    for t in schema["types"]:
        if t["name"].startswith("__"):
            continue
        types.append(_sorted_type(t))
    types.sort(key=lambda t: t["name"])
    roots = {k: (schema.get(k) or {}).get("name") for k in ("queryType", "mutationType")}
    return {"roots": roots, "types": types}


# -- generation ----------------------------------------------------------------------------------------------------


def _snake(name: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    return f"{text}_" if keyword.iskeyword(text) or text in ("from_dict", "self") else text


def _unwrap(ref: Mapping[str, Any]) -> tuple[str, str, int]:
    """A type reference → (kind, name, list depth); NON_NULL dropped (every field is optional on a selection)."""
    depth = 0
    while ref["kind"] in ("NON_NULL", "LIST"):
        depth += ref["kind"] == "LIST"
        ref = ref["ofType"]
    return str(ref["kind"]), str(ref["name"]), depth


class _Generator:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.types = {t["name"]: t for t in document["types"]}
        names = set(self.types)
        self.nodes = sorted(n for n in names if f"{n}Connection" in names and f"{n}Edge" in names)
        self.connections = {f"{n}Connection": n for n in self.nodes}
        values: set[str] = set()
        for node in self.nodes:
            for field in self.types[node].get("fields", []):
                kind, name, _ = _unwrap(field["type"])
                if kind == "OBJECT" and name not in self.connections and name not in self.nodes:
                    values.add(name)
        self.values = sorted(values)
        self.inputs = self._inputs_closure(
            [f"{n}FilterInput" for n in self.nodes] + [f"{n}OrderByInput" for n in self.nodes]
        )
        self.enums = sorted(
            {
                _unwrap(f["type"])[1]
                for name in self.inputs
                for f in self.types[name].get("inputFields", [])
                if _unwrap(f["type"])[0] == "ENUM"
            }
        )
        query = document["roots"].get("queryType") or "Query"
        self.root_connections = sorted(
            (f["name"], self.connections[_unwrap(f["type"])[1]])
            for f in self.types.get(query, {}).get("fields", [])
            if _unwrap(f["type"])[1] in self.connections
        )

    def _inputs_closure(self, start: Iterable[str]) -> list[str]:
        seen: set[str] = set()
        todo = [n for n in start if n in self.types]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for field in self.types[name].get("inputFields", []):
                kind, ref, _ = _unwrap(field["type"])
                if kind == "INPUT_OBJECT" and ref not in seen:
                    todo.append(ref)
        return sorted(seen)

    # output types

    def _out_type(self, ref: Mapping[str, Any]) -> tuple[str, str]:
        """(annotation, converter expression on ``v``) of an output field."""
        kind, name, depth = _unwrap(ref)
        if kind == "OBJECT" and name in self.connections:
            return f"Connection[{self.connections[name]}]", f"Connection.from_dict(v, {self.connections[name]})"
        if kind == "OBJECT":
            inner, read = name, f"{name}.from_dict({{}})"  # read: the expression reading one value, ``{}`` for it
        elif kind == "ENUM":
            inner, read = "str", "{}"
        else:
            inner, read = _SCALARS.get(name, "JsonValue"), "{}"
        if depth:
            return f"list[{inner}]", f"[{read.format('x')} for x in v]"
        return inner, read.format("v")

    def _model(self, name: str) -> list[str]:
        fields = self.types[name].get("fields", [])
        lines = [
            "@attrs.frozen",
            f"class {name}:",
            f'    """``{name}`` as a query selects it: fields not selected are None."""',
            "",
        ]
        reads = []
        for field in fields:
            annotation, convert = self._out_type(field["type"])
            attr = _snake(field["name"])
            lines.append(f"    {attr}: {annotation} | None = None")
            reads.append(f'            {attr}=_read(data, "{field["name"]}", lambda v: {convert}),')
        if not fields:
            lines.append("    pass")
            return lines
        lines += [
            "",
            "    @classmethod",
            f"    def from_dict(cls, data: Mapping[str, Any]) -> {name}:",
            f'        """A ``{name}`` from an answer\'s JSON object (keys as GraphQL spells them)."""',
            "        return cls(",
            *reads,
            "        )",
        ]
        return lines

    # input types

    def _in_type(self, ref: Mapping[str, Any]) -> str:
        kind, name, depth = _unwrap(ref)
        if kind == "INPUT_OBJECT":
            inner = f'"{name}"'
        elif kind == "ENUM":
            inner = name
        else:
            inner = _SCALARS.get(name, "JsonValue")
        for _ in range(depth):
            inner = f"list[{inner}]"
        return inner

    def _typed_dict(self, name: str) -> list[str]:
        fields = self.types[name].get("inputFields", [])
        entries = [f'        "{f["name"]}": {self._in_type(f["type"])},' for f in fields]
        return [f"{name} = TypedDict(", f'    "{name}",', "    {", *entries, "    },", "    total=False,", ")"]

    def module(self, digest: str) -> str:
        out = [
            '"""Typed GraphQL models of a Twenty workspace, generated by twenty_codegen from its introspection',
            f"(schema sha256 {digest[:16]}). Do not edit: run ``nox -s codegen``.",
            "",
            "Record types (``Person``…) and composite values (``FullName``…) are attrs classes read from answers with",
            "``from_dict``; filter and order-by inputs are TypedDicts; ``iter_<plural>()`` pages through a root",
            'connection with typed results."""',
            "",
            "from __future__ import annotations",
            "",
            "from collections.abc import Callable, Iterator, Mapping",
            "from typing import Any, Generic, Literal, Protocol, TypeAlias, TypedDict, TypeVar",
            "",
            "import attrs",
            "",
            "JsonValue: TypeAlias = Any",
            'T = TypeVar("T")',
            'M = TypeVar("M", bound="_FromDict")',
            "",
            "",
            "class _FromDict(Protocol):",
            "    @classmethod",
            "    def from_dict(cls: type[M], data: Mapping[str, Any]) -> M: ...",
            "",
            "",
            "def _read(data: Mapping[str, Any], key: str, convert: Callable[[Any], T]) -> T | None:",
            "    value = data.get(key)",
            "    return None if value is None else convert(value)",
            "",
            "",
            "@attrs.frozen",
            "class Connection(Generic[M]):",
            '    """A connection as selected: its nodes (from ``edges { node }``), ``totalCount`` and page info."""',
            "",
            "    nodes: list[M]",
            "    total_count: int | None = None",
            "    end_cursor: str | None = None",
            "    has_next_page: bool | None = None",
            "",
            "    @classmethod",
            "    def from_dict(cls, data: Mapping[str, Any], node: type[M]) -> Connection[M]:",
            '        edges = data.get("edges") or []',
            '        info = data.get("pageInfo") or {}',
            "        return cls(",
            '            nodes=[node.from_dict(e["node"]) for e in edges if isinstance(e, Mapping) and e.get("node")],',
            '            total_count=data.get("totalCount"),',
            '            end_cursor=info.get("endCursor"),',
            '            has_next_page=info.get("hasNextPage"),',
            "        )",
            "",
            "",
            "class _Pages(Protocol):",
            "    def iter(",
            "        self,",
            "        connection: str,",
            "        fields: str,",
            "        *,",
            "        filter: Mapping[str, Any] | None = ...,",
            "        order_by: Any = ...,",
            "    ) -> Iterator[dict[str, Any]]: ...",
            "",
        ]
        for enum in self.enums:
            values = ", ".join(f'"{v}"' for v in self.types[enum].get("enumValues", []))
            out += ["", f"{enum}: TypeAlias = Literal[{values}]" if values else f"{enum}: TypeAlias = str"]
        for name in [*self.values, *self.nodes]:
            out += ["", "", *self._model(name)]
        for name in self.inputs:
            out += ["", "", *self._typed_dict(name)]
        for plural, node in self.root_connections:
            out += [
                "",
                "",
                f"def iter_{_snake(plural).rstrip('_')}(",
                "    graphql: _Pages,",
                "    selection: str,",
                "    *,",
                f"    filter: {node}FilterInput | None = None,",
                f"    order_by: list[{node}OrderByInput] | None = None,",
                f") -> Iterator[{node}]:",
                f'    """Every ``{node}`` of ``{plural}`` matching ``filter``, with the fields of ``selection``."""',
                f'    for node in graphql.iter("{plural}", selection, filter=filter, order_by=order_by):',
                f"        yield {node}.from_dict(node)",
            ]
        out += ["", "", "__all__ = [", *sorted(f'    "{n}",' for n in self._exports()), "]", ""]
        return "\n".join(out)

    def _exports(self) -> list[str]:
        iters = [f"iter_{_snake(plural).rstrip('_')}" for plural, _ in self.root_connections]
        return ["Connection", *self.enums, *self.values, *self.nodes, *self.inputs, *iters]


def generate_graphql_module(document: Mapping[str, Any]) -> str:
    """The text of ``graphql_models.py`` for a normalised introspection document."""
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode("utf-8")).hexdigest()
    return _Generator(document).module(digest)
