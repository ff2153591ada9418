"""Twenty's normalisation of unique values, as the client reproduces it (and as the emulator stores values)."""

from __future__ import annotations

from uuid import UUID

import pytest

from twenty_sdk import TwentyClient, normalize_email, normalize_emails, normalize_link, normalize_links
from twenty_sdk._normalise import unique_key_value


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Ada@Example.COM", "ada@example.com"),
        ("zoë.0@Example.com", "zoë.0@example.com"),
        (" spaced@example.com", " spaced@example.com"),  # not trimmed: Twenty refuses it instead
        ("bob@bücher.DE", "bob@bücher.de"),
    ],
)
def test_emails_are_lower_cased(raw: str, stored: str) -> None:
    assert normalize_email(raw) == stored


def test_emails_can_get_an_ascii_domain_as_newer_twenty_versions_write_it() -> None:
    assert normalize_email("Bob@Bücher.de", idna=True) == "bob@xn--bcher-kva.de"
    assert normalize_email("bob@example.com", idna=True) == "bob@example.com"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("https://S14-Acme.test/", "https://s14-acme.test"),
        ("HTTPS://Acme.TEST/Path/", "https://acme.test/Path"),
        ("https://acme.test/Path?Q=A", "https://acme.test/Path?Q=A"),
        ("https://acme.test:443/x", "https://acme.test/x"),
        ("http://acme.test:8080/", "http://acme.test:8080"),
        ("https://Bücher.de", "https://xn--bcher-kva.de"),
        ("s14-acme.test", "s14-acme.test"),  # no scheme: stored as sent
        ("S27CO3.TEST/", "S27CO3.TEST/"),
        ("ftp://Files.test/", "ftp://Files.test/"),
        ("", ""),
    ],
)
def test_links_get_a_lower_case_origin_and_lose_a_trailing_slash(raw: str, stored: str) -> None:
    assert normalize_link(raw) == stored


def test_composites_are_normalised_sub_field_by_sub_field() -> None:
    assert normalize_emails({"primaryEmail": "A@B.co", "additionalEmails": ["C@D.co"]}) == {
        "primaryEmail": "a@b.co",
        "additionalEmails": ["c@d.co"],
    }
    assert normalize_links(
        {"primaryLinkUrl": "https://A.co/", "primaryLinkLabel": "A", "secondaryLinks": [{"url": "https://B.co/"}]}
    ) == {"primaryLinkUrl": "https://a.co", "primaryLinkLabel": "A", "secondaryLinks": [{"url": "https://b.co"}]}


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        ("emails.primaryEmail", "A@B.co", "a@b.co"),
        ("domainName.primaryLinkUrl", "https://A.co/", "https://a.co"),
        ("id", "6F1C1A52-3C1B-4A8E-9D3E-0B1D2C3E4F50", "6f1c1a52-3c1b-4a8e-9d3e-0b1d2c3e4f50"),
        ("id", UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        ("externalId", "Ext-1", "Ext-1"),
        ("externalId", "", None),
        ("emails.primaryEmail", None, None),
    ],
)
def test_unique_key_values(path: str, value: object, key: object) -> None:
    assert unique_key_value(path, value) == key


def test_the_emulator_stores_values_as_the_client_normalises_them(twenty: TwentyClient) -> None:
    sent = {"name": "Norm", "domainName": {"primaryLinkUrl": "HTTPS://Norm-Co.TEST/About/"}}
    company = twenty.companies.create(sent)
    assert company.domain_name  # neither None nor UNSET
    assert company.domain_name.primary_link_url == normalize_link("HTTPS://Norm-Co.TEST/About/")
    someone = twenty.people.create({"emails": {"primaryEmail": "Norm.Al@Example.COM", "additionalEmails": ["X@Y.Z"]}})
    assert someone.emails  # neither None nor UNSET
    assert someone.emails.primary_email == normalize_email("Norm.Al@Example.COM")
    assert someone.emails.additional_emails == ["x@y.z"]
