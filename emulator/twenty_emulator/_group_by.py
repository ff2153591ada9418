"""``GET /rest/<object>/groupBy``: the object's records grouped by fields, with aggregates per group.

Written from Twenty 2.21.0's ``rest-api-group-by.handler.ts``, the group-by argument processor
(``validate-and-transform-group-by-fields-or-throw.util.ts``), ``ProcessAggregateHelper`` and
``get-available-aggregations-from-object-fields.util.ts``, and pinned by recordings (p05, p06):

- ``group_by`` (required): a JSON array of ``{"field": true}`` or ``{"compositeField": {"subField": true}}``; a
  relation's join column (``{"companyId": true}``) groups by the related id; a date by granularity
  (``{"createdAt": {"granularity": "WEEK", "timeZone": "Europe/Paris", "weekStartDay": "SUNDAY"}}``), as
  ``get-group-by-expression.util.ts`` computes it (below);
- ``aggregate``: a JSON array of aggregate names — ``countEmpty<Field>``, ``countNotEmpty<Field>``,
  ``countUniqueValues<Field>``, ``percentageEmpty<Field>``, ``percentageNotEmpty<Field>`` for every field,
  ``countTrue`` / ``countFalse`` for booleans, ``min`` / ``max`` / ``avg`` / ``sum`` for numbers (and ``…AmountMicros``
  for currencies), ``min`` / ``max`` for dates;
- ``order_by``: a JSON array of ``{"field": "AscNullsLast"}``, ``{"field": {"subField": dir}}`` or
  ``{"aggregate": {"<aggregate>": dir}}``; ``filter`` as for lists; ``limit`` (default 50 groups);
- the answer is a bare JSON list of ``{<aggregates>, "groupByDimensionValues": [...]}``.

As PostgreSQL computes them: counts are strings (bigint), percentages strings with 20 decimals (numeric division),
a value is empty when the text of its columns put together is empty, and an empty text is NULL in a dimension.
Without ``order_by`` PostgreSQL returns groups in no defined order; the emulator sorts them by their dimension
values. Not emulated (answered 501): grouping by fields of a related record, ``unnest``, and
``include_records_sample``.

Date granularities (recorded: g09). ``DAY``, ``WEEK``, ``MONTH``, ``QUARTER``, ``YEAR`` give the first day of the
period as ``YYYY-MM-DD``, in the ``timeZone`` given (required for a DATE_TIME, one of Twenty's IANA list; a DATE has
no time zone); ``WEEK`` starts on Monday, or on ``weekStartDay`` (SUNDAY / SATURDAY: the instant shifted one or two
days, truncated to its week, shifted back — in UTC, as the SQL does); ``DAY_OF_THE_WEEK`` (``Monday``…),
``MONTH_OF_THE_YEAR`` (``January``…), ``QUARTER_OF_THE_YEAR`` (``Q1``…) read the UTC date and ignore the time zone;
``NONE`` is the value itself. Ordered by such a dimension, days and months sort in calendar order (the week from its
``weekStartDay``), the rest as text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import cache
from importlib import resources
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from twenty_emulator import _query
from twenty_emulator._columns import quote
from twenty_emulator._errors import ApiError, bad_request
from twenty_emulator._names import capitalize
from twenty_emulator._records import Records
from twenty_emulator._workspace import FieldMeta, ObjectMeta

__all__ = ["group_by"]

DEFAULT_GROUPS: Final = 50  # DEFAULT_NUMBER_OF_GROUPS_LIMIT
_GROUP_BY_HELP: Final = (
    "Invalid group_by query parameter - should be a valid array of objects - ex: "
    '[{"firstField": true}, {"secondField": {"subField": true}}, {"dateField": {"granularity": \'DAY\'}}]'
)
_AGGREGATE_HELP: Final = (
    'Invalid aggregate query parameter - should be a valid array of string - ex: ["countNotEmptyId", "countEmptyField"]'
)
_ORDER_HELP: Final = (
    "Invalid order_by query parameter - should be a valid array of objects - ex: "
    '[{"firstField": "AscNullsFirst"}, {"secondField": {"subField": "DescNullsLast"}}, '
    '{"aggregate": {"aggregateField": "DescNullsLast"}}, {dateField: {"orderBy": "AscNullsFirst", '
    '"granularity": "DAY"}}]'
)
_NOT_GROUPABLE: Final = frozenset({"TS_VECTOR", "RAW_JSON", "FILES", "POSITION"})
_SYSTEM_DATES: Final = frozenset({"createdAt", "updatedAt"})  # ALWAYS_GROUPABLE_SYSTEM_DATE_FIELD_NAMES
_AGGREGATE_SUBFIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "CURRENCY": ("amountMicros", "currencyCode"),
    "FULL_NAME": ("firstName", "lastName"),
    "ADDRESS": (
        "addressStreet1",
        "addressStreet2",
        "addressCity",
        "addressPostcode",
        "addressState",
        "addressCountry",
        "addressLat",
        "addressLng",
    ),
    "LINKS": ("primaryLinkUrl",),
    "ACTOR": ("workspaceMemberId", "source"),
    "EMAILS": ("primaryEmail",),
    "PHONES": ("primaryPhoneNumber", "primaryPhoneCountryCode", "primaryPhoneCallingCode"),
    "RICH_TEXT": ("blocknote", "markdown"),
}

Record = dict[str, Any]

GRANULARITIES: Final = frozenset(
    {"DAY", "MONTH", "QUARTER", "YEAR", "WEEK", "DAY_OF_THE_WEEK", "MONTH_OF_THE_YEAR", "QUARTER_OF_THE_YEAR", "NONE"}
)
_NEEDS_TIME_ZONE: Final = frozenset({"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"})
_MISSING_TIME_ZONE: Final = "Time zone should be specified for a group by date on Day, Week, Month, Quarter or Year"
_DAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS: Final = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEK_SHIFT: Final[Mapping[str, int]] = {"SUNDAY": 1, "SATURDAY": 2}  # days added before truncating, then taken off
_WEEK_FIRST_DAY: Final[Mapping[str, int]] = {"SUNDAY": 6, "SATURDAY": 5}  # index in _DAYS of the order's first day


def _not_emulated(what: str) -> ApiError:
    return ApiError(
        501, {"statusCode": 501, "error": "NotImplementedException", "messages": [f"{what} is not emulated yet"]}
    )


@cache
def _time_zones() -> frozenset[str]:
    text = resources.files("twenty_emulator").joinpath("data/iana-time-zones-2.21.0.json").read_text(encoding="utf-8")
    return frozenset(json.loads(text)["timeZones"])


@attrs.frozen
class _Dimension:
    field: FieldMeta
    sub: str | None = None
    granularity: str | None = None
    week_start: str | None = None
    time_zone: str | None = None

    def value(self, record: Record) -> Any:
        if self.field.is_relation:
            return record.get(f"{self.field.name}Id")
        value = record.get(self.field.name) if self.sub is None else (record.get(self.field.name) or {}).get(self.sub)
        if value == "":
            return None  # Twenty stores an empty text as NULL
        if self.granularity is not None and isinstance(value, str):
            return self.bucket(value)
        return tuple(value) if isinstance(value, list) else value

    def bucket(self, value: str) -> str:
        """A date's group (``getGroupByExpression``), PostgreSQL's session time zone being UTC."""
        if self.granularity == "NONE":
            return value
        if self.field.type == "DATE":
            day = date.fromisoformat(value[:10])
            instant = datetime(day.year, day.month, day.day, tzinfo=UTC)
        else:
            instant = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        if self.granularity == "DAY_OF_THE_WEEK":
            return _DAYS[instant.weekday()]
        if self.granularity == "MONTH_OF_THE_YEAR":
            return _MONTHS[instant.month - 1]
        if self.granularity == "QUARTER_OF_THE_YEAR":
            return f"Q{(instant.month - 1) // 3 + 1}"
        zone = ZoneInfo(self.time_zone) if self.field.type == "DATE_TIME" and self.time_zone else UTC
        if self.granularity == "WEEK":
            shift = timedelta(days=_WEEK_SHIFT.get(self.week_start or "", 0))
            local = (instant + shift).astimezone(zone).date()
            monday = datetime.combine(local - timedelta(days=local.weekday()), time(), tzinfo=zone)
            return (monday.astimezone(UTC) - shift).astimezone(zone).date().isoformat()
        local = instant.astimezone(zone).date()
        if self.granularity == "MONTH":
            local = local.replace(day=1)
        elif self.granularity == "QUARTER":
            local = local.replace(month=(local.month - 1) // 3 * 3 + 1, day=1)
        elif self.granularity == "YEAR":
            local = local.replace(month=1, day=1)
        return local.isoformat()

    def order_value(self, value: Any) -> Any:
        """What ``getGroupByOrderExpression`` sorts the group by: days of the week and months in calendar order."""
        if value is None:
            return None
        if self.granularity == "DAY_OF_THE_WEEK" and value in _DAYS:
            first = _WEEK_FIRST_DAY.get(self.week_start or "", 0)
            return (_DAYS.index(value) - first) % 7 + 1
        if self.granularity == "MONTH_OF_THE_YEAR" and value in _MONTHS:
            return _MONTHS.index(value) + 1
        return value


def _date_dimension(field: FieldMeta, definition: dict[str, Any]) -> _Dimension:
    granularity = str(definition["granularity"])
    zone = definition.get("timeZone")
    week_start = definition.get("weekStartDay")
    if granularity in _NEEDS_TIME_ZONE and field.type == "DATE_TIME":
        if not isinstance(zone, str) or not zone:
            raise bad_request(_MISSING_TIME_ZONE)
        if zone not in _time_zones():
            raise bad_request(f"Invalid timezone: {zone}")
    return _Dimension(
        field,
        granularity=granularity,
        week_start=week_start if isinstance(week_start, str) else None,
        time_zone=zone if isinstance(zone, str) and zone else None,
    )


@attrs.frozen
class _Aggregate:
    name: str
    operation: str
    field: FieldMeta
    subs: tuple[str, ...] | None = None
    numeric_sub: str | None = None


# -- parsing -------------------------------------------------------------------------------------------------------


def _json_param(query: Mapping[str, str], name: str, help_text: str, *, required: bool) -> Any:
    raw = query.get(name)
    if raw is None:
        if required:
            raise bad_request(help_text)
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request(help_text) from None


def _groupable(field: FieldMeta) -> bool:
    if field.raw.get("isSystem") and not (field.name in _SYSTEM_DATES and field.type in ("DATE", "DATE_TIME")):
        return False
    if field.is_relation and field.relation_type == "ONE_TO_MANY":
        return False
    return field.type not in _NOT_GROUPABLE


def _dimensions(obj: ObjectMeta, spec: Any) -> list[_Dimension]:
    entries = spec if isinstance(spec, list) else [spec]
    joins = {f"{f.name}Id": f for f in obj.fields if f.is_relation and f.relation_type == "MANY_TO_ONE"}
    out: list[_Dimension] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise bad_request(_GROUP_BY_HELP)
        if len(entry) > 1:
            raise bad_request(
                "You cannot provide multiple fields in one GroupByInput, split them into multiple GroupByInput"
            )
        for name, definition in entry.items():
            field = obj.field(name) or joins.get(name)
            if field is None:
                raise bad_request(f"Unidentified field in groupBy: {name}")
            if not _groupable(field):
                raise bad_request(f'Field "{name}" is not supported in groupBy')
            if field.is_relation:
                if definition is True and name in joins:
                    out.append(_Dimension(field, "id"))
                    continue
                raise _not_emulated("grouping by the fields of a related record")
            if (
                field.type in ("DATE", "DATE_TIME")
                and isinstance(definition, dict)
                and definition.get("granularity") in GRANULARITIES
            ):
                out.append(_date_dimension(field, definition))
                continue
            if isinstance(definition, dict) and "unnest" in definition:
                raise _not_emulated("grouping by unnest")
            if definition is True:
                if field.is_composite:
                    raise bad_request(f"column {obj.name_singular}.{name} does not exist")  # the SQL error leaks
                out.append(_Dimension(field))
                continue
            if not isinstance(definition, dict):
                raise bad_request(f'Invalid groupBy definition for field "{name}"')
            if not field.is_composite:
                raise bad_request(f'Field "{name}" does not support nested subfields in groupBy')
            if len(definition) > 1:
                raise bad_request(
                    "You cannot provide multiple subfields in one GroupByInput, split them into multiple GroupByInput"
                )
            for sub, flag in definition.items():
                if sub not in field.subfields or field.subfields[sub] == "JSON":
                    raise bad_request(f'Composite subfield "{sub}" is not supported in groupBy for "{name}"')
                if flag is not True:
                    raise bad_request(f'Composite subfield "{sub}" must be set to true in groupBy for "{name}"')
                out.append(_Dimension(field, sub))
    return out


def available_aggregates(obj: ObjectMeta) -> dict[str, _Aggregate]:
    """Every aggregate the object offers, by name (``getAvailableAggregationsFromObjectFields``)."""
    out: dict[str, _Aggregate] = {}
    for field in obj.fields:
        if field.is_relation:
            continue
        name, subs = capitalize(field.name), _AGGREGATE_SUBFIELDS.get(field.type) if field.is_composite else None
        for op in ("countUniqueValues", "countEmpty", "countNotEmpty", "percentageEmpty", "percentageNotEmpty"):
            out[f"{op}{name}"] = _Aggregate(f"{op}{name}", op, field, subs)
        if field.type in ("DATE", "DATE_TIME"):
            for op in ("min", "max"):
                out[f"{op}{name}"] = _Aggregate(f"{op}{name}", op, field)
        if field.type == "BOOLEAN":
            for op in ("countTrue", "countFalse"):
                out[f"{op}{name}"] = _Aggregate(f"{op}{name}", op, field)
        if field.type in ("NUMBER", "NUMERIC"):
            for op in ("min", "max", "avg", "sum"):
                out[f"{op}{name}"] = _Aggregate(f"{op}{name}", op, field)
        if field.type == "CURRENCY":
            for op in ("min", "max", "avg", "sum"):
                key = f"{op}{name}AmountMicros"
                out[key] = _Aggregate(key, op, field, subs, numeric_sub="amountMicros")
    return out


def _aggregates(obj: ObjectMeta, spec: Any) -> list[_Aggregate]:
    if spec is None:
        return []
    if not isinstance(spec, list) or any(not isinstance(name, str) for name in spec):
        raise bad_request(_AGGREGATE_HELP)
    offered = available_aggregates(obj)
    unknown = [name for name in spec if name not in offered]
    if unknown:
        raise bad_request(f"Unknown aggregate field(s): {', '.join(unknown)}")
    return [offered[name] for name in dict.fromkeys(spec)]


# -- computing -----------------------------------------------------------------------------------------------------


def _text_of(value: Any) -> str:
    """A value as PostgreSQL's ``CONCAT`` writes it (NULL as nothing)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "{" + ",".join(_text_of(v) for v in value) + "}"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def _concat(aggregate: _Aggregate, record: Record) -> str:
    value = record.get(aggregate.field.name)
    if aggregate.subs is None:
        return _text_of(value)
    parts = value if isinstance(value, dict) else {}
    return "".join(_text_of(parts.get(sub)) for sub in aggregate.subs)


def _numbers(aggregate: _Aggregate, records: list[Record]) -> list[Any]:
    values = []
    for record in records:
        value = record.get(aggregate.field.name)
        if aggregate.numeric_sub is not None:
            value = (value or {}).get(aggregate.numeric_sub)
        if value is not None:
            values.append(value)
    return values


def _ratio(part: int, whole: int) -> str:
    """``CAST(part::decimal / whole AS DECIMAL)``: 20 decimals, rounded half away from zero."""
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(part) / Decimal(whole)
    return f"{exact.quantize(Decimal(1).scaleb(-20), rounding=ROUND_HALF_UP):f}"


def _number(value: float) -> float | int:
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value


def _compute(aggregate: _Aggregate, records: list[Record]) -> Any:
    op, total = aggregate.operation, len(records)
    if total == 0:
        return None
    if op in ("min", "max", "avg", "sum"):
        values = _numbers(aggregate, records)
        if not values:
            return None
        if op == "min":
            return min(values)
        if op == "max":
            return max(values)
        total_value = math.fsum(float(v) for v in values)
        return _number(total_value if op == "sum" else total_value / len(values))
    if op in ("countTrue", "countFalse"):
        wanted = op == "countTrue"
        return str(sum(1 for r in records if r.get(aggregate.field.name) is wanted))
    texts = [_concat(aggregate, r) for r in records]
    filled = [t for t in texts if t != ""]
    return {
        "countEmpty": lambda: str(total - len(filled)),
        "countNotEmpty": lambda: str(len(filled)),
        "countUniqueValues": lambda: str(len(set(filled))),
        "percentageEmpty": lambda: _ratio(total - len(filled), total),
        "percentageNotEmpty": lambda: _ratio(len(filled), total),
    }[op]()


# -- ordering ------------------------------------------------------------------------------------------------------


def _sort_key(value: Any) -> Any:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value))


def _sort(items: list[tuple[tuple[Any, ...], Record]], keys: list[tuple[Callable[[Any], Any], str]]) -> None:
    """Sort groups by (getter, direction) keys, first key first, NULLs placed as each direction says."""
    for getter, direction in reversed(keys):
        descending = direction.startswith("Desc")
        nulls_first = direction.endswith("NullsFirst")
        present = [item for item in items if getter(item) is not None]
        absent = [item for item in items if getter(item) is None]
        present.sort(key=lambda item: _sort_key(getter(item)), reverse=descending)
        items[:] = absent + present if nulls_first else present + absent


def _by_dimension(index: int, dimension: _Dimension | None = None) -> Callable[[Any], Any]:
    """The sort key of a group: its ``index``-th dimension value, as ``dimension`` orders it when an order asks."""

    def value(item: tuple[tuple[Any, ...], Record]) -> Any:
        return item[0][index] if dimension is None else dimension.order_value(item[0][index])

    return value


def _order_keys(
    spec: Any, dimensions: list[_Dimension], aggregates: dict[str, _Aggregate]
) -> list[tuple[Callable[[Any], Any], str]]:
    if spec is None:
        return [(_by_dimension(i), "AscNullsLast") for i in range(len(dimensions))]
    if not isinstance(spec, list):
        spec = [spec]
    keys: list[tuple[Callable[[Any], Any], str]] = []
    for entry in spec:
        if not isinstance(entry, dict):
            raise bad_request(_ORDER_HELP)
        for name, direction in entry.items():
            if name == "aggregate" and isinstance(direction, dict):
                for aggregate_name, aggregate_direction in direction.items():
                    if aggregate_name not in aggregates or aggregate_direction not in _query.DIRECTIONS:
                        raise _not_emulated("ordering by an aggregate not selected")
                    keys.append((_aggregate_getter(aggregates[aggregate_name]), aggregate_direction))
                continue
            sub, chosen = None, direction
            if isinstance(direction, dict) and "orderBy" in direction and "granularity" in direction:
                keys.append(_date_order_key(name, direction, dimensions))
                continue
            if isinstance(direction, dict):
                ((sub, chosen),) = direction.items()
            index = next(
                (
                    i
                    for i, d in enumerate(dimensions)
                    if (d.field.name == name and d.sub == sub)
                    or (d.field.is_relation and f"{d.field.name}Id" == name and sub is None)
                ),
                None,
            )
            if index is None or chosen not in _query.DIRECTIONS:
                raise _not_emulated("ordering by a field the groups are not made of")
            keys.append((_by_dimension(index, dimensions[index]), str(chosen)))
    return keys


def _date_order_key(
    name: str, direction: dict[str, Any], dimensions: list[_Dimension]
) -> tuple[Callable[[Any], Any], str]:
    """``{"createdAt": {"orderBy": "AscNullsLast", "granularity": "DAY"}}``: the dimension grouping that field by that
    granularity (``parseObjectRecordOrderByWithGroupByDateField``)."""
    chosen, granularity = direction["orderBy"], direction["granularity"]
    if chosen not in _query.DIRECTIONS or granularity not in GRANULARITIES:
        raise _not_emulated("ordering by an unknown direction or granularity")
    index = next((i for i, d in enumerate(dimensions) if d.field.name == name and d.granularity == granularity), None)
    if index is None:
        raise bad_request(
            f"Cannot order by a date granularity that is not in groupBy criteria: {granularity}", error="UserInputError"
        )
    return _by_dimension(index, dimensions[index]), str(chosen)


def _aggregate_getter(aggregate: _Aggregate) -> Callable[[Any], Any]:
    def value(item: tuple[tuple[Any, ...], Record]) -> Any:
        raw = item[1].get(aggregate.name)
        if isinstance(raw, str) and aggregate.operation.startswith(("count", "percentage")):
            return float(raw)
        return raw

    return value


# -- the route -----------------------------------------------------------------------------------------------------


def group_by(records: Records, obj: ObjectMeta, query: Mapping[str, str]) -> list[Record]:
    """The answer to ``GET /rest/<object>/groupBy``."""
    dimensions = _dimensions(obj, _json_param(query, "group_by", _GROUP_BY_HELP, required=True))
    aggregates = _aggregates(obj, _json_param(query, "aggregate", _AGGREGATE_HELP, required=False))
    order_spec = _json_param(query, "order_by", _ORDER_HELP, required=False)
    if query.get("include_records_sample") not in (None, "", "false"):
        raise _not_emulated("include_records_sample")
    limit_text = query.get("limit")
    limit = int(_query.parse_limit_value(limit_text)) if limit_text else DEFAULT_GROUPS
    limit = limit if limit > 0 else DEFAULT_GROUPS
    where, params = records._where(obj, query.get("filter"), include_deleted=False)
    select, cols = records._select(obj)
    rows = records.store.execute(f"{select}{where} ORDER BY {quote('id')}", params).fetchall()
    shaped = [records.shape(obj, row, cols) for row in rows]
    groups: dict[tuple[Any, ...], list[Record]] = {}
    for record in shaped:
        groups.setdefault(tuple(d.value(record) for d in dimensions), []).append(record)
    items: list[tuple[tuple[Any, ...], Record]] = []
    for key, members in groups.items():
        answer: Record = {a.name: _compute(a, members) for a in aggregates}
        answer["groupByDimensionValues"] = [list(v) if isinstance(v, tuple) else v for v in key]
        items.append((key, answer))
    _sort(items, _order_keys(order_spec, dimensions, {a.name: a for a in aggregates}))
    return [answer for _, answer in items[:limit]]
