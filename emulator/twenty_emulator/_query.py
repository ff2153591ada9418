"""Reading lists as Twenty 2.21.0's REST API does: ``filter``, ``order_by``, cursors, ``limit`` and ``depth``, compiled
to SQLite over the ``_columns`` layout.

What is mirrored, and where it comes from:

- the REST parsers of ``engine/api/rest/input-request-parsers`` (filter, order_by, limit, depth), ported literally,
  quirks included, because their error messages are compared verbatim with recordings of a real server;
- the common layer's filter validation (``FilterArgProcessorService``: unknown fields, operators allowed per field
  type, value coercion with Node's ``util.inspect`` in the messages) and order-by validation (``FIELD_NOT_FOUND``);
- the query runner's SQL semantics (``compute-where-condition-parts``): SQL NULL logic (``neq`` and ``not(eq)`` drop
  NULLs), Postgres ``LIKE``/``ILIKE`` wildcards, ``startsWith`` as a literal prefix, the "null equivalence" of text
  and list columns (``is:NULL`` also matches ``""``, ``eq:""`` also matches NULL), relation traversal
  (``company.name[eq]:X``) as a left join;
- cursors: base64 of ``JSON.stringify`` of the order-by values (composites nested, only the ordered sub-fields) plus
  ``id``, and the keyset condition built from the cursor's own keys. NULL order values get SQL semantics there:
  ``x > NULL`` is never true, so cursor paging over an order key with NULLs skips them (the known upstream bug).

Where the server leans on JavaScript or Node (``parseFloat``, ``Number()``, ``JSON.stringify``, ``util.inspect``,
``Buffer.from(s, 'base64')``), the same behaviour is reproduced here.

Twenty checks a list request in this order, which :func:`parse_list_query` follows: ``depth``, ``limit``,
``order_by`` syntax, ``filter`` syntax, ``starting_after`` with ``ending_before``, the filter's fields and values, the
order-by fields, then the cursor. Defaults: no ``order_by`` orders by ``id`` ascending (cursor ``{"id":…}``), ``limit``
60 (at most 200), ``depth`` 0.

SQL produced here qualifies columns with the table name (:func:`table_name`, the same ``t_<object id>`` as
``Store.table``); pass ``table=`` to use another. Stored values are expected in the layout of ``_columns``, with
DATE_TIME values in Twenty's canonical form (``2026-11-25T16:52:13.597Z``, see :func:`canonical_date_time`) so that
they compare as text, and UUIDs in lower case.
"""

from __future__ import annotations

import base64
import calendar
import json
import math
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from twenty_emulator._columns import JSON_TYPES, Column, column_for, quote
from twenty_emulator._errors import ApiError, bad_request
from twenty_emulator._workspace import COMPOSITE_TYPES, FieldMeta, ObjectMeta, Workspace

__all__ = [
    "DEFAULT_LIMIT",
    "DIRECTIONS",
    "MAX_LIMIT",
    "Filter",
    "ListQuery",
    "ListSql",
    "OrderKey",
    "build_page",
    "canonical_date",
    "canonical_date_time",
    "check_cursor_args",
    "compile_filter",
    "cursor_condition",
    "cursor_mentions_deleted_at",
    "decode_cursor",
    "encode_cursor",
    "enum_rank_sql",
    "fetch_count",
    "js_inspect",
    "js_int",
    "js_number",
    "list_sql",
    "mentions_deleted_at",
    "option_ranks",
    "order_sql",
    "parse_depth",
    "parse_filter",
    "parse_filter_syntax",
    "parse_limit",
    "parse_limit_value",
    "parse_list_query",
    "parse_order_by",
    "parse_order_by_syntax",
    "table_name",
    "validate_filter",
    "validate_order_by",
]

DEFAULT_LIMIT: Final = 60
MAX_LIMIT: Final = 200
DIRECTIONS: Final = ("AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast")
DEFAULT_DIRECTION: Final = "AscNullsFirst"

QueryValue = str | Sequence[str] | None


def table_name(obj: ObjectMeta) -> str:
    """The table an object's records live in, keyed by object id (``Store.table`` is this)."""
    return f"t_{obj.id}"


# ---------------------------------------------------------------------------------------------------------------------
# JavaScript and Node, as far as the server's answers show them
# ---------------------------------------------------------------------------------------------------------------------

# StrWhiteSpaceChar: what Number(), parseFloat() and String.prototype.trim() skip.
_JS_SPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# What a JavaScript regular expression's "." does not match.
_LINE_TERMINATORS: Final = frozenset("\n\r\u2028\u2029")
_DECIMAL: Final = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_RADIX: Final = {
    "0x": (16, re.compile(r"[0-9a-fA-F]+")),
    "0o": (8, re.compile(r"[0-7]+")),
    "0b": (2, re.compile(r"[01]+")),
}
# Names every plain JavaScript object answers to (Object.prototype): a lookup `map[key]` finds them.
_PROTOTYPE_KEYS: Final = frozenset(
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


def _js_number(text: str) -> float:
    """``Number(text)``: blanks around are ignored, ``""`` is 0, hex/octal/binary literals, no ``_``."""
    t = text.strip(_JS_SPACE)
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


js_number = _js_number
"""JavaScript's ``Number(text)`` (for the values Twenty's validators convert: a CURRENCY amount sent as a string)."""


def _js_parse_float(text: str) -> float:
    """``parseFloat(text)``: the longest decimal prefix after leading blanks, else NaN."""
    t = text.lstrip(_JS_SPACE)
    m = _DECIMAL.match(t)
    if m is None:
        return math.nan
    s = m.group()
    if s.endswith("Infinity"):
        return -math.inf if s.startswith("-") else math.inf
    return float(s)


def _js_string_of(value: QueryValue) -> str:
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


def _json_stringify(value: Any) -> str | None:
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
            text = _json_stringify(item)
            if text is not None:
                parts.append(f"{_json_quote(str(key))}:{text}")
        return "{" + ",".join(parts) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_stringify(item) or "null" for item in value) + "]"
    return _json_quote(str(value))


_B64_VALUES: Final = {
    **{c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")},
    "-": 62,
    "_": 63,
}


def _node_base64_decode(text: str) -> bytes:
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


def _js_key_order(obj: dict[str, Any]) -> dict[str, Any]:
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


def _js_json_parse(text: str) -> Any:
    """``JSON.parse(text)``; ValueError where it throws (NaN and Infinity are not JSON)."""
    return json.loads(text, parse_int=js_int, parse_constant=_reject_constant)


def _js_entries(value: Any) -> list[tuple[str, Any]]:
    """``Object.entries(value)``."""
    if isinstance(value, dict):
        return list(_js_key_order(value).items())
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


def _js_typeof(value: Any) -> str:
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
    entries = [(str(i), item) for i, item in enumerate(value)] if is_list else _js_entries(value)
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


# ---------------------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------------------


def _runner_error(message: str, code: str) -> ApiError:
    """A query-runner exception with a code, as REST renders it (seen: ``FIELD_NOT_FOUND``)."""
    return ApiError(400, {"statusCode": 400, "error": "Error", "messages": [message], "code": code})


def _js_error(kind: str, message: str) -> ApiError:
    """A JavaScript error thrown inside the server, as REST renders it (seen: ``TypeError``)."""
    return ApiError(400, {"statusCode": 400, "error": kind, "messages": [message]})


# ---------------------------------------------------------------------------------------------------------------------
# Dates: the formats Twenty's filter validation accepts (date-fns ``parse``), and their canonical form
# ---------------------------------------------------------------------------------------------------------------------

_NON_ISO_DATE_FORMATS: Final = (
    "yyyy.MM.dd",
    "yyyy/MM/dd",
    "MM-dd-yyyy",
    "MM/dd/yyyy",
    "MM.dd.yyyy",
    "MMMM d, yyyy",
    "MMM d, yyyy",
    "d MMMM yyyy",
    "d MMM yyyy",
    "dd-MMM-yyyy",
    "yyyy-MMM-dd",
)
_DATE_FORMATS: Final = (
    "yyyy-MM-dd",
    "yyyyMMdd",
    *_NON_ISO_DATE_FORMATS,
    "yyyy-MM-dd'T'HH:mm:ss.SSSX",
    "yyyy-MM-dd'T'HH:mm:ssX",
    "yyyy-MM-dd'T'HH:mm:ss.SSS",
    "yyyy-MM-dd'T'HH:mm:ss",
    "yyyy-MM-dd HH:mm:ss",
    "yyyy-MM-dd HH:mm:ss.SSS",
)
_DATE_TIME_FORMATS: Final = (
    "yyyy-MM-dd'T'HH:mm:ss.SSSX",
    "yyyy-MM-dd'T'HH:mm:ssX",
    "yyyy-MM-dd'T'HH:mm:ss.SSSxxx",
    "yyyy-MM-dd'T'HH:mm:ssxxx",
    "yyyy-MM-dd'T'HH:mm:ss.SSS",
    "yyyy-MM-dd'T'HH:mm:ss",
    "yyyy-MM-dd HH:mm:ss.SSS",
    "yyyy-MM-dd HH:mm:ss",
    "yyyy-MM-dd HH:mm",
    "yyyy-MM-dd",
    "yyyyMMdd",
    *_NON_ISO_DATE_FORMATS,
)
_MONTHS: Final = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_NARROW_MONTHS: Final = {"j": 1, "f": 2, "m": 3, "a": 4, "s": 9, "o": 10, "n": 11, "d": 12}
_DIGITS: Final = {n: re.compile(f"[0-9]{{1,{n}}}") for n in (2, 3, 4)}
_DAY_OF_MONTH: Final = re.compile(r"3[0-1]|[0-2]?[0-9]")
_TZ_BASIC: Final = re.compile(r"([+-])([0-9]{2})([0-9]{2})?|Z")
_TZ_EXTENDED: Final = re.compile(r"([+-])([0-9]{2}):([0-9]{2})|Z")


def _format_tokens(fmt: str) -> tuple[tuple[bool, str], ...]:
    """A date-fns format → (is_token, text) pairs."""
    out: list[tuple[bool, str]] = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "'":
            j = fmt.index("'", i + 1)
            out.append((False, fmt[i + 1 : j]))
            i = j + 1
        elif c.isalpha():
            j = i
            while j < len(fmt) and fmt[j] == c:
                j += 1
            out.append((True, fmt[i:j]))
            i = j
        else:
            out.append((False, c))
            i += 1
    return tuple(out)


_DATE_TOKENS: Final = tuple(_format_tokens(f) for f in _DATE_FORMATS)
_DATE_TIME_TOKENS: Final = tuple(_format_tokens(f) for f in _DATE_TIME_FORMATS)


@dataclass
class _DateParts:
    year: int = 0
    month: int = 1
    day: int = 1
    hour: int = 0
    minute: int = 0
    second: int = 0
    millis: int = 0
    offset: int | None = None  # minutes east of UTC; None: no zone (the server's, UTC)


def _parse_month_name(s: str, widths: tuple[str, ...]) -> tuple[int, int] | None:
    low = s.lower()
    for width in widths:
        if width == "wide":
            for i, name in enumerate(_MONTHS):
                if low.startswith(name):
                    return i + 1, len(name)
        elif width == "abbreviated":
            for i, name in enumerate(_MONTHS):
                if low.startswith(name[:3]):
                    return i + 1, 3
        elif low[:1] in _NARROW_MONTHS:
            return _NARROW_MONTHS[low[:1]], 1
    return None


def _parse_date(value: str, tokens: tuple[tuple[bool, str], ...]) -> _DateParts | None:
    """date-fns ``parse(value, format, new Date())``, valid or not (None)."""
    if value == "":
        return None
    parts = _DateParts()
    s = value
    for is_token, tok in tokens:
        if not is_token:
            if not s.startswith(tok):
                return None
            s = s[len(tok) :]
            continue
        if tok in ("MMMM", "MMM"):
            found = _parse_month_name(
                s, ("wide", "abbreviated", "narrow") if tok == "MMMM" else ("abbreviated", "narrow")
            )
            if found is None:
                return None
            parts.month, used = found
            s = s[used:]
            continue
        if tok in ("X", "xxx"):
            m = (_TZ_BASIC if tok == "X" else _TZ_EXTENDED).match(s)
            if m is None:
                return None
            if m.group() == "Z":
                parts.offset = 0
            else:
                sign = -1 if m.group(1) == "-" else 1
                parts.offset = sign * (int(m.group(2)) * 60 + int(m.group(3) or 0))
            s = s[m.end() :]
            continue
        pattern = _DAY_OF_MONTH if tok == "d" else _DIGITS[4 if tok == "yyyy" else 3 if tok == "SSS" else 2]
        m = pattern.match(s)
        if m is None:
            return None
        number = int(m.group())
        s = s[m.end() :]
        if tok == "yyyy":
            parts.year = number
        elif tok == "MM":
            parts.month = number
        elif tok in ("dd", "d"):
            parts.day = number
        elif tok == "HH":
            parts.hour = number
        elif tok == "mm":
            parts.minute = number
        elif tok == "ss":
            parts.second = number
        else:  # SSS: Postgres reads the digits as a decimal fraction
            parts.millis = int(m.group().ljust(3, "0"))
    if s.strip(_JS_SPACE):
        return None
    if parts.year <= 0 or not 1 <= parts.month <= 12:
        return None
    if not 1 <= parts.day <= calendar.monthrange(parts.year, parts.month)[1]:
        return None
    if parts.hour > 23 or parts.minute > 59 or parts.second > 59:
        return None
    return parts


def _parse_any(value: str, formats: tuple[tuple[tuple[bool, str], ...], ...]) -> _DateParts | None:
    for tokens in formats:
        parts = _parse_date(value, tokens)
        if parts is not None:
            return parts
    return None


def canonical_date_time(value: str) -> str | None:
    """A DATE_TIME filter value → the instant as Twenty prints it (UTC, milliseconds, ``Z``); None if Twenty would
    refuse the value. Values without a zone are UTC (the server's time zone)."""
    parts = _parse_any(value, _DATE_TIME_TOKENS)
    if parts is None:
        return None
    try:
        moment = datetime(parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second, tzinfo=UTC)
        moment += timedelta(milliseconds=parts.millis, minutes=-(parts.offset or 0))
    except (OverflowError, ValueError):
        return None
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def canonical_date(value: str) -> str | None:
    """A DATE filter value → ``YYYY-MM-DD`` (the date as written, zone ignored, as Postgres casts it); None if
    Twenty would refuse the value."""
    parts = _parse_any(value, _DATE_TOKENS)
    if parts is None:
        return None
    return f"{parts.year:04d}-{parts.month:02d}-{parts.day:02d}"


# ---------------------------------------------------------------------------------------------------------------------
# Filter: the REST syntax (parse-filter-rest-request and friends)
# ---------------------------------------------------------------------------------------------------------------------

_CONJUNCTIONS: Final = ("or", "and", "not")
_COMPARATORS: Final = (
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
    return any(ch in _LINE_TERMINATORS for ch in text)


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
    if op not in _COMPARATORS:
        raise bad_request(f"'filter' invalid for '{base}', comparator {op} not in {', '.join(_COMPARATORS)}")
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
        raise _js_error("RangeError", "Maximum call stack size exceeded") from None


# ---------------------------------------------------------------------------------------------------------------------
# Filter: checked against the object's fields (FilterArgProcessorService)
# ---------------------------------------------------------------------------------------------------------------------

_STRING_OPS: Final = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "is", "like", "ilike", "startsWith", "endsWith")
_NUMBER_OPS: Final = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "is")
_OPERATORS_BY_TYPE: Final[dict[str, tuple[str, ...]]] = {
    "TEXT": _STRING_OPS,
    "NUMBER": _NUMBER_OPS,
    "NUMERIC": _NUMBER_OPS,
    "POSITION": _NUMBER_OPS,
    "BOOLEAN": ("eq", "is"),
    "DATE": _NUMBER_OPS,
    "DATE_TIME": _NUMBER_OPS,
    "UUID": _NUMBER_OPS,
    "RELATION": _NUMBER_OPS,
    "MORPH_RELATION": _NUMBER_OPS,
    "ARRAY": ("containsIlike", "is", "isEmptyArray"),
    "MULTI_SELECT": ("containsAny", "is", "isEmptyArray"),
    "SELECT": ("eq", "neq", "in", "containsAny", "is", "isEmptyArray"),
    "RATING": ("eq", "neq", "in", "containsAny", "is", "isEmptyArray"),
    "RAW_JSON": ("is", "like"),
    "FILES": ("is", "like"),
    "RICH_TEXT": ("ilike",),
}
_COMPOSITE_OPS: Final = ("eq", "neq", "is")
_NUMBER_TYPES: Final = frozenset({"NUMBER", "NUMERIC", "POSITION"})
_UUID_TYPES: Final = frozenset({"UUID", "RELATION", "MORPH_RELATION"})
_UUID_RE: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", re.IGNORECASE)

# Composite sub-fields whose empty value stands for NULL (find-postgres-default-null-equivalent-value).
_TEXT_NULL_SUBFIELDS: Final = frozenset(
    {
        ("ACTOR", "name"),
        ("ADDRESS", "addressStreet1"),
        ("ADDRESS", "addressStreet2"),
        ("ADDRESS", "addressCity"),
        ("ADDRESS", "addressState"),
        ("ADDRESS", "addressPostcode"),
        ("ADDRESS", "addressCountry"),
        ("EMAILS", "primaryEmail"),
        ("LINKS", "primaryLinkUrl"),
        ("LINKS", "primaryLinkLabel"),
        ("PHONES", "primaryPhoneNumber"),
        ("PHONES", "primaryPhoneCountryCode"),
        ("PHONES", "primaryPhoneCallingCode"),
        ("RICH_TEXT", "markdown"),
        ("FULL_NAME", "firstName"),
        ("FULL_NAME", "lastName"),
    }
)
_LIST_NULL_SUBFIELDS: Final = frozenset(
    {("EMAILS", "additionalEmails"), ("LINKS", "secondaryLinks"), ("PHONES", "additionalPhones")}
)

NullKind = Literal["text", "list"] | None


def _operators_for(field_type: str) -> tuple[str, ...]:
    if field_type in COMPOSITE_TYPES or field_type == "TS_VECTOR":
        return _COMPOSITE_OPS
    return _OPERATORS_BY_TYPE.get(field_type, _STRING_OPS)


def _subfield_type(field: FieldMeta, sub: str) -> str:
    """The Twenty type of a composite's sub-field (lists and JSON are RAW_JSON, an actor's source a SELECT)."""
    kind = field.subfields[sub]
    if kind in ("LIST", "JSON"):
        return "RAW_JSON"
    if field.type == "ACTOR" and sub == "source":
        return "SELECT"
    return kind


def _null_kind(field: FieldMeta, sub: str | None) -> NullKind:
    if sub is not None:
        if (field.type, sub) in _TEXT_NULL_SUBFIELDS:
            return "text"
        if (field.type, sub) in _LIST_NULL_SUBFIELDS:
            return "list"
        return None
    if field.type == "TEXT":
        return "text"
    if field.type in ("MULTI_SELECT", "ARRAY"):
        return "list"
    return None


@dataclass(frozen=True, eq=False)
class _Cond:
    """One comparison on one column."""

    column: Column
    op: str
    value: Any  # as validated: str, float, bool, list, or what a cursor carries
    type: str  # the Twenty type the value was checked against
    null_kind: NullKind


@dataclass(frozen=True, eq=False)
class _Conj:
    kind: Literal["and", "or"]
    children: tuple[_Node, ...]


@dataclass(frozen=True, eq=False)
class _Neg:
    child: _Node


@dataclass(frozen=True, eq=False)
class _Through:
    """A condition on the record a MANY_TO_ONE relation points to (a left join in Twenty)."""

    relation: FieldMeta
    target: ObjectMeta
    child: _Node


@dataclass(frozen=True, eq=False)
class _Const:
    value: bool


_Node = _Cond | _Conj | _Neg | _Through | _Const


@dataclass(frozen=True, eq=False)
class Filter:
    """A checked filter: the object Twenty's REST parser builds (``raw``) and the conditions it stands for."""

    obj: ObjectMeta
    raw: dict[str, Any]
    node: _Node


class _FilterChecker:
    def __init__(self, workspace: Workspace | None) -> None:
        self.workspace = workspace

    def filter(self, raw: Any, obj: ObjectMeta, depth: int) -> _Node:
        nodes: list[_Node] = []
        for key, value in _js_entries(raw):
            if key in ("and", "or"):
                if not isinstance(value, list):
                    raise _js_error("TypeError", "value.map is not a function")
                kind: Literal["and", "or"] = "and" if key == "and" else "or"
                nodes.append(_Conj(kind, tuple(self.filter(item, obj, depth) for item in value)))
            elif key == "not":
                nodes.append(_Neg(self.filter(value, obj, depth)))
            else:
                nodes.append(self.key(key, value, obj, depth))
        if len(nodes) == 1:
            return nodes[0]
        return _Conj("and", tuple(nodes))

    def key(self, key: str, value: Any, obj: ObjectMeta, depth: int) -> _Node:
        if key in _PROTOTYPE_KEYS:
            raise bad_request(f"Field metadata not found for field {key}")
        by_name = obj.field(key)
        by_join = obj.field_by_join_column(key)
        if by_name is not None and by_join is None and by_name.is_relation:
            return self.relation(key, value, by_name, depth)
        field = by_name or by_join
        if field is None:
            raise bad_request(f'Object {obj.name_singular} doesn\'t have any "{key}" field.')
        if field.is_composite:
            return self.composite(field, value)
        return self.operator(key, value, field.type, column_for(field), _null_kind(field, None))

    def relation(self, key: str, value: Any, field: FieldMeta, depth: int) -> _Node:
        if field.relation_type != "MANY_TO_ONE":
            raise bad_request(f'Cannot filter by relation field "{key}"')
        use_join_column = bad_request(f'Cannot filter by relation field "{key}": use "{key}Id" instead')
        target = self.workspace.target_object(field) if self.workspace is not None else None
        if target is None:
            raise use_join_column
        if not isinstance(value, dict) or not any(
            k in ("and", "or", "not") or k in _PROTOTYPE_KEYS or target.field(k) or target.field_by_join_column(k)
            for k in value
        ):
            raise use_join_column
        if depth >= 1:
            raise bad_request("Relation filter nesting deeper than 1 hop is not supported")
        return _Through(field, target, self.filter(value, target, depth + 1))

    def composite(self, field: FieldMeta, value: Any) -> _Node:
        nodes: list[_Node] = []
        for sub, sub_filter in _js_entries(value):
            if sub not in field.subfields:
                raise bad_request(f'Sub field "{sub}" not found for composite type: {field.type}')
            nodes.append(
                self.operator(
                    f"{field.name}.{sub}",
                    sub_filter,
                    _subfield_type(field, sub),
                    column_for(field, sub),
                    _null_kind(field, sub),
                )
            )
        return nodes[0] if len(nodes) == 1 else _Conj("and", tuple(nodes))

    def operator(self, name: str, filter_value: Any, field_type: str, column: Column, null_kind: NullKind) -> _Node:
        if not isinstance(filter_value, dict | list):
            raise bad_request(f'Filter value for field "{name}" must be an object')
        entries = _js_entries(filter_value)
        if len(entries) != 1:
            raise bad_request(f'Filter for field "{name}" must have exactly one operator')
        op, value = entries[0]
        allowed = _operators_for(field_type)
        if op not in allowed:
            raise bad_request(
                f'Operator "{op}" is not valid for field "{name}" of type {field_type} - '
                f"Allowed operators: {', '.join(allowed)}"
            )
        return _Cond(column, op, self.value(op, value, field_type, name), field_type, null_kind)

    def value(self, op: str, value: Any, field_type: str, name: str) -> Any:
        if op == "is":
            if value not in ("NULL", "NOT_NULL") or not isinstance(value, str):
                raise bad_request('Invalid filter value for "is" operator. Expected "NULL" or "NOT_NULL"')
            return value
        if op in ("in", "containsAny"):
            if not isinstance(value, list):
                raise bad_request(f'Filter operator "{op}" requires an array value for field {name}')
            if op == "containsAny":
                return value
            return [None if item is None else self.typed(item, field_type, name) for item in value]
        if op in ("eq", "neq", "gt", "gte", "lt", "lte"):
            return self.typed(value, field_type, name)
        if op in ("like", "ilike", "startsWith", "endsWith", "containsIlike") and not isinstance(value, str):
            raise bad_request(
                f'Filter operator "{op}" requires a string value for field "{name}", got {_js_typeof(value)}'
            )
        return value

    @staticmethod
    def typed(value: Any, field_type: str, name: str) -> Any:
        if field_type in _NUMBER_TYPES:
            number = _js_parse_float(value) if isinstance(value, str) else value
            ok = number is None or (
                isinstance(number, int | float) and not isinstance(number, bool) and math.isfinite(number)
            )
            if not ok:
                raise bad_request(f'Invalid number value {_inspect(number)} for field "{name}"')
            return number
        if field_type == "BOOLEAN":
            flag = {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value
            if flag is not None and not isinstance(flag, bool):
                raise bad_request(f'Invalid boolean value {_inspect(flag)} for field "{name}"')
            return flag
        if field_type in _UUID_TYPES:
            if value is not None and not (isinstance(value, str) and value and _UUID_RE.fullmatch(value)):
                raise bad_request(f'Invalid UUID value {_inspect(value)} for field "{name}"')
            return value
        if field_type == "DATE":
            if value is not None and not (isinstance(value, str) and _parse_any(value, _DATE_TOKENS)):
                raise bad_request(
                    f"Invalid value {_inspect(value)} for date field \"{name}\". Expected format: 'YYYY-MM-DD'"
                )
            return value
        if field_type == "DATE_TIME":
            if value is not None and not (isinstance(value, str) and _parse_any(value, _DATE_TIME_TOKENS)):
                raise bad_request(
                    f'Invalid value {_inspect(value)} for date-time field "{name}". '
                    "Expected format: 'YYYY-MM-DDTHH:mm:ssZ'"
                )
            return value
        return value


def validate_filter(raw: dict[str, Any], obj: ObjectMeta, workspace: Workspace | None = None) -> Filter:
    """Check a parsed filter (:func:`parse_filter_syntax`) against the object's fields, as the common layer does:
    unknown fields, operators not allowed for the field's type and invalid values raise the server's 400s. A
    ``workspace`` lets filters go through MANY_TO_ONE relations (``company.name[eq]:X``)."""
    try:
        return Filter(obj, raw, _FilterChecker(workspace).filter(raw, obj, 0))
    except RecursionError:
        raise _js_error("RangeError", "Maximum call stack size exceeded") from None


def parse_filter(text: str, obj: ObjectMeta, *, workspace: Workspace | None = None) -> Filter:
    """A ``filter`` query parameter → a checked :class:`Filter`; any invalid input raises an :class:`ApiError` with
    the body Twenty answers. (An empty string is invalid: ``'filter' invalid for 'and()'``.)"""
    return validate_filter(parse_filter_syntax(text), obj, workspace)


def _mentions(value: Any, key: str) -> bool:
    if isinstance(value, list):
        return any(_mentions(item, key) for item in value)
    if isinstance(value, dict):
        for k, item in value.items():
            if k == key or (isinstance(item, dict | list) and _mentions(item, key)):
                return True
    return False


def mentions_deleted_at(f: Filter) -> bool:
    """Whether soft-deleted rows are listed: the filter names ``deletedAt`` anywhere (Twenty's ``withDeleted``)."""
    return _mentions(f.raw, "deletedAt")


# ---------------------------------------------------------------------------------------------------------------------
# Filter → SQL
# ---------------------------------------------------------------------------------------------------------------------

_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _glob_literal(text: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def _like_to_glob(pattern: str) -> str:
    """A Postgres LIKE pattern (``%``, ``_``, ``\\`` escapes) → an SQLite GLOB pattern (case-sensitive whatever
    ``PRAGMA case_sensitive_like`` says)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(_glob_literal(pattern[i + 1] if i + 1 < len(pattern) else "\\"))
            i += 2
            continue
        out.append("*" if ch == "%" else "?" if ch == "_" else _glob_literal(ch))
        i += 1
    return "".join(out)


def _is_empty(value: Any) -> bool:
    """lodash ``isEmpty``."""
    if isinstance(value, str | list | dict):
        return len(value) == 0
    return True


def _null_equivalent(value: Any, kind: NullKind) -> str | None:
    if kind == "text" and (value is None or value in ("", "NULL")):
        return ""
    if kind == "list" and (value is None or value == "NULL" or _is_empty(value)):
        return "[]"
    return None


def _sql_value(value: Any, field_type: str) -> Any:
    """A filter or cursor value → the SQLite parameter compared with the stored value."""
    if value is None or value is UNDEFINED:
        return None
    if isinstance(value, bool):
        if field_type == "BOOLEAN":
            return 1 if value else 0
        return "true" if value else "false"
    if isinstance(value, str):
        if field_type in _UUID_TYPES:
            return value.lower()
        if field_type == "DATE_TIME":
            return canonical_date_time(value) or value
        if field_type == "DATE":
            return canonical_date(value) or value
        return value
    if isinstance(value, int | float):
        return value
    return _json_stringify(value)


@dataclass
class _Compiler:
    table_of: Callable[[ObjectMeta], str]
    with_deleted: bool
    params: list[Any]
    aliases: int = 0

    def node(self, node: _Node, qual: str) -> str:
        if isinstance(node, _Const):
            return "1" if node.value else "0"
        if isinstance(node, _Conj):
            if not node.children:
                return "1"
            joiner = " AND " if node.kind == "and" else " OR "
            return "(" + joiner.join(self.node(child, qual) for child in node.children) + ")"
        if isinstance(node, _Neg):
            return f"(NOT {self.node(node.child, qual)})"
        if isinstance(node, _Through):
            return self.through(node, qual)
        return self.cond(node, qual)

    def through(self, node: _Through, qual: str) -> str:
        self.aliases += 1
        alias = quote(f"_r{self.aliases}")
        condition = self.node(node.child, alias)
        join = f'{alias}."id" = {qual}.{column_for(node.relation).sql}'
        if not self.with_deleted and node.target.field("deletedAt") is not None:
            join += f' AND {alias}."deletedAt" IS NULL'
        target = quote(self.table_of(node.target))
        return f"(SELECT {condition} FROM (SELECT 1) LEFT JOIN {target} AS {alias} ON {join})"

    def cond(self, c: _Cond, qual: str) -> str:
        col = f"{qual}.{c.column.sql}"
        op, value = c.op, c.value
        if c.type == "SELECT" and op in ("gt", "gte", "lt", "lte") and c.column.sub is None:
            # a SELECT is a PostgreSQL enum: compared by the options' order, not alphabetically
            ranks = option_ranks(c.column.field)
            self.params.append(ranks.get(str(value)))
            sign = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
            return f"{enum_rank_sql(c.column.field, col)} {sign} ?"
        equivalent = _null_equivalent(value, c.null_kind)
        if op in ("eq", "neq", "gt", "gte", "lt", "lte"):
            self.params.append(_sql_value(value, c.type))
            sign = {"eq": "=", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
            if equivalent is not None and op == "eq":
                return f"({col} = ? OR {col} IS NULL)"
            if equivalent is not None and op == "neq":
                return f"({col} != ? AND {col} IS NOT NULL)"
            return f"{col} {sign} ?"
        if op in ("in", "containsAny"):
            items = list(value) if isinstance(value, list) else []
            if not items:
                return "0"
            marks = ", ".join("?" * len(items))
            if op == "containsAny" and c.column.value_type in JSON_TYPES:
                self.params.extend(_sql_value(item, "TEXT") for item in items)
                return f'EXISTS (SELECT 1 FROM json_each({col}) AS "_j" WHERE "_j"."value" IN ({marks}))'
            self.params.extend(_sql_value(item, c.type) for item in items)
            return f"{col} IN ({marks})"
        if op == "is":
            base = f"{col} IS NULL" if value == "NULL" else f"{col} IS NOT NULL"
            if equivalent is None:
                return base
            self.params.append(equivalent)
            return f"({base} OR {col} = ?)"
        if op in ("like", "ilike"):
            pattern = _like_to_glob(str(value))
            target = col
            if op == "ilike":
                pattern, target = pattern.translate(_ASCII_LOWER), f"lower({col})"
            self.params.append(pattern)
            if equivalent is not None:
                return f"({target} GLOB ? OR {col} IS NULL)"
            return f"{target} GLOB ?"
        if op == "startsWith":
            self.params.append(_glob_literal(str(value)) + "*")
            return f"{col} GLOB ?"
        if op == "endsWith":
            self.params.append("*" + _glob_literal(str(value)))
            return f"{col} GLOB ?"
        if op == "containsIlike":
            self.params.append(_like_to_glob(str(value)).translate(_ASCII_LOWER))
            return f'EXISTS (SELECT 1 FROM json_each({col}) AS "_j" WHERE lower("_j"."value") GLOB ?)'
        if op == "isEmptyArray":
            return f"({col} = '[]' OR {col} IS NULL)" if equivalent is not None else f"{col} = '[]'"
        raise _runner_error(f'Operator "{op}" is not supported', "UNSUPPORTED_OPERATOR")


def compile_filter(
    f: Filter,
    obj: ObjectMeta | None = None,
    *,
    table: str | None = None,
    table_of: Callable[[ObjectMeta], str] = table_name,
) -> tuple[str, list[Any]]:
    """A filter → an SQL boolean expression over the object's table (columns qualified with ``table``, by default
    ``table_of(obj)``) and its ``?`` parameters. Soft-deleted rows are not excluded here (see
    :func:`mentions_deleted_at`), except behind relations, which join live records only unless the filter names
    ``deletedAt``."""
    target = obj if obj is not None else f.obj
    compiler = _Compiler(table_of, mentions_deleted_at(f), [])
    sql = compiler.node(f.node, quote(table if table is not None else table_of(target)))
    return sql, compiler.params


# ---------------------------------------------------------------------------------------------------------------------
# order_by
# ---------------------------------------------------------------------------------------------------------------------

_DIRECTION_REQUIRED: Final = "requires a direction value (AscNullsFirst, AscNullsLast, DescNullsFirst, DescNullsLast)"
_DIRECTIONS_HINT: Final = (
    "Allowed values are 'AscNullsFirst', 'AscNullsLast', 'DescNullsFirst', 'DescNullsLast'. "
    "eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3"
)


def parse_order_by_syntax(text: str | None) -> list[dict[str, Any]]:
    """The REST layer's parse of ``order_by``: one ``{field: direction}`` (nested for dotted paths) per item, then
    ``{"id": "AscNullsFirst"}`` unless an item is on ``id``. Without ``order_by``: ``[{"id": "AscNullsFirst"}]``."""
    if not isinstance(text, str):
        return [{"id": DEFAULT_DIRECTION}]
    result: list[dict[str, Any]] = []
    for item in text.split(","):
        if "[" in item and "]" in item:
            pieces = item.split("[")
            fields, direction = pieces[0], pieces[1].replace("]", "", 1)
            # `direction in OrderByDirection`: the enum's names, and whatever every object inherits.
            if direction not in DIRECTIONS and direction not in _PROTOTYPE_KEYS:
                raise bad_request(f"'order_by' direction '{direction}' invalid. {_DIRECTIONS_HINT}")
        else:
            fields, direction = item, DEFAULT_DIRECTION
        path = fields.split(".")
        node: dict[str, Any] = {path[-1]: direction}
        for name in reversed(path[:-1]):
            node = {name: node}
        result.append(node)
    if not any("id" in entry for entry in result):
        result.append({"id": DEFAULT_DIRECTION})
    return result


@dataclass(frozen=True, eq=False)
class OrderKey:
    """One ORDER BY term: a column of the object (``kind`` scalar or composite) or, through a MANY_TO_ONE relation,
    of the record it points to (``kind`` relation)."""

    obj: ObjectMeta
    path: tuple[str, ...]  # ("updatedAt",) / ("name", "firstName") / ("company", "name")
    direction: str
    kind: Literal["scalar", "composite", "relation"]
    column: Column
    relation: FieldMeta | None = None
    target: ObjectMeta | None = None
    by_join_column: bool = False  # a scalar key written as a join column (``companyId``)

    @property
    def ascending(self) -> bool:
        return self.direction.startswith("Asc")

    @property
    def nulls_first(self) -> bool:
        return self.direction.endswith("NullsFirst")

    @property
    def value_type(self) -> str:
        """The Twenty type of the ordered value."""
        field = self.column.field
        if self.column.sub is not None:
            return _subfield_type(field, self.column.sub)
        return field.type


def _flatten_order(value: dict[str, Any]) -> list[tuple[list[str], str]]:
    out: list[tuple[list[str], str]] = []
    for key, item in value.items():
        if isinstance(item, dict):
            out += [([key, *path], direction) for path, direction in _flatten_order(item)]
        elif item in DIRECTIONS:
            out.append(([key], item))
    return out


def _invalid_order(message: str) -> ApiError:
    return _runner_error(message, "INVALID_QUERY_INPUT")


class _OrderChecker:
    def __init__(self, obj: ObjectMeta, workspace: Workspace | None) -> None:
        self.obj = obj
        self.workspace = workspace
        self.keys: list[OrderKey] = []
        self.seen: set[tuple[str, ...]] = set()

    def push(self, key: OrderKey) -> None:
        if key.path not in self.seen:
            self.seen.add(key.path)
            self.keys.append(key)

    def entry(self, name: str, value: Any) -> None:
        by_name = self.obj.field(name) if name not in _PROTOTYPE_KEYS else None
        field = by_name or self.obj.field_by_join_column(name)
        if field is None:
            raise _runner_error(f'Field "{name}" does not exist or is not sortable', "FIELD_NOT_FOUND")
        if by_name is not None and field.is_relation:
            nested = _flatten_order(value) if isinstance(value, dict) else []
            if not nested:
                raise _invalid_order(
                    f'Relation field "{name}" requires nested field ordering '
                    f"(e.g., {{ {name}: {{ fieldName: 'AscNullsFirst' }} }})"
                )
            for path, direction in nested:
                self.relation(field, [name, *path], direction)
            return
        if by_name is not None and field.is_composite:
            if not isinstance(value, dict):
                raise _invalid_order(
                    f'Composite field "{name}" requires subfield ordering '
                    f"(e.g., {{ {name}: {{ subFieldName: 'AscNullsFirst' }} }})"
                )
            for sub, direction in value.items():
                if sub not in field.subfields:
                    raise _invalid_order(f'Sub field "{sub}" not found for composite field "{name}"')
                if direction not in DIRECTIONS:
                    raise _invalid_order(f'Composite sub field "{name}.{sub}" {_DIRECTION_REQUIRED}')
                self.push(OrderKey(self.obj, (name, sub), direction, "composite", column_for(field, sub)))
            return
        if value not in DIRECTIONS:
            raise _invalid_order(f'Scalar field "{name}" {_DIRECTION_REQUIRED}')
        self.push(OrderKey(self.obj, (name,), value, "scalar", column_for(field), by_join_column=by_name is None))

    def relation(self, field: FieldMeta, path: list[str], direction: str) -> None:
        target = self.workspace.target_object(field) if self.workspace is not None else None
        if target is None:
            return  # an unresolved relation orders nothing
        if field.relation_type != "MANY_TO_ONE":
            raise bad_request(f"Cannot filter or order through {field.name}: only to-one relations are supported")
        _, target_name, *rest = path
        target_field = target.field(target_name) if target_name not in _PROTOTYPE_KEYS else None
        if target_field is None:
            raise _runner_error(
                f'Nested field "{target_name}" not found in target object "{target.name_singular}"', "FIELD_NOT_FOUND"
            )
        if target_field.is_composite:
            if len(rest) != 1 or rest[0] not in target_field.subfields:
                raise _invalid_order(
                    f'Composite field "{path[0]}.{target_name}" requires one of its sub fields to be ordered'
                )
            column = column_for(target_field, rest[0])
        elif rest:
            raise _invalid_order(f'Field "{path[0]}.{target_name}" does not support nested ordering')
        elif target_field.is_relation and target_field.relation_type != "MANY_TO_ONE":
            return
        else:
            column = column_for(target_field)
        self.push(OrderKey(self.obj, tuple(path), direction, "relation", column, relation=field, target=target))


def validate_order_by(
    entries: Sequence[Mapping[str, Any]], obj: ObjectMeta, workspace: Workspace | None = None
) -> list[OrderKey]:
    """Check a parsed ``order_by`` (:func:`parse_order_by_syntax`) against the object's fields, as the query runner
    does (unknown field → ``FIELD_NOT_FOUND``; composite without sub-field and the like → ``INVALID_QUERY_INPUT``), and
    end it with ``id`` ascending unless ``id`` is already ordered. A ``workspace`` is needed to order through a
    relation (``company.name``)."""
    checker = _OrderChecker(obj, workspace)
    for entry in [*entries, {"id": DEFAULT_DIRECTION}]:
        for name, value in entry.items():
            checker.entry(name, value)
    return checker.keys


def parse_order_by(text: str | None, obj: ObjectMeta, *, workspace: Workspace | None = None) -> list[OrderKey]:
    """An ``order_by`` query parameter → the ORDER BY keys, ``id`` last. ``field[Direction]`` with a direction among
    :data:`DIRECTIONS` (default ``AscNullsFirst``), dotted sub-fields (``name.firstName``); a composite field needs a
    sub-field. Without ``order_by``: ``id`` ascending."""
    return validate_order_by(parse_order_by_syntax(text), obj, workspace)


_NULLS_SUPPORTED: Final = sqlite3.sqlite_version_info >= (3, 30, 0)


def option_ranks(field: FieldMeta) -> dict[str, int]:
    """A SELECT field's option values → their place in the PostgreSQL enum (the options' order by position)."""
    options = [o for o in field.options if isinstance(o, dict) and o.get("value") is not None]
    options.sort(key=lambda o: o.get("position", 0))
    return {str(o["value"]): rank for rank, o in enumerate(options)}


def enum_rank_sql(field: FieldMeta, expr: str) -> str:
    """``expr`` (a SELECT column) as its option's rank, so that SQLite orders and compares it as PostgreSQL does an
    enum (recorded: p07); NULL stays NULL."""
    ranks = option_ranks(field)
    if not ranks:
        return expr
    whens = " ".join(f"WHEN '{value.replace(chr(39), chr(39) * 2)}' THEN {rank}" for value, rank in ranks.items())
    return f"(CASE {expr} {whens} END)"


def _key_expression(key: OrderKey, qual: str, table_of: Callable[[ObjectMeta], str]) -> str:
    if key.kind != "relation" or key.relation is None or key.target is None:
        expr = f"{qual}.{key.column.sql}"
    else:
        alias = quote("_o")
        live = f' AND {alias}."deletedAt" IS NULL' if key.target.field("deletedAt") is not None else ""
        expr = (
            f"(SELECT {alias}.{key.column.sql} FROM {quote(table_of(key.target))} AS {alias} "
            f'WHERE {alias}."id" = {qual}.{column_for(key.relation).sql}{live})'
        )
    if key.column.sub is None and key.column.field.type == "SELECT":
        return enum_rank_sql(key.column.field, expr)
    return expr


def order_sql(
    keys: Sequence[OrderKey],
    *,
    reverse: bool = False,
    table: str | None = None,
    table_of: Callable[[ObjectMeta], str] = table_name,
) -> str:
    """The ORDER BY clause (without the keywords). ``reverse`` scans backwards for ``ending_before``: each direction
    flips, NULLs keep their place (as Twenty 2.21 does)."""
    if not keys:
        return "1"
    qual = quote(table if table is not None else table_of(keys[0].obj))
    terms = []
    for key in keys:
        expr = _key_expression(key, qual, table_of)
        ascending = key.ascending != reverse
        order = "ASC" if ascending else "DESC"
        if _NULLS_SUPPORTED:
            terms.append(f"{expr} {order} NULLS {'FIRST' if key.nulls_first else 'LAST'}")
        else:  # pragma: no cover - SQLite before 3.30
            terms.append(f"({expr} IS NULL) {'DESC' if key.nulls_first else 'ASC'}, {expr} {order}")
    return ", ".join(terms)


# ---------------------------------------------------------------------------------------------------------------------
# Cursors
# ---------------------------------------------------------------------------------------------------------------------


def _cursor_data(record: Mapping[str, Any], keys: Sequence[OrderKey]) -> dict[str, Any]:
    """The order-by values Twenty puts in a cursor: per ordered field, its value (for a composite, the ordered
    sub-fields only), then ``id``. A key written as a join column is left out (Twenty looks fields up by name)."""
    values: dict[str, Any] = {}
    for key in keys:
        name = key.path[0]
        if key.kind == "composite":
            current = values.get(name)
            container: dict[str, Any] = current if isinstance(current, dict) else {}
            composite = record.get(name)
            sub = key.path[1]
            container[sub] = composite.get(sub, UNDEFINED) if isinstance(composite, Mapping) else UNDEFINED
            values[name] = container
        elif key.kind == "scalar" and key.by_join_column:
            continue
        else:
            values[name] = record.get(name, UNDEFINED)
    values["id"] = record.get("id", UNDEFINED)
    return values


def encode_cursor(record: Mapping[str, Any], keys: Sequence[OrderKey]) -> str:
    """A record (as answered: composites nested) → its cursor, byte for byte as Twenty encodes it: base64 of
    ``JSON.stringify`` of the order-by values plus ``id``, e.g. ``{"name":{"firstName":"Ada"},"id":"…"}``."""
    text = _json_stringify(_cursor_data(record, keys)) or "{}"
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def decode_cursor(text: str, keys: Sequence[OrderKey] | None = None) -> dict[str, Any]:
    """A ``starting_after``/``ending_before`` value → the cursor's entries in JavaScript's key order (``{}`` when it
    carries none). Base64 is decoded the lenient Node way; what is not JSON raises ``Invalid cursor: <text>``."""
    del keys  # the cursor stands on its own; it is checked against the order in cursor_condition
    try:
        data = _js_json_parse(_node_base64_decode(text).decode("utf-8", errors="replace"))
    except ValueError:
        raise bad_request(f"Invalid cursor: {text}") from None
    except RecursionError:
        raise _js_error("RangeError", "Maximum call stack size exceeded") from None
    if isinstance(data, dict):
        return _js_key_order(data)
    if isinstance(data, list | str) and data:
        return dict(_js_entries(data))
    return {}


def cursor_mentions_deleted_at(values: Mapping[str, Any]) -> bool:
    """Twenty decides ``withDeleted`` on the filter *with* the cursor condition: a cursor on ``deletedAt`` lists
    soft-deleted rows on the pages after the first (``totalCount`` still leaves them out)."""
    return "deletedAt" in values


def _invalid_cursor(message: str = "Invalid cursor") -> ApiError:
    return _runner_error(message, "INVALID_CURSOR")


class _CursorBuilder:
    """``computeCursorArgFilter``: for each cursor entry i, (entries before i equal) AND (entry i past the cursor)."""

    def __init__(self, keys: Sequence[OrderKey], before: bool) -> None:
        self.obj = keys[0].obj
        self.before = before
        # The order-by entries as Twenty holds them: one {name: direction | {sub: direction}} per key.
        self.entries: list[tuple[str, Any]] = []
        for key in keys:
            if key.kind == "composite":
                self.entries.append((key.path[0], {key.path[1]: key.direction}))
            elif key.kind == "relation":
                nested: Any = key.direction
                for name in reversed(key.path[1:]):
                    nested = {name: nested}
                self.entries.append((key.path[0], nested))
            else:
                self.entries.append((key.path[0], key.direction))

    def order_of(self, name: str) -> Any:
        for entry_name, value in self.entries:
            if entry_name == name:
                return value
        raise _invalid_cursor()

    def operator(self, direction: str) -> str:
        ascending = direction.startswith("Asc")
        return ("lt" if self.before else "gt") if ascending else ("gt" if self.before else "lt")

    def field(self, name: str) -> FieldMeta:
        field = None if name in _PROTOTYPE_KEYS else self.obj.field(name) or self.obj.field_by_join_column(name)
        if field is None:
            raise _invalid_cursor(f"Field metadata not found for key: {name}")
        return field

    def condition(self, name: str, value: Any, *, equality: bool) -> _Node:
        field = self.field(name)
        if field.is_composite:
            return self.composite(field, name, value, equality=equality)
        field_type = "RELATION" if field.is_relation else field.type
        column = column_for(field)
        if equality:
            return _Cond(column, "eq", value, field_type, _null_kind(field, None))
        direction = self.order_of(name)
        if direction not in DIRECTIONS:
            raise _invalid_cursor("Expected non-composite field order by")
        return _Cond(column, self.operator(direction), value, field_type, _null_kind(field, None))

    def composite(self, field: FieldMeta, name: str, value: Any, *, equality: bool) -> _Node:
        order = self.order_of(name)
        if not isinstance(order, dict) or not all(d in DIRECTIONS for d in order.values()):
            raise _invalid_cursor("Expected composite field order by")
        subs = [s for s in field.subfields if _subfield_type(field, s) != "RAW_JSON"]
        if value is None and subs:
            raise _js_error("TypeError", f"Cannot read properties of null (reading '{subs[0]}')")
        present = [(s, value[s]) for s in subs if isinstance(value, dict) and s in value]
        if not present:
            return _Const(True)

        def cond(sub: str, sub_value: Any, op: str) -> _Cond:
            return _Cond(column_for(field, sub), op, sub_value, _subfield_type(field, sub), _null_kind(field, sub))

        if equality:
            conds = tuple(cond(s, v, "eq") for s, v in present)
            return conds[0] if len(conds) == 1 else _Conj("and", conds)
        branches: list[_Node] = []
        for i, (sub, sub_value) in enumerate(present):
            direction = order.get(sub)
            if direction is None:
                raise _invalid_cursor()
            parts: list[_Node] = [cond(s, v, "eq") for s, v in present[:i]]
            parts.append(cond(sub, sub_value, self.operator(direction)))
            branches.append(parts[0] if len(parts) == 1 else _Conj("and", tuple(parts)))
        return branches[0] if len(branches) == 1 else _Conj("or", tuple(branches))

    def build(self, values: Mapping[str, Any]) -> _Node:
        entries = [(k, v) for k, v in values.items() if v is not UNDEFINED]
        if not entries:
            return _Const(True)
        branches: list[_Node] = []
        equalities: list[_Node] = []
        for i, (name, value) in enumerate(entries):
            if i > 0:
                previous_name, previous_value = entries[i - 1]
                equalities.append(self.condition(previous_name, previous_value, equality=True))
            main = self.condition(name, value, equality=False)
            branches.append(_Conj("and", (*equalities, main)) if equalities else main)
        return branches[0] if len(branches) == 1 else _Conj("or", tuple(branches))


def cursor_condition(
    keys: Sequence[OrderKey],
    cursor_values: Mapping[str, Any],
    *,
    before: bool,
    table: str | None = None,
    table_of: Callable[[ObjectMeta], str] = table_name,
) -> tuple[str, list[Any]]:
    """The keyset condition of a page after (``starting_after``) or before (``ending_before``) a decoded cursor, as
    Twenty 2.21 builds it from the cursor's own keys: a key the order does not have raises ``Invalid cursor``; NULL
    values compare as SQL does (nothing is greater than NULL), so NULL rows are skipped by cursor paging."""
    if not keys:
        return "1", []
    node = _CursorBuilder(keys, before).build(cursor_values)
    compiler = _Compiler(table_of, True, [])
    sql = compiler.node(node, quote(table if table is not None else table_of(keys[0].obj)))
    return sql, compiler.params


# ---------------------------------------------------------------------------------------------------------------------
# limit, depth, the page
# ---------------------------------------------------------------------------------------------------------------------


def parse_limit_value(text: QueryValue) -> float:
    """``limit`` as Twenty reads it: JavaScript ``+text``, default 60, at most 200 (silently), fractions kept;
    negative or not a number → 400 ``limit 'abc' is invalid. Should be an integer``."""
    if text is None or text == "":
        return float(DEFAULT_LIMIT)
    raw = _js_string_of(text)
    limit = _js_number(raw)
    if math.isnan(limit) or limit < 0:
        raise bad_request(f"limit '{raw}' is invalid. Should be an integer")
    return min(limit, float(MAX_LIMIT))


def fetch_count(limit: float) -> int:
    """How many rows Twenty fetches for a limit: ``LIMIT limit + 1``, which Postgres rounds half away from zero."""
    return math.floor(limit + 1 + 0.5)


def parse_limit(text: QueryValue) -> int:
    """``limit`` → the number of records a full page holds: 60 by default, 200 at most, ``0`` allowed, ``2.5`` → 3
    (Twenty fetches ``LIMIT 3.5``, i.e. 4 rows, and drops the one past the page)."""
    return fetch_count(parse_limit_value(text)) - 1


def parse_depth(text: QueryValue) -> int:
    """``depth``: 0 (the default) or 1; anything else → 400 ``'depth=2' parameter invalid. Allowed values are 0, 1``."""
    if text is None or text == "":
        return 0
    raw = _js_string_of(text)
    depth = _js_number(raw)
    if depth not in (0.0, 1.0):
        raise bad_request(f"'depth={raw}' parameter invalid. Allowed values are 0, 1")
    return int(depth)


def check_cursor_args(starting_after: str | None, ending_before: str | None) -> None:
    """Both cursors given (non-empty) → 400 ``Cannot provide both before and after``."""
    if starting_after and ending_before:
        raise bad_request("Cannot provide both before and after")


def build_page(
    rows: Sequence[Mapping[str, Any]], keys: Sequence[OrderKey], limit: float, *, backward: bool = False
) -> tuple[list[Mapping[str, Any]], dict[str, Any]]:
    """Rows fetched in scan order (:func:`fetch_count` of them, ``order_sql(reverse=backward)``) → the page's records
    in answer order and its ``pageInfo``. As in Twenty, the row past the limit is dropped, the cursors are taken
    before a backward page is put back in order (so its ``startCursor`` is its *last* record), ``hasNextPage`` is only
    set going forward and ``hasPreviousPage`` only going backward."""
    records = list(rows)
    has_more = len(records) > limit
    if has_more and records:
        records.pop()
    start = encode_cursor(records[0], keys) if records else None
    end = encode_cursor(records[-1], keys) if records else None
    if backward:
        records.reverse()
    page_info = {
        "startCursor": start,
        "endCursor": end,
        "hasNextPage": has_more and not backward,
        "hasPreviousPage": has_more and backward,
    }
    return records, page_info


# ---------------------------------------------------------------------------------------------------------------------
# A whole list request
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ListQuery:
    """A checked list request."""

    obj: ObjectMeta
    depth: int
    limit: float  # as Twenty holds it (fractions kept); see fetch_count
    order: list[OrderKey]
    filter: Filter | None
    starting_after: str | None  # only when non-empty
    ending_before: str | None
    cursor: dict[str, Any] | None  # decoded starting_after / ending_before

    @property
    def backward(self) -> bool:
        return self.ending_before is not None

    @property
    def with_deleted(self) -> bool:
        """Soft-deleted rows on this page (the filter names ``deletedAt``, or the cursor does)."""
        return (self.filter is not None and mentions_deleted_at(self.filter)) or (
            self.cursor is not None and cursor_mentions_deleted_at(self.cursor)
        )


def _string_param(query: Mapping[str, Any], name: str) -> str | None:
    value = query.get(name)
    return value if isinstance(value, str) else None


def parse_list_query(query: Mapping[str, Any], obj: ObjectMeta, *, workspace: Workspace | None = None) -> ListQuery:
    """A list request's query parameters, checked in Twenty's order so the first error is the one Twenty answers:
    depth, limit, order_by syntax, filter syntax, both cursors, filter fields and values, order_by fields, cursor.
    Unknown parameters are ignored; a parameter given twice (a list) counts as absent, except ``limit``/``depth``."""
    depth = parse_depth(query.get("depth"))
    limit = parse_limit_value(query.get("limit"))
    order_entries = parse_order_by_syntax(_string_param(query, "order_by"))
    filter_text = _string_param(query, "filter")
    filter_raw = parse_filter_syntax(filter_text) if filter_text is not None else None
    ending_before = _string_param(query, "ending_before") or None
    starting_after = _string_param(query, "starting_after") or None
    check_cursor_args(starting_after, ending_before)
    checked = validate_filter(filter_raw, obj, workspace) if filter_raw is not None else None
    order = validate_order_by(order_entries, obj, workspace)
    cursor_text = starting_after or ending_before
    cursor = decode_cursor(cursor_text, order) if cursor_text else None
    return ListQuery(obj, depth, limit, order, checked, starting_after, ending_before, cursor)


@dataclass(frozen=True)
class ListSql:
    """The SQL pieces of a list request (``WHERE`` bodies without the keyword)."""

    count_where: str  # totalCount: the filter and the soft-delete rule, no cursor
    count_params: list[Any]
    page_where: str  # the page: the same plus the cursor condition
    page_params: list[Any]
    order_by: str
    limit: int  # rows to fetch (LIMIT)


def list_sql(lq: ListQuery, *, table: str | None = None, table_of: Callable[[ObjectMeta], str] = table_name) -> ListSql:
    """The SQL of a checked list request over ``table`` (by default ``table_of(obj)``)."""
    obj = lq.obj
    qual = quote(table if table is not None else table_of(obj))
    clauses: list[str] = []
    params: list[Any] = []
    if lq.filter is not None:
        sql, p = compile_filter(lq.filter, obj, table=table, table_of=table_of)
        clauses.append(sql)
        params += p
    has_deleted = obj.field("deletedAt") is not None
    filter_deleted = lq.filter is not None and mentions_deleted_at(lq.filter)
    count_clauses = [*clauses, *([f'{qual}."deletedAt" IS NULL'] if has_deleted and not filter_deleted else [])]
    page_clauses = [*clauses, *([f'{qual}."deletedAt" IS NULL'] if has_deleted and not lq.with_deleted else [])]
    page_params = list(params)
    if lq.cursor is not None:
        sql, p = cursor_condition(lq.order, lq.cursor, before=lq.backward, table=table, table_of=table_of)
        page_clauses.append(sql)
        page_params += p
    return ListSql(
        count_where=" AND ".join(count_clauses) or "1",
        count_params=params,
        page_where=" AND ".join(page_clauses) or "1",
        page_params=page_params,
        order_by=order_sql(lq.order, reverse=lq.backward, table=table, table_of=table_of),
        limit=fetch_count(lq.limit),
    )
