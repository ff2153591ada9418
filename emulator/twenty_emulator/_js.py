"""JavaScript and Node as far as Twenty's answers show them: ``Number()``, ``parseFloat()``, ``JSON.parse`` and
``JSON.stringify``, ``Buffer.from(s, 'base64')``, ``Object.entries``, ``typeof`` and ``util.inspect``.

Where the server leans on the JavaScript runtime for a value it parses or a message it prints, the same behaviour is
reproduced here, quirks included, because answers are compared verbatim with recordings of a real server.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

__all__ = [
    "JS_SPACE",
    "LINE_TERMINATORS",
    "PROTOTYPE_KEYS",
    "UNDEFINED",
    "js_entries",
    "js_inspect",
    "js_int",
    "js_json_parse",
    "js_key_order",
    "js_number",
    "js_parse_float",
    "js_string_of",
    "js_typeof",
    "json_stringify",
    "node_base64_decode",
]

# StrWhiteSpaceChar: what Number(), parseFloat() and String.prototype.trim() skip.
JS_SPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# What a JavaScript regular expression's "." does not match.
LINE_TERMINATORS: Final = frozenset("\n\r\u2028\u2029")
_DECIMAL: Final = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_RADIX: Final = {
    "0x": (16, re.compile(r"[0-9a-fA-F]+")),
    "0o": (8, re.compile(r"[0-7]+")),
    "0b": (2, re.compile(r"[01]+")),
}
# Names every plain JavaScript object answers to (Object.prototype): a lookup `map[key]` finds them.
PROTOTYPE_KEYS: Final = frozenset(
    {
        "constructor",
        "__proto__",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "toString",
        "valueOf",
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
    }
)


class _Undefined:
    """JavaScript's ``undefined``: dropped by ``JSON.stringify`` inside objects."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Final = _Undefined()


def js_number(text: str) -> float:
    """``Number(text)``: blanks around are ignored, ``""`` is 0, hex/octal/binary literals, no ``_``."""
    t = text.strip(JS_SPACE)
    if not t:
        return 0.0
    radix = _RADIX.get(t[:2].lower())
    if radix is not None:
        base, digits = radix
        if not digits.fullmatch(t[2:]):
            return math.nan
        try:
            return float(int(t[2:], base))
        except OverflowError:
            return math.inf
    if not _DECIMAL.fullmatch(t):
        return math.nan
    if t.endswith("Infinity"):
        return -math.inf if t.startswith("-") else math.inf
    return float(t)


def js_parse_float(text: str) -> float:
    """``parseFloat(text)``: the longest decimal prefix after leading blanks, else NaN."""
    t = text.lstrip(JS_SPACE)
    m = _DECIMAL.match(t)
    if m is None:
        return math.nan
    s = m.group()
    if s.endswith("Infinity"):
        return -math.inf if s.startswith("-") else math.inf
    return float(s)


def js_string_of(value: str | Sequence[str] | None) -> str:
    """``String(value)`` for a query parameter (an array joins with commas)."""
    if isinstance(value, str):
        return value
    return ",".join(value or [])


def _js_number_str(value: float) -> str:
    """``Number.prototype.toString()`` (and ``JSON.stringify`` of a finite number)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(float(value))).partition("e")
    whole, _, frac = mantissa.partition(".")
    raw = whole + frac
    n = len(whole) + (int(exp_text) if exp_text else 0)
    digits = raw.lstrip("0")
    n -= len(raw) - len(digits)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        exp = ("+" if e >= 0 else "-") + str(abs(e))
        out = (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + exp
    return sign + out


_JSON_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _json_quote(text: str) -> str:
    """A JSON string literal as ``JSON.stringify`` writes it (non-ASCII kept, lone surrogates escaped)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        esc = _JSON_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def json_stringify(value: Any) -> str | None:
    """``JSON.stringify(value)``; None stands for ``undefined`` (nothing to write)."""
    if value is UNDEFINED:
        return None
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return "null"
        return _js_number_str(number) if math.isfinite(number) else "null"
    if isinstance(value, str):
        return _json_quote(value)
    if isinstance(value, Mapping):
        parts = []
        for key, item in value.items():
            text = json_stringify(item)
            if text is not None:
                parts.append(f"{_json_quote(str(key))}:{text}")
        return "{" + ",".join(parts) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_stringify(item) or "null" for item in value) + "]"
    return _json_quote(str(value))


_B64_VALUES: Final = {
    **{c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")},
    "-": 62,
    "_": 63,
}


def node_base64_decode(text: str) -> bytes:
    """``Buffer.from(text, 'base64')``: both alphabets, characters outside them skipped, ``=`` ends the input."""
    sextets: list[int] = []
    for ch in text:
        if ch == "=":
            break
        v = _B64_VALUES.get(ch)
        if v is not None:
            sextets.append(v)
    out = bytearray()
    full = len(sextets) - len(sextets) % 4
    for i in range(0, full, 4):
        a, b, c, d = sextets[i : i + 4]
        out += bytes(((a << 2) | (b >> 4), ((b & 15) << 4) | (c >> 2), ((c & 3) << 6) | d))
    rest = sextets[full:]
    if len(rest) >= 2:
        out.append((rest[0] << 2) | (rest[1] >> 4))
    if len(rest) == 3:
        out.append(((rest[1] & 15) << 4) | (rest[2] >> 2))
    return bytes(out)


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _is_array_index(key: str) -> bool:
    if key == "0":
        return True
    return bool(key) and key[0] in "123456789" and key.isascii() and key.isdigit() and int(key) < 2**32 - 1


def js_key_order(obj: dict[str, Any]) -> dict[str, Any]:
    """Own keys in JavaScript's order: array indexes ascending first, then the others as inserted."""
    indexes = sorted((k for k in obj if _is_array_index(k)), key=int)
    if not indexes:
        return obj
    ordered = {k: obj[k] for k in indexes}
    ordered.update((k, v) for k, v in obj.items() if k not in ordered)
    return ordered


def js_int(text: str) -> int | float:
    """A JSON integer as JSON.parse reads it (a double): one too large for a 64-bit column becomes a float."""
    if len(text) <= 18:
        return int(text)
    number = float(text)
    return int(number) if abs(number) < 2**63 else number


def js_json_parse(text: str) -> Any:
    """``JSON.parse(text)``; ValueError where it throws (NaN and Infinity are not JSON)."""
    return json.loads(text, parse_int=js_int, parse_constant=_reject_constant)


def js_entries(value: Any) -> list[tuple[str, Any]]:
    """``Object.entries(value)``."""
    if isinstance(value, dict):
        return list(js_key_order(value).items())
    if isinstance(value, list):
        return [(str(i), v) for i, v in enumerate(value)]
    if isinstance(value, str):
        return [(str(i), unit) for i, unit in enumerate(_utf16_units(value))]
    return []


def _utf16_units(text: str) -> list[str]:
    units: list[str] = []
    for ch in text:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            units += [chr(0xD800 + (code >> 10)), chr(0xDC00 + (code & 0x3FF))]
        else:
            units.append(ch)
    return units


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def js_typeof(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is UNDEFINED:
        return "undefined"
    return "object"


# util.inspect's escapes for control characters, the quote and the backslash.
_INSPECT_META: Final = {
    **{i: f"\\x{i:02X}" for i in range(0x20)},
    8: "\\b",
    9: "\\t",
    10: "\\n",
    12: "\\f",
    13: "\\r",
    39: "\\'",
    92: "\\\\",
    **{i: f"\\x{i:02X}" for i in range(0x7F, 0xA0)},
}
_IDENTIFIER: Final = re.compile(r"[a-zA-Z_][a-zA-Z_0-9]*")


def _inspect_str(text: str, indentation: int = 0) -> str:
    """``util.inspect`` of a string: quoted the way Node picks, escaped, long multi-line strings split."""
    trailer = ""
    if _utf16_len(text) > 10000:
        units = _utf16_units(text)
        remaining = len(units) - 10000
        text = "".join(units[:10000])
        trailer = f"... {remaining} more character{'s' if remaining > 1 else ''}"
    length = _utf16_len(text)
    if length > 16 and length > 128 - indentation - 4:
        lines = [line for line in re.split(r"(?<=\n)", text) if line]
        if len(lines) > 1:
            joiner = " +\n" + " " * (indentation + 2)
            return joiner.join(_inspect_escape(line) for line in lines) + trailer
    return _inspect_escape(text) + trailer


def _inspect_escape(text: str) -> str:
    quote_char = "'"
    if "'" in text:
        if '"' not in text:
            quote_char = '"'
        elif "`" not in text and "${" not in text:
            quote_char = "`"
    out = []
    for ch in text:
        code = ord(ch)
        if (ch == "'" and quote_char == "'") or code == 92 or code < 32 or 126 < code < 160:
            out.append(_INSPECT_META[code])
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:x}")
        else:
            out.append(ch)
    return quote_char + "".join(out) + quote_char


def _inspect(value: Any, depth: int = 0, indentation: int = 0) -> str:
    """``util.inspect(value)`` with Node's defaults, for the values a filter can carry."""
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        number = float(value)
        if number == 0 and math.copysign(1.0, number) < 0:
            return "-0"
        return _js_number_str(number)
    if isinstance(value, str):
        return _inspect_str(value, indentation)
    is_list = isinstance(value, list)
    entries = [(str(i), item) for i, item in enumerate(value)] if is_list else js_entries(value)
    if not entries:
        return "[]" if is_list else "{}"
    if depth > 2:
        return "[Array]" if is_list else "[Object]"
    parts = []
    for key, item in entries:
        text = _inspect(item, depth + 1, indentation + 2)
        if is_list:
            parts.append(text)
        else:
            name = str(key)
            label = name if _IDENTIFIER.fullmatch(name) else _inspect_escape(name)
            parts.append(f"{label}: {text}")
    braces = ("[", "]") if is_list else ("{", "}")
    start = len(parts) + indentation + len(braces[0]) + 10
    total = start + sum(len(p) for p in parts) + len(parts)
    if total <= 80 and not any("\n" in p for p in parts):
        return f"{braces[0]} {', '.join(parts)} {braces[1]}"
    pad = "\n" + " " * indentation
    return f"{braces[0]}{pad}  " + f",{pad}  ".join(parts) + f"{pad}{braces[1]}"


def js_inspect(value: Any) -> str:
    """``util.inspect(value)`` as Twenty's validators print a rejected value in their messages (``[ 'a' ]``)."""
    return _inspect(value)
