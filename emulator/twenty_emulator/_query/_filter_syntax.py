"""The REST ``filter`` syntax, ported literally from Twenty's ``engine/api/rest/input-request-parsers``
(``parse-filter-rest-request`` and friends): ``and(…)``, ``or(…)``, ``not(…)`` and ``field.sub[op]:value`` → the
object Twenty's parser builds, with the same error messages, quirks included. The SDK's filter builder writes this
grammar; both are held to the shared vectors of ``tests/ports/filter_grammar.json``.
"""

from __future__ import annotations

from typing import Any, Final

from twenty_emulator._errors import bad_request
from twenty_emulator._js import LINE_TERMINATORS
from twenty_emulator._query._shared import js_error

__all__ = ["COMPARATORS", "parse_filter_syntax"]

_CONJUNCTIONS: Final = ("or", "and", "not")
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


def _has_line_terminator(text: str) -> bool:
    return any(ch in LINE_TERMINATORS for ch in text)


def _root_conjunction(query: str) -> str | None:
    """``/^(or|and|not)\\((.+)\\)$/``, without backtracking."""
    if not query.endswith(")") or _has_line_terminator(query):
        return None
    for conjunction in _CONJUNCTIONS:
        if query.startswith(conjunction + "(") and len(query) >= len(conjunction) + 3:
            return conjunction
    return None


def _is_base_filter(text: str) -> bool:
    """``/^(.+)\\[(.+)\\]:(.+)$/``, without backtracking."""
    if _has_line_terminator(text):
        return False
    opening = text.find("[", 1)
    if opening < 0:
        return False
    closing = text.rfind("]:")
    return closing >= opening + 2 and closing + 2 < len(text)


def _check_brackets(query: str) -> None:
    diff = query.count("(") - query.count(")")
    if diff == 0:
        return
    count = abs(diff)
    noun = f"bracket{'s are' if count > 1 else ' is'}"
    hint = f"{count} close {noun}" if diff > 0 else f"{count} open {noun}"
    raise bad_request(f"'filter' invalid. {hint} missing in the query")


def _split_predicates(query: str) -> list[str]:
    """``parseFilterContent``: the predicates of a conjunction, split on its top-level commas."""
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
        if ch == "," and depth == 1 and not in_brackets and not in_double and not in_single:
            predicates.append("".join(current))
            current = []
            persist = False
        if persist:
            current.append(ch)
    predicates.append("".join(current))
    return predicates


def _parse_base_filter(base: str) -> tuple[list[str], str, str]:
    """``parseBaseFilter``: ``field.sub[op]:value`` → (fields, comparator, value)."""
    if not _is_base_filter(base):
        raise bad_request(f"'filter' invalid for '{base}'. eg: price[gte]:10")
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
        raise bad_request(f"'filter' invalid for '{base}', comparator {op} not in {', '.join(COMPARATORS)}")
    return "".join(fields).split("."), op, "".join(value)


def _js_substring(text: str, start: int, end: int) -> str:
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if start > end:
        start, end = end, start
    return text[start:end]


def _format_field_value(value: str, comparator: str | None = None) -> Any:
    """``formatFieldValue`` without a field type: lists for ``in``/``containsAny``, outer quotes dropped."""
    if comparator in ("in", "containsAny"):
        if not value or value[0] != "[" or value[-1] != "]":
            raise bad_request(
                f"'filter' invalid for '{comparator}' operator. Received '{value}' but array value expected "
                f"eg: 'field[{comparator}]:[value_1,value_2]'"
            )
        return [_format_field_value(item) for item in _js_substring(value, 1, len(value) - 1).split(",")]
    if comparator == "is":
        return value
    if value and value[0] in "\"'" and value[-1] in "\"'":
        return _js_substring(value, 1, len(value) - 1)
    return value


def _parse_filter_query(query: str) -> dict[str, Any]:
    conjunction = _root_conjunction(query)
    if conjunction is not None:
        children = [_parse_filter_query(part) for part in _split_predicates(query)]
        if conjunction == "not":
            if len(children) > 1:
                raise bad_request(
                    "'filter' invalid. 'not' conjunction should contain only 1 condition. eg: not(field[eq]:1)"
                )
            return {"not": children[0]}
        return {conjunction: children}
    fields, comparator, value = _parse_base_filter(query)
    node: dict[str, Any] = {comparator: _format_field_value(value, comparator)}
    for name in reversed(fields):
        node = {name: node}
    return node


def parse_filter_syntax(text: str) -> dict[str, Any]:
    """The REST layer's parse of ``filter``: the filter object Twenty builds (``{"and": [{"name": {"eq": "x"}}]}``),
    before any check against the object's fields. Syntax errors raise the server's 400s."""
    try:
        _check_brackets(text)
        if _root_conjunction(text) is None:
            text = f"and({text})"
        return _parse_filter_query(text)
    except RecursionError:
        raise js_error("RangeError", "Maximum call stack size exceeded") from None
