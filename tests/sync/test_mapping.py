"""Source records ⇄ Twenty payloads (``twenty_sync._mapping``): pure functions, no server."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twenty_sync import Business, Contact, Limits, MappingError, Relationship
from twenty_sync._mapping import (
    business_to_company,
    company_to_business,
    contact_to_person,
    decode_text_json,
    encode_text_json,
    payload_hash,
    person_to_contact,
    relationship_from_twenty,
    relationship_to_twenty,
    split_name,
)


def contact(**changes: Any) -> Contact:
    values: dict[str, Any] = {
        "contact_id": "C-1",
        "canonical_name": "Ada King Lovelace",
        "contact_identifiers": {"primary_email": "Ada@Example.TEST", "primary_phone": "+33 6 12 34 56 78"},
        "category_code": "PRO",
        "llm_context": {"summary": "met at a conference", "topics": ["math"]},
        "communication_stats": {"emails": 3},
        "recommendations": ["call"],
        "sync_metadata": {"run": 1},
    }
    values.update(changes)
    return Contact(**values)


def test_contact_maps_to_a_person_payload() -> None:
    payload = contact_to_person(contact())

    assert payload["contactId"] == "C-1"
    assert payload["name"] == {"firstName": "Ada", "lastName": "King Lovelace"}
    assert payload["emails"] == {"primaryEmail": "ada@example.test"}
    assert payload["phones"] == {  # as Twenty stores it, so the payload hash never changes
        "primaryPhoneNumber": "612345678",
        "primaryPhoneCountryCode": "FR",
        "primaryPhoneCallingCode": "+33",
    }
    assert payload["categoryCode"] == "PRO"
    assert payload["llmContext"] == '{"summary":"met at a conference","topics":["math"]}'
    assert payload["communicationStats"] == {"emails": 3}
    assert payload["syncMetadata"] == {"run": 1}


def test_a_single_word_name_has_an_empty_last_name() -> None:
    assert split_name("Cher") == {"firstName": "Cher", "lastName": ""}


@pytest.mark.parametrize("value", [None, "plain text", "123", '{"a":1}', {"a": [1, 2.5]}, [1, "x"], 7, True])
def test_llm_context_text_round_trips(value: Any) -> None:
    assert decode_text_json(encode_text_json(value)) == value


def test_email_case_does_not_change_the_payload_hash() -> None:
    upper = contact(contact_identifiers={"primary_email": "ADA@EXAMPLE.TEST"})
    lower = contact(contact_identifiers={"primary_email": "ada@example.test"})

    assert upper.content_hash != lower.content_hash
    assert payload_hash(contact_to_person(upper)) == payload_hash(contact_to_person(lower))


def test_json_key_order_does_not_change_the_payload_hash() -> None:
    a = contact_to_person(contact(ai_insights={"b": 1, "a": 2}))
    b = contact_to_person(contact(ai_insights={"a": 2, "b": 1}))

    assert payload_hash(a) == payload_hash(b)


@pytest.mark.parametrize("email", ["bob@", "a b@example.test", "ada@example", "@example.test", "a@b@example.test"])
def test_a_malformed_email_refuses_the_contact_with_a_reason(email: str) -> None:
    with pytest.raises(MappingError, match="not a valid email"):
        contact_to_person(contact(contact_identifiers={"primary_email": email}))


def test_nul_byte_is_refused() -> None:
    with pytest.raises(MappingError, match="NUL byte"):
        contact_to_person(contact(category_code="a\x00b"))


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(MappingError, match="not valid Unicode"):
        contact_to_person(contact(canonical_name="bad \udc80 text"))


def test_oversized_text_is_refused() -> None:
    with pytest.raises(MappingError, match="over the limit of 10"):
        contact_to_person(contact(category_code="x" * 11), Limits(max_text=10))


def test_oversized_json_is_refused() -> None:
    with pytest.raises(MappingError, match="ai_insights"):
        contact_to_person(contact(llm_context=None, ai_insights={"k": "x" * 50}), Limits(max_json=20))


def test_odd_but_valid_unicode_passes_unchanged() -> None:
    name = "Zoë \u200fمحمد\u200e 张伟 😀 e\u0301"

    payload = contact_to_person(contact(canonical_name=name, contact_identifiers={"primary_email": "zoë@exämple.test"}))

    assert f"{payload['name']['firstName']} {payload['name']['lastName']}" == name
    assert payload["emails"]["primaryEmail"] == "zoë@exämple.test"


def test_person_maps_back_to_the_contact() -> None:
    original = contact(contact_identifiers={"primary_email": "ada@example.test"})
    row = {**contact_to_person(original), "id": "uuid-1", "phones": {"primaryPhoneNumber": ""}}
    row["subcategoryCode"] = ""  # how Twenty answers unset text

    back = person_to_contact(row)

    assert back == original


def test_person_phone_comes_back_with_its_calling_code() -> None:
    row = {
        "contactId": "C-1",
        "name": {"firstName": "Ada", "lastName": ""},
        "phones": {"primaryPhoneNumber": "612345678", "primaryPhoneCallingCode": "+33"},
    }

    assert person_to_contact(row).primary_phone == "+33 612345678"


def test_business_maps_to_a_company_with_a_normalised_domain() -> None:
    business = Business("B-1", "Acme", website="https://ACME.Example/", industry="Software", llm_context="plain")

    payload = business_to_company(business)

    assert payload["businessId"] == "B-1"
    assert payload["domainName"] == {"primaryLinkUrl": "https://acme.example"}
    assert payload["llmContext"] == "plain"
    assert company_to_business({**payload, "id": "x"}) == Business(
        "B-1", "Acme", website="https://acme.example", industry="Software", llm_context="plain"
    )


def test_relationship_role_is_contact_role_and_refs_resolve_back() -> None:
    rel = Relationship("R-1", "C-1", "B-1", role="CTO", relationship_type="employee")

    payload = relationship_to_twenty(rel)
    row = {"relationshipId": "R-1", "contactRole": "CTO", "relationshipType": "employee", "personId": "p",
           "companyId": "c"}  # fmt: skip

    assert payload["contactRole"] == "CTO"
    assert "role" not in payload
    assert payload["_refs"] == {"contact": "C-1", "business": "B-1"}
    assert relationship_from_twenty(row, {"p": "C-1"}.get, {"c": "B-1"}.get) == rel


def test_relationship_with_an_unknown_person_is_refused() -> None:
    row = {"relationshipId": "R-1", "personId": "nobody", "companyId": "c"}

    with pytest.raises(MappingError, match="not a synced record"):
        relationship_from_twenty(row, lambda _: None, {"c": "B-1"}.get)


text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)


@given(
    name=text,
    email=st.none() | st.from_regex(r"[A-Za-z0-9._%+-]{1,10}@[A-Za-z0-9-]{1,10}\.[A-Za-z]{2,5}", fullmatch=True),
    category=st.none() | text,
    llm=json_values,
    stats=json_values,
)
def test_a_round_trip_through_twenty_gives_the_same_payload(
    name: str, email: str | None, category: str | None, llm: Any, stats: Any
) -> None:
    original = Contact("C-1", name, {"primary_email": email}, category_code=category, llm_context=llm,
                       communication_stats=stats)  # fmt: skip
    payload = contact_to_person(original)
    unset_as_empty = {name: payload[name] or "" for name in ("categoryCode", "llmContext")}  # how Twenty answers
    as_twenty_answers = {**payload, **unset_as_empty}

    back = person_to_contact(as_twenty_answers)

    assert payload_hash(contact_to_person(back)) == payload_hash(payload)


# --- contact_identifiers, whole ---------------------------------------------------------------------------------


IDENTIFIERS = {
    "primary_email": "Ada@Example.TEST",
    "primary_phone": "+33 6 12 34 56 78",
    "linkedin": "ada-lovelace",
    "emails": ["ada@work.test", "ada@home.test"],
}


def as_twenty_answers(payload: dict[str, Any], **edits: Any) -> dict[str, Any]:
    """A person as Twenty answers the payload: phones parsed into calling code + national number, then ``edits``."""
    return {
        **payload,
        "id": "uuid-1",
        "phones": {
            "primaryPhoneNumber": "612345678",
            "primaryPhoneCallingCode": "+33",
            "primaryPhoneCountryCode": "FR",
        },
        **edits,
    }


def test_every_identifier_goes_to_twenty_and_comes_back() -> None:
    payload = contact_to_person(contact(contact_identifiers=IDENTIFIERS))

    assert payload["contactIdentifiers"] == {**IDENTIFIERS, "primary_email": "ada@example.test"}
    back = person_to_contact(as_twenty_answers(payload))
    assert back.contact_identifiers == {**IDENTIFIERS, "primary_email": "ada@example.test"}  # phone as spelled
    assert payload_hash(contact_to_person(back)) == payload_hash(payload)


def test_an_email_or_phone_edited_in_twenty_wins_and_the_other_identifiers_stay() -> None:
    payload = contact_to_person(contact(contact_identifiers=IDENTIFIERS))
    edited = as_twenty_answers(
        payload,
        emails={"primaryEmail": "countess@example.test", "additionalEmails": []},
        phones={"primaryPhoneNumber": "2025550123", "primaryPhoneCallingCode": "+1"},
    )

    back = person_to_contact(edited)

    assert back.contact_identifiers == {
        **IDENTIFIERS,
        "primary_email": "countess@example.test",
        "primary_phone": "+1 2025550123",
    }


def test_an_email_or_phone_cleared_in_twenty_is_removed_and_the_rest_stays() -> None:
    payload = contact_to_person(contact(contact_identifiers=IDENTIFIERS))
    cleared = as_twenty_answers(payload, emails={"primaryEmail": ""}, phones={"primaryPhoneNumber": ""})

    back = person_to_contact(cleared)

    assert back.contact_identifiers == {"linkedin": "ada-lovelace", "emails": ["ada@work.test", "ada@home.test"]}


@pytest.mark.parametrize(
    ("source", "twenty", "same"),
    [
        ("+33 6 12 34 56 78", "+33 612345678", True),
        ("06 12 34 56 78", "+33 612345678", True),  # a national number: Twenty adds the country's calling code
        ("(202) 555-0123", "+1 2025550123", True),
        ("+33 6 12 34 56 78", "+33 699999999", False),
        ("", "+33 612345678", False),
    ],
)
def test_a_phone_twenty_only_parsed_keeps_its_spelling(source: str, twenty: str, same: bool) -> None:
    identifiers = {"primary_phone": source} if source else {}
    calling, number = twenty.split(" ")
    row = {
        "contactId": "C-1",
        "name": {"firstName": "Ada", "lastName": ""},
        "contactIdentifiers": identifiers,
        "phones": {"primaryPhoneNumber": number, "primaryPhoneCallingCode": calling},
    }

    assert person_to_contact(row).primary_phone == (source if same else twenty)
