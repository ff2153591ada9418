"""Cleaning dirty source values, then validating them as Twenty 2.21.0 does, so that a bad row never reaches it.

Each rule below is Twenty's own (``packages/twenty-server/src``), applied before sending; a value that passes here
is one Twenty takes, and is sent in the form Twenty stores it, so that its payload hash is the same run after run.

=========  ===========================================================================================================
value      cleaning, then Twenty's rule
=========  ===========================================================================================================
email      whitespace (and zero-width spaces) around it trimmed, a ``mailto:`` prefix and ``<...>`` removed; then
           ``emailSchema`` (twenty-shared ``validation/emailSchema.ts``: zod's ``unicodeEmail``,
           ``^[^\\s@"]{1,64}@[^\\s@]{1,255}$``, at most 255 characters) — *and* a dot in the domain, which the
           sync requires on top (the emulator does too; an address without one is not deliverable); lower-cased.
phone      trimmed; parsed with libphonenumber (``transform-phones-value.util.ts``: ``parsePhoneNumberWithError``
           with the default country), a national number needing a default region (``default_phone_region``, e.g.
           ``"US"``); sent as Twenty stores it: ``primaryPhoneNumber`` the national significant number,
           ``primaryPhoneCountryCode`` the region, ``primaryPhoneCallingCode`` ``"+1"``.
link       trimmed; ``isValidUrl`` (twenty-shared ``url/absoluteUrlSchema.ts``: ``https://`` prepended when there is
           no ``http(s)://``, not a bare number, a host of dotted DNS labels, an IP or ``localhost``), checked by
           ``remove-empty-links.ts`` ("The URL of the link is not valid"); then the origin normalised as Twenty does.
=========  ===========================================================================================================

**Junk and refusal.** What Twenty would refuse is never sent. A junk value in an *optional* field (a phone ``n/a``,
a website ``not a url``, an email placeholder such as ``n/a``, ``none``, ``-`` or ``unknown``) is dropped, the
record goes without it, and a warning says so (the engine logs it in ``sync_errors`` as ``warning: ...``);
``strict=True`` refuses the record instead. An email that is malformed (``bob@``, ``a b@x.org``, ``not-an-email``,
``bob at example.com``) always refuses the contact: the email is the key Twenty matches people on, so a contact sent
without it would land as a second person beside the one a CRM user may hold under the right address, and the day the
warehouse fixes it the upsert would match two records (``UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT``). Fix it at
the source.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from twenty_sdk import normalize_email, normalize_link

__all__ = ["CleaningError", "clean_email", "clean_link", "clean_phone", "is_valid_url"]

_SPACES = (  # str.strip()'s whitespace, and the zero-width space and BOM that spreadsheets leave behind
    " \t\n\r\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_TWENTY_EMAIL = re.compile(r'[^\s@"]{1,64}@[^\s@]{1,255}')  # zod 4's unicodeEmail, as twenty-shared's emailSchema
_MAX_EMAIL = 255
# twenty-shared isValidHostname (lower case: the WHATWG URL parser lower-cases the host first)
_HOSTNAME = re.compile(
    r"(((?!-))(xn--|_)?[a-z0-9-]{0,61}[a-z0-9]{1,1}\.){1,10}(xn--)?([a-z0-9][a-z0-9-]{0,60}|[a-z0-9-]{1,30}\.[a-z]{2,})"
)
_IPV4 = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_BARE_NUMBER = re.compile(r"\d+(?:/[a-zA-Z]*)?")
_SCHEMES = ("http://", "https://", "HTTPS://", "HTTP://")  # ensureAbsoluteUrl: exactly these spellings


class CleaningError(ValueError):
    """A value Twenty would refuse. ``junk``: it carries no usable value at all (``n/a``), so an optional field may
    simply go without it; else it is a real value spelled wrong."""

    def __init__(self, reason: str, *, junk: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.junk = junk


def _trim(value: str) -> str:
    return value.strip(_SPACES)


_PLACEHOLDERS = frozenset(
    {"na", "n a", "none", "null", "nil", "nan", "unknown", "tbd", "tba", "no email", "noemail", "no mail",
     "not available", "not applicable", "missing", "empty", "x", "xx", "xxx", "test", "ask", "pending"}
)  # fmt: skip


def _placeholder(text: str) -> bool:
    """Whether ``text`` says "no value" (``n/a``, ``none``, ``-``, ``unknown``...) rather than being one."""
    words = " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())
    return not words or words in _PLACEHOLDERS


def clean_email(value: str) -> str | None:
    """An email as Twenty stores it (trimmed, lower-cased), None for an empty one; raises :class:`CleaningError`
    (``junk`` for a placeholder saying there is none, such as ``n/a``)."""
    text = _trim(value)
    if text[:7].lower() == "mailto:":
        text = _trim(text[7:])
    if text.startswith("<") and text.endswith(">"):
        text = _trim(text[1:-1])
    if not text:
        return None
    if _placeholder(text):
        raise CleaningError(f"{value!r} is not an email address", junk=True)
    domain = text.rpartition("@")[2]
    if (
        len(text) > _MAX_EMAIL
        or not _TWENTY_EMAIL.fullmatch(text)
        or "." not in domain.strip(".")
        or domain.startswith(".")
        or domain.endswith(".")
    ):
        raise CleaningError(f"{value!r} is not a valid email address", junk=False)
    return normalize_email(text)


def is_valid_url(value: str) -> bool:
    """twenty-shared's ``isValidUrl``: what ``remove-empty-links.ts`` lets through."""
    text = _trim(value)
    absolute = text if text.startswith(_SCHEMES) else f"https://{text}"
    bare = absolute
    for scheme in _SCHEMES:
        bare = bare.replace(scheme, "", 1)
    if _BARE_NUMBER.fullmatch(bare):
        return False
    try:
        host = urlsplit(absolute).hostname
    except ValueError:
        return False
    if not host:
        return False
    try:
        host = host.encode("idna").decode("ascii")  # the WHATWG parser writes an IDN host in ASCII
    except UnicodeError:
        return False
    return bool(_HOSTNAME.fullmatch(host) or _IPV4.fullmatch(host) or host == "localhost")


def clean_link(value: str) -> str | None:
    """A link as Twenty stores it (trimmed, origin normalised), None for an empty one; raises
    :class:`CleaningError` (always ``junk``: a link Twenty cannot parse carries nothing usable)."""
    text = _trim(value)
    if not text:
        return None
    if not is_valid_url(text):
        raise CleaningError(f"{value!r} is not a valid URL", junk=True)
    return normalize_link(text)


def clean_phone(value: str, default_region: str | None) -> dict[str, Any] | None:
    """A phone as Twenty stores it (``primaryPhoneNumber`` / ``primaryPhoneCountryCode`` /
    ``primaryPhoneCallingCode``), None for an empty one; raises :class:`CleaningError` (``junk``: not a phone number
    at all, or a national number without a region). Without the ``phonenumbers`` package the trimmed text is sent as
    it is, for Twenty to parse."""
    text = _trim(value)
    if not text:
        return None
    try:
        import phonenumbers
    except ImportError:  # pragma: no cover - installed with the sync
        return {"primaryPhoneNumber": text}
    region = default_region.upper() if default_region else None
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE and not text.startswith("+"):
            raise CleaningError(
                f"{value!r} has no country code (+…) and no default region is set (default_phone_region)",
                junk=True,
            ) from None
        raise CleaningError(f"{value!r} is not a phone number", junk=True) from None
    if not phonenumbers.is_possible_number(parsed):
        raise CleaningError(f"{value!r} is not a possible phone number", junk=True)
    country = phonenumbers.region_code_for_number(parsed) or (
        region if parsed.country_code == _calling(region) else None
    )
    out: dict[str, Any] = {
        "primaryPhoneNumber": phonenumbers.national_significant_number(parsed),
        "primaryPhoneCallingCode": f"+{parsed.country_code}",
    }
    if country:
        out["primaryPhoneCountryCode"] = country
    return out


def _calling(region: str | None) -> int | None:
    if not region:
        return None
    import phonenumbers

    return int(phonenumbers.country_code_for_region(region)) or None
