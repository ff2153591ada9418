"""A typed Python client for Twenty CRM.

    from twenty_sdk import ClientConfig, Transport
    with Transport(ClientConfig.resolve()) as transport:       # key from the argument, env or Secret Manager
        people = transport.request("GET", "/rest/people")

Errors are all :class:`TwentyError` (tree in ``twenty_sdk._errors``).
"""

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
    PermissionDeniedError,
    RateLimitError,
    TwentyError,
    raise_for_response,
)
from twenty_sdk._pacing import Pacer, RateLimit, shared_pacer
from twenty_sdk._retry import RetryPolicy
from twenty_sdk._secrets import GoogleSecretManager, Secret
from twenty_sdk._transport import AsyncTransport, Transport

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncTransport",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "BatchFailure",
    "ClientConfig",
    "ConfigurationError",
    "ConflictError",
    "GoogleSecretManager",
    "InternalServerError",
    "NotFoundError",
    "Pacer",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RetryPolicy",
    "Secret",
    "Transport",
    "TwentyError",
    "raise_for_response",
    "shared_pacer",
]
