"""The cassettes are a contract, not a convenience: a request they do not hold fails, one they hold but nobody
sends fails, and no secret is in any of them."""

from __future__ import annotations

import os
import re

import pytest
from vcr.errors import CannotOverwriteExistingCassetteException

from .conftest import CASSETTES, RECORDING, client, played

pytestmark = pytest.mark.skipif(RECORDING, reason="checks the recorded cassettes, not a recording run")

ADA = "c0000c01-0000-4000-a000-000000000001"


def test_a_request_the_cassette_does_not_hold_fails_the_test() -> None:
    with pytest.raises(CannotOverwriteExistingCassetteException), played("sdk-crud"), client() as twenty:
        twenty.people.get("c0000c01-0000-4000-a000-00000000ffff")  # never recorded


def _create_another_ada() -> None:
    with played("sdk-crud"), client() as twenty:
        twenty.people.delete_many("emails.primaryEmail[like]:%@cassette-crud.test", soft=False)
        twenty.people.create({"id": ADA, "name": {"firstName": "Not Ada"}})


def test_a_body_that_differs_from_the_recorded_one_fails_the_test() -> None:
    with pytest.raises(CannotOverwriteExistingCassetteException):
        _create_another_ada()


def test_recorded_requests_left_unsent_fail_the_test() -> None:
    with pytest.raises(AssertionError, match="never sent"), played("sdk-crud"), client() as twenty:
        twenty.people.delete_many("emails.primaryEmail[like]:%@cassette-crud.test", soft=False)


def test_no_secret_in_any_cassette() -> None:
    cassettes = sorted(CASSETTES.glob("*.yaml"))
    assert cassettes
    for path in cassettes:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?i)authorization", text), path.name
        assert "Bearer " not in text, path.name
        assert not re.search(r"eyJhbGciOi[A-Za-z0-9_-]{10,}", text), path.name  # a JWT, as Twenty's API keys are
        for name in ("TWENTY_API_KEY", "TWENTY_CRM_API_KEY"):
            value = os.environ.get(name)
            if value:
                assert value not in text, path.name
