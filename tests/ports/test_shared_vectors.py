"""The deliberate ports, held to one set of vectors each: the SDK and the emulator both implement Twenty's REST filter
grammar and its rules for metadata names (the emulator imports nothing of ours, so each writes its own), and every
case in ``filter_grammar.json`` / ``metadata_names.json`` runs against both. The vectors state what Twenty 2.21.0
does (from its source, and confirmed on a real server where the file says so), not what either port does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from twenty_emulator import _names as emulator_names
from twenty_emulator._errors import ApiError
from twenty_emulator._query import parse_filter_syntax
from twenty_emulator._query._filter_syntax import COMPARATORS

from twenty_sdk import _filters as sdk_filters
from twenty_sdk import _names as sdk_names

# the SDK's reasons for a filter Twenty would refuse (its own wording; Twenty's is checked on the emulator's side)
SDK_REFUSALS = (
    r"field\[comparator\]:value|brackets do not pair up|unknown comparator|exactly one condition|takes a list"
)

HERE = Path(__file__).parent
FILTERS: list[dict[str, Any]] = json.loads((HERE / "filter_grammar.json").read_text(encoding="utf-8"))["cases"]
NAMES: dict[str, Any] = json.loads((HERE / "metadata_names.json").read_text(encoding="utf-8"))

PARSED = [pytest.param(c["filter"], c["parsed"], id=repr(c["filter"])) for c in FILTERS if "parsed" in c]
REFUSED = [pytest.param(c["filter"], c["error"], id=repr(c["filter"])) for c in FILTERS if "error" in c]
RESERVED: list[str] = NAMES["reserved"]
VALIDITY = [pytest.param(c["name"], c["valid"], id=repr(c["name"])[:40]) for c in NAMES["names"]]
LABELS = [pytest.param(c["label"], c["name"], id=repr(c["label"])) for c in NAMES["labels"]]


def test_the_vectors_cover_both_outcomes() -> None:
    assert len(PARSED) >= 20
    assert len(REFUSED) >= 10
    assert any(valid for _, valid in (p.values for p in VALIDITY))
    assert any(not valid for _, valid in (p.values for p in VALIDITY))


def _as_twenty_object(tree: Any) -> Any:
    """The SDK's parse tree written as the object Twenty's parser builds (``{"and": [{"name": {"eq": "x"}}]}``)."""
    if tree[0] == "leaf":
        _, fields, op, meant = tree
        node: Any = {op: list(meant) if isinstance(meant, tuple) else meant}
        for name in reversed(fields):
            node = {name: node}
        return node
    if tree[0] == "not":
        return {"not": _as_twenty_object(tree[1][0])}
    return {tree[0]: [_as_twenty_object(child) for child in tree[1]]}


# -- the filter grammar --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "parsed"), PARSED)
def test_the_emulator_parses_a_filter_as_twenty_does(text: str, parsed: Any) -> None:
    assert parse_filter_syntax(text) == parsed


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_the_emulator_refuses_a_filter_with_twentys_message(text: str, message: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_filter_syntax(text)
    assert caught.value.status == 400
    assert caught.value.body["messages"] == [message]


@pytest.mark.parametrize(("text", "parsed"), PARSED)
def test_the_sdk_reads_a_filter_as_twenty_does(text: str, parsed: Any) -> None:
    assert _as_twenty_object(sdk_filters._parse(text)) == parsed


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_the_sdk_knows_twenty_refuses_a_filter(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=SDK_REFUSALS):
        sdk_filters._parse(text)


def test_both_know_the_same_comparators() -> None:
    assert tuple(sdk_filters.COMPARATORS) == tuple(COMPARATORS)


# -- metadata names ------------------------------------------------------------------------------------------------


def test_the_emulator_reserves_exactly_twentys_words() -> None:
    assert set(emulator_names.RESERVED_METADATA_NAME_KEYWORDS) == set(RESERVED)


def test_the_sdk_reserves_exactly_twentys_words() -> None:
    assert set(sdk_names.RESERVED_NAMES) == set(RESERVED)


@pytest.mark.parametrize("name", RESERVED)
def test_the_emulator_refuses_a_reserved_name_as_twenty_words_it(name: str) -> None:
    errors = emulator_names.name_errors(name, "INVALID_FIELD_INPUT")
    assert [e["message"] for e in errors] == [
        'This name is reserved. Use a different name or the system will add "Custom" suffix.'
    ]


@pytest.mark.parametrize("name", RESERVED)
def test_the_sdk_refuses_a_reserved_name(name: str) -> None:
    assert any("reserved" in problem for problem in sdk_names.name_problems(name, "field"))


@pytest.mark.parametrize(("name", "valid"), VALIDITY)
def test_the_emulator_accepts_a_name_when_twenty_does(name: str, valid: bool) -> None:
    assert (emulator_names.name_errors(name, "INVALID_FIELD_INPUT") == []) is valid


@pytest.mark.parametrize(("name", "valid"), VALIDITY)
def test_the_sdk_accepts_a_name_when_twenty_does(name: str, valid: bool) -> None:
    assert (sdk_names.name_problems(name, "field") == []) is valid


@pytest.mark.parametrize(("label", "name"), LABELS)
def test_the_emulator_names_a_label_as_twenty_does(label: str, name: str) -> None:
    assert emulator_names.name_from_label(label) == name


@pytest.mark.parametrize(("label", "name"), LABELS)
def test_the_sdk_names_a_label_as_twenty_does(label: str, name: str) -> None:
    assert sdk_names.name_from_label(label) == name
