"""Node's ``util.inspect`` for JSON values: how Twenty's validators print a rejected value in their messages
(``Invalid string value [ 'a' ] for text field "jobTitle"``, recorded in p02).

Covers what a JSON body can hold — strings, numbers, booleans, null, arrays, objects — with Node's defaults
(depth 2, break length 80); not classes, Maps, symbols or circular values, which JSON cannot carry.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["js_inspect", "js_number"]

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\\": "\\\\"}
_BREAK_LENGTH = 80
_DEPTH = 2


def js_number(value: float) -> str:
    """A number as JavaScript prints it: ``1``, ``1.5``, ``1e+21``, ``NaN``, ``-0``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa.removesuffix('.0')}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"
    return text


def _quote(text: str) -> str:
    quote = "'"
    if "'" in text:
        if '"' not in text:
            quote = '"'
        elif "`" not in text and "${" not in text:
            quote = "`"
    out = []
    for ch in text:
        if ch == quote:
            out.append("\\" + ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02X}")
        else:
            out.append(ch)
    return quote + "".join(out) + quote


def _key(name: str) -> str:
    return name if _IDENTIFIER.match(name) else _quote(name)


def _wrap(entries: list[str], open_: str, close: str, indent: int) -> str:
    if not entries:
        return open_ + close
    single = f"{open_} {', '.join(entries)} {close}"
    if len(single) + indent <= _BREAK_LENGTH and "\n" not in single:
        return single
    pad = " " * (indent + 2)
    return f"{open_}\n{pad}" + f",\n{pad}".join(entries) + f"\n{' ' * indent}{close}"


def _inspect(value: Any, depth: int, indent: int) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return js_number(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, list):
        if depth > _DEPTH:
            return "[Array]"
        return _wrap([_inspect(v, depth + 1, indent + 2) for v in value], "[", "]", indent)
    if isinstance(value, dict):
        if depth > _DEPTH:
            return "[Object]"
        entries = [f"{_key(str(k))}: {_inspect(v, depth + 1, indent + 2)}" for k, v in value.items()]
        return _wrap(entries, "{", "}", indent)
    return str(value)


def js_inspect(value: Any) -> str:
    """``util.inspect(value)`` for a JSON value."""
    return _inspect(value, 0, 0)
