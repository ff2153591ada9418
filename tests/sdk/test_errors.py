"""One ``raise_for_response``: each status to its exception, each of Twenty's body shapes read, the key never shown.

The bodies are the ones recorded from a real Twenty 2.21.0 (API_FACTS.md)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

import twenty_sdk
from twenty_sdk import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchError,
    BatchFailure,
    ConfigurationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    TwentyError,
    raise_for_response,
)

from .conftest import API_KEY


def answer(status: int, body: Any = None, *, text: str | None = None, key: str | None = API_KEY) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    request = httpx.Request("POST", "https://crm.example.com/rest/people?upsert=true", headers=headers)
    if text is not None:
        return httpx.Response(status, text=text, request=request)
    return httpx.Response(status, json=body, request=request)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (405, APIError),
        (422, APIError),
    ],
)
def test_status_maps_to_exception(status: int, cls: type[APIError]) -> None:
    with pytest.raises(cls) as caught:
        raise_for_response(answer(status, {"statusCode": status, "messages": ["x"], "error": "E"}))
    assert type(caught.value) is cls
    assert caught.value.status == status


@pytest.mark.parametrize("status", [200, 201, 204, 301, 304])
def test_non_error_statuses_do_not_raise(status: int) -> None:
    raise_for_response(answer(status, {}))


def test_records_shape_is_read() -> None:
    body = {"statusCode": 404, "error": "NotFoundException", "messages": ["Record not found"]}
    with pytest.raises(NotFoundError) as caught:
        raise_for_response(answer(404, body))
    err = caught.value
    assert (err.messages, err.error, err.code, err.body) == (["Record not found"], "NotFoundException", None, body)
    assert str(err) == (
        "404 Not Found on POST https://crm.example.com/rest/people?upsert=true: Record not found (NotFoundException)"
    )


def test_code_is_read() -> None:
    body = {
        "statusCode": 400,
        "error": "Error",
        "code": "INVALID_PHONE_NUMBER",
        "messages": ["Provided phone number is invalid n/a"],
    }
    with pytest.raises(BadRequestError) as caught:
        raise_for_response(answer(400, body))
    assert caught.value.code == "INVALID_PHONE_NUMBER"
    assert str(caught.value).endswith("Provided phone number is invalid n/a (Error, INVALID_PHONE_NUMBER)")


def test_express_shape_with_a_string_message_is_read() -> None:
    body = {"message": "Unexpected token } in JSON at position 12", "error": "Bad Request", "statusCode": 400}
    with pytest.raises(BadRequestError) as caught:
        raise_for_response(answer(400, body))
    assert caught.value.messages == ["Unexpected token } in JSON at position 12"]
    assert caught.value.error == "Bad Request"


def test_class_validator_shape_with_a_list_message_is_read() -> None:
    body = {
        "message": ["name must be a string", "label should not be empty"],
        "error": "Bad Request",
        "statusCode": 400,
    }
    with pytest.raises(BadRequestError) as caught:
        raise_for_response(answer(400, body))
    assert caught.value.messages == ["name must be a string", "label should not be empty"]


def test_metadata_shape_keeps_its_errors() -> None:
    body = {
        "statusCode": 400,
        "error": "METADATA_VALIDATION_ERROR",
        "message": "Name is not available",
        "errors": {"name": [{"code": "NOT_AVAILABLE", "message": "Name is not available"}]},
    }
    with pytest.raises(BadRequestError) as caught:
        raise_for_response(answer(400, body))
    err = caught.value
    assert err.messages == ["Name is not available"]
    assert err.error == "METADATA_VALIDATION_ERROR"
    assert err.errors == body["errors"]


def test_batch_type_error_shape_is_read() -> None:
    body = {"error": "TypeError", "messages": ["args.data.forEach is not a function"]}
    with pytest.raises(BadRequestError) as caught:
        raise_for_response(answer(400, body))
    assert caught.value.messages == ["args.data.forEach is not a function"]


def test_a_body_that_is_not_json_becomes_the_message() -> None:
    with pytest.raises(InternalServerError) as caught:
        raise_for_response(answer(502, text="<html><body>502 Bad Gateway</body></html>"))
    assert caught.value.messages == ["<html><body>502 Bad Gateway</body></html>"]
    assert caught.value.body == "<html><body>502 Bad Gateway</body></html>"


def test_an_empty_body_says_no_message() -> None:
    with pytest.raises(InternalServerError, match=r"503 Service Unavailable on POST .*: no message"):
        raise_for_response(answer(503, text=""))


def test_request_id_is_read_when_a_proxy_sends_one() -> None:
    request = httpx.Request("GET", "https://crm.example.com/rest/people")
    response = httpx.Response(500, json={}, headers={"x-request-id": "req-123"}, request=request)
    with pytest.raises(InternalServerError) as caught:
        raise_for_response(response)
    assert caught.value.request_id == "req-123"


def test_a_response_without_a_request_still_maps() -> None:
    with pytest.raises(NotFoundError) as caught:
        raise_for_response(httpx.Response(404, json={"messages": ["Record not found"]}))
    assert caught.value.method == ""
    assert str(caught.value) == "404 Not Found: Record not found"


def test_an_echoed_key_is_scrubbed_from_message_body_and_repr() -> None:
    body = {"statusCode": 401, "error": "UNAUTHENTICATED", "messages": [f"Token invalid: {API_KEY}"]}
    with pytest.raises(AuthenticationError) as caught:
        raise_for_response(answer(401, body))
    err = caught.value
    for shown in (str(err), repr(err), repr(err.messages), repr(err.body), err.url):
        assert API_KEY not in shown
    assert err.messages == ["Token invalid: [redacted]"]


def test_errors_keep_no_request_headers() -> None:
    with pytest.raises(APIError) as caught:
        raise_for_response(answer(500, {}))
    assert not any(isinstance(v, (httpx.Request, httpx.Response)) for v in vars(caught.value).values())


# -- the tree --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (ConfigurationError, TwentyError),
        (APIConnectionError, TwentyError),
        (APITimeoutError, APIConnectionError),
        (APIError, TwentyError),
        (BadRequestError, APIError),
        (AuthenticationError, APIError),
        (PermissionDeniedError, APIError),
        (NotFoundError, APIError),
        (ConflictError, APIError),
        (RateLimitError, APIError),
        (InternalServerError, APIError),
        (BatchError, TwentyError),
    ],
)
def test_exception_tree(cls: type[Exception], parent: type[Exception]) -> None:
    assert cls.__mro__[1] is parent


def test_the_tree_is_drawn_in_the_module_docstring() -> None:
    doc = twenty_sdk._errors.__doc__ or ""
    for name in twenty_sdk.__all__:
        obj = getattr(twenty_sdk, name)
        if isinstance(obj, type) and issubclass(obj, TwentyError):
            assert re.search(rf"(^\s*|─ ){name}\b", doc, re.MULTILINE), name


def test_batch_error_lists_failures_with_their_reasons() -> None:
    failures = [BatchFailure(3, {"email": "x"}, "A duplicate entry was detected"), BatchFailure(7, {}, "invalid")]
    err = BatchError(failures, succeeded=198)
    assert err.failures == failures
    assert str(err) == "2 record(s) failed, 198 succeeded; first: #3: A duplicate entry was detected; #7: invalid"
    assert "email" not in repr(err)
