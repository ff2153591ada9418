"""What a write of a PHONES or LINKS composite stores, as Twenty's record input transforms compute it.

Ported from Twenty 2.21.0 (``record-transformer/utils/transform-phones-value.util.ts``,
``transform-links-value.util.ts``, ``remove-empty-links.ts``, twenty-shared's ``absoluteUrlSchema`` /
``isValidHostname`` / ``normalizeUrlOrigin``) and pinned by recordings (``s27``, ``p01``). libphonenumber-js is
played by Python's ``phonenumbers`` (the same metadata): a number is refused only when it cannot be parsed at all
(no country to read it in, not a number, too short or too long), not when it is merely invalid for its country.

JavaScript tells ``undefined`` (a sub-field left as stored) from ``null`` (a sub-field emptied); here a key absent
from an answer is ``undefined`` and ``None`` is ``null``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twenty_emulator._errors import ApiError

__all__ = ["UNSET", "links_input", "normalise_link", "phones_input"]

UNSET: Any = object()
"""A sub-field the request did not name (JavaScript's ``undefined``)."""

_HOSTNAME = re.compile(
    r"^(((?!-))(xn--|_)?[a-z0-9-]{0,61}[a-z0-9]{1,1}\.){1,10}(xn--)?([a-z0-9][a-z0-9-]{0,60}|[a-z0-9-]{1,30}\.[a-z]{2,})$"
)
_IP = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
_DIGITS_HOST = re.compile(r"^\d+(?:/[a-zA-Z]*)?$")
_SCHEMES = ("http://", "https://", "HTTPS://", "HTTP://")


def _error(message: str, code: str) -> ApiError:
    return ApiError(400, {"statusCode": 400, "error": "Error", "messages": [message], "code": code})


# -- phones --------------------------------------------------------------------------------------------------------


def _non_empty(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _null_if_empty(value: Any) -> Any:
    if value is UNSET or value is None:
        return value
    return value if _non_empty(value) else None


def _check_codes(calling: Any, country: Any) -> None:
    import phonenumbers

    if _non_empty(country) and country not in phonenumbers.SUPPORTED_REGIONS:
        raise _error(f"Invalid country code {country}", "INVALID_PHONE_COUNTRY_CODE")
    if not _non_empty(calling):
        return
    digits = calling[1:] if calling.startswith("+") else calling
    countries = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits)) if digits.isdigit() else None
    countries = tuple(c for c in countries or () if c != "001")
    if not countries:
        raise _error(f"Invalid calling code {calling}", "INVALID_PHONE_CALLING_CODE")
    if _non_empty(country) and country not in countries:
        raise _error(
            "Provided country code and calling code are conflicting", "CONFLICTING_PHONE_CALLING_CODE_AND_COUNTRY_CODE"
        )


def _infer(number: str, calling: str | None, country: str | None) -> dict[str, Any]:
    """``validateAndInferMetadataFromPrimaryPhoneNumber``: the national number, with the codes given or inferred."""
    import phonenumbers

    text = number
    if not country and calling and not number.lstrip().startswith("+"):
        text = f"+{calling.replace('+', '')}{number}"  # libphonenumber-js's defaultCallingCode
    try:
        parsed = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        raise _error(f"Provided phone number is invalid {number}", "INVALID_PHONE_NUMBER") from None
    inferred_country = phonenumbers.region_code_for_number(parsed)
    if inferred_country in (None, "ZZ", "001"):
        inferred_country = None
    inferred_calling = str(parsed.country_code)
    if inferred_country and country and inferred_country != country:
        raise _error("Provided and inferred country code are conflicting", "CONFLICTING_PHONE_COUNTRY_CODE")
    if calling and inferred_calling != calling.replace("+", ""):
        raise _error("Provided and inferred calling code are conflicting", "CONFLICTING_PHONE_CALLING_CODE")
    out: dict[str, Any] = {
        "callingCode": calling if calling is not None else f"+{inferred_calling}",
        "number": str(parsed.national_number),
    }
    chosen_country = country if country is not None else inferred_country
    if chosen_country is not None:
        out["countryCode"] = chosen_country
    return out


def _phone(calling: Any, country: Any, number: Any) -> dict[str, Any]:
    """``validateAndInferPhoneInput``: the parts of one phone a write sets (absent: left as stored)."""
    import phonenumbers

    _check_codes(calling, country)
    if _non_empty(number):
        return _infer(
            number,
            calling if _non_empty(calling) else None,
            country if _non_empty(country) and country in phonenumbers.SUPPORTED_REGIONS else None,
        )
    parts = {"callingCode": _null_if_empty(calling), "countryCode": _null_if_empty(country)}
    parts["number"] = _null_if_empty(number)
    return {k: v for k, v in parts.items() if v is not UNSET}


def phones_input(sent: dict[str, Any]) -> dict[str, Any]:
    """``transformPhonesValue``: the sub-fields a PHONES write sets. The primary ones only as far as they were sent
    (a number brings its country and calling code), ``additionalPhones`` always (``[]`` when not sent)."""
    primary = _phone(
        sent.get("primaryPhoneCallingCode", UNSET),
        sent.get("primaryPhoneCountryCode", UNSET),
        sent.get("primaryPhoneNumber", UNSET),
    )
    out: dict[str, Any] = {}
    for part, sub in (
        ("number", "primaryPhoneNumber"),
        ("countryCode", "primaryPhoneCountryCode"),
        ("callingCode", "primaryPhoneCallingCode"),
    ):
        if part in primary:
            out[sub] = primary[part] if primary[part] is not None else ""
    additional = sent.get("additionalPhones") or []
    out["additionalPhones"] = [
        _phone(item.get("callingCode", UNSET), item.get("countryCode", UNSET), item.get("number", UNSET))
        for item in additional
    ]
    return out


# -- links ---------------------------------------------------------------------------------------------------------


def is_valid_url(url: str) -> bool:
    """twenty-shared's ``isValidUrl``: an absolute URL (``https://`` assumed) whose host is a dotted name, an IPv4
    address or localhost, and not bare digits."""
    trimmed = url.strip()
    absolute = trimmed if trimmed.startswith(_SCHEMES) else f"https://{trimmed}"
    rest = absolute
    for scheme in _SCHEMES:
        rest = rest.replace(scheme, "", 1)
    if _DIGITS_HOST.match(rest):
        return False
    try:
        host = urlsplit(absolute).hostname or ""
        host = host.encode("idna").decode("ascii").lower() if host else ""
    except (ValueError, UnicodeError):
        return False
    if not host or re.search(r"[\s<>^|\\%]", host):
        return False
    return bool(_HOSTNAME.match(host) or _IP.match(host) or host in ("localhost", "127.0.0.1"))


def normalise_link(value: str) -> str:
    """twenty-shared's ``normalizeUrlOrigin``: a URL that parses (it has a scheme) gets a lower-cased origin, loses
    surrounding spaces and a trailing slash; anything else is kept exactly as sent."""
    stripped = value.strip()
    if "://" not in stripped:
        return value
    parts = urlsplit(stripped)
    if not parts.netloc:
        return value
    rebuilt = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, parts.fragment))
    return rebuilt[:-1] if rebuilt.endswith("/") else rebuilt


def links_input(sent: dict[str, Any]) -> dict[str, Any]:
    """``transformLinksValue`` + ``removeEmptyLinks``: a LINKS write sets all three sub-fields. The primary link
    (when its url is not empty) and the secondary links form one list, links without a url are dropped, every url
    must be valid, the first link becomes the primary one and the rest the secondary links."""
    links: list[dict[str, Any]] = []
    primary_url = sent.get("primaryLinkUrl")
    if _non_empty(primary_url):
        links.append({"url": primary_url, "label": sent.get("primaryLinkLabel")})
    for link in sent.get("secondaryLinks") or []:
        if _non_empty(link.get("url")):
            kept = {"url": link["url"]}
            if "label" in link:
                kept["label"] = link["label"]
            links.append(kept)
    for link in links:
        if not is_valid_url(link["url"]):
            raise _error("The URL of the link is not valid", "INVALID_URL")
    first = links[0] if links else {}
    return {
        "primaryLinkUrl": normalise_link(first["url"]) if first else "",
        "primaryLinkLabel": first.get("label") or "",
        "secondaryLinks": [{**link, "url": normalise_link(link["url"])} for link in links[1:]],
    }
