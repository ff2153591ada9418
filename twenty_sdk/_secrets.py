"""The API key as a value that never shows itself, and Google Secret Manager as a place to find it.

``google-cloud-secret-manager`` is optional (``pip install 'twenty-sdk[secretmanager]'``) and imported only here, and
only when a lookup actually reaches Secret Manager.

    key = Secret("tw_...")
    repr(key)                      # "Secret('**********')"
    key.get_secret_value()         # the key itself, for the Authorization header only

    found = GoogleSecretManager(project="my-project").lookup()
    found.secret                   # a Secret, or None
    found.attempts                 # every place tried, with what happened there
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, Protocol, cast

import attrs

from twenty_sdk._errors import ConfigurationError

__all__ = [
    "DEFAULT_SECRET_NAMES",
    "Attempt",
    "GoogleSecretManager",
    "Secret",
    "SecretLookup",
    "SecretManagerClient",
    "find_secret",
]

log = logging.getLogger("twenty_sdk")

DEFAULT_SECRET_NAMES: tuple[str, ...] = ("twenty-crm-api-key", "twenty_api_key")
PROJECT_ENV_VARS: tuple[str, ...] = ("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT")
_MASK = "**********"
_CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


class Secret:
    """A secret string whose ``repr`` and ``str`` are masked; read it with :meth:`get_secret_value`.

    Equality is constant-time. :meth:`fingerprint` gives a short, stable, non-reversible id for telling keys apart
    (e.g. to share one rate-limit bucket per workspace) without holding the key itself.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a Secret holds a str, not {type(value).__name__}")
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def fingerprint(self) -> str:
        return hashlib.sha256(b"twenty-sdk:" + self._value.encode("utf-8")).hexdigest()[:16]

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode("utf-8"), other._value.encode("utf-8"))

    def __hash__(self) -> int:
        return hash(("Secret", self.fingerprint()))

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')"

    def __str__(self) -> str:
        return _MASK


@attrs.frozen
class Attempt:
    """One place a lookup tried, and what it found there (never the value itself)."""

    place: str
    outcome: str

    def __str__(self) -> str:
        return f"{self.place}: {self.outcome}"


@attrs.frozen
class SecretLookup:
    """The result of a lookup: the secret (or None) and every place tried, in order."""

    secret: Secret | None
    attempts: tuple[Attempt, ...]
    source: str | None = None


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _not_empty(_: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    if not value or not all(isinstance(n, str) and n for n in value):
        raise ValueError(f"{attribute.name} must be one or more non-empty secret names, not {value!r}")


class SecretManagerClient(Protocol):
    """What we use of ``google.cloud.secretmanager.SecretManagerServiceClient``."""

    def access_secret_version(self, *, request: Mapping[str, str], retry: Any, timeout: float) -> Any: ...


@attrs.frozen
class GoogleSecretManager:
    """Where to look in Google Secret Manager.

    ``names`` are tried in order, each at ``version`` (``"latest"`` by default); the first that exists and is not empty
    wins. ``project`` defaults to ``$GOOGLE_CLOUD_PROJECT``, then ``$GCLOUD_PROJECT``, then the project of the
    application-default credentials. ``client`` is a ready ``SecretManagerServiceClient`` (e.g. pointed at another
    endpoint); by default one is built from application-default credentials. ``timeout`` bounds the lookup of each
    name, retries of transient failures included.
    """

    project: str | None = None
    names: tuple[str, ...] = attrs.field(default=DEFAULT_SECRET_NAMES, converter=_names, validator=_not_empty)
    version: str = "latest"
    client: SecretManagerClient | None = attrs.field(default=None, eq=False, repr=False)
    timeout: float = 10.0

    def lookup(self, env: Mapping[str, str] | None = None) -> SecretLookup:
        """Try each secret name in turn. Never raises for a missing, forbidden or unreachable secret: the reason is
        recorded in the returned attempts instead."""
        env = os.environ if env is None else env
        try:
            from google.api_core import exceptions as gexc
            from google.api_core import retry as gretry
            from google.cloud import secretmanager
        except ImportError:
            return _skipped(
                "not tried: the google-cloud-secret-manager package is not installed "
                "(pip install 'twenty-sdk[secretmanager]')"
            )

        project = self.project or _first_env(env, PROJECT_ENV_VARS)
        client = self.client
        if project is None or client is None:
            try:
                credentials, adc_project = _application_default_credentials()
            except Exception as exc:  # google.auth.exceptions.DefaultCredentialsError and friends
                if project is None:
                    return _skipped(
                        "not tried: no project (pass a project, set GOOGLE_CLOUD_PROJECT or GCLOUD_PROJECT, or "
                        f"configure application-default credentials with a project): {_one_line(exc)}"
                    )
                return _skipped(f"not tried: no application-default credentials: {_one_line(exc)}", project)
            project = project or adc_project
            if project is None:
                return _skipped(
                    "not tried: no project (pass a project, set GOOGLE_CLOUD_PROJECT or GCLOUD_PROJECT; the "
                    "application-default credentials name none)"
                )
            if client is None:
                client = cast(SecretManagerClient, secretmanager.SecretManagerServiceClient(credentials=credentials))

        # Transient failures are retried, but each name gives up after `timeout` in all (the default policy waits 60 s).
        retry = gretry.Retry(
            predicate=gretry.if_exception_type(gexc.ServiceUnavailable, gexc.DeadlineExceeded),
            initial=0.1,
            maximum=1.0,
            timeout=self.timeout,
        )
        attempts: list[Attempt] = []
        for name in self.names:
            path = f"projects/{project}/secrets/{name}/versions/{self.version}"
            place = f"Google Secret Manager secret {name!r} in project {project!r} (version {self.version})"
            try:
                response = client.access_secret_version(request={"name": path}, retry=retry, timeout=self.timeout)
            except gexc.NotFound:
                attempts.append(Attempt(place, "not found"))
                continue
            except gexc.PermissionDenied:
                attempts.append(Attempt(place, "permission denied (grant roles/secretmanager.secretAccessor)"))
                continue
            except Exception as exc:  # UNAVAILABLE, DEADLINE_EXCEEDED, a credentials refresh failure...
                attempts.append(Attempt(place, f"failed: {type(exc).__name__}: {_one_line(exc)}"))
                continue
            try:
                value = bytes(response.payload.data).decode("utf-8").strip()
            except UnicodeDecodeError:
                attempts.append(Attempt(place, "not UTF-8 text"))
                continue
            if not value:
                attempts.append(Attempt(place, "empty"))
                continue
            attempts.append(Attempt(place, "found"))
            log.debug("API key read from %s", place)
            return SecretLookup(Secret(value), tuple(attempts), place)
        return SecretLookup(None, tuple(attempts))


def _application_default_credentials() -> tuple[Any, str | None]:
    import google.auth

    credentials, project = google.auth.default(scopes=[_CLOUD_PLATFORM_SCOPE])
    return credentials, project


def _skipped(outcome: str, project: str | None = None) -> SecretLookup:
    place = "Google Secret Manager" + (f" (project {project!r})" if project else "")
    return SecretLookup(None, (Attempt(place, outcome),))


def _first_env(env: Mapping[str, str], names: Sequence[str]) -> str | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("…" if len(text) > 300 else "")


def find_secret(
    what: str,
    env_vars: Sequence[str],
    *,
    env: Mapping[str, str],
    secret_manager: GoogleSecretManager | Literal[False] | None,
    hint: str,
    tried: Sequence[Attempt] = (),
    disabled: str = "not tried: disabled",
) -> tuple[Secret, str]:
    """A secret and where it was found: the first of ``env_vars`` set and not empty, else ``secret_manager``'s
    lookup (``False``: disabled, listed as ``disabled``; ``None``: not a place for this secret).

    Raises :class:`ConfigurationError` naming ``what``, every place tried in order (``tried`` first), and ``hint``.
    """
    attempts = list(tried)
    for name in env_vars:
        raw = env.get(name)
        if raw is not None and raw.strip():
            return Secret(raw.strip()), f"environment variable {name}"
        attempts.append(Attempt(f"environment variable {name}", "not set" if raw is None else "set but empty"))
    if secret_manager is False:
        attempts.append(Attempt("Google Secret Manager", disabled))
    elif secret_manager is not None:
        found = secret_manager.lookup(env)
        attempts.extend(found.attempts)
        if found.secret is not None:
            return found.secret, found.source or "Google Secret Manager"
    listed = "\n".join(f"  - {attempt}" for attempt in attempts)
    raise ConfigurationError(
        f"No {what} found. Tried, in order:\n{listed}\n{hint}", attempts=[str(a) for a in attempts]
    )
