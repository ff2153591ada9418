"""``POST /metadata``: the workspace's schema through GraphQL — a subset of Twenty 2.21.0's metadata API.

Served: ``objects`` / ``object`` and ``fields`` / ``field`` (cursor connections with ``paging`` and ``filter``, as
nestjs-query pages them: cursors are ``arrayconnection:<offset>`` in base64, objects listed by id descending as the
REST metadata list does), each object's ``fields`` connection and ``fieldsList``, a field's ``object`` and
``relation``; and ``createOneObject`` / ``updateOneObject`` / ``deleteOneObject``, ``createOneField`` /
``updateOneField`` / ``deleteOneField``, which go through the same rules as ``/rest/metadata`` (so a new custom
field shows at once in ``/graphql`` and REST); ``webhooks`` / ``webhook`` and ``createWebhook`` / ``updateWebhook`` /
``deleteWebhook`` (``WebhookService`` and ``FlatWebhookValidatorService``: the target URL normalised as JavaScript's
``URL`` prints it and required to be http or https, a 64-hex-digit secret when none is given, listed oldest first;
kept in memory, never called — the emulator sends no webhook). Unlike ``/graphql``, this API is executed the
standard way (Twenty runs it through GraphQL Yoga with validation), so ``graphql-core`` executes it against the
subset's schema, written from the types of the real server's introspection (``introspection-metadata.json``). Not
rate limited.

Not served (the real API has ~100 queries and ~220 mutations): views, indexes, workspace, members, roles, API keys
(their type carries a ``Role``), ``currentUser`` (an API key is refused it anyway), ``objectRecordCounts`` (Twenty
answers PostgreSQL's estimates, ``pg_class.reltuples``, which no exact count reproduces), …
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from twenty_emulator import _metadata_api, _webhooks
from twenty_emulator._errors import ApiError
from twenty_emulator._workspace import FIELD_TYPES, FieldMeta, ObjectMeta

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo, GraphQLSchema

    from twenty_emulator._state import Emulator

__all__ = ["METADATA_SDL", "execute_metadata"]

_OBJECT_FIELDS = """
  id: UUID!
  universalIdentifier: String!
  nameSingular: String!
  namePlural: String!
  labelSingular: String!
  labelPlural: String!
  description: String
  icon: String
  shortcut: String
  color: String
  isRemote: Boolean!
  isActive: Boolean!
  isSystem: Boolean!
  isUIEditable: Boolean!
  isUICreatable: Boolean!
  isUIReadOnly: Boolean! @deprecated(reason: "Use isUIEditable")
  isSearchable: Boolean!
  applicationId: UUID!
  createdAt: DateTime!
  updatedAt: DateTime!
  labelIdentifierFieldMetadataId: UUID
  imageIdentifierFieldMetadataId: UUID
  isLabelSyncedWithName: Boolean!
  duplicateCriteria: [[String!]!]
  fieldsList: [Field!]!
  fields(paging: CursorPaging! = {first: 10}, filter: FieldFilter! = {}): ObjectFieldsConnection!
"""

METADATA_SDL = f"""
scalar UUID
scalar DateTime
scalar JSON
scalar ConnectionCursor

enum FieldMetadataType {{ {" ".join(FIELD_TYPES)} }}
enum RelationType {{ ONE_TO_MANY MANY_TO_ONE }}

type PageInfo {{
  hasNextPage: Boolean
  hasPreviousPage: Boolean
  startCursor: ConnectionCursor
  endCursor: ConnectionCursor
}}
input CursorPaging {{ before: ConnectionCursor after: ConnectionCursor first: Int last: Int }}
input UUIDFilterComparison {{
  is: Boolean isNot: Boolean eq: UUID neq: UUID gt: UUID gte: UUID lt: UUID lte: UUID like: UUID notLike: UUID
  iLike: UUID notILike: UUID in: [UUID!] notIn: [UUID!]
}}
input BooleanFieldComparison {{ is: Boolean isNot: Boolean }}
input ObjectFilter {{
  and: [ObjectFilter!] or: [ObjectFilter!] id: UUIDFilterComparison isRemote: BooleanFieldComparison
  isActive: BooleanFieldComparison isSystem: BooleanFieldComparison isUIEditable: BooleanFieldComparison
  isUICreatable: BooleanFieldComparison isUIReadOnly: BooleanFieldComparison isSearchable: BooleanFieldComparison
}}
input FieldFilter {{
  and: [FieldFilter!] or: [FieldFilter!] id: UUIDFilterComparison isActive: BooleanFieldComparison
  isSystem: BooleanFieldComparison isUIEditable: BooleanFieldComparison isUIReadOnly: BooleanFieldComparison
  objectMetadataId: UUIDFilterComparison
}}

type Object {{{_OBJECT_FIELDS}}}
type Field {{
  id: UUID!
  universalIdentifier: String!
  type: FieldMetadataType!
  name: String!
  label: String!
  description: String
  icon: String
  isActive: Boolean
  isSystem: Boolean
  isUIEditable: Boolean
  isUIReadOnly: Boolean @deprecated(reason: "Use isUIEditable")
  isNullable: Boolean
  isUnique: Boolean
  defaultValue: JSON
  options: JSON
  settings: JSON
  objectMetadataId: UUID!
  isLabelSyncedWithName: Boolean
  morphId: UUID
  createdAt: DateTime!
  updatedAt: DateTime!
  applicationId: UUID!
  relation: Relation
  morphRelations: [Relation!]
  object: Object
}}
type Relation {{
  type: RelationType!
  sourceObjectMetadata: Object!
  targetObjectMetadata: Object!
  sourceFieldMetadata: Field!
  targetFieldMetadata: Field!
}}
type ObjectEdge {{ node: Object! cursor: ConnectionCursor! }}
type ObjectConnection {{ pageInfo: PageInfo! edges: [ObjectEdge!]! }}
type FieldEdge {{ node: Field! cursor: ConnectionCursor! }}
type FieldConnection {{ pageInfo: PageInfo! edges: [FieldEdge!]! }}
type ObjectFieldsConnection {{ pageInfo: PageInfo! edges: [FieldEdge!]! }}

input CreateObjectInput {{
  nameSingular: String! namePlural: String! labelSingular: String! labelPlural: String! description: String
  icon: String shortcut: String color: String skipNameField: Boolean isRemote: Boolean primaryKeyColumnType: String
  primaryKeyFieldMetadataSettings: JSON isLabelSyncedWithName: Boolean
}}
input CreateOneObjectInput {{ object: CreateObjectInput! }}
input UpdateObjectPayload {{
  labelSingular: String labelPlural: String nameSingular: String namePlural: String description: String icon: String
  shortcut: String color: String isActive: Boolean labelIdentifierFieldMetadataId: UUID
  imageIdentifierFieldMetadataId: UUID isLabelSyncedWithName: Boolean isSearchable: Boolean
}}
input UpdateOneObjectInput {{ update: UpdateObjectPayload! id: UUID! }}
input DeleteOneObjectInput {{ id: UUID! }}
input CreateFieldInput {{
  type: FieldMetadataType! name: String! label: String! description: String icon: String isActive: Boolean
  isSystem: Boolean isUIEditable: Boolean isUIReadOnly: Boolean isNullable: Boolean isUnique: Boolean
  defaultValue: JSON options: JSON settings: JSON objectMetadataId: UUID! isLabelSyncedWithName: Boolean
  isRemoteCreation: Boolean relationCreationPayload: JSON morphRelationsCreationPayload: [JSON!]
}}
input CreateOneFieldMetadataInput {{ field: CreateFieldInput! }}
input UpdateFieldInput {{
  universalIdentifier: String name: String label: String description: String icon: String isActive: Boolean
  isSystem: Boolean isUIEditable: Boolean isUIReadOnly: Boolean isNullable: Boolean isUnique: Boolean
  defaultValue: JSON options: JSON settings: JSON objectMetadataId: UUID isLabelSyncedWithName: Boolean
  morphRelationsUpdatePayload: [JSON!]
}}
input UpdateOneFieldMetadataInput {{ id: UUID! update: UpdateFieldInput! }}
input DeleteOneFieldInput {{ id: UUID! }}

type Webhook {{
  id: UUID! targetUrl: String! operations: [String!]! description: String secret: String! applicationId: UUID!
  createdAt: DateTime! updatedAt: DateTime! deletedAt: DateTime
}}
input CreateWebhookInput {{ id: UUID targetUrl: String! operations: [String!]! description: String secret: String }}
input UpdateWebhookInputUpdates {{ targetUrl: String operations: [String!] description: String secret: String }}
input UpdateWebhookInput {{ id: UUID! update: UpdateWebhookInputUpdates! }}

type Query {{
  objects(paging: CursorPaging! = {{first: 10}}, filter: ObjectFilter! = {{}}): ObjectConnection!
  object(id: UUID!): Object!
  fields(paging: CursorPaging! = {{first: 10}}, filter: FieldFilter! = {{}}): FieldConnection!
  field(id: UUID!): Field!
  webhooks: [Webhook!]!
  webhook(id: UUID!): Webhook
}}
type Mutation {{
  createOneObject(input: CreateOneObjectInput!): Object!
  updateOneObject(input: UpdateOneObjectInput!): Object!
  deleteOneObject(input: DeleteOneObjectInput!): Object!
  createOneField(input: CreateOneFieldMetadataInput!): Field!
  updateOneField(input: UpdateOneFieldMetadataInput!): Field!
  deleteOneField(input: DeleteOneFieldInput!): Field!
  createWebhook(input: CreateWebhookInput!): Webhook!
  updateWebhook(input: UpdateWebhookInput!): Webhook!
  deleteWebhook(id: UUID!): Webhook!
}}
"""

_schema: GraphQLSchema | None = None


def _metadata_schema() -> GraphQLSchema:
    global _schema  # noqa: PLW0603 - built once: the metadata API's schema does not depend on the workspace
    if _schema is None:
        from graphql import build_schema

        _schema = build_schema(METADATA_SDL)
    return _schema


class MetadataError(Exception):
    """A metadata resolver's failure, carried to the answer's ``errors`` with its ``extensions``."""

    def __init__(self, message: str, extensions: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.extensions = dict(extensions)


# -- filters and paging (nestjs-query) ----------------------------------------------------------------------------


def _matches(item: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    for key, condition in spec.items():
        if key == "and":
            if not all(_matches(item, sub) for sub in condition or []):
                return False
        elif key == "or":
            if condition and not any(_matches(item, sub) for sub in condition):
                return False
        elif isinstance(condition, Mapping) and not _compare(item.get(key), condition):
            return False
    return True


def _compare(value: Any, condition: Mapping[str, Any]) -> bool:
    for op, wanted in condition.items():
        text = str(value).lower() if value is not None else None
        if op == "is" and value is not wanted and wanted is not None:
            return False
        if op == "isNot" and value is wanted:
            return False
        if op == "eq" and text != str(wanted).lower():
            return False
        if op == "neq" and text == str(wanted).lower():
            return False
        if op == "in" and text not in {str(w).lower() for w in wanted or []}:
            return False
        if op == "notIn" and text in {str(w).lower() for w in wanted or []}:
            return False
    return True


def _offset_of(cursor: Any) -> int | None:
    if not isinstance(cursor, str):
        return None
    try:
        text = base64.b64decode(cursor).decode("utf-8")
    except ValueError:
        return None
    match = re.fullmatch(r"arrayconnection:(\d+)", text)
    return int(match.group(1)) if match else None


def _cursor(offset: int) -> str:
    return base64.b64encode(f"arrayconnection:{offset}".encode()).decode("ascii")


def _connection(items: list[Any], paging: Mapping[str, Any]) -> dict[str, Any]:
    """A nestjs-query offset connection over ``items``: ``first``/``after`` forward, ``last``/``before`` back."""
    after, before = _offset_of(paging.get("after")), _offset_of(paging.get("before"))
    first, last = paging.get("first"), paging.get("last")
    start = after + 1 if after is not None else 0
    end = before if before is not None else len(items)
    if last is not None and first is None:
        start = max(start, end - int(last))
    if first is not None:
        end = min(end, start + int(first))
    window = items[start:end]
    edges = [{"node": item, "cursor": _cursor(start + i)} for i, item in enumerate(window)]
    return {
        "edges": edges,
        "pageInfo": {
            "hasNextPage": end < len(items) if first is not None or before is None else False,
            "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _as_metadata_error(resolve: Callable[..., Any]) -> Callable[..., Any]:
    """``resolve``, its :class:`~twenty_emulator._webhooks.WebhookError` answered as a metadata error."""

    def resolved(*args: Any, **kwargs: Any) -> Any:
        try:
            return resolve(*args, **kwargs)
        except _webhooks.WebhookError as err:
            raise MetadataError(err.message, err.extensions) from None

    return resolved


# -- resolvers ------------------------------------------------------------------------------------------------------


class _Resolvers:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.workspace = emulator.workspace

    def object_out(self, obj: ObjectMeta) -> dict[str, Any]:
        out = dict(obj.raw)
        out["_meta"] = obj
        return out

    def field_out(self, field: FieldMeta) -> dict[str, Any]:
        out = dict(field.raw)
        out.setdefault("objectMetadataId", field.object.id)
        # a field created without them has no description nor icon (REST leaves the keys out); GraphQL reads "" (g10)
        out.setdefault("description", "")
        out.setdefault("icon", "")
        out["_meta"] = field
        return out

    def objects(self) -> list[dict[str, Any]]:
        return [self.object_out(o) for o in sorted(self.workspace.objects, key=lambda o: o.id, reverse=True)]

    def rest(self, method: str, path: str, body: Any, key: str) -> Any:
        try:
            _, answer = _metadata_api.handle(self.emulator, method, path, {}, body)
        except ApiError as err:
            raise _metadata_error(err) from None
        finally:
            if method != "GET":
                self.emulator.metadata_changed()
        return answer["data"][key]

    def find_object(self, object_id: str) -> ObjectMeta:
        obj = self.workspace.object_by_id(str(object_id).lower())
        if obj is None:
            raise _not_found("ObjectMetadataEntity", object_id)
        return obj

    def find_field(self, field_id: str) -> FieldMeta:
        field = self.workspace.field_by_id(str(field_id).lower())
        if field is None:
            raise _not_found("FieldMetadataEntity", field_id)
        return field

    def root(self) -> dict[str, Callable[..., Any]]:
        def objects(_info: Any, paging: Mapping[str, Any], filter: Mapping[str, Any]) -> dict[str, Any]:
            return _connection([o for o in self.objects() if _matches(o, filter)], paging)

        def fields(_info: Any, paging: Mapping[str, Any], filter: Mapping[str, Any]) -> dict[str, Any]:
            items = [self.field_out(f) for o in self.workspace.objects for f in o.fields]
            return _connection([f for f in items if _matches(f, filter)], paging)

        def created_object(_info: Any, input: Mapping[str, Any]) -> dict[str, Any]:
            made = self.rest("POST", "/rest/metadata/objects", dict(input["object"]), "createOneObject")
            return self.object_out(self.find_object(made["id"]))

        def updated_object(_info: Any, input: Mapping[str, Any]) -> dict[str, Any]:
            path = f"/rest/metadata/objects/{input['id']}"
            made = self.rest("PATCH", path, dict(input["update"]), "updateOneObject")
            return self.object_out(self.find_object(made["id"]))

        def deleted_object(_info: Any, input: Mapping[str, Any]) -> dict[str, Any]:
            if self.workspace.object_by_id(str(input["id"]).lower()) is None:
                # recorded (g10): the deletion looks the object up in the flat-entity maps, which throw a plain Error
                raise MetadataError(
                    "Could not find flat entity in maps",
                    {"code": "INTERNAL_SERVER_ERROR", "userFriendlyMessage": "An error occurred."},
                )
            before = self.object_out(self.find_object(input["id"]))
            self.rest("DELETE", f"/rest/metadata/objects/{input['id']}", None, "deleteOneObject")
            return before

        def created_field(_info: Any, input: Mapping[str, Any]) -> dict[str, Any]:
            made = self.rest("POST", "/rest/metadata/fields", dict(input["field"]), "createOneField")
            return self.field_out(self.find_field(made["id"]))

        def updated_field(_info: Any, input: Mapping[str, Any]) -> dict[str, Any]:
            if self.workspace.field_by_id(str(input["id"]).lower()) is None:
                raise _field_to_update_not_found()
            update = dict(input["update"])
            if "description" in update and update["description"] is None:
                update["description"] = ""  # recorded (g05): a description set to null reads back ""
            made = self.rest("PATCH", f"/rest/metadata/fields/{input['id']}", update, "updateOneField")
            return self.field_out(self.find_field(made["id"]))

        def deleted_field(_info: Any, input: Mapping[str, Any]) -> dict[str, Any]:
            if self.workspace.field_by_id(str(input["id"]).lower()) is None:
                raise _gone("Field to delete not found", "FIELD_METADATA_NOT_FOUND")
            before = self.field_out(self.find_field(input["id"]))
            self.rest("DELETE", f"/rest/metadata/fields/{input['id']}", None, "deleteOneField")
            return before

        return {
            "objects": objects,
            "object": lambda _info, id: self.object_out(self.find_object(id)),
            "fields": fields,
            "field": lambda _info, id: self.field_out(self.find_field(id)),
            "createOneObject": created_object,
            "updateOneObject": updated_object,
            "deleteOneObject": deleted_object,
            "createOneField": created_field,
            "updateOneField": updated_field,
            "deleteOneField": deleted_field,
            "webhooks": lambda _info: _webhooks.list_webhooks(self.emulator),
            "webhook": lambda _info, id: _webhooks.find_webhook(self.emulator, str(id)),
            "createWebhook": _as_metadata_error(lambda _info, input: _webhooks.create_webhook(self.emulator, input)),
            "updateWebhook": _as_metadata_error(
                lambda _info, input: _webhooks.update_webhook(self.emulator, str(input["id"]), input["update"])
            ),
            "deleteWebhook": _as_metadata_error(lambda _info, id: _webhooks.delete_webhook(self.emulator, str(id))),
        }

    def resolve(self, source: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        """The field resolver: root fields by name, then the object and field types' computed fields."""
        name = info.field_name
        if info.parent_type.name in ("Query", "Mutation"):
            return self.root()[name](info, **args)
        if not isinstance(source, Mapping):
            return getattr(source, name, None)
        meta = source.get("_meta")
        if isinstance(meta, ObjectMeta):
            if name == "fieldsList":
                return [self.field_out(f) for f in meta.fields]
            if name == "fields":
                items = [self.field_out(f) for f in meta.fields]
                return _connection(
                    [f for f in items if _matches(f, args.get("filter") or {})], args.get("paging") or {}
                )
        if isinstance(meta, FieldMeta):
            if name == "object":
                return self.object_out(meta.object)
            if name == "relation":
                return self.relation(meta)
        return source.get(name)

    def relation(self, field: FieldMeta) -> dict[str, Any] | None:
        target, reverse = self.workspace.target_object(field), self.workspace.target_field(field)
        if not field.is_relation or target is None or reverse is None:
            return None
        return {
            "type": field.relation_type,
            "sourceObjectMetadata": self.object_out(field.object),
            "targetObjectMetadata": self.object_out(target),
            "sourceFieldMetadata": self.field_out(field),
            "targetFieldMetadata": self.field_out(reverse),
        }


def _not_found(entity: str, entity_id: str) -> MetadataError:
    """NestJS's ``EntityNotFoundError`` as Twenty's metadata API answers it (recorded: g05)."""
    message = f"Unable to find {entity} with id: {entity_id}"
    response = {"message": message, "error": "Not Found", "statusCode": 404}
    return MetadataError(
        message, {"code": "NOT_FOUND", "response": response, "userFriendlyMessage": "An error occurred."}
    )


# The user-friendly messages of ObjectMetadataException / FieldMetadataException, by code.
_NOT_FOUND_FRIENDLY = {"OBJECT_METADATA_NOT_FOUND": "Object not found.", "FIELD_METADATA_NOT_FOUND": "Field not found."}


def _gone(message: str, code: str) -> MetadataError:
    """A metadata exception with a ``NOT_FOUND`` code, as the metadata API's exception filter answers it."""
    friendly = _NOT_FOUND_FRIENDLY.get(code, "An error occurred.")
    return MetadataError(message, {"subCode": code, "userFriendlyMessage": friendly, "code": "NOT_FOUND"})


def _field_to_update_not_found() -> MetadataError:
    """``updateOneField`` of an unknown id: a failed validation of the update, with an empty id (recorded: g10)."""
    error = {
        "code": "FIELD_METADATA_NOT_FOUND",
        "message": "Field metadata to update not found",
        "userFriendlyMessage": "Field metadata to update not found",
    }
    failure = {
        "errors": [error],
        "type": "update",
        "metadataName": "fieldMetadata",
        "flatEntityMinimalInformation": {"id": ""},
    }
    return MetadataError(
        "Validation errors occurred while updating field",
        {
            "code": "METADATA_VALIDATION_FAILED",
            "errors": {"fieldMetadata": [failure]},
            "summary": {"totalErrors": 1, "fieldMetadata": 1},
            "userFriendlyMessage": error["userFriendlyMessage"],
            "message": "Validation failed for 1 fieldMetadata",
        },
    )


def _metadata_error(err: ApiError) -> MetadataError:
    """A ``/rest/metadata`` error → the GraphQL error Twenty's metadata resolvers answer for it."""
    body = err.body if isinstance(err.body, dict) else {}
    message = body.get("message") or (body.get("messages") or [str(err)])[0]
    if isinstance(message, list):
        message = "; ".join(str(m) for m in message)
    errors = body.get("errors")
    if body.get("error") == "METADATA_VALIDATION_ERROR" and isinstance(errors, dict):
        counts = {kind: len(items) for kind, items in errors.items() if isinstance(items, list)}
        total = sum(counts.values())
        parts = [f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in counts.items()]
        first: Any = next((e for items in errors.values() if isinstance(items, list) for e in items), {})
        inner = (first.get("errors") or [{}])[0] if isinstance(first, dict) else {}
        friendly = "Many validation errors" if total > 1 else inner.get("userFriendlyMessage", str(message))
        extensions = {
            "code": "METADATA_VALIDATION_FAILED",
            "errors": errors,
            "summary": {"totalErrors": total, **counts},
            "userFriendlyMessage": friendly,
            "message": f"Validation failed for {', '.join(parts)}",
        }
        return MetadataError(str(message), extensions)
    if err.status == 404 and isinstance(body.get("code"), str):
        return _gone(str(message), body["code"])
    code = {400: "BAD_USER_INPUT", 404: "NOT_FOUND", 409: "CONFLICT"}.get(err.status, "INTERNAL_SERVER_ERROR")
    return MetadataError(str(message), {"code": code, "userFriendlyMessage": "An error occurred."})


def execute_metadata(emulator: Emulator, body: Any) -> tuple[int, dict[str, Any]]:
    """A ``POST /metadata`` body (authenticated already) → (HTTP status, answer)."""
    from graphql import GraphQLError, graphql_sync

    if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"]:
        return 400, {"errors": [{"message": "Must provide query string."}]}
    variables = body.get("variables") if isinstance(body.get("variables"), dict) else None
    operation = body.get("operationName") if isinstance(body.get("operationName"), str) else None
    resolvers = _Resolvers(emulator)
    result = graphql_sync(
        _metadata_schema(),
        body["query"],
        variable_values=variables,
        operation_name=operation,
        field_resolver=resolvers.resolve,
    )
    answer: dict[str, Any] = {}
    if result.errors:
        formatted: list[dict[str, Any]] = []
        executed = False  # a resolver's error (the answer then carries data, null or partial), not a validation one
        for error in result.errors:
            original = error.original_error
            if isinstance(original, MetadataError):
                formatted.append({"message": str(original), "extensions": original.extensions})
                executed = True
            elif isinstance(error, GraphQLError) and original is not None:
                formatted.append({"message": str(original), "extensions": {"code": "INTERNAL_SERVER_ERROR"}})
                executed = True
            else:
                item = dict(error.formatted)
                item["message"] = re.sub(r"'([^'\s]*)'", r'"\1"', error.message)
                formatted.append(item)
        answer["errors"] = formatted
        if executed:
            answer["data"] = result.data
    else:
        answer["data"] = result.data
    return 200, answer
