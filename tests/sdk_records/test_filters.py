"""Filters are written so that Twenty's parser reads exactly the values given, or refused before sending."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from uuid import UUID

import pytest

from twenty_sdk import Filter, TwentyClient


@pytest.mark.parametrize(
    ("built", "text"),
    [
        (Filter.eq("emails.primaryEmail", "ada@example.com"), "emails.primaryEmail[eq]:ada@example.com"),
        (Filter.eq("name", "Acme, Inc"), 'name[eq]:"Acme, Inc"'),
        (Filter.eq("name", '"quoted"'), 'name[eq]:""quoted""'),
        (Filter.eq("name", ""), 'name[eq]:""'),
        (Filter.gte("employees", 10), "employees[gte]:10"),
        (Filter.lt("amount.amountMicros", 2.5), "amount.amountMicros[lt]:2.5"),
        (Filter.eq("visaSponsorship", True), "visaSponsorship[eq]:true"),
        (Filter.neq("id", UUID(int=1)), "id[neq]:00000000-0000-0000-0000-000000000001"),
        (
            Filter.gt("updatedAt", dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)),
            "updatedAt[gt]:2026-01-02T03:04:05.678Z",
        ),
        (Filter.lte("createdAt", dt.date(2026, 1, 2)), "createdAt[lte]:2026-01-02"),
        (Filter.ilike("name.firstName", "%an%"), "name.firstName[ilike]:%an%"),
        (Filter.starts_with("name", "Ac"), "name[startsWith]:Ac"),
        (Filter.ends_with("name", "me"), "name[endsWith]:me"),
        (Filter.in_("id", ["a", "b"]), "id[in]:[a,b]"),
        (Filter.in_("employees", [1, 2]), "employees[in]:[1,2]"),
        (Filter.contains_any("tags", ["x"]), "tags[containsAny]:[x]"),
        (Filter.is_null("companyId"), "companyId[is]:NULL"),
        (Filter.is_not_null("deletedAt"), "deletedAt[is]:NOT_NULL"),
        (Filter.eq("a", 1) & Filter.eq("b", 2), "and(a[eq]:1,b[eq]:2)"),
        (Filter.eq("a", 1) | Filter.eq("b", 2), "or(a[eq]:1,b[eq]:2)"),
        (~Filter.eq("a", 1), "not(a[eq]:1)"),
        (
            Filter.and_(Filter.or_("a[eq]:1", "b[eq]:2"), Filter.raw("c[is]:NULL")),
            "and(or(a[eq]:1,b[eq]:2),c[is]:NULL)",
        ),
    ],
)
def test_filters_are_written_in_twentys_syntax(built: Filter, text: str) -> None:
    assert str(built) == text


def test_a_value_with_an_odd_quote_goes_last_in_its_conjunction() -> None:
    built = Filter.eq("name.lastName", "O'Brien") & Filter.eq("jobTitle", "CEO")
    assert str(built) == "and(jobTitle[eq]:CEO,name.lastName[eq]:O'Brien)"


def test_two_values_with_odd_quotes_cannot_be_combined() -> None:
    with pytest.raises(ValueError, match="misread"):
        Filter.eq("name.lastName", "O'Brien") | Filter.eq("name.lastName", "D'Arcy")


def test_parentheses_that_do_not_pair_up_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot read"):
        Filter.eq("name", "smile :)")


def test_a_comma_cannot_be_in_an_in_list() -> None:
    with pytest.raises(ValueError, match="splits an in list on every comma"):
        Filter.in_("name", ["Acme, Inc", "Other"])


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: Filter.eq("name", None), ValueError),
        (lambda: Filter.in_("id", []), ValueError),
        (lambda: Filter.in_("id", "abc"), TypeError),
        (lambda: Filter.eq("name[eq]", "x"), ValueError),
        (lambda: Filter.eq("name", float("nan")), ValueError),
        (lambda: Filter.eq("name", object()), TypeError),
        (lambda: Filter.raw("not a filter"), ValueError),
        (lambda: Filter.raw("name[unknown]:x"), ValueError),
        (Filter.and_, ValueError),
    ],
)
def test_impossible_filters_are_refused(call: Callable[[], Filter], error: type[Exception]) -> None:
    with pytest.raises(error):
        call()


def test_filters_compare_by_text() -> None:
    assert Filter.eq("a", 1) == Filter.raw("a[eq]:1")
    assert len({Filter.eq("a", 1), Filter.raw("a[eq]:1")}) == 1
    assert repr(Filter.eq("a", 1)) == "Filter('a[eq]:1')"


TRICKY_NAMES = [
    "Acme, Inc",
    "Acme (UK)",
    '"Quoted Co"',
    "'Single Co'",
    "O'Brien & Sons",
    "[Bracketed]",
    "colon: yes",
    "semi;colon",
    "100% pure",
    "tab\there",
    "Ünïcödé GmbH",
    "a,b,c",
]


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_twenty_finds_exactly_the_value_given(twenty: TwentyClient, name: str) -> None:
    for other in ("Acme", "Inc", "Other"):
        twenty.companies.create({"name": other})
    made = twenty.companies.create({"name": name})
    # Combined with another condition, so that any comma or quote in the value is exercised inside a conjunction.
    found = list(twenty.companies.iter(filter=Filter.eq("name", name) & Filter.is_not_null("id")))
    assert [c.id for c in found] == [made.id]
