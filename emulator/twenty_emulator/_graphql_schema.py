"""The workspace's GraphQL schema (``/graphql``), built from its live metadata as Twenty 2.21.0 builds it.

Written from ``engine/api/graphql/workspace-schema-builder`` (type mapper, object / connection / edge / filter /
order-by / create / update / relation-connect generators, root query and mutation generators) and checked against
the introspection of a real 2.21.0 workspace (``tests/graphql/test_introspection.py``). The schema is printed as SDL
and built with ``graphql-core``; it serves introspection and the answers to fields that are not the workspace's.
Records are not resolved through it: :mod:`twenty_emulator._graphql` executes the workspace's root fields directly,
as Twenty's "direct execution" does.

Rules read off the real dump: an output field is non-null when its field is not nullable; a create-input field when
it is not nullable and has no default; update inputs are all optional. ``id`` is ``UUID!`` in outputs and ``ID`` in
inputs; a MANY_TO_ONE relation shows as its join column (``companyId: ID``) and as the related record; a ONE_TO_MANY
relation as a connection with the list arguments. Only active objects and fields appear.

``…WhereUniqueInput`` lists what ``connect`` may find a record by, as ``getUniqueConstraintsFields`` does: ``id``,
then the fields of each unique index — one per unique field, and the standard objects' unique indexes over several
columns (``_STANDARD_UNIQUE_INDEXES``, from ``twenty-standard-application/utils/index``), a relation's field as ``ID``.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING

from twenty_emulator._duplicates import DUPLICATE_CRITERIA
from twenty_emulator._workspace import FieldMeta, ObjectMeta, Workspace

if TYPE_CHECKING:
    from graphql import GraphQLSchema

__all__ = ["ResolverEntry", "build_sdl", "resolver_names", "schema_for"]

_SCALARS = """\"\"\"The `JSON` scalar type represents JSON values as specified by [ECMA-404](http://www.ecma-international.org/publications/files/ECMA-ST/ECMA-404.pdf).\"\"\"
scalar JSON
scalar BigFloat
scalar BigInt
scalar UUID
\"\"\"A date-time string at UTC, such as 2019-12-03T09:54:33Z, compliant with the date-time format.\"\"\"
scalar DateTime
scalar Date
scalar Position
scalar TSVector
scalar Cursor
scalar ConnectionCursor

enum FilterIs { NULL NOT_NULL }
enum OrderByDirection { AscNullsFirst AscNullsLast DescNullsFirst DescNullsLast }
enum ActorSourceEnum { EMAIL CALENDAR WORKFLOW AGENT API IMPORT MANUAL SYSTEM WEBHOOK APPLICATION }

\"\"\"Date granularity (e.g. day, month, quarter, year, week, day of the week, quarter of the year, month of the
year)\"\"\"
enum DateGranularityEnum { DAY MONTH QUARTER YEAR WEEK DAY_OF_THE_WEEK MONTH_OF_THE_YEAR QUARTER_OF_THE_YEAR NONE }
enum FirstDayOfTheWeek { MONDAY SUNDAY SATURDAY }
input GroupByDateGranularityInput { granularity: DateGranularityEnum weekStartDay: FirstDayOfTheWeek timeZone: String }
input OrderByDateGranularityInput { orderBy: OrderByDirection granularity: DateGranularityEnum }

type PageInfo {
  startCursor: ConnectionCursor
  endCursor: ConnectionCursor
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
}
"""


def _comparison_filter(name: str, scalar: str, *, extra: str = "", nonnull_in: bool = True) -> str:
    bang = "!" if nonnull_in else ""
    ops = f"eq: {scalar} gt: {scalar} gte: {scalar} in: [{scalar}{bang}] lt: {scalar} lte: {scalar} neq: {scalar}"
    return f"input {name} {{ {ops} {extra} is: FilterIs }}\n"


_FILTERS = (
    "input StringFilter { eq: String gt: String gte: String in: [String!] lt: String lte: String neq: String "
    "startsWith: String endsWith: String like: String ilike: String regex: String iregex: String is: FilterIs }\n"
    + _comparison_filter("BigFloatFilter", "BigFloat")
    + _comparison_filter("BigIntFilter", "BigInt")
    + _comparison_filter("FloatFilter", "Float")
    + _comparison_filter("IntFilter", "Int")
    + _comparison_filter("DateTimeFilter", "DateTime")
    + _comparison_filter("DateFilter", "Date")
    + _comparison_filter("UUIDFilter", "UUID", nonnull_in=False)
    + "input RawJsonFilter { is: FilterIs like: String }\n"
    "input BooleanFilter { eq: Boolean is: FilterIs }\n"
    "input TSVectorFilter { search: String }\n"
    "input ArrayFilter { containsIlike: String is: FilterIs isEmptyArray: Boolean }\n"
    "input ActorSourceEnumFilter { eq: ActorSourceEnum neq: ActorSourceEnum in: [ActorSourceEnum] "
    "containsAny: [ActorSourceEnum] is: FilterIs isEmptyArray: Boolean }\n"
    "type FileObject { fileId: UUID! label: String! extension: String url: String }\n"
    "input FileItemInput { fileId: UUID! label: String! }\n"
)

# Composite types: sub-field → (output type, filter type, in group-by). Order as Twenty declares them.
_COMPOSITES: dict[str, tuple[str, dict[str, tuple[str, str, bool]]]] = {
    "LINKS": (
        "Links",
        {
            "primaryLinkLabel": ("String", "StringFilter", True),
            "primaryLinkUrl": ("String", "StringFilter", True),
            "secondaryLinks": ("JSON", "RawJsonFilter", False),
        },
    ),
    "CURRENCY": (
        "Currency",
        {"amountMicros": ("BigFloat", "BigFloatFilter", True), "currencyCode": ("String", "StringFilter", True)},
    ),
    "FULL_NAME": (
        "FullName",
        {"firstName": ("String", "StringFilter", True), "lastName": ("String", "StringFilter", True)},
    ),
    "ADDRESS": (
        "Address",
        {
            **{
                f"address{s}": ("String", "StringFilter", True)
                for s in ("Street1", "Street2", "City", "Postcode", "State", "Country")
            },
            "addressLat": ("BigFloat", "BigFloatFilter", True),
            "addressLng": ("BigFloat", "BigFloatFilter", True),
        },
    ),
    "ACTOR": (
        "Actor",
        {
            "source": ("ActorSourceEnum!", "ActorSourceEnumFilter", True),
            "workspaceMemberId": ("UUID", "UUIDFilter", True),
            "name": ("String!", "StringFilter", True),
            "context": ("JSON", "RawJsonFilter", False),
        },
    ),
    "EMAILS": (
        "Emails",
        {"primaryEmail": ("String", "StringFilter", True), "additionalEmails": ("JSON", "RawJsonFilter", False)},
    ),
    "PHONES": (
        "Phones",
        {
            "primaryPhoneNumber": ("String", "StringFilter", True),
            "primaryPhoneCountryCode": ("String", "StringFilter", True),
            "primaryPhoneCallingCode": ("String", "StringFilter", True),
            "additionalPhones": ("JSON", "RawJsonFilter", False),
        },
    ),
    "RICH_TEXT": (
        "RichText",
        {"blocknote": ("String", "StringFilter", True), "markdown": ("String", "StringFilter", True)},
    ),
}

_SCALAR_OUTPUT = {
    "UUID": "UUID",
    "TEXT": "String",
    "DATE_TIME": "DateTime",
    "DATE": "Date",
    "BOOLEAN": "Boolean",
    "NUMERIC": "BigFloat",
    "POSITION": "Position",
    "RAW_JSON": "JSON",
    "ARRAY": "[String]",
    "TS_VECTOR": "TSVector",
}
_SCALAR_FILTER = {
    "UUID": "UUIDFilter",
    "TEXT": "StringFilter",
    "DATE_TIME": "DateTimeFilter",
    "DATE": "DateFilter",
    "BOOLEAN": "BooleanFilter",
    "NUMERIC": "BigFloatFilter",
    "POSITION": "FloatFilter",
    "FILES": "RawJsonFilter",
    "RAW_JSON": "RawJsonFilter",
    "ARRAY": "ArrayFilter",
    "TS_VECTOR": "TSVectorFilter",
}
_UNIQUE_SUBFIELD = {"LINKS": "primaryLinkUrl", "EMAILS": "primaryEmail", "PHONES": "primaryPhoneNumber"}
# The standard objects' unique indexes over several fields (``compute-*-standard-flat-index-metadata.util.ts``, the
# ``isUnique: true`` entries with more than one of ``relatedFieldNames``); their fields join ``…WhereUniqueInput``.
_STANDARD_UNIQUE_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "messageChannelMessageAssociation": (("messageChannelId", "message"),),
    "messageChannelMessageAssociationMessageFolder": (("messageChannelMessageAssociation", "messageFolderId"),),
    "messageListMember": (("person", "list"),),
}
_ENUM_TYPES = frozenset({"SELECT", "MULTI_SELECT", "RATING"})
_DATE_TYPES = frozenset({"DATE", "DATE_TIME"})
_NOT_GROUPABLE = frozenset({"TS_VECTOR", "RAW_JSON", "FILES", "POSITION", "ACTOR"})

# Root field kinds, as Twenty's resolver builder names them (RESOLVER_METHOD_NAMES).
ResolverEntry = tuple[str, ObjectMeta]  # (method, object)


def pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _description(text: object) -> str:
    if not isinstance(text, str) or not text:
        return ""
    return json.dumps(text, ensure_ascii=False) + " "


def _number_scalar(field: FieldMeta) -> str:
    data_type = field.settings.get("dataType")
    if data_type == "int":
        return "Int"
    if data_type == "bigint":
        return "BigInt"
    return "Float"


def _number_filter(field: FieldMeta) -> str:
    return {"Int": "IntFilter", "BigInt": "BigIntFilter"}.get(_number_scalar(field), "FloatFilter")


def _enum_name(obj: ObjectMeta, field: FieldMeta) -> str:
    return f"{pascal(obj.name_singular)}{pascal(field.name)}Enum"


def objects_of(workspace: Workspace) -> list[ObjectMeta]:
    return [o for o in workspace.objects if o.is_active]


def fields_of(obj: ObjectMeta) -> list[FieldMeta]:
    return [f for f in obj.fields if f.is_active]


def has_duplicate_criteria(obj: ObjectMeta) -> bool:
    """Objects with duplicate criteria (person, company) have ``…Duplicates`` and ``merge…`` root fields."""
    return bool(obj.raw.get("duplicateCriteria")) or obj.name_singular in DUPLICATE_CRITERIA


def resolver_names(workspace: Workspace) -> dict[str, ResolverEntry]:
    """Root field name → (method, object), for every active object (Twenty's ``graphQLResolverNameMap``)."""
    names: dict[str, ResolverEntry] = {}
    for obj in objects_of(workspace):
        one, many = pascal(obj.name_singular), pascal(obj.name_plural)
        names[obj.name_plural] = ("findMany", obj)
        names[obj.name_singular] = ("findOne", obj)
        names[f"{obj.name_plural}GroupBy"] = ("groupBy", obj)
        if has_duplicate_criteria(obj):
            names[f"{obj.name_singular}Duplicates"] = ("findDuplicates", obj)
            names[f"merge{pascal(obj.name_plural)}"] = ("mergeMany", obj)
        for verb in ("create", "update", "delete", "destroy", "restore"):
            names[f"{verb}{one}"] = (f"{verb}One", obj)
            names[f"{verb}{many}"] = (f"{verb}Many", obj)
    return names


class _Builder:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.objects = objects_of(workspace)
        self.parts: list[str] = [_SCALARS, _FILTERS]

    def emit(self, text: str) -> None:
        self.parts.append(text)

    def composites(self) -> None:
        for field_type, (name, subs) in _COMPOSITES.items():
            out = " ".join(f"{s}: {t}" for s, (t, _, _) in subs.items())
            self.emit(f"type {name} {{ {out} }}\n")
            if field_type == "ACTOR":
                self.emit("input ActorCreateInput { source: ActorSourceEnum! context: JSON }\n")
                self.emit("input ActorUpdateInput { source: ActorSourceEnum context: JSON }\n")
            else:
                plain = " ".join(f"{s}: {t.rstrip('!')}" for s, (t, _, _) in subs.items())
                self.emit(f"input {name}CreateInput {{ {plain} }}\n")
                self.emit(f"input {name}UpdateInput {{ {plain} }}\n")
            filters = " ".join(f"{s}: {f}" for s, (_, f, _) in subs.items())
            self.emit(f"input {name}FilterInput {{ {filters} }}\n")
            order = " ".join(f"{s}: OrderByDirection" for s in subs)
            self.emit(f"input {name}OrderByInput {{ {order} }}\n")
            group = " ".join(f"{s}: Boolean" for s, (_, _, g) in subs.items() if g)
            self.emit(f"input {name}GroupByInput {{ {group} }}\n")

    def enums(self, obj: ObjectMeta) -> None:
        for field in fields_of(obj):
            if field.type not in _ENUM_TYPES:
                continue
            values = [o for o in field.options if isinstance(o.get("value"), str) and o["value"]]
            if not values:
                continue
            body = " ".join(f"{_description(o.get('label'))}{o['value']}" for o in values)
            name = _enum_name(obj, field)
            self.emit(f"enum {name} {{ {body} }}\n")
            self.emit(
                f"input {name}Filter {{ eq: {name} neq: {name} in: [{name}] containsAny: [{name}] "
                "is: FilterIs isEmptyArray: Boolean }\n"
            )

    def target(self, field: FieldMeta) -> ObjectMeta | None:
        target = self.workspace.target_object(field)
        return target if target is not None and target.is_active else None

    def scalar_output(self, obj: ObjectMeta, field: FieldMeta) -> str | None:
        if field.name == "id":
            return "UUID"
        if field.is_composite:
            return _COMPOSITES[field.type][0]
        if field.type in _ENUM_TYPES:
            enum = _enum_name(obj, field)
            return f"[{enum}]" if field.type == "MULTI_SELECT" else enum
        if field.type == "NUMBER":
            return _number_scalar(field)
        if field.type == "FILES":
            return "[FileObject]"
        return _SCALAR_OUTPUT.get(field.type)

    def has_enum(self, obj: ObjectMeta, field: FieldMeta) -> bool:
        return any(isinstance(o.get("value"), str) and o["value"] for o in field.options)

    def object_type(self, obj: ObjectMeta) -> None:
        name = pascal(obj.name_singular)
        lines: list[str] = []
        relations: list[str] = []
        for field in fields_of(obj):
            desc = _description(field.raw.get("description"))
            if field.is_relation:
                target = self.target(field)
                if target is None:
                    continue
                if field.relation_type == "MANY_TO_ONE":
                    lines.append(f"{desc}{field.join_column}: ID{'' if field.is_nullable else '!'}")
                    relations.append(f"{desc}{field.name}: {pascal(target.name_singular)}")
                elif field.relation_type == "ONE_TO_MANY":
                    t = pascal(target.name_singular)
                    relations.append(
                        f"{desc}{field.name}(first: Int, last: Int, offset: Int, before: String, after: String, "
                        f"filter: {t}FilterInput, orderBy: [{t}OrderByInput]): {t}Connection"
                    )
                continue
            if field.type in _ENUM_TYPES and not self.has_enum(obj, field):
                continue
            gql_type = self.scalar_output(obj, field)
            if gql_type is None:
                continue
            bang = "!" if not field.is_nullable else ""
            lines.append(f"{desc}{field.name}: {gql_type}{bang}")
        body = "\n  ".join([*lines, *relations])
        self.emit(f"{_description(obj.raw.get('description'))}type {name} {{\n  {body}\n}}\n")
        self.emit(f"type {name}Edge {{ node: {name}! cursor: Cursor! }}\n")
        self.connection(obj)

    def aggregates(self, obj: ObjectMeta, *, morph: bool = True) -> Iterator[str]:
        yield "totalCount: Int"
        for field in fields_of(obj):
            if field.type == "RELATION" or (field.type == "MORPH_RELATION" and not morph):
                continue
            cap = pascal(field.name)
            yield f"countUniqueValues{cap}: Int"
            yield f"countEmpty{cap}: Int"
            yield f"countNotEmpty{cap}: Int"
            yield f"percentageEmpty{cap}: Float"
            yield f"percentageNotEmpty{cap}: Float"
            if field.type in _DATE_TYPES:
                yield f"min{cap}: DateTime"
                yield f"max{cap}: DateTime"
            if field.type == "BOOLEAN":
                yield f"countTrue{cap}: Int"
                yield f"countFalse{cap}: Int"
            elif field.type == "NUMBER":
                for op in ("min", "max", "avg", "sum"):
                    yield f"{op}{cap}: Float"
            elif field.type == "CURRENCY":
                for op in ("min", "max", "sum", "avg"):
                    yield f"{op}{cap}AmountMicros: Float"

    def connection(self, obj: ObjectMeta) -> None:
        name = pascal(obj.name_singular)
        body = "\n  ".join([*self.aggregates(obj), f"edges: [{name}Edge!]!", "pageInfo: PageInfo!"])
        self.emit(f"type {name}Connection {{\n  {body}\n}}\n")
        self.emit(f"type {name}GroupByConnection {{\n  {body}\n  groupByDimensionValues: JSON!\n}}\n")
        # What groups can be ordered by: the aggregates of the non-relation fields and, as Twenty builds it, each
        # to-one relation's join column and related record.
        ordered = [f"{a.split(':')[0]}: OrderByDirection" for a in self.aggregates(obj, morph=False)]
        for field in fields_of(obj):
            target = self.target(field) if field.relation_type == "MANY_TO_ONE" else None
            if target is not None:
                t = pascal(target.name_singular)
                ordered += [f"{field.join_column}: OrderByDirection", f"{field.name}: {t}OrderByInput"]
        self.emit(f"input {name}OrderByWithGroupByAggregateInput {{ {' '.join(ordered)} }}\n")

    def group_by_inputs(self, obj: ObjectMeta) -> None:
        """``…GroupByInput`` (what a group may be keyed on) and ``…OrderByWithGroupByInput`` (how groups sort)."""
        name = pascal(obj.name_singular)
        keys: list[str] = []
        orders: list[str] = [f"aggregate: {name}OrderByWithGroupByAggregateInput"]
        for field in fields_of(obj):
            n = field.name
            if field.is_relation:
                target = self.target(field)
                if target is None or field.relation_type != "MANY_TO_ONE":
                    continue
                t = pascal(target.name_singular)
                keys.append(f"{n}: {t}GroupByInput")
                orders += [f"{field.join_column}: OrderByDirection", f"{n}: {t}OrderByWithGroupByInput"]
                continue
            if field.type in _ENUM_TYPES and not self.has_enum(obj, field):
                continue
            if field.type in _DATE_TYPES:
                orders.append(f"{n}: OrderByDateGranularityInput")
            elif field.is_composite:
                orders.append(f"{n}: {_COMPOSITES[field.type][0]}OrderByInput")
            else:
                orders.append(f"{n}: OrderByDirection")
            system = field.is_system and n not in ("createdAt", "updatedAt")
            if system or field.type in _NOT_GROUPABLE or n == "id":
                continue
            if field.type in _DATE_TYPES:
                keys.append(f"{n}: GroupByDateGranularityInput")
            elif field.is_composite:
                keys.append(f"{n}: {_COMPOSITES[field.type][0]}GroupByInput")
            else:
                keys.append(f"{n}: Boolean")
        if keys:
            self.emit(f"input {name}GroupByInput {{ {' '.join(keys)} }}\n")
        self.emit(f"input {name}OrderByWithGroupByInput {{ {' '.join(orders)} }}\n")

    def inputs(self, obj: ObjectMeta) -> None:
        name = pascal(obj.name_singular)
        filters: list[str] = []
        orders: list[str] = []
        creates: list[str] = []
        updates: list[str] = []
        uniques: list[str] = []
        for field in fields_of(obj):
            n = field.name
            if field.is_relation:
                target = self.target(field)
                if target is None or field.relation_type != "MANY_TO_ONE":
                    continue
                t = pascal(target.name_singular)
                filters += [f"{field.join_column}: UUIDFilter", f"{n}: {t}FilterInput"]
                orders += [f"{field.join_column}: OrderByDirection", f"{n}: {t}OrderByInput"]
                creates += [f"{field.join_column}: ID", f"{n}: {t}RelationInput"]
                updates += [f"{field.join_column}: ID", f"{n}: {t}RelationInput"]
                continue
            if field.type in _ENUM_TYPES and not self.has_enum(obj, field):
                continue
            if n == "id":
                filters.append("id: UUIDFilter")
                orders.append("id: OrderByDirection")
                creates.append("id: ID")
                updates.append("id: ID")
                uniques.append("id: ID")
                continue
            if field.is_composite:
                composite = _COMPOSITES[field.type][0]
                filters.append(f"{n}: {composite}FilterInput")
                orders.append(f"{n}: {composite}OrderByInput")
                create_type, update_type = f"{composite}CreateInput", f"{composite}UpdateInput"
            else:
                if field.type in _ENUM_TYPES:
                    filters.append(f"{n}: {_enum_name(obj, field)}Filter")
                elif field.type == "NUMBER":
                    filters.append(f"{n}: {_number_filter(field)}")
                elif field.type in _SCALAR_FILTER:
                    filters.append(f"{n}: {_SCALAR_FILTER[field.type]}")
                orders.append(f"{n}: OrderByDirection")
                scalar = self.scalar_output(obj, field)
                if scalar is None:
                    continue
                create_type = update_type = "[FileItemInput]" if field.type == "FILES" else scalar
            required = not field.is_nullable and field.default_value is None
            creates.append(f"{n}: {create_type}{'!' if required else ''}")
            updates.append(f"{n}: {update_type}")
            if field.is_unique:
                if field.is_composite:
                    where = f"{name}{pascal(n)}WhereInput"
                    key_sub = _UNIQUE_SUBFIELD.get(field.type, next(iter(_COMPOSITES[field.type][1])))
                    self.emit(f"input {where} {{ {key_sub}: String }}\n")
                    uniques.append(f"{n}: {where}")
                else:
                    uniques.append(f"{n}: {create_type}")
        uniques += self.index_uniques(obj, uniques)
        filters += [f"and: [{name}FilterInput]", f"or: [{name}FilterInput]", f"not: {name}FilterInput"]
        self.emit(f"input {name}FilterInput {{ {' '.join(filters)} }}\n")
        self.emit(f"input {name}OrderByInput {{ {' '.join(orders)} }}\n")
        self.emit(f"input {name}CreateInput {{ {' '.join(creates)} }}\n")
        self.emit(f"input {name}UpdateInput {{ {' '.join(updates)} }}\n")
        self.emit(f"input {name}RelationInput {{ connect: {name}ConnectInput disconnect: Boolean }}\n")
        self.emit(f"input {name}ConnectInput {{ where: {name}WhereUniqueInput }}\n")
        self.emit(f"input {name}WhereUniqueInput {{ {' '.join(uniques)} }}\n")

    def index_uniques(self, obj: ObjectMeta, uniques: list[str]) -> list[str]:
        """The ``…WhereUniqueInput`` fields of a standard object's unique indexes over several fields that are not
        there yet: a relation as ``ID`` (``mapToPreBuiltGraphQLInputType``), any other field as its input scalar."""
        if obj.is_custom:
            return []
        taken = {u.split(":", 1)[0] for u in uniques}
        more: list[str] = []
        for index in _STANDARD_UNIQUE_INDEXES.get(obj.name_singular, ()):
            fields = [f for n in index if (f := obj.field(n)) is not None and f.is_active]
            if len(fields) != len(index):
                continue  # an index whose fields are not all there is not built
            for field in fields:
                if field.name in taken:
                    continue
                scalar = "ID" if field.is_relation else self.scalar_output(obj, field)
                if scalar is None:
                    continue
                taken.add(field.name)
                more.append(f"{field.name}: {scalar}")
        return more

    def roots(self) -> None:
        queries: list[str] = []
        mutations: list[str] = []
        for obj in self.objects:
            one, many = pascal(obj.name_singular), pascal(obj.name_plural)
            queries.append(
                f"{obj.name_plural}(first: Int, last: Int, offset: Int, before: String, after: String, "
                f"filter: {one}FilterInput, orderBy: [{one}OrderByInput]): {one}Connection"
            )
            queries.append(f"{obj.name_singular}(filter: {one}FilterInput!): {one}")
            if has_duplicate_criteria(obj):
                queries.append(
                    f"{obj.name_singular}Duplicates(ids: [UUID], data: [{one}CreateInput]): [{one}Connection!]"
                )
                mutations.append(f"merge{many}(ids: [UUID!]!, conflictPriorityIndex: Int!, dryRun: Boolean): {one}")
            queries.append(
                f"{obj.name_plural}GroupBy(groupBy: [{one}GroupByInput!]!, filter: {one}FilterInput, "
                f"orderBy: [{one}OrderByWithGroupByInput], orderByForRecords: [{one}OrderByInput], viewId: UUID, "
                f"limit: Int, offsetForRecords: Int): [{one}GroupByConnection!]"
            )
            mutations += [
                f"create{many}(data: [{one}CreateInput!]!, upsert: Boolean): [{one}!]",
                f"create{one}(data: {one}CreateInput!, upsert: Boolean): {one}",
                f"update{one}(id: UUID!, data: {one}UpdateInput!): {one}",
                f"delete{one}(id: UUID!): {one}",
                f"update{many}(data: {one}UpdateInput!, filter: {one}FilterInput!): [{one}!]",
                f"delete{many}(filter: {one}FilterInput!): [{one}!]",
                f"destroy{one}(id: UUID!): {one}",
                f"destroy{many}(filter: {one}FilterInput!): [{one}!]",
                f"restore{one}(id: UUID!): {one}",
                f"restore{many}(filter: {one}FilterInput!): [{one}!]",
            ]
        self.emit("type Query {\n  " + "\n  ".join(queries) + "\n}\n")
        self.emit("type Mutation {\n  " + "\n  ".join(mutations) + "\n}\n")

    def build(self) -> str:
        self.composites()
        for obj in self.objects:
            self.enums(obj)
        for obj in self.objects:
            self.object_type(obj)
            self.inputs(obj)
            self.group_by_inputs(obj)
        self.roots()
        return "\n".join(self.parts)


def build_sdl(workspace: Workspace) -> str:
    """The workspace's ``/graphql`` schema as SDL."""
    return _Builder(workspace).build()


_by_workspace: weakref.WeakKeyDictionary[Workspace, tuple[int, GraphQLSchema]] = weakref.WeakKeyDictionary()
_by_sdl: dict[str, GraphQLSchema] = {}  # emulators booted from the same metadata share one built schema
_cache_lock = threading.Lock()


def schema_for(workspace: Workspace) -> GraphQLSchema:
    """The built schema, rebuilt only when the workspace's metadata changed (a custom field shows at once)."""
    from graphql import build_schema

    with _cache_lock:
        hit = _by_workspace.get(workspace)
        if hit is not None and hit[0] == workspace.version:
            return hit[1]
    version = workspace.version
    sdl = build_sdl(workspace)
    with _cache_lock:
        built = _by_sdl.get(sdl)
    if built is None:
        built = build_schema(sdl, assume_valid=True, assume_valid_sdl=True)  # the builder's own output
        with _cache_lock:
            if len(_by_sdl) >= 8:
                _by_sdl.pop(next(iter(_by_sdl)))
            _by_sdl[sdl] = built
    with _cache_lock:
        _by_workspace[workspace] = (version, built)
    return built
