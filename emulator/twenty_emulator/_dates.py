"""Dates as Twenty's filter validation accepts them (date-fns ``parse`` with Twenty's formats), and their canonical
form (``2026-11-25T16:52:13.597Z`` for DATE_TIME, ``2026-11-25`` for DATE), in which stored values compare as text.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from twenty_emulator._js import JS_SPACE

__all__ = ["DATE_TIME_TOKENS", "DATE_TOKENS", "DateParts", "canonical_date", "canonical_date_time", "parse_any"]

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


DATE_TOKENS: Final = tuple(_format_tokens(f) for f in _DATE_FORMATS)
DATE_TIME_TOKENS: Final = tuple(_format_tokens(f) for f in _DATE_TIME_FORMATS)


@dataclass
class DateParts:
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


def _parse_date(value: str, tokens: tuple[tuple[bool, str], ...]) -> DateParts | None:
    """date-fns ``parse(value, format, new Date())``, valid or not (None)."""
    if value == "":
        return None
    parts = DateParts()
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
    if s.strip(JS_SPACE):
        return None
    if parts.year <= 0 or not 1 <= parts.month <= 12:
        return None
    if not 1 <= parts.day <= calendar.monthrange(parts.year, parts.month)[1]:
        return None
    if parts.hour > 23 or parts.minute > 59 or parts.second > 59:
        return None
    return parts


def parse_any(value: str, formats: tuple[tuple[tuple[bool, str], ...], ...]) -> DateParts | None:
    for tokens in formats:
        parts = _parse_date(value, tokens)
        if parts is not None:
            return parts
    return None


def canonical_date_time(value: str) -> str | None:
    """A DATE_TIME filter value → the instant as Twenty prints it (UTC, milliseconds, ``Z``); None if Twenty would
    refuse the value. Values without a zone are UTC (the server's time zone)."""
    parts = parse_any(value, DATE_TIME_TOKENS)
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
    parts = parse_any(value, DATE_TOKENS)
    if parts is None:
        return None
    return f"{parts.year:04d}-{parts.month:02d}-{parts.day:02d}"
