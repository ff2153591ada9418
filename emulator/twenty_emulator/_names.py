"""Metadata names as Twenty 2.21.0 checks and derives them.

A field or object name must match ``^[a-z][a-zA-Z0-9]*$``, be at most 63 characters (a Postgres identifier) and not
be one of Twenty's reserved words (``twenty-shared/src/metadata/reserved-metadata-name-keywords.constant.ts``).
Twenty's own recordings show no separate camelCase error (``s16_bad`` and ``S16Upper`` fail the format check only, and
the booted workspace holds names such as ``sdkNote38ad4c`` that a lodash camelCase check would reject), so none is
made here. Names derived from labels (the reverse side of a relation) follow ``computeMetadataNameFromLabel``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from typing import Any

__all__ = [
    "MAX_NAME_LENGTH",
    "NAME_RE",
    "RESERVED_METADATA_NAME_KEYWORDS",
    "camel_case",
    "capitalize",
    "deterministic_uuid",
    "index_name",
    "name_errors",
    "name_from_label",
    "words",
]

MAX_NAME_LENGTH = 63
NAME_RE = re.compile(r"^[a-z][a-zA-Z0-9]*$")

_CORE_OBJECT_NAMES = (
    "approvedAccessDomain",
    "approvedAccessDomains",
    "appToken",
    "appTokens",
    "billingCustomer",
    "billingCustomers",
    "billingEntitlement",
    "billingEntitlements",
    "billingMeter",
    "billingMeters",
    "billingProduct",
    "billingProducts",
    "billingSubscription",
    "billingSubscriptions",
    "billingSubscriptionItem",
    "billingSubscriptionItems",
    "featureFlag",
    "featureFlags",
    "job",
    "jobs",
    "keyValuePair",
    "keyValuePairs",
    "pageLayout",
    "pageLayouts",
    "pageLayoutTab",
    "pageLayoutTabs",
    "pageLayoutWidget",
    "pageLayoutWidgets",
    "twoFactorMethod",
    "twoFactorMethods",
    "user",
    "users",
    "userWorkspace",
    "userWorkspaces",
    "workspace",
    "workspaces",
    "role",
    "roles",
    "userWorkspaceRole",
    "userWorkspaceRoles",
)

RESERVED_METADATA_NAME_KEYWORDS: frozenset[str] = frozenset(
    (
        *_CORE_OBJECT_NAMES,
        "plan",
        "plans",
        "event",
        "events",
        "field",
        "fields",
        "link",
        "links",
        "currency",
        "currencies",
        "fullNames",
        "address",
        "addresses",
        "type",
        "types",
        "object",
        "objects",
        "index",
        "relation",
        "relations",
        "aggregate",
        "search",
        "searches",
    )
)

_INVALID_FORMAT = "Name is not valid: it must start with lowercase letter and contain only alphanumeric letters"
_RESERVED = 'This name is reserved. Use a different name or the system will add "Custom" suffix.'


def _error(code: str, message: str, value: str) -> dict[str, Any]:
    return {"code": code, "message": message, "userFriendlyMessage": message, "value": value}


def name_errors(name: str, code: str) -> list[dict[str, Any]]:
    """The errors Twenty reports for a field (``INVALID_FIELD_INPUT``) or object (``INVALID_OBJECT_INPUT``) name,
    in its order: too long, too short, format, reserved word."""
    errors: list[dict[str, Any]] = []
    if len(name) > MAX_NAME_LENGTH:
        errors.append(_error(code, "Name is too long", name))
    if len(name) < 1:
        errors.append(_error(code, "Name is too short", name))
    if not NAME_RE.match(name):
        errors.append(_error(code, _INVALID_FORMAT, name))
    if name in RESERVED_METADATA_NAME_KEYWORDS:
        errors.append(_error(code, _RESERVED, name))
    return errors


# lodash ``words`` for ASCII text: lower-case runs (with an optional leading capital), capital runs, digit runs.
_WORD_RE = re.compile(
    r"[A-Z]?[a-z]+(?=[A-Z]|[^A-Za-z0-9]|$)"
    r"|[A-Z]+(?=[A-Z][a-z]|[^A-Za-z0-9]|$)"
    r"|[A-Z]?[a-z]+"
    r"|[A-Z]+"
    r"|[0-9]+"
)


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def capitalize(text: str) -> str:
    """Twenty's ``capitalize``: first character upper-cased, the rest kept."""
    return text[:1].upper() + text[1:]


def camel_case(text: str) -> str:
    """lodash ``camelCase``: words lower-cased, every word but the first capitalised."""
    out = ""
    for i, word in enumerate(words(text)):
        lower = word.lower()
        out += lower if i == 0 else capitalize(lower)
    return out


def name_from_label(label: str) -> str:
    """``computeMetadataNameFromLabel``: accents dropped, a leading digit prefixed with ``n``, then camelCase."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii").strip()
    if ascii_label[:1].isdigit():
        ascii_label = "n" + ascii_label
    return camel_case(ascii_label)


def index_name(table: str, columns: list[str], *, unique: bool) -> str:
    """Twenty's deterministic index name: ``IDX_[UNIQUE_]`` + the first 27 hex digits of sha256(table + columns)."""
    digest = hashlib.sha256()
    for part in (table, *columns):
        digest.update(part.encode("utf-8"))
    return f"IDX_{'UNIQUE_' if unique else ''}{digest.hexdigest()[:27]}"


def deterministic_uuid(namespace: str, application_universal_identifier: str, value: str) -> str:
    """``computeDeterministicUuid``: UUID v5 of ``<namespace>:<value>`` in the owning application's namespace."""
    try:
        base = uuid.UUID(application_universal_identifier)
    except ValueError:
        base = uuid.NAMESPACE_URL
    return str(uuid.uuid5(base, f"{namespace}:{value}"))
