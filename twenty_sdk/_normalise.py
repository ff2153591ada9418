"""Twenty's normalisation of unique values, so that a client compares values the way the server matches them.

Twenty rewrites some values before storing and matching them (``API_FACTS.md``, "Upsert"):

- **emails** (``EMAILS`` fields, primary and additional): lower-cased, local part and domain alike
  (``Bob@Example.COM`` → ``bob@example.com``). Surrounding spaces are *not* trimmed: Twenty refuses such an email.
  Newer Twenty versions also write an internationalised domain in its ASCII (IDNA) form; ``idna=True`` does that too.
- **links** (``LINKS`` fields, e.g. company ``domainName``): a URL with an ``http``/``https`` scheme gets a
  lower-cased origin (scheme and host; the path, query and fragment keep their case) and loses one trailing slash
  (``https://S14-Acme.test/`` → ``https://s14-acme.test``). A value without a scheme is stored exactly as sent
  (``s14-acme.test``, ``S27CO3.TEST/``), so it never matches the same domain written with a scheme.

Two upserts whose unique values normalise alike hit the same row, and two rows of one batch whose values normalise
alike make Twenty refuse the whole batch. The batch writer de-duplicates with :func:`unique_key_value`; a sync that
diffs its source against Twenty must normalise the same way, or every run sees changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

__all__ = [
    "normalize_email",
    "normalize_emails",
    "normalize_link",
    "normalize_links",
    "unique_key_value",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_email(value: str, *, idna: bool = False) -> str:
    """An email as Twenty stores and matches it: lower-cased. ``idna=True`` also writes a non-ASCII domain in its
    ASCII form (``bob@bücher.de`` → ``bob@xn--bcher-kva.de``), as Twenty versions after 2.21.0 do."""
    lowered = value.lower()
    if not idna:
        return lowered
    local, at, domain = lowered.rpartition("@")
    if not at or not local or not domain or domain.isascii():
        return lowered
    return f"{local}@{_ascii_host(domain).rstrip('.')}"


def normalize_link(value: str) -> str:
    """A link as Twenty stores and matches it: with an ``http(s)`` scheme, the origin lower-cased (an IDN host in
    ASCII form, a default port dropped) and one trailing slash removed; anything else unchanged."""
    scheme_end = value.find("://")
    if scheme_end <= 0:
        return value
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:  # not a URL Twenty's URL parser would accept either: kept as sent
        return value
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return value
    ascii_host = _ascii_host(host)
    origin = f"{scheme}://[{ascii_host}]" if ":" in ascii_host else f"{scheme}://{ascii_host}"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        origin += f":{port}"
    rest_start = len(value)
    for mark in "/?#":
        found = value.find(mark, scheme_end + 3)
        if found != -1:
            rest_start = min(rest_start, found)
    normalised = origin + value[rest_start:]
    return normalised[:-1] if normalised.endswith("/") else normalised


def normalize_emails(value: Mapping[str, Any], *, idna: bool = False) -> dict[str, Any]:
    """An ``EMAILS`` composite with its primary and additional emails normalised (other keys kept)."""
    out = dict(value)
    primary = out.get("primaryEmail")
    if isinstance(primary, str):
        out["primaryEmail"] = normalize_email(primary, idna=idna)
    extra = out.get("additionalEmails")
    if isinstance(extra, list):
        out["additionalEmails"] = [normalize_email(e, idna=idna) if isinstance(e, str) else e for e in extra]
    return out


def normalize_links(value: Mapping[str, Any]) -> dict[str, Any]:
    """A ``LINKS`` composite with its primary and secondary URLs normalised (labels and other keys kept)."""
    out = dict(value)
    primary = out.get("primaryLinkUrl")
    if isinstance(primary, str):
        out["primaryLinkUrl"] = normalize_link(primary)
    secondary = out.get("secondaryLinks")
    if isinstance(secondary, list):
        out["secondaryLinks"] = [
            {**link, "url": normalize_link(link["url"])}
            if isinstance(link, Mapping) and isinstance(link.get("url"), str)
            else link
            for link in secondary
        ]
    return out


def unique_key_value(path: str, value: Any) -> Any:
    """The value of unique field ``path`` (``"emails.primaryEmail"``, ``"id"``, ``"externalId"``) as Twenty compares
    it, or ``None`` when it is empty and so matches nothing (Twenty lets many rows leave a unique field empty).

    Emails and links are normalised by their sub-field name (``primaryEmail``, ``primaryLinkUrl``), the record
    ``id`` lower-cased; other values (a custom TEXT key) are compared exactly, as Twenty's unique index does.
    """
    if value is None or value == "":
        return None
    leaf = path.rsplit(".", 1)[-1]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, str):
        if leaf == "primaryEmail":
            return normalize_email(value)
        if leaf in ("primaryLinkUrl", "url"):
            return normalize_link(value)
        if path == "id":  # a UUID column: Postgres compares it case-insensitively
            return value.lower()
        return value
    if isinstance(value, list | dict):
        return repr(value)  # hashable; such fields are not unique keys in practice
    return value


def _ascii_host(host: str) -> str:
    host = host.lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host
