"""Filters for Twenty's REST ``filter=`` parameter, built so that the server reads exactly what was meant.

    from twenty_sdk import Filter as F
    F.eq("emails.primaryEmail", "ada@example.com")              # emails.primaryEmail[eq]:ada@example.com
    F.eq("name", "Acme, Inc") & F.gte("employees", 10)          # and(name[eq]:"Acme, Inc",employees[gte]:10)
    F.in_("id", ids) | F.is_null("companyId")                    # or(id[in]:[…],companyId[is]:NULL)
    ~F.ilike("name.firstName", "%an%")                           # not(name.firstName[ilike]:%an%)

Twenty's parser (``filter-parser-utils``) splits a conjunction on the commas that are outside brackets, quotes and
nested parentheses, drops one pair of outer quotes from a value, and splits an ``in``/``containsAny`` list on every
comma. So a value with a comma is quoted (``"Acme, Inc"``), as is one that starts and ends with a quote or is empty;
numbers and booleans are written bare (a quoted number is not a number to Twenty). Some values cannot be written at
all: a comma inside an ``in`` list, parentheses that do not pair up, and a value with an odd number of quotes or
square brackets (``O'Brien``) anywhere but at the end of the filter (the parser's quote state would swallow the
commas after it; such a condition is moved last in its conjunction when it can be). Every filter built here is
parsed back the way Twenty parses it, and a :class:`ValueError` is raised when the two differ, instead of sending a
filter that silently means something else.

A ``str`` is accepted wherever a :class:`Filter` is, and sent as it is.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from collections.abc import Iterable
from typing import Any, Final, TypeAlias
from uuid import UUID

__all__ = ["COMPARATORS", "Filter", "filter_text"]

COMPARATORS: Final = (
    "eq",
    "neq",
    "in",
    "containsAny",
    "is",
    "gt",
    "gte",
    "lt",
    "lte",
    "startsWith",
    "endsWith",
    "like",
    "ilike",
)
_CONJUNCTIONS: Final = ("or", "and", "not")
_FIELD_PATH: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")

# What Twenty's parser makes of a filter: ("leaf", fields, comparator, value) or (conjunction, children).
_Leaf: TypeAlias = tuple[str, tuple[str, ...], str, "str | tuple[str, ...]"]
_Tree: TypeAlias = "tuple[Any, ...]"


class Filter:
    """One filter expression (see the module docstring). Combine with ``&`` (and), ``|`` (or), ``~`` (not);
    ``str(f)`` is the text sent as ``filter=``."""

    __slots__ = ("_tree", "text")

    def __init__(self, text: str, _tree: _Tree | None = None) -> None:
        self.text = text
        self._tree = _tree if _tree is not None else _parse(text)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Filter({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Filter) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __and__(self, other: Filter | str) -> Filter:
        return Filter.and_(self, other)

    def __or__(self, other: Filter | str) -> Filter:
        return Filter.or_(self, other)

    def __invert__(self) -> Filter:
        return Filter.not_(self)

    # -- conditions ------------------------------------------------------------------------------------------------

    @classmethod
    def raw(cls, text: str) -> Filter:
        """A filter written by hand in Twenty's syntax (checked for syntax, so that it can be combined)."""
        return cls(text)

    @classmethod
    def eq(cls, field: str, value: Any) -> Filter:
        """``field`` equals ``value`` (case-sensitive for text; emails are stored lower-cased)."""
        return cls._compare(field, "eq", value)

    @classmethod
    def neq(cls, field: str, value: Any) -> Filter:
        """``field`` differs from ``value`` (rows where it is NULL are excluded, as in SQL)."""
        return cls._compare(field, "neq", value)

    @classmethod
    def gt(cls, field: str, value: Any) -> Filter:
        return cls._compare(field, "gt", value)

    @classmethod
    def gte(cls, field: str, value: Any) -> Filter:
        return cls._compare(field, "gte", value)

    @classmethod
    def lt(cls, field: str, value: Any) -> Filter:
        return cls._compare(field, "lt", value)

    @classmethod
    def lte(cls, field: str, value: Any) -> Filter:
        return cls._compare(field, "lte", value)

    @classmethod
    def like(cls, field: str, pattern: str) -> Filter:
        """SQL ``LIKE`` (``%`` and ``_`` are wildcards), case-sensitive."""
        return cls._compare(field, "like", pattern)

    @classmethod
    def ilike(cls, field: str, pattern: str) -> Filter:
        """SQL ``ILIKE``: ``LIKE`` ignoring case."""
        return cls._compare(field, "ilike", pattern)

    @classmethod
    def starts_with(cls, field: str, prefix: str) -> Filter:
        return cls._compare(field, "startsWith", prefix)

    @classmethod
    def ends_with(cls, field: str, suffix: str) -> Filter:
        return cls._compare(field, "endsWith", suffix)

    @classmethod
    def in_(cls, field: str, values: Iterable[Any]) -> Filter:
        """``field`` is one of ``values`` (none may contain a comma: Twenty splits the list on every comma)."""
        return cls._list(field, "in", values)

    @classmethod
    def contains_any(cls, field: str, values: Iterable[Any]) -> Filter:
        """An ARRAY or MULTI_SELECT ``field`` holds at least one of ``values``."""
        return cls._list(field, "containsAny", values)

    @classmethod
    def is_null(cls, field: str) -> Filter:
        """``field`` is NULL (for text, also ``""``)."""
        return cls._leaf(field, "is", "NULL", "NULL")

    @classmethod
    def is_not_null(cls, field: str) -> Filter:
        return cls._leaf(field, "is", "NOT_NULL", "NOT_NULL")

    # -- conjunctions ----------------------------------------------------------------------------------------------

    @classmethod
    def and_(cls, *filters: Filter | str) -> Filter:
        """All of ``filters``."""
        return cls._conjunction("and", filters)

    @classmethod
    def or_(cls, *filters: Filter | str) -> Filter:
        """Any of ``filters``."""
        return cls._conjunction("or", filters)

    @classmethod
    def not_(cls, condition: Filter | str) -> Filter:
        """Not ``condition`` (rows where the compared field is NULL match neither it nor its negation)."""
        child = _as_filter(condition)
        text = f"not({child.text})"
        return cls._checked(text, ("not", (child._tree,)))

    # -- building --------------------------------------------------------------------------------------------------

    @classmethod
    def _compare(cls, field: str, op: str, value: Any) -> Filter:
        if value is None:
            raise ValueError(f"{op} with None: use Filter.is_null({field!r}) or Filter.is_not_null({field!r})")
        literal, is_text = _literal(value)
        return cls._leaf(field, op, _quoted(literal) if is_text else literal, literal)

    @classmethod
    def _list(cls, field: str, op: str, values: Iterable[Any]) -> Filter:
        if isinstance(values, str | bytes):
            raise TypeError(f"{op} takes a collection of values, not a single {type(values).__name__}")
        items: list[str] = []
        written: list[str] = []
        for value in values:
            if value is None:
                raise ValueError(f"{op} cannot match None: combine with Filter.is_null({field!r})")
            literal, is_text = _literal(value)
            if "," in literal:
                raise ValueError(
                    f"Twenty splits an {op} list on every comma, so {literal!r} cannot be in one: "
                    f"use Filter.or_(Filter.eq({field!r}, ...), ...) instead"
                )
            items.append(literal)
            written.append(_quoted(literal) if is_text else literal)
        if not items:
            raise ValueError(f"{op} needs at least one value")
        return cls._leaf(field, op, f"[{','.join(written)}]", tuple(items))

    @classmethod
    def _leaf(cls, field: str, op: str, written: str, meant: str | tuple[str, ...]) -> Filter:
        _check_field(field)
        leaf: _Leaf = ("leaf", tuple(field.split(".")), op, meant)
        return cls._checked(f"{field}[{op}]:{written}", leaf)

    @classmethod
    def _conjunction(cls, name: str, filters: Iterable[Filter | str]) -> Filter:
        children = [_as_filter(f) for f in filters]
        if not children:
            raise ValueError(f"{name}_ needs at least one filter")
        # A condition whose quotes or brackets do not pair up must come last, where no comma follows it.
        children.sort(key=lambda f: _unbalanced(f.text))
        text = f"{name}({','.join(c.text for c in children)})"
        return cls._checked(text, (name, tuple(c._tree for c in children)))

    @classmethod
    def _checked(cls, text: str, meant: _Tree) -> Filter:
        try:
            read = _parse(text)
        except ValueError as exc:
            raise ValueError(f"Twenty cannot read this filter: {text!r} ({exc})") from None
        if _canonical(read) != _canonical(meant):
            raise ValueError(
                f"Twenty would misread the filter {text!r}: a value holds quotes, brackets or parentheses that do "
                "not pair up, which its filter syntax cannot express here. Filter on another field, or narrow the "
                "results client-side."
            )
        return cls(text, meant)


def filter_text(value: Filter | str | None) -> str | None:
    """The text sent as ``filter=`` for a :class:`Filter`, a string written in Twenty's syntax, or None."""
    if value is None:
        return None
    return value.text if isinstance(value, Filter) else value


def _as_filter(value: Filter | str) -> Filter:
    return value if isinstance(value, Filter) else Filter(value)


def _check_field(field: str) -> None:
    if not _FIELD_PATH.fullmatch(field):
        raise ValueError(f"not a field path: {field!r} (expected e.g. 'name' or 'emails.primaryEmail')")


def _literal(value: Any) -> tuple[str, bool]:
    """The text of a value, and whether it is text (quoted when needed) rather than a bare number or boolean."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return ("true" if value else "false"), False
    if isinstance(value, int):
        return str(value), False
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"Twenty cannot compare with {value!r}")
        return repr(value), False
    if isinstance(value, str):
        return value, True
    if isinstance(value, UUID):
        return str(value), True
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
            spec = "milliseconds" if value.microsecond % 1000 == 0 else "microseconds"
            return value.replace(tzinfo=None).isoformat(timespec=spec) + "Z", True
        return value.isoformat(), True
    if isinstance(value, dt.date):
        return value.isoformat(), True
    raise TypeError(f"cannot filter on a {type(value).__name__}: pass a str, number, bool, UUID, date or datetime")


def _quoted(text: str) -> str:
    needs = not text or "," in text or (text[0] in "\"'" and text[-1] in "\"'")
    return f'"{text}"' if needs else text


def _unbalanced(text: str) -> bool:
    return text.count('"') % 2 == 1 or text.count("'") % 2 == 1 or (text.count("[") + text.count("]")) % 2 == 1


def _canonical(tree: _Tree) -> _Tree:
    """A tree with Twenty's implicit root ``and`` of one condition removed, for comparing."""
    if tree[0] == "and" and len(tree[1]) == 1:
        return _canonical(tree[1][0])
    if tree[0] == "leaf":
        return tree
    return (tree[0], tuple(_canonical(child) for child in tree[1]))


# -- Twenty's parser, as far as the structure goes (parse-filter.util.ts and the utils it calls) ---------------------


_LINE_TERMINATORS: Final = "\n\r\u2028\u2029"


def _parse(text: str) -> _Tree:
    if text.count("(") != text.count(")"):
        raise ValueError("brackets do not pair up")
    if _root_conjunction(text) is None:
        text = f"and({text})"
    return _parse_query(text)


def _root_conjunction(query: str) -> str | None:
    if not query.endswith(")") or any(ch in query for ch in _LINE_TERMINATORS):
        return None
    for name in _CONJUNCTIONS:
        if query.startswith(name + "(") and len(query) >= len(name) + 3:
            return name
    return None


def _parse_query(query: str) -> _Tree:
    conjunction = _root_conjunction(query)
    if conjunction is not None:
        children = tuple(_parse_query(part) for part in _split_predicates(query))
        if conjunction == "not" and len(children) != 1:
            raise ValueError("'not' takes exactly one condition")
        return (conjunction, children)
    return _parse_base(query)


def _split_predicates(query: str) -> list[str]:
    in_brackets = in_double = in_single = False
    depth = 0
    predicates: list[str] = []
    current: list[str] = []
    for ch in query:
        persist = depth >= 1
        if ch == "(":
            depth += 1
        if ch == ")":
            depth -= 1
            persist = depth >= 1
        if ch in "[]":
            in_brackets = not in_brackets
        if ch == '"':
            in_double = not in_double
        if ch == "'":
            in_single = not in_single
        if ch == "," and depth == 1 and not (in_brackets or in_double or in_single):
            predicates.append("".join(current))
            current = []
            persist = False
        if persist:
            current.append(ch)
    predicates.append("".join(current))
    return predicates


def _parse_base(base: str) -> _Leaf:
    opening = base.find("[", 1)
    closing = base.rfind("]:")
    # Twenty's /^(.+)\[(.+)\]:(.+)$/ has no "s" flag: "." matches no line terminator
    if opening < 0 or closing < opening + 2 or closing + 2 >= len(base) or any(ch in base for ch in _LINE_TERMINATORS):
        raise ValueError(f"{base!r} is not field[comparator]:value")
    fields: list[str] = []
    comparator: list[str] = []
    value: list[str] = []
    fill_fields, fill_comparator, fill_value = True, False, False
    for ch in base:
        if fill_value:
            value.append(ch)
        if ch == "]" and not fill_value:
            fill_comparator = False
        if ch == ":" and not fill_comparator:
            fill_value = True
        if fill_comparator:
            comparator.append(ch)
        if ch == "[" and fill_fields:
            fill_fields = False
            fill_comparator = True
        if fill_fields:
            fields.append(ch)
    op = "".join(comparator)
    if op not in COMPARATORS:
        raise ValueError(f"unknown comparator {op!r} (one of {', '.join(COMPARATORS)})")
    raw = "".join(value)
    meant: str | tuple[str, ...]
    if op in ("in", "containsAny"):
        if not raw.startswith("[") or not raw.endswith("]"):
            raise ValueError(f"{op} takes a list: [a,b]")
        meant = tuple(_unquote(item) for item in raw[1:-1].split(","))
    else:
        meant = raw if op == "is" else _unquote(raw)
    return ("leaf", tuple("".join(fields).split(".")), op, meant)


def _unquote(value: str) -> str:
    if value and value[0] in "\"'" and value[-1] in "\"'":
        return value[1:-1] if len(value) > 1 else value  # JavaScript's substring(1, 0) is substring(0, 1)
    return value
