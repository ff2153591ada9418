"""The ``example`` values of the core document: Twenty's ``generateRandomFieldValue``, seeded.

Twenty fills examples with random fake data on every request; here they are drawn from a generator seeded with the
object's id, so the same workspace always gives the same document.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Mapping
from typing import Any

from twenty_emulator._openapi._document import JSON
from twenty_emulator._workspace import FieldMeta, ObjectMeta

__all__ = ["Fake", "is_required", "option_values", "schema_example"]

_FIRST_NAMES = ("Aurore", "Reta", "Floy", "Eriberto", "Fannie", "Reagan", "Otha", "Riley", "Carolina", "Verner")
_LAST_NAMES = ("McDermott", "Strosin", "Hackett", "Gutkowski", "Crist", "Reilly", "Hilpert", "Champlin", "Conner")
_MAIL_DOMAINS = ("gmail.com", "yahoo.com", "hotmail.com", "example.com")
_URL_WORDS = (
    "basic",
    "instruction",
    "motionless",
    "basket",
    "firm",
    "fellow",
    "lovely",
    "courtroom",
    "gloomy",
    "cycle",
)
_URL_TLDS = ("com", "net", "org", "biz", "name")
_STREETS = ("Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Elm Street")
_CITIES = ("Paris", "Lyon", "Springfield", "Riverside", "Franklin")
_STATES = ("California", "Texas", "Oregon", "Ohio", "Maine")
_COUNTRIES = ("France", "United States", "Germany", "Spain", "Canada")


class Fake:
    """Plausible random values, seeded so that a document is the same on every request."""

    def __init__(self, seed: str) -> None:
        self._rng = random.Random(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def first_name(self) -> str:
        return self._rng.choice(_FIRST_NAMES)

    def last_name(self) -> str:
        return self._rng.choice(_LAST_NAMES)

    def email(self) -> str:
        user = f"{self.first_name()}.{self.last_name()}{self._rng.randint(1, 99)}".lower().replace("'", "")
        return f"{user}@{self._rng.choice(_MAIL_DOMAINS)}"

    def url(self) -> str:
        words = "-".join(self._rng.sample(_URL_WORDS, 2))
        return f"https://{words}.{self._rng.choice(_URL_TLDS)}"

    def date_time(self) -> str:
        day = self._rng.randint(1, 28)
        hour = self._rng.randint(0, 23)
        return f"2026-12-{day:02d}T{hour:02d}:00:00.000Z"

    def text(self, characters: str) -> str:
        """One character picked from ``characters`` (faker's ``string.fromCharacters``)."""
        return self._rng.choice(characters) if characters else ""

    def int(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    def float(self, low: float, high: float) -> float:
        return round(self._rng.uniform(low, high), 2)

    def street(self) -> str:
        return f"{self._rng.randint(1, 999)} {self._rng.choice(_STREETS)}"

    def choice(self, values: tuple[str, ...]) -> str:
        return self._rng.choice(values)


def option_values(f: FieldMeta) -> list[str]:
    return [str(o.get("value")) for o in f.options if isinstance(o, Mapping)]


def _camel_to_title_case(name: str) -> str:
    """``surveyResult`` → ``Survey Result`` (Twenty's ``camelToTitleCase``)."""
    spaced = re.sub(r"([A-Z])", r" \1", name)
    return spaced[:1].upper() + spaced[1:]


def _random_field_value(f: FieldMeta, fake: Fake) -> Any:
    match f.type:
        case "UUID":
            return fake.uuid()
        case "TEXT":
            return fake.text(f.name)
        case "PHONES":
            return {
                "primaryPhoneNumber": "06 10 20 30 40",
                "primaryPhoneCallingCode": "+33",
                "primaryPhoneCountryCode": "FR",
                "additionalPhones": [],
            }
        case "EMAILS":
            return {"primaryEmail": fake.email(), "additionalEmails": None}
        case "DATE" | "DATE_TIME":
            return fake.date_time()
        case "BOOLEAN":
            return False
        case "NUMBER":
            return fake.float(1, 1000)
        case "NUMERIC":
            return fake.int(1, 1000)
        case "LINKS":
            return {"primaryLinkLabel": "", "primaryLinkUrl": fake.url(), "secondaryLinks": []}
        case "CURRENCY":
            return {"amountMicros": fake.int(100, 1000) * 1_000_000, "currencyCode": "EUR"}
        case "FULL_NAME":
            return {"firstName": fake.first_name(), "lastName": fake.last_name()}
        case "RATING":
            return "RATING_5"
        case "SELECT":
            values = option_values(f)
            return values[0] if values else None
        case "MULTI_SELECT":
            values = option_values(f)
            return values[:1]
        case "RELATION" | "MORPH_RELATION":
            return None
        case "POSITION":
            return 1
        case "ADDRESS":
            return {
                "addressStreet1": fake.street(),
                "addressStreet2": f"Apt. {fake.int(1, 999)}",
                "addressCity": fake.choice(_CITIES),
                "addressState": fake.choice(_STATES),
                "addressCountry": fake.choice(_COUNTRIES),
                "addressPostcode": f"{fake.int(10000, 99999)}",
                "addressLat": fake.float(-90, 90),
                "addressLng": fake.float(-180, 180),
            }
        case "RAW_JSON":
            return {}
        case "RICH_TEXT":
            return ""
        case "ACTOR":
            return {
                "source": "MANUAL",
                "context": {},
                "name": f"{fake.first_name()} {fake.last_name()}",
                "workspaceMemberId": None,
            }
        case "ARRAY" | "FILES":
            return []
        case _:
            return None


def is_required(f: FieldMeta) -> bool:
    return not f.is_nullable and f.default_value is None


_EXAMPLE_TYPES = frozenset({"EMAILS", "LINKS", "CURRENCY", "FULL_NAME", "SELECT", "MULTI_SELECT", "PHONES"})


def schema_example(obj: ObjectMeta, fake: Fake) -> JSON:
    example: JSON = {}
    for f in obj.fields:
        if f.type == "TS_VECTOR":
            continue
        if is_required(f) or f.type in _EXAMPLE_TYPES:
            example[f.name] = _random_field_value(f, fake)
        elif f.type == "TEXT" and f.name == "name":
            example[f.name] = f"{_camel_to_title_case(obj.name_singular)} name"
    return example
