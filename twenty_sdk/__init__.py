"""A typed Python client for Twenty CRM.

    from twenty_sdk import Filter, TwentyClient
    with TwentyClient() as twenty:                             # key from the argument, env or Secret Manager
        ada = twenty.people.get(person_id)                     # a PersonForResponse
        for company in twenty.companies.iter(filter=Filter.gte("employees", 10)):
            ...
        twenty.people.upsert_many(rows)                        # 200 per request, de-duplicated, bisected

    with Transport(ClientConfig.resolve()) as transport:       # the layer below: one request, paced and retried
        people = transport.request("GET", "/rest/people")

Errors are all :class:`TwentyError` (tree in ``twenty_sdk._errors``).
"""

from twenty_sdk._client import AsyncTwentyClient, TwentyClient
from twenty_sdk._config import ClientConfig
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
)
from twenty_sdk._filters import Filter
from twenty_sdk._graphql import AsyncGraphQL, GraphQL
from twenty_sdk._metadata import AsyncMetadata, Metadata
from twenty_sdk._normalise import normalize_email, normalize_emails, normalize_link, normalize_links
from twenty_sdk._pacing import Pacer, RateLimit, shared_pacer
from twenty_sdk._pagination import Page
from twenty_sdk._records import AsyncRecords, Records
from twenty_sdk._retry import RetryPolicy
from twenty_sdk._schema import (
    FieldInfo,
    FieldSpec,
    ObjectInfo,
    ObjectSpec,
    RelationSpec,
    SchemaItem,
    SchemaReport,
    SelectOption,
    validate_schema,
)
from twenty_sdk._secrets import GoogleSecretManager, Secret
from twenty_sdk._transport import AsyncTransport, Transport

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncGraphQL",
    "AsyncMetadata",
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
    "normalize_email",
    "normalize_emails",
    "normalize_link",
    "normalize_links",
    "raise_for_response",
    "shared_pacer",
    "validate_schema",
]
