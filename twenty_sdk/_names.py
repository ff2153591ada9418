"""Twenty's rules for metadata names, checked locally so a bad schema fails before its first request.

- An object or field name matches ``^[a-z][a-zA-Z0-9]*$`` and is at most 63 characters (a Postgres identifier).
- It is not one of Twenty's reserved words (``RESERVED_METADATA_NAME_KEYWORDS`` in
  ``twenty-shared/src/metadata/reserved-metadata-name-keywords.constant.ts``: core object names such as ``user`` or
  ``workspace``, and ``type``, ``field``, ``object``, ``relation``, ``index``, ``currency``, ``address``...).
- An object's singular and plural names differ (case-insensitively).
- SELECT / MULTI_SELECT option values are GraphQL enum names: ``^[A-Z0-9_]+$``.
- The reverse field of a relation is named by Twenty from its label (``computeMetadataNameFromLabel``: accents
  dropped, a leading digit prefixed with ``n``, then lodash ``camelCase``): :func:`name_from_label` derives it the
  same way, so it can be checked too.

Each check returns the list of problems it found (empty when the name is fine), worded for a person.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "MAX_NAME_LENGTH",
    "NAME_PATTERN",
    "OPTION_VALUE_PATTERN",
    "RESERVED_NAMES",
    "name_from_label",
    "name_problems",
    "object_name_problems",
    "option_value_problems",
]

MAX_NAME_LENGTH = 63
NAME_PATTERN = re.compile(r"^[a-z][a-zA-Z0-9]*$")
OPTION_VALUE_PATTERN = re.compile(r"^[A-Z0-9_]+$")

# twenty-shared reserved-metadata-name-keywords.constant.ts: CORE_OBJECT_NAMES, then the other reserved words.
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
RESERVED_NAMES: frozenset[str] = frozenset(
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


def name_problems(name: object, what: str) -> list[str]:
    """Why ``name`` cannot be the name of a field or object (``what`` says which, for the messages)."""
    if not isinstance(name, str):
        return [f"{what}: the name must be a str, not {type(name).__name__}"]
    if not name:
        return [f"{what}: the name is empty"]
    problems: list[str] = []
    if len(name) > MAX_NAME_LENGTH:
        problems.append(f"{what}: {name!r} is {len(name)} characters long; Twenty allows {MAX_NAME_LENGTH}")
    if not NAME_PATTERN.match(name):
        problems.append(
            f"{what}: {name!r} must start with a lower-case letter and hold only letters and digits "
            f"(camelCase, {NAME_PATTERN.pattern})"
        )
    if name in RESERVED_NAMES:
        problems.append(f"{what}: {name!r} is a reserved word in Twenty; pick another name")
    return problems


def object_name_problems(name_singular: object, name_plural: object, what: str) -> list[str]:
    """Why this pair cannot name an object: each name's own problems, and a plural equal to the singular."""
    problems = name_problems(name_singular, f"{what} name_singular") + name_problems(name_plural, f"{what} name_plural")
    if (
        isinstance(name_singular, str)
        and isinstance(name_plural, str)
        and name_singular.strip().lower() == name_plural.strip().lower()
    ):
        problems.append(f"{what}: the singular and plural names must differ (both are {name_singular!r})")
    return problems


def option_value_problems(value: object, what: str) -> list[str]:
    """Why ``value`` cannot be a SELECT / MULTI_SELECT option value."""
    if not isinstance(value, str) or not OPTION_VALUE_PATTERN.match(value):
        return [
            f"{what}: option value {value!r} must be UPPER_CASE letters, digits and _ ({OPTION_VALUE_PATTERN.pattern})"
        ]
    return []


# lodash ``words`` on ASCII text (the unicode-word branch Twenty's labels take): a capitalised or lower-case word
# followed by a break, an all-capitals run, a lower-case run, a capital, or a run of digits.
_WORD = re.compile(
    r"[A-Z]?[a-z]+(?=[^A-Za-z0-9]|[A-Z]|$)"
    r"|[A-Z]+(?=[^A-Za-z0-9]|[A-Z][a-z]|$)"
    r"|[A-Z]?[a-z]+"
    r"|[A-Z]+"
    r"|[0-9]+"
)


def name_from_label(label: str) -> str:
    """The name Twenty gives a field made from a label, such as the reverse field of a relation:
    ``"Contact Business Relationships"`` → ``"contactBusinessRelationships"``, ``"S23 Affiliations"`` →
    ``"s23Affiliations"``, ``"Café Owners"`` → ``"cafeOwners"``."""
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii").strip()
    if text[:1].isdigit():
        text = "n" + text
    out = ""
    for index, word in enumerate(_WORD.findall(text)):
        lower = word.lower()
        out += lower if index == 0 else lower[:1].upper() + lower[1:]
    return out
