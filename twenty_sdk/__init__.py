"""A typed Python client for Twenty CRM.

    from twenty_sdk import Filter, TwentyClient
    with TwentyClient() as twenty:                             # key from the argument, env or Secret Manager
        ada = twenty.people.get(person_id)                     # a PersonForResponse
        for company in twenty.companies.list(filter=Filter.gte("employees", 10)):   # every page, as it goes
            ...
        twenty.people.upsert_many(rows)                        # 200 per request, de-duplicated, bisected

    with Transport(ClientConfig.resolve()) as transport:       # the layer below: one request, paced and retried
        people = transport.request("GET", "/rest/people")

Errors are all :class:`TwentyError` (tree in ``twenty_sdk._errors``).

The names are imported on first use (PEP 562): ``import twenty_sdk`` loads none of httpx, the clients, the schema
tools or GraphQL; ``from twenty_sdk import TwentyClient`` loads what the client needs, and its resources
(``twenty.metadata``, ``twenty.graphql``, ``twenty.people``...) load their modules when first touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from twenty_sdk._batching import (
        MAX_BATCH,
        complete_composites,
        partial_composites,
    )
    from twenty_sdk._client import (
        AsyncTwentyClient,
        TwentyClient,
    )
    from twenty_sdk._config import (
        ClientConfig,
        resolve_api_key,
    )
    from twenty_sdk._errors import (
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
        PaginationError,
        PermissionDeniedError,
        RateLimitError,
        SchemaError,
        TwentyError,
        raise_for_response,
        scrub,
    )
    from twenty_sdk._filters import (
        Filter,
    )
    from twenty_sdk._graphql import (
        AsyncGraphQL,
        GraphQL,
    )
    from twenty_sdk._metadata import (
        AsyncMetadata,
        Metadata,
    )
    from twenty_sdk._normalise import (
        normalize_email,
        normalize_emails,
        normalize_link,
        normalize_links,
    )
    from twenty_sdk._pacing import (
        Pacer,
        RateLimit,
        shared_pacer,
    )
    from twenty_sdk._pagination import (
        AsyncPage,
        AsyncPageRequest,
        Page,
    )
    from twenty_sdk._records import (
        AsyncRecords,
        Records,
    )
    from twenty_sdk._retry import (
        RetryPolicy,
    )
    from twenty_sdk._schema_info import (
        FieldInfo,
        ObjectInfo,
    )
    from twenty_sdk._schema_report import (
        SchemaItem,
        SchemaReport,
    )
    from twenty_sdk._schema_specs import (
        FieldSpec,
        ObjectSpec,
        RelationSpec,
        SelectOption,
        validate_schema,
    )
    from twenty_sdk._secrets import (
        GoogleSecretManager,
        Secret,
        find_secret,
    )
    from twenty_sdk._transport import (
        AsyncTransport,
        Transport,
    )

_MODULE_OF: dict[str, str] = {
    "MAX_BATCH": "_batching",
    "complete_composites": "_batching",
    "partial_composites": "_batching",
    "AsyncTwentyClient": "_client",
    "TwentyClient": "_client",
    "ClientConfig": "_config",
    "resolve_api_key": "_config",
    "APIConnectionError": "_errors",
    "APIError": "_errors",
    "APITimeoutError": "_errors",
    "AuthenticationError": "_errors",
    "BadRequestError": "_errors",
    "BatchError": "_errors",
    "BatchFailure": "_errors",
    "ConfigurationError": "_errors",
    "ConflictError": "_errors",
    "InternalServerError": "_errors",
    "NotFoundError": "_errors",
    "PaginationError": "_errors",
    "PermissionDeniedError": "_errors",
    "RateLimitError": "_errors",
    "SchemaError": "_errors",
    "TwentyError": "_errors",
    "raise_for_response": "_errors",
    "scrub": "_errors",
    "Filter": "_filters",
    "AsyncGraphQL": "_graphql",
    "GraphQL": "_graphql",
    "AsyncMetadata": "_metadata",
    "Metadata": "_metadata",
    "normalize_email": "_normalise",
    "normalize_emails": "_normalise",
    "normalize_link": "_normalise",
    "normalize_links": "_normalise",
    "Pacer": "_pacing",
    "RateLimit": "_pacing",
    "shared_pacer": "_pacing",
    "AsyncPage": "_pagination",
    "AsyncPageRequest": "_pagination",
    "Page": "_pagination",
    "AsyncRecords": "_records",
    "Records": "_records",
    "RetryPolicy": "_retry",
    "FieldInfo": "_schema_info",
    "FieldSpec": "_schema_specs",
    "ObjectInfo": "_schema_info",
    "ObjectSpec": "_schema_specs",
    "RelationSpec": "_schema_specs",
    "SchemaItem": "_schema_report",
    "SchemaReport": "_schema_report",
    "SelectOption": "_schema_specs",
    "validate_schema": "_schema_specs",
    "GoogleSecretManager": "_secrets",
    "Secret": "_secrets",
    "find_secret": "_secrets",
    "AsyncTransport": "_transport",
    "Transport": "_transport",
}
"""Where each public name lives: ``twenty_sdk.<name>`` imports ``twenty_sdk.<module>`` on first use."""

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncGraphQL",
    "AsyncMetadata",
    "AsyncPage",
    "AsyncPageRequest",
    "AsyncRecords",
    "AsyncTransport",
    "AsyncTwentyClient",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "BatchFailure",
    "ClientConfig",
    "ConfigurationError",
    "ConflictError",
    "FieldInfo",
    "FieldSpec",
    "Filter",
    "GoogleSecretManager",
    "GraphQL",
    "InternalServerError",
    "MAX_BATCH",
    "Metadata",
    "NotFoundError",
    "ObjectInfo",
    "ObjectSpec",
    "Pacer",
    "Page",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "Records",
    "RelationSpec",
    "RetryPolicy",
    "SchemaError",
    "SchemaItem",
    "SchemaReport",
    "Secret",
    "SelectOption",
    "Transport",
    "TwentyClient",
    "TwentyError",
    "complete_composites",
    "find_secret",
    "normalize_email",
    "normalize_emails",
    "normalize_link",
    "normalize_links",
    "partial_composites",
    "raise_for_response",
    "resolve_api_key",
    "scrub",
    "shared_pacer",
    "validate_schema",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'twenty_sdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"twenty_sdk.{module}"), name)
    globals()[name] = value  # the next access is a plain attribute read
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
