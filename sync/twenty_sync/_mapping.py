"""Source records ⇄ Twenty records: pure functions, no I/O.

=====================================  ==========================================================================
source                                 Twenty
=====================================  ==========================================================================
``Contact``                            ``person`` (``/rest/people``), upsert key ``contactId``
  ``canonical_name``                   ``name.firstName`` (up to the first space) / ``name.lastName`` (the rest)
  ``contact_identifiers.primary_email`` ``emails.primaryEmail``, cleaned and normalised as Twenty does (trimmed,
                                       lower-cased; see :mod:`twenty_sync._clean`)
  ``contact_identifiers.primary_phone`` ``phones.primaryPhoneNumber`` / ``primaryPhoneCountryCode`` /
                                       ``primaryPhoneCallingCode``, parsed with libphonenumber as Twenty stores it
  ``contact_identifiers``              ``contactIdentifiers`` (RAW_JSON), the whole value, so no key is lost; a list
                                       of typed identifiers (``{"type": "email", "value": ..., "is_primary": true}``)
                                       gives the primary email and phone by type and ``is_primary`` (the others stay
                                       in ``contactIdentifiers``; additional emails and phones are the CRM's own)
  ``category_code`` …                  ``categoryCode``, ``subcategoryCode``, ``relationshipCategory`` (TEXT)
  ``llm_context``                      ``llmContext`` (TEXT: a string as is, any other JSON value as JSON text)
  JSON fields                          ``communicationStats``, ``socialNetwork``, ``aiInsights``,
                                       ``recommendations``, ``syncMetadata`` (RAW_JSON)
``Business``                           ``company`` (``/rest/companies``), upsert key ``businessId``
  ``business_name`` / ``website``      ``name`` / ``domainName.primaryLinkUrl`` (normalised as Twenty does)
  the rest                             ``industry``, ``businessType``, ``llmContext`` (TEXT), ``businessData``,
                                       ``relationshipStats``, ``syncMetadata`` (RAW_JSON)
``Relationship``                       ``contactBusinessRelationship`` (``/rest/contactBusinessRelationships``),
                                       upsert key ``relationshipId``; ``role`` → ``contactRole`` (``role`` is
                                       reserved in Twenty); ``personId`` / ``companyId`` resolved by the engine
=====================================  ==========================================================================

A payload is built from the record *after* Twenty's normalisation (emails, links), so its hash
(:func:`payload_hash`) does not change when only the spelling Twenty folds away does: an unchanged row never looks
changed. Bad input (a malformed email, a NUL byte, text over ``Limits``, text that is not valid Unicode, identifiers
of a shape the sync cannot read) raises :class:`MappingError` with the reason, for one record at a time; junk in an
optional field (a phone ``n/a``) is dropped and noted in ``warnings`` (``Limits.strict``: refused instead).

Back from Twenty (``person_to_contact`` …): empty text (``""``, how Twenty answers unset text) becomes ``None``;
``contact_identifiers`` comes back whole from ``contactIdentifiers`` (a RAW_JSON copy of the warehouse's object), its
``primary_email`` / ``primary_phone`` replaced by Twenty's when they were edited there (the copy's email is written
as Twenty spells it, lower-cased; a phone Twenty merely parsed keeps the warehouse's spelling).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from twenty_sdk import normalize_email
from twenty_sync._clean import CleaningError, clean_email, clean_link, clean_phone
from twenty_sync._records import (
    BUSINESSES,
    CONTACTS,
    RELATIONSHIPS,
    Business,
    Contact,
    Entity,
    JsonValue,
    Relationship,
    SourceRecord,
)

__all__ = [
    "OBJECTS",
    "Limits",
    "MappingError",
    "TwentyObject",
    "business_to_company",
    "company_to_business",
    "contact_to_person",
    "decode_text_json",
    "encode_text_json",
    "payload_hash",
    "person_to_contact",
    "relationship_from_twenty",
    "relationship_to_twenty",
    "twenty_projection",
]

R = TypeVar("R", bound=SourceRecord)

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=True)


_JSON_STARTS = frozenset('{["-0123456789tfn \t\n\r')


class MappingError(ValueError):
    """A record that cannot be sent to Twenty; ``reason`` says why (the record's key is the caller's to add)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@attrs.frozen
class Limits:
    """What a record may hold before it is refused, and how its dirty values are cleaned: characters per TEXT
    field, characters of JSON text per RAW_JSON field; ``default_phone_region`` (``"US"``): the country of phone
    numbers written without ``+`` and a calling code (none: such a number is junk); ``strict``: refuse a record
    holding junk in an optional field instead of sending it without that field (see :mod:`twenty_sync._clean`)."""

    max_text: int = 100_000
    max_json: int = 1_000_000
    default_phone_region: str | None = None
    strict: bool = False


DEFAULT_LIMITS = Limits()


# --- values -------------------------------------------------------------------------------------------------------


def _check_text(name: str, value: str, limit: int) -> None:
    if "\x00" in value:
        raise MappingError(f"{name}: holds a NUL byte (\\x00), which Twenty answers with a 500")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MappingError(f"{name}: not valid Unicode text ({exc.reason} at position {exc.start})") from None
    if len(value) > limit:
        raise MappingError(f"{name}: {len(value)} characters, over the limit of {limit}")


def _text(name: str, value: str | None, limits: Limits) -> str | None:
    if value is None or value == "":
        return None  # Twenty answers unset text as "": both are "no value", so they map (and hash) alike
    _check_text(name, value, limits.max_text)
    return value


def _json(name: str, value: JsonValue, limits: Limits) -> JsonValue:
    if value is None:
        return None
    if isinstance(value, str):
        _check_text(name, value, limits.max_json)
    elif isinstance(value, (dict, list)):
        # the records' validator has checked it is JSON; the C encoder only measures it (and finds lone surrogates)
        _check_text(name, _COMPACT.encode(value), limits.max_json)
    return value


def encode_text_json(value: JsonValue) -> str | None:
    """A JSON value for a TEXT field: a string as is (unless it would read back as another JSON value: then as
    JSON text), anything else as JSON text (keys sorted); None stays None. :func:`decode_text_json` reverses it."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value or value[0] not in _JSON_STARTS:
            return value  # cannot read back as JSON (the common case: prose)
        try:
            json.loads(value)
        except ValueError:
            return value
    return _SORTED.encode(value)


def decode_text_json(text: str | None) -> JsonValue:
    """The inverse of :func:`encode_text_json` (``""`` and None read as None)."""
    if text is None or text == "":
        return None
    try:
        value: JsonValue = json.loads(text)
    except ValueError:
        return text
    return value


def _empty_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


Warnings = list[str]
"""Where a mapping notes what it dropped from a record that still goes (``"primary_phone: 'n/a' is not a phone
number: sent without it"``); the engine logs them as warnings."""


def _optional(name: str, exc: CleaningError, limits: Limits, warnings: Warnings | None) -> None:
    """A junk value in an optional field: noted and dropped, or (``strict``) the record refused."""
    if limits.strict or not exc.junk:
        raise MappingError(f"{name}: {exc.reason}")
    if warnings is not None:
        warnings.append(f"{name}: {exc.reason}: sent without it")


def _email(value: str | None, limits: Limits, warnings: Warnings | None = None) -> str | None:
    if value is None:
        return None
    _check_text("primary_email", value, limits.max_text)
    try:
        return clean_email(value)
    except CleaningError as exc:
        _optional("primary_email", exc, limits, warnings)  # only a placeholder (no "@") gets here
        return None


def _phone(value: str | None, limits: Limits, warnings: Warnings | None) -> dict[str, Any] | None:
    if value is None:
        return None
    _check_text("primary_phone", value, limits.max_text)
    try:
        return clean_phone(value, limits.default_phone_region)
    except CleaningError as exc:
        _optional("primary_phone", exc, limits, warnings)
        return None


def _link(name: str, value: str | None, limits: Limits, warnings: Warnings | None) -> str | None:
    if value is None:
        return None
    _check_text(name, value, limits.max_text)
    try:
        return clean_link(value)
    except CleaningError as exc:
        _optional(name, exc, limits, warnings)
        return None


def _raw_json(name: str, value: JsonValue, limits: Limits) -> JsonValue:
    """A RAW_JSON value as Twenty takes it (``validate-raw-json-field-or-throw.util.ts``): an object or a list as
    is; a string only when it is JSON text (Twenty parses it), so any other scalar goes as its JSON text."""
    value = _json(name, value, limits)
    if value is None or isinstance(value, (dict, list)):
        return value
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return _COMPACT.encode(value)
        return value
    return _COMPACT.encode(value)


# --- contact identifiers ------------------------------------------------------------------------------------------

_EMAIL_TYPES = frozenset({"email", "e-mail", "mail"})
_PHONE_TYPES = frozenset({"phone", "mobile", "telephone", "tel", "cell", "work_phone", "home_phone"})


def identifiers(value: JsonValue) -> tuple[str | None, str | None]:
    """The primary email and phone of a ``contact_identifiers``: an object with ``primary_email`` /
    ``primary_phone``, or a list of typed identifiers (``[{"type": "email", "value": ..., "is_primary": true},
    ...]``: per type, the one marked primary, else the first). Raises :class:`MappingError` for any other shape
    that names emails or phones in a way the sync cannot read, rather than sending the contact with none."""
    if value is None:
        return None, None
    if isinstance(value, dict):
        email, phone = value.get("primary_email"), value.get("primary_phone")
        for name, item in (("primary_email", email), ("primary_phone", phone)):
            if item is not None and not isinstance(item, str):
                raise MappingError(f"contact_identifiers.{name}: a {type(item).__name__}, not text")
        return (email if isinstance(email, str) and email else None), (
            phone if isinstance(phone, str) and phone else None
        )
    if isinstance(value, list):
        picked: dict[str, tuple[bool, str]] = {}
        for i, item in enumerate(value):
            kind_text = item.get("type") if isinstance(item, dict) else None
            if not isinstance(item, dict) or not isinstance(kind_text, str):
                shown = _COMPACT.encode(item)[:80]
                raise MappingError(
                    f"contact_identifiers[{i}]: expected a typed identifier "
                    f'{{"type": "email"|"phone"|..., "value": ..., "is_primary": ...}}, not {shown}'
                )
            kind = kind_text.strip().lower()
            kind = "email" if kind in _EMAIL_TYPES else "phone" if kind in _PHONE_TYPES else kind
            text = item.get("value")
            if kind not in ("email", "phone") or text is None or text == "":
                continue
            if not isinstance(text, str):
                raise MappingError(f"contact_identifiers[{i}].value: a {type(text).__name__}, not text")
            primary = item.get("is_primary") is True
            if kind not in picked or (primary and not picked[kind][0]):
                picked[kind] = (primary, text)
        return (picked["email"][1] if "email" in picked else None), (picked["phone"][1] if "phone" in picked else None)
    raise MappingError(
        f"contact_identifiers: a {type(value).__name__}, expected an object (primary_email, primary_phone) or a "
        "list of typed identifiers"
    )


def _with_clean_email(value: JsonValue, raw: str | None, email: str) -> JsonValue:
    """The identifiers with the primary email as Twenty spells it: a case or spacing change is no change."""
    if isinstance(value, dict):
        return {**value, "primary_email": email}
    if isinstance(value, list):
        out: list[JsonValue] = list(value)
        for i, item in enumerate(out):
            kind = str(item.get("type", "")).strip().lower() if isinstance(item, dict) else ""
            if isinstance(item, dict) and item.get("value") == raw and kind in _EMAIL_TYPES:
                out[i] = {**item, "value": email}
                break
        return out
    return value


MAPPING_VERSION = "3"
"""The version of the source → Twenty mapping. Bump it when the same source record would now be sent differently
(a field added or mapped otherwise): a state written under another version makes the next run re-map every record,
even those whose source did not change, and send those whose payload did (2: ``contactIdentifiers``; 3: values
cleaned, phones sent parsed, list-shaped identifiers read)."""


def payload_hash(payload: Mapping[str, Any]) -> str:
    """sha256 of a payload's JSON text with sorted keys: equal payloads hash alike whatever their key order. Only
    the sync's state keeps it (it is never compared with a hash computed elsewhere), so the C encoder's text is
    canonical enough."""
    text = _SORTED.encode(payload)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# --- contacts ⇄ people --------------------------------------------------------------------------------------------


def split_name(canonical_name: str) -> dict[str, str]:
    """``"Ada King Lovelace"`` → ``{"firstName": "Ada", "lastName": "King Lovelace"}`` (split at the first space)."""
    first, _, last = canonical_name.strip().partition(" ")
    return {"firstName": first, "lastName": last.strip()}


def contact_to_person(
    contact: Contact, limits: Limits = DEFAULT_LIMITS, warnings: Warnings | None = None
) -> dict[str, Any]:
    """A ``person`` payload for a contact (see the module table); raises :class:`MappingError`. What was dropped
    from it (junk in an optional field) is appended to ``warnings``."""
    name = _text("canonical_name", contact.canonical_name, limits) or ""
    payload: dict[str, Any] = {
        "contactId": contact.contact_id,
        "name": split_name(name),
        "categoryCode": _text("category_code", contact.category_code, limits),
        "subcategoryCode": _text("subcategory_code", contact.subcategory_code, limits),
        "relationshipCategory": _text("relationship_category", contact.relationship_category, limits),
        "llmContext": _text("llm_context", encode_text_json(_json("llm_context", contact.llm_context, limits)), limits),
        "communicationStats": _raw_json("communication_stats", contact.communication_stats, limits),
        "socialNetwork": _raw_json("social_network", contact.social_network, limits),
        "aiInsights": _raw_json("ai_insights", contact.ai_insights, limits),
        "recommendations": _raw_json("recommendations", contact.recommendations, limits),
        "syncMetadata": _raw_json("sync_metadata", contact.sync_metadata, limits),
    }
    ids = _raw_json("contact_identifiers", contact.contact_identifiers, limits)
    raw_email, raw_phone = identifiers(contact.contact_identifiers)
    email = _email(raw_email, limits, warnings)
    if email is not None:  # as Twenty spells it: a case change is no change
        ids = _with_clean_email(ids, raw_email, email)
    payload["contactIdentifiers"] = ids
    payload["emails"] = {"primaryEmail": email or ""}
    phone = _phone(raw_phone, limits, warnings)
    if phone is not None:
        payload["phones"] = phone
    return payload


def person_to_contact(row: Mapping[str, Any]) -> Contact:
    """A contact from a Twenty ``person`` (a plain record dict, custom fields at the top level)."""
    name = row.get("name") or {}
    first, last = _empty_none(name.get("firstName")) or "", _empty_none(name.get("lastName")) or ""
    return Contact(
        contact_id=str(row["contactId"]),
        canonical_name=f"{first} {last}".strip(),
        contact_identifiers=_identifiers_from_twenty(row),
        category_code=_empty_none(row.get("categoryCode")),
        subcategory_code=_empty_none(row.get("subcategoryCode")),
        relationship_category=_empty_none(row.get("relationshipCategory")),
        llm_context=decode_text_json(row.get("llmContext")),
        communication_stats=row.get("communicationStats"),
        social_network=row.get("socialNetwork"),
        ai_insights=row.get("aiInsights"),
        recommendations=row.get("recommendations"),
        sync_metadata=row.get("syncMetadata"),
    )


def _identifiers_from_twenty(row: Mapping[str, Any]) -> JsonValue:
    """``contact_identifiers`` back: the object the warehouse gave (kept whole in ``contactIdentifiers``), with its
    primary email and phone taken from Twenty's own fields when they were edited there. A phone Twenty only parsed
    (into calling code + number) keeps the warehouse's spelling, so a record nobody edited comes back as it went
    (its email lower-cased)."""
    stored = row.get("contactIdentifiers")
    if isinstance(stored, list):
        return _typed_identifiers_from_twenty(stored, row)
    identifiers: dict[str, JsonValue] = dict(stored) if isinstance(stored, dict) else {}
    email = _empty_none((row.get("emails") or {}).get("primaryEmail"))
    before = identifiers.get("primary_email")
    if email is None:
        if isinstance(before, str) and before:
            identifiers.pop("primary_email")  # removed in Twenty
    elif not (isinstance(before, str) and normalize_email(before) == email):
        identifiers["primary_email"] = email
    phones = row.get("phones") or {}
    number = _empty_none(phones.get("primaryPhoneNumber"))
    before = identifiers.get("primary_phone")
    if number is None:
        if isinstance(before, str) and before:
            identifiers.pop("primary_phone")
    else:
        calling = _empty_none(phones.get("primaryPhoneCallingCode")) or ""
        phone = f"{calling} {number}".strip() if not number.startswith("+") else number
        if not (isinstance(before, str) and _same_phone(before, phone)):
            identifiers["primary_phone"] = phone
    if not identifiers:
        return stored if isinstance(stored, dict) else None  # {} stays {}, nothing stays None
    return identifiers


def _twenty_phone(row: Mapping[str, Any]) -> str | None:
    phones = row.get("phones") or {}
    number = _empty_none(phones.get("primaryPhoneNumber"))
    if number is None:
        return None
    calling = _empty_none(phones.get("primaryPhoneCallingCode")) or ""
    return f"{calling} {number}".strip() if not number.startswith("+") else number


def _typed_identifiers_from_twenty(stored: list[Any], row: Mapping[str, Any]) -> JsonValue:
    """A list of typed identifiers back: the primary email and phone entries take Twenty's values when they were
    edited there (an entry is added when there was none)."""
    out: list[JsonValue] = list(stored)
    try:
        email_before, phone_before = identifiers(out)
    except MappingError:
        return out
    email = _empty_none((row.get("emails") or {}).get("primaryEmail"))
    phone = _twenty_phone(row)
    if email is not None and not (email_before and normalize_email(email_before.strip()) == email):
        _set_typed(out, "email", email_before, email)
    if phone is not None and not (phone_before and _same_phone(phone_before, phone)):
        _set_typed(out, "phone", phone_before, phone)
    return out


def _set_typed(items: list[JsonValue], kind: str, before: str | None, value: str) -> None:
    for i, item in enumerate(items):
        if isinstance(item, dict) and before is not None and item.get("value") == before:
            items[i] = {**item, "value": value}
            return
    items.append({"type": kind, "value": value, "is_primary": True})


def _same_phone(source: str, twenty: str) -> bool:
    """Whether Twenty's parsed phone is the source's number, spelled otherwise (same digits once the calling code
    and a national trunk 0 are accounted for)."""
    a, b = re.sub(r"\D", "", source), re.sub(r"\D", "", twenty)
    if not a or not b:
        return False
    if a == b or a.endswith(b) or b.endswith(a):
        return True
    national = a.lstrip("0")
    return bool(national) and b.endswith(national)


# --- businesses ⇄ companies ---------------------------------------------------------------------------------------


def business_to_company(
    business: Business, limits: Limits = DEFAULT_LIMITS, warnings: Warnings | None = None
) -> dict[str, Any]:
    """A ``company`` payload for a business; raises :class:`MappingError` (junk dropped: see ``warnings``)."""
    website = _link("website", business.website, limits, warnings)
    return {
        "businessId": business.business_id,
        "name": _text("business_name", business.business_name, limits) or "",
        "domainName": {"primaryLinkUrl": website or ""},
        "industry": _text("industry", business.industry, limits),
        "businessType": _text("business_type", business.business_type, limits),
        "llmContext": _text(
            "llm_context", encode_text_json(_json("llm_context", business.llm_context, limits)), limits
        ),
        "businessData": _raw_json("business_data", business.business_data, limits),
        "relationshipStats": _raw_json("relationship_stats", business.relationship_stats, limits),
        "syncMetadata": _raw_json("sync_metadata", business.sync_metadata, limits),
    }


def company_to_business(row: Mapping[str, Any]) -> Business:
    """A business from a Twenty ``company``."""
    return Business(
        business_id=str(row["businessId"]),
        business_name=str(row.get("name") or ""),
        website=_empty_none((row.get("domainName") or {}).get("primaryLinkUrl")),
        industry=_empty_none(row.get("industry")),
        business_type=_empty_none(row.get("businessType")),
        business_data=row.get("businessData"),
        relationship_stats=row.get("relationshipStats"),
        sync_metadata=row.get("syncMetadata"),
        llm_context=decode_text_json(row.get("llmContext")),
    )


# --- relationships ------------------------------------------------------------------------------------------------


def relationship_to_twenty(
    relationship: Relationship, limits: Limits = DEFAULT_LIMITS, warnings: Warnings | None = None
) -> dict[str, Any]:
    """A ``contactBusinessRelationship`` payload *without* ``personId`` / ``companyId`` (the engine adds them once
    the contact and business have Twenty ids); the source keys ride along under ``_refs`` for it."""
    return {
        "relationshipId": relationship.relationship_id,
        "contactRole": _text("role", relationship.role, limits),
        "relationshipType": _text("relationship_type", relationship.relationship_type, limits),
        "_refs": {
            "contact": _text("contact_id", relationship.contact_id, limits),
            "business": _text("business_id", relationship.business_id, limits),
        },
    }


def relationship_from_twenty(
    row: Mapping[str, Any],
    contact_key: Callable[[str], str | None],
    business_key: Callable[[str], str | None],
) -> Relationship:
    """A relationship from a Twenty record; ``contact_key`` / ``business_key`` turn Twenty ids back into source keys
    (raises :class:`MappingError` when one is unknown)."""
    person_id, company_id = row.get("personId"), row.get("companyId")
    contact = contact_key(str(person_id)) if person_id else None
    business = business_key(str(company_id)) if company_id else None
    if contact is None or business is None:
        raise MappingError(f"relationship {row.get('relationshipId')!r}: its person or company is not a synced record")
    return Relationship(
        relationship_id=str(row["relationshipId"]),
        contact_id=contact,
        business_id=business,
        role=_empty_none(row.get("contactRole")),
        relationship_type=_empty_none(row.get("relationshipType")),
    )


# --- the objects --------------------------------------------------------------------------------------------------


@attrs.frozen
class TwentyObject(Generic[R]):
    """How one entity lives in Twenty: its object, its upsert key field, the unique value Twenty also matches
    upserts on (``emails.primaryEmail``...), and the fields a pull compares (:func:`twenty_projection`)."""

    entity: Entity[R]
    name_plural: str
    key_field: str
    unique_path: tuple[str, str] | None
    to_payload: Callable[[R, Limits, Warnings | None], dict[str, Any]] = attrs.field(repr=False)
    projected: tuple[str, ...] = attrs.field(repr=False)

    def unique_value(self, payload: Mapping[str, Any]) -> str | None:
        if self.unique_path is None:
            return None
        outer, inner = self.unique_path
        value = (payload.get(outer) or {}).get(inner)
        return value if isinstance(value, str) and value else None


_PERSON_FIELDS = (
    *("contactId", "name", "emails", "phones", "contactIdentifiers", "categoryCode", "subcategoryCode"),
    "relationshipCategory",
    *("llmContext", "communicationStats", "socialNetwork", "aiInsights", "recommendations", "syncMetadata"),
)
_COMPANY_FIELDS = (
    *("businessId", "name", "domainName", "industry", "businessType", "llmContext", "businessData"),
    *("relationshipStats", "syncMetadata"),
)

OBJECTS: dict[str, TwentyObject[Any]] = {
    "contacts": TwentyObject(
        CONTACTS,
        "people",
        "contactId",
        ("emails", "primaryEmail"),
        contact_to_person,
        _PERSON_FIELDS,
    ),
    "businesses": TwentyObject(
        BUSINESSES,
        "companies",
        "businessId",
        ("domainName", "primaryLinkUrl"),
        business_to_company,
        _COMPANY_FIELDS,
    ),
    "relationships": TwentyObject(
        RELATIONSHIPS,
        "contactBusinessRelationships",
        "relationshipId",
        None,
        relationship_to_twenty,
        ("relationshipId", "contactRole", "relationshipType", "personId", "companyId"),
    ),
}
"""The Twenty side of each entity, by entity name."""


def twenty_projection(obj: TwentyObject[Any], row: Mapping[str, Any]) -> str:
    """The hash of the fields of a Twenty record that the sync maps (bookkeeping fields such as ``updatedAt`` and
    ``position`` left out): equal when a pull finds the record as the last write left it."""
    return payload_hash({name: row.get(name) for name in obj.projected})
