"""Every error the SDK raises. Users see these, never httpx's.

The exception tree::

    TwentyError
    ├── ConfigurationError           no API key found (the message names every place tried), a bad base URL
    ├── SchemaError                  a declared schema breaks Twenty's rules (names, reserved words, options...) or
    │                                cannot be applied to the workspace; found before any write, every problem listed
    ├── APIConnectionError           the request got no complete answer (wraps an httpx.TransportError)
    │   └── APITimeoutError          ... because a timeout expired (wraps an httpx.TimeoutException)
    ├── APIError                     Twenty answered with an error status (or an unreadable body)
    │   ├── BadRequestError          400
    │   ├── AuthenticationError      401  (wrong key)
    │   ├── PermissionDeniedError    403  (no key, or not allowed)
    │   ├── NotFoundError            404
    │   ├── ConflictError            409
    │   ├── RateLimitError           429  (Twenty sends no Retry-After: the client paces itself)
    │   └── InternalServerError      5xx
    ├── PaginationError              a list's cursor stopped moving (the pager refuses to loop forever)
    └── BatchError                   some records of a batch failed, each with its reason (the others landed)

Twenty's error bodies come in three shapes, all read into ``APIError.messages``:
``{"statusCode", "error", "messages": [...]}`` (REST records), ``{"message": str | [...], "error", "statusCode"}``
(Express / class-validator) and ``{"message": str, "error", "errors": {...}}`` (metadata validation).

The API key never appears in a message or a ``repr``: errors keep the method and URL of a request, not the request
with its headers, and any text echoed by the server is scrubbed of the key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "BatchFailure",
    "ConfigurationError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "SchemaError",
    "TwentyError",
    "raise_for_response",
    "scrub",
]

_REDACTED = "[redacted]"


class TwentyError(Exception):
    """The base of every error raised by ``twenty_sdk``."""


class ConfigurationError(TwentyError):
    """The client cannot be configured: no API key anywhere it looked, a malformed base URL, ...

    ``attempts`` lists, for a missing key, each place tried and what was found there.
    """

    def __init__(self, message: str, *, attempts: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.attempts = list(attempts)


class SchemaError(TwentyError):
    """A declared schema (or one metadata call) breaks Twenty's rules, or cannot be applied to this workspace.

    Raised before any request for local problems (names, reserved words, option values, clashes inside the schema)
    and before any write for problems only the workspace shows (a relation's target is missing, a name is taken).
    ``problems`` lists every problem found, not just the first.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        lines = "".join(f"\n  - {p}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the schema:{lines}")

    def __repr__(self) -> str:
        return f"SchemaError(problems={self.problems!r})"


class APIConnectionError(TwentyError):
    """No complete answer: the connection failed, was refused or was dropped mid-response.

    ``__cause__`` holds the httpx exception. ``method`` and ``url`` say which request; its headers are not kept.
    """

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, method={self.method!r}, url={self.url!r})"


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout expired."""


class APIError(TwentyError):
    """Twenty answered with an error status.

    ``status``: the HTTP status. ``messages``: the server's messages (always a list). ``error``: its error name
    (``"BadRequestException"``, ``"UNAUTHENTICATED"``, ``"METADATA_VALIDATION_ERROR"``...). ``code``: the finer code
    some answers carry (``"TOO_MANY_RECORDS_TO_UPDATE"``, ``"INVALID_PHONE_NUMBER"``...). ``errors``: the per-field
    details of metadata validation errors. ``body``: the decoded body (or its text). ``request_id``: the
    ``x-request-id`` header, where a proxy adds one. ``method``/``url``: the request.
    """

    def __init__(
        self,
        status: int,
        messages: Sequence[str] = (),
        *,
        error: str | None = None,
        code: str | None = None,
        errors: Mapping[str, Any] | None = None,
        body: Any = None,
        request_id: str | None = None,
        method: str = "",
        url: str = "",
    ) -> None:
        self.status = status
        self.messages = list(messages)
        self.error = error
        self.code = code
        self.errors = dict(errors) if errors else {}
        self.body = body
        self.request_id = request_id
        self.method = method
        self.url = url
        super().__init__(self._message())

    @property
    def status_code(self) -> int:
        """Alias of ``status``, as in httpx."""
        return self.status

    def _message(self) -> str:
        head = f"{self.status}"
        reason = _reason(self.status)
        if reason:
            head += f" {reason}"
        if self.method or self.url:
            head += f" on {self.method} {self.url}".rstrip()
        detail = "; ".join(self.messages) or "no message"
        tags = ", ".join(t for t in (self.error, self.code) if t)
        return f"{head}: {detail}" + (f" ({tags})" if tags else "")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, messages={self.messages!r}, error={self.error!r}, "
            f"code={self.code!r}, method={self.method!r}, url={self.url!r})"
        )


class BadRequestError(APIError):
    """400: the request was refused (unknown field, invalid value, duplicate entry, too many records...)."""


class AuthenticationError(APIError):
    """401: the API key is not valid for this workspace ("Token invalid.")."""


class PermissionDeniedError(APIError):
    """403: no API key was sent ("Missing authentication token"), or the key may not do this."""


class NotFoundError(APIError):
    """404: no such record, object or field (soft-deleted records too)."""


class ConflictError(APIError):
    """409: the request conflicts with the current state."""


class RateLimitError(APIError):
    """429: the workspace's rate limit was reached (``messages`` says which bucket)."""


class InternalServerError(APIError):
    """5xx: the server failed (or a proxy in front of it)."""


class PaginationError(TwentyError):
    """Paging cannot go on: the server said there is a next page but gave no cursor, or the same cursor again."""


@attrs.frozen
class BatchFailure:
    """One record of a batch that failed: its position in the input, the record, why, and the unique key it was
    matched on (``("emails.primaryEmail", "ada@example.com")``, or None when it carried none)."""

    index: int
    record: Any = attrs.field(repr=False)
    reason: str
    key: tuple[str, Any] | None = None


_SHOWN_REASONS = 3


class BatchError(TwentyError):
    """Some records of a batch operation failed, the others landed.

    ``failures``: one :class:`BatchFailure` per failed input record, with Twenty's reason. ``succeeded``: how many
    records landed; ``results``: those records as Twenty returned them (parsed like the operation's other answers).
    ``complete``: False when the operation stopped early (too many failures) and left part of its input unsent.
    The message says how many failed and gives the first reasons; neither it nor the ``repr`` holds the records.
    """

    def __init__(
        self,
        failures: Sequence[BatchFailure],
        *,
        succeeded: int = 0,
        results: Sequence[Any] = (),
        complete: bool = True,
    ) -> None:
        self.failures = list(failures)
        self.succeeded = succeeded
        self.results = list(results)
        self.complete = complete
        shown = "; ".join(f"#{f.index}: {f.reason}" for f in self.failures[:_SHOWN_REASONS])
        more = len(self.failures) - _SHOWN_REASONS
        first = f"; first: {shown}" + (f" (and {more} more)" if more > 0 else "") if self.failures else ""
        tail = "" if complete else "; stopped early, the rest of the input was not sent"
        super().__init__(f"{len(self.failures)} record(s) failed, {succeeded} succeeded{first}{tail}")

    @property
    def partial_results(self) -> list[Any]:
        """Alias of ``results``: what landed."""
        return self.results

    def __repr__(self) -> str:
        return f"BatchError(failures={len(self.failures)}, succeeded={self.succeeded}, complete={self.complete})"


_STATUS_ERRORS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def error_class(status: int) -> type[APIError]:
    """The exception class for an HTTP status."""
    if status >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status, APIError)


def raise_for_response(response: httpx.Response) -> None:
    """Raise the :class:`APIError` subclass that ``response``'s status maps to; return for 1xx-3xx.

    Reads all three shapes of Twenty's error bodies. Text the server echoes is scrubbed of the request's API key.
    """
    if response.status_code < 400:
        return
    raise api_error_from_response(response)


def api_error_from_response(response: httpx.Response, *, note: str | None = None) -> APIError:
    """Build (not raise) the error for ``response``; ``note`` goes first in its messages."""
    request = _request_of(response)
    key = _bearer(request)
    method = request.method if request is not None else ""
    url = str(request.url) if request is not None else ""
    text = scrub(response.text, key)
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = text
    messages, error, code, errors = _parse_body(body)
    if note:
        messages.insert(0, note)
    if not messages and isinstance(body, str) and body.strip():
        messages = [" ".join(body.split())[:500]]
    return error_class(response.status_code)(
        response.status_code,
        messages,
        error=error,
        code=code,
        errors=errors,
        body=body,
        request_id=response.headers.get("x-request-id"),
        method=method,
        url=scrub(url, key),
    )


def _parse_body(body: Any) -> tuple[list[str], str | None, str | None, dict[str, Any]]:
    if not isinstance(body, dict):
        return [], None, None, {}
    raw = body.get("messages", body.get("message"))
    if isinstance(raw, list):
        messages = [m if isinstance(m, str) else json.dumps(m) for m in raw]
    elif isinstance(raw, str):
        messages = [raw]
    elif raw is None:
        messages = []
    else:
        messages = [json.dumps(raw)]
    error = body.get("error")
    code = body.get("code")
    errors = body.get("errors")
    return (
        messages,
        error if isinstance(error, str) else None,
        code if isinstance(code, str) else None,
        errors if isinstance(errors, dict) else {},
    )


def _request_of(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:  # a Response built by hand, with no request attached
        return None


def _bearer(request: httpx.Request | None) -> str | None:
    if request is None:
        return None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
        return token or None
    return None


def scrub(text: str, key: str | None) -> str:
    """``text`` with every occurrence of the API key replaced (the one place secrets are cut out of messages)."""
    return text.replace(key, _REDACTED) if key else text


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _reason(status: int) -> str:
    return _REASONS.get(status, "")
