"""Client configuration: where the workspace is, the key to reach it, and how to talk to it.

The base URL and the API key are resolved in one documented order, the first found winning:

1. explicit arguments (``base_url=``, ``api_key=``);
2. the environment: ``TWENTY_API_URL`` for the URL; ``TWENTY_API_KEY``, then ``TWENTY_CRM_API_KEY`` for the key;
3. for the key only, Google Secret Manager (:class:`GoogleSecretManager`): secrets ``twenty-crm-api-key`` then
   ``twenty_api_key``, version ``latest``, in the project given, or ``$GOOGLE_CLOUD_PROJECT``/``$GCLOUD_PROJECT``,
   or the application-default credentials' project;
4. the URL defaults to Twenty Cloud (``https://api.twenty.com``); a key not found anywhere raises
   :class:`ConfigurationError` naming every place tried and what was found there.

    config = ClientConfig.resolve()                                   # all from the environment
    config = ClientConfig.resolve("https://crm.example.com", secret_manager=GoogleSecretManager(project="ops"))
    config = ClientConfig(base_url="http://127.0.0.1:3000", api_key="dev-key")   # no lookup at all
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx

from twenty_sdk._errors import ConfigurationError
from twenty_sdk._pacing import RateLimit
from twenty_sdk._retry import RetryPolicy
from twenty_sdk._secrets import Attempt, GoogleSecretManager, Secret, find_secret

__all__ = [
    "API_KEY_ENV_VARS",
    "BASE_URL_ENV_VAR",
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "ClientConfig",
    "normalize_base_url",
    "resolve_api_key",
    "resolve_base_url",
]

DEFAULT_BASE_URL = "https://api.twenty.com"
BASE_URL_ENV_VAR = "TWENTY_API_URL"
API_KEY_ENV_VARS: tuple[str, ...] = ("TWENTY_API_KEY", "TWENTY_CRM_API_KEY")
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


def normalize_base_url(url: str) -> str:
    """``https://crm.example.com/rest/`` → ``https://crm.example.com``: no trailing slash, no trailing ``/rest``
    (Twenty's docs show the base URL both ways). Raises :class:`ConfigurationError` unless it is an http(s) URL."""
    if not isinstance(url, str):
        raise ConfigurationError(f"the base URL must be a str, not {type(url).__name__}")
    url = url.strip().rstrip("/")
    if url.endswith("/rest"):
        url = url[: -len("/rest")]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"the base URL must look like https://host[:port][/path], not {url!r}")
    if parts.query or parts.fragment:
        raise ConfigurationError(f"the base URL must not carry a query or fragment: {url!r}")
    return url


def _to_secret(value: Secret | str) -> Secret:
    secret = value if isinstance(value, Secret) else Secret(value)
    if not secret.get_secret_value().strip():
        raise ConfigurationError("the API key is empty")
    return secret


def _to_timeout(value: httpx.Timeout | float | None) -> httpx.Timeout:
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value)


@attrs.frozen
class ClientConfig:
    """Everything a transport needs. Build it directly when you hold the values, or with :meth:`resolve`.

    ``timeout``: seconds (or an ``httpx.Timeout``; default 60 s, 10 s to connect). ``verify``: TLS verification, on
    by default (``True``, a CA bundle path or an ``ssl.SSLContext``). ``retry``, ``rate_limit``: the retry policy and
    the workspace's rate limits. ``api_key_source``: where the key was found (for messages; never the key).
    """

    base_url: str = attrs.field(converter=normalize_base_url)
    api_key: Secret = attrs.field(converter=_to_secret)
    timeout: httpx.Timeout = attrs.field(default=DEFAULT_TIMEOUT, converter=_to_timeout)
    verify: bool | str | ssl.SSLContext = True
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    rate_limit: RateLimit = attrs.field(factory=RateLimit)
    api_key_source: str = "argument api_key"

    @classmethod
    def resolve(
        cls,
        base_url: str | None = None,
        api_key: Secret | str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        secret_manager: GoogleSecretManager | bool = True,
        **options: Any,
    ) -> ClientConfig:
        """Resolve the base URL and the key in the documented order; ``options`` are the other fields.

        ``secret_manager``: ``True`` looks in Secret Manager with the default names, ``False`` never does, or a
        :class:`GoogleSecretManager` says where to look. ``env`` replaces ``os.environ`` (for tests).
        """
        secret, source = resolve_api_key(api_key, env=env, secret_manager=secret_manager)
        return cls(resolve_base_url(base_url, env=env), secret, api_key_source=source, **options)


def resolve_base_url(base_url: str | None = None, *, env: Mapping[str, str] | None = None) -> str:
    """The explicit URL, else ``$TWENTY_API_URL``, else Twenty Cloud; normalised."""
    env = os.environ if env is None else env
    if base_url is not None and base_url.strip():
        return normalize_base_url(base_url)
    from_env = env.get(BASE_URL_ENV_VAR, "").strip()
    return normalize_base_url(from_env or DEFAULT_BASE_URL)


def resolve_api_key(
    api_key: Secret | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    secret_manager: GoogleSecretManager | bool = True,
) -> tuple[Secret, str]:
    """The API key and where it was found (e.g. ``"environment variable TWENTY_API_KEY"``).

    Raises :class:`ConfigurationError` listing every place tried when none has it.
    """
    env = os.environ if env is None else env
    attempts: list[Attempt] = []

    if api_key is not None:
        secret = api_key if isinstance(api_key, Secret) else Secret(api_key)
        value = secret.get_secret_value().strip()
        if value:
            return Secret(value), "argument api_key"
        attempts.append(Attempt("argument api_key", "given but empty"))
    else:
        attempts.append(Attempt("argument api_key", "not given"))

    where = secret_manager if isinstance(secret_manager, GoogleSecretManager) else GoogleSecretManager()
    return find_secret(
        "Twenty API key",
        API_KEY_ENV_VARS,
        env=env,
        secret_manager=where if secret_manager is not False else False,
        hint=f"Pass api_key=..., set {API_KEY_ENV_VARS[0]}, or store the key in Google Secret Manager as "
        f"{where.names[0]!r}.",
        tried=attempts,
        disabled="not tried: disabled (secret_manager=False)",
    )
