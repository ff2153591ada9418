"""Cleaning dirty source values before they go (``twenty_sync._clean`` through the mappings): what Twenty would
refuse never leaves, junk in an optional field is dropped with a warning, and what goes is spelled as Twenty stores
it. Pure functions, no server."""

from __future__ import annotations

from typing import Any

import pytest
from twenty_sync import Business, Contact, Limits, MappingError
from twenty_sync._clean import CleaningError, clean_email, clean_link, clean_phone, is_valid_url
from twenty_sync._mapping import business_to_company, contact_to_person, identifiers, payload_hash

US = Limits(default_phone_region="US")


def person(identifiers: Any, limits: Limits = US, warnings: list[str] | None = None) -> dict[str, Any]:
    return contact_to_person(Contact("C-1", "Ada Lovelace", contact_identifiers=identifiers), limits, warnings)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (" ada@example.org ", "ada@example.org"),
        ("\tAda@Example.ORG\n", "ada@example.org"),
        ("\u200bada@example.org\u00a0", "ada@example.org"),
        ("mailto:ada@example.org", "ada@example.org"),
        ("<ada@example.org>", "ada@example.org"),
        ("zoë.0@example.org", "zoë.0@example.org"),  # Twenty takes a non-ASCII local part
    ],
)
def test_emails_are_trimmed_and_lower_cased_as_twenty_stores_them(raw: str, clean: str) -> None:
    assert clean_email(raw) == clean


@pytest.mark.parametrize(
    "raw",
    ["bob@", "a b@x.org", 'a"b@x.org', "ada@localhost", "ada@x.", f"{'a' * 65}@x.org", "not-an-email", "bob at x.org"],
)
def test_a_malformed_email_is_not_junk_but_an_error(raw: str) -> None:
    with pytest.raises(CleaningError) as caught:
        clean_email(raw)
    assert caught.value.junk is False


@pytest.mark.parametrize("raw", ["n/a", "N/A", "unknown", "-", "none", "--", "No email"])
def test_an_email_placeholder_is_junk(raw: str) -> None:
    with pytest.raises(CleaningError) as caught:
        clean_email(raw)
    assert caught.value.junk is True


def test_a_national_phone_with_a_default_region_is_sent_as_twenty_stores_it() -> None:
    assert clean_phone(" (415) 555-0101 ", "US") == {
        "primaryPhoneNumber": "4155550101",
        "primaryPhoneCountryCode": "US",
        "primaryPhoneCallingCode": "+1",
    }


def test_an_international_phone_ignores_the_default_region() -> None:
    assert clean_phone("+33 6 12 34 56 78", "US") == {
        "primaryPhoneNumber": "612345678",
        "primaryPhoneCountryCode": "FR",
        "primaryPhoneCallingCode": "+33",
    }


def test_two_spellings_of_one_phone_hash_alike() -> None:
    a = person({"primary_email": "a@x.org", "primary_phone": "(415) 555-0101"})
    b = person({"primary_email": "a@x.org", "primary_phone": "415.555.0101"})

    assert a["phones"] == b["phones"]


def test_a_national_phone_without_a_region_is_junk_naming_the_setting() -> None:
    with pytest.raises(CleaningError, match="default_phone_region") as caught:
        clean_phone("(415) 555-0101", None)
    assert caught.value.junk is True


@pytest.mark.parametrize("raw", ["n/a", "555", "call me", "+1 2"])
def test_a_junk_phone_is_junk(raw: str) -> None:
    with pytest.raises(CleaningError):
        clean_phone(raw, "US")


def test_a_junk_phone_is_dropped_with_a_warning_and_the_contact_still_goes() -> None:
    warnings: list[str] = []

    payload = person({"primary_email": "ada@x.org", "primary_phone": "n/a"}, warnings=warnings)

    assert "phones" not in payload
    assert payload["emails"] == {"primaryEmail": "ada@x.org"}
    assert warnings == ["primary_phone: 'n/a' is not a phone number: sent without it"]


def test_strict_refuses_a_contact_with_a_junk_phone() -> None:
    with pytest.raises(MappingError, match="primary_phone: 'n/a' is not a phone number"):
        person({"primary_email": "ada@x.org", "primary_phone": "n/a"}, Limits(strict=True))


def test_an_email_placeholder_is_dropped_with_a_warning() -> None:
    warnings: list[str] = []

    payload = person({"primary_email": "n/a"}, warnings=warnings)

    assert payload["emails"] == {"primaryEmail": ""}
    assert warnings == ["primary_email: 'n/a' is not an email address: sent without it"]


def test_a_malformed_email_refuses_the_contact_even_when_not_strict() -> None:
    with pytest.raises(MappingError, match="primary_email: 'bob@' is not a valid email address"):
        person({"primary_email": "bob@"})


def test_spaces_around_an_email_are_no_change() -> None:
    a = person({"primary_email": " Ada@X.org "})
    b = person({"primary_email": "ada@x.org"})

    assert payload_hash(a) == payload_hash(b)


# --- list-shaped identifiers --------------------------------------------------------------------------------------

TYPED = [
    {"type": "email", "value": "old@x.org", "is_primary": False},
    {"type": "phone", "value": "+44 20 7946 0958", "is_primary": False},
    {"type": "email", "value": " Ada@X.org ", "is_primary": True},
    {"type": "linkedin", "value": "ada-l"},
]


def test_typed_identifiers_give_the_primary_email_and_phone_by_type_and_is_primary() -> None:
    assert identifiers(TYPED) == (" Ada@X.org ", "+44 20 7946 0958")


def test_typed_identifiers_reach_twenty_with_the_others_kept_whole() -> None:
    payload = person(TYPED)

    assert payload["emails"] == {"primaryEmail": "ada@x.org"}
    assert payload["phones"]["primaryPhoneCallingCode"] == "+44"
    assert [i["value"] for i in payload["contactIdentifiers"]] == [
        "old@x.org",
        "+44 20 7946 0958",
        "ada@x.org",
        "ada-l",
    ]


def test_without_is_primary_the_first_of_a_type_is_primary() -> None:
    assert identifiers([{"type": "EMAIL", "value": "a@x.org"}, {"type": "email", "value": "b@x.org"}]) == (
        "a@x.org",
        None,
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (["ada@x.org"], r"contact_identifiers\[0\]: expected a typed identifier"),
        ([{"kind": "email", "value": "a@x.org"}], r"contact_identifiers\[0\]: expected a typed identifier"),
        ("ada@x.org", "contact_identifiers: a str, expected an object"),
        ({"primary_email": ["a@x.org"]}, "contact_identifiers.primary_email: a list, not text"),
    ],
)
def test_identifiers_of_an_unknown_shape_are_refused_never_sent_without_an_email(value: Any, reason: str) -> None:
    with pytest.raises(MappingError, match=reason):
        person(value)


# --- links --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("acme.test", True),
        ("https://Acme.test/", True),
        ("http://127.0.0.1", True),
        ("https://xn--bcher-kva.de", True),
        ("bücher.de", True),
        ("n/a", False),
        ("not a url", False),
        ("12345", False),
        ("https://", False),
        ("acme", False),
    ],
)
def test_urls_are_checked_as_twenty_checks_them(raw: str, ok: bool) -> None:
    assert is_valid_url(raw) is ok


def test_a_website_is_trimmed_and_normalised() -> None:
    assert clean_link("  https://Acme.TEST/  ") == "https://acme.test"


def test_a_junk_website_is_dropped_with_a_warning() -> None:
    warnings: list[str] = []

    payload = business_to_company(Business("B-1", "Acme", website="n/a"), US, warnings)

    assert payload["domainName"] == {"primaryLinkUrl": ""}
    assert warnings == ["website: 'n/a' is not a valid URL: sent without it"]


# --- JSON fields --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "sent"), [("plain prose", '"plain prose"'), (42, "42"), (True, "true")])
def test_a_json_field_holding_a_scalar_goes_as_json_text_twenty_accepts(raw: Any, sent: str) -> None:
    payload = contact_to_person(Contact("C-1", "Ada", contact_identifiers=None, ai_insights=raw))

    assert payload["aiInsights"] == sent


def test_a_json_field_holding_json_text_goes_as_it_is() -> None:
    payload = contact_to_person(Contact("C-1", "Ada", contact_identifiers=None, ai_insights='{"a": 1}'))

    assert payload["aiInsights"] == '{"a": 1}'
