"""Webhooks of an emulator's workspace, as Twenty's ``WebhookService`` and ``FlatWebhookValidatorService`` keep them:
the target URL normalised as JavaScript's ``new URL()`` prints it and required to be http(s), a 64-hex-digit secret
made when none is given. Kept in memory per emulator and never called (the emulator sends no webhook). Served by the
GraphQL ``/metadata`` API (``webhooks``, ``createWebhook``…, recorded in g10) and by REST ``/rest/metadata/webhooks``
(recorded in p12): both raise :class:`WebhookError`, which each API words its own way.
"""

from __future__ import annotations

import re
import secrets
import threading
import uuid
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from twenty_emulator._workspace import now_iso

if TYPE_CHECKING:
    from twenty_emulator._state import Emulator

__all__ = ["WebhookError", "create_webhook", "delete_webhook", "find_webhook", "list_webhooks", "update_webhook"]


class WebhookError(Exception):
    """A webhook refused: its message and the GraphQL ``extensions`` Twenty gives it; ``not_found`` for a missing
    one (REST words the two differently)."""

    def __init__(self, message: str, extensions: Mapping[str, Any], *, not_found: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = dict(extensions)
        self.not_found = not_found


_SPECIAL_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp", "file"})  # the WHATWG URL "special" schemes


def _parsed_url(text: str) -> str | None:
    """``new URL(text).toString()`` for the URLs webhooks take (scheme and host lower-cased, ``/`` as an empty path
    of a special scheme), or None where JavaScript's ``URL`` throws."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not scheme or not re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme) or " " in text.strip():
        return None
    if scheme not in _SPECIAL_SCHEMES:
        return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))
    if not parts.hostname and scheme != "file":
        return None
    userinfo, _, _ = parts.netloc.rpartition("@")
    host = (parts.hostname or "").lower()
    netloc = (f"{userinfo}@" if userinfo else "") + host + (f":{parts.port}" if parts.port is not None else "")
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def _webhook_not_found() -> WebhookError:
    return WebhookError(
        "Webhook not found",
        {"subCode": "WEBHOOK_NOT_FOUND", "userFriendlyMessage": "Webhook not found.", "code": "NOT_FOUND"},
        not_found=True,
    )


def _webhook_invalid(kind: str, minimal: Mapping[str, Any], errors: list[dict[str, str]]) -> WebhookError:
    """A failed workspace-migration validation of one webhook (``METADATA_VALIDATION_FAILED``)."""
    verb = "creating" if kind == "create" else "updating"
    failure = {
        "status": "fail",
        "errors": errors,
        "flatEntityMinimalInformation": dict(minimal),
        "metadataName": "webhook",
        "type": kind,
    }
    return WebhookError(
        f"Multiple validation errors occurred while {verb} webhook",
        {
            "code": "METADATA_VALIDATION_FAILED",
            "errors": {"webhook": [failure]},
            "summary": {"totalErrors": len(errors), "webhook": 1},
            "userFriendlyMessage": errors[0]["userFriendlyMessage"] if len(errors) == 1 else "Many validation errors",
            "message": "Validation failed for 1 webhook",
        },
    )


_TARGET_REQUIRED = {
    "code": "INVALID_WEBHOOK_INPUT",
    "message": "Target URL is required",
    "userFriendlyMessage": "Target URL is required",
}
_TARGET_INVALID = {
    "code": "INVALID_TARGET_URL",
    "message": "Invalid target URL provided",
    "userFriendlyMessage": "Please provide a valid HTTP or HTTPS URL",
}


def _target_errors(target: str, *, creating: bool) -> list[dict[str, str]]:
    parsed = _parsed_url(target)
    errors = [dict(_TARGET_REQUIRED)] if creating and not target else []
    if parsed is None or urlsplit(parsed).scheme not in ("http", "https"):
        errors.append(dict(_TARGET_INVALID))
    return errors


class _Webhooks:
    """One emulator's webhooks, by id, in creation order."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()


_WEBHOOKS: weakref.WeakKeyDictionary[Emulator, _Webhooks] = weakref.WeakKeyDictionary()
_WEBHOOKS_LOCK = threading.Lock()


def _webhooks_of(emulator: Emulator) -> _Webhooks:
    with _WEBHOOKS_LOCK:
        return _WEBHOOKS.setdefault(emulator, _Webhooks())


def create_webhook(emulator: Emulator, data: Mapping[str, Any]) -> dict[str, Any]:
    target = str(data["targetUrl"])
    normalised = _parsed_url(target) or target
    webhook_id = str(data.get("id") or uuid.uuid4()).lower()
    errors = _target_errors(normalised, creating=True)
    if errors:
        raise _webhook_invalid("create", {"universalIdentifier": webhook_id, "targetUrl": normalised}, errors)
    stamp = now_iso()
    webhook = {
        "id": webhook_id,
        "targetUrl": normalised,
        "operations": list(data["operations"]),
        "description": data.get("description"),
        "secret": data.get("secret") or secrets.token_hex(32),
        "applicationId": emulator.workspace.custom_application_id,
        "createdAt": stamp,
        "updatedAt": stamp,
        "deletedAt": None,
    }
    store = _webhooks_of(emulator)
    with store.lock:
        store.items[webhook_id] = webhook
    return dict(webhook)


def update_webhook(emulator: Emulator, webhook_id: str, update: Mapping[str, Any]) -> dict[str, Any]:
    store = _webhooks_of(emulator)
    with store.lock:
        webhook = store.items.get(webhook_id.lower())
        if webhook is None:
            raise _webhook_not_found()
        changes = {k: v for k, v in update.items() if v is not None}
        if "targetUrl" in changes:
            changes["targetUrl"] = _parsed_url(str(changes["targetUrl"])) or str(changes["targetUrl"])
            errors = _target_errors(changes["targetUrl"], creating=False)
            if errors:
                raise _webhook_invalid("update", {"universalIdentifier": webhook["id"]}, errors)
        webhook.update(changes, updatedAt=now_iso())
        return dict(webhook)


def find_webhook(emulator: Emulator, webhook_id: str) -> dict[str, Any] | None:
    found = _webhooks_of(emulator).items.get(webhook_id.lower())
    return dict(found) if found is not None else None


def delete_webhook(emulator: Emulator, webhook_id: str) -> dict[str, Any]:
    store = _webhooks_of(emulator)
    with store.lock:
        webhook = store.items.pop(webhook_id.lower(), None)
    if webhook is None:
        raise _webhook_not_found()
    return webhook


def list_webhooks(emulator: Emulator) -> list[dict[str, Any]]:
    """Every webhook, in creation order."""
    store = _webhooks_of(emulator)
    with store.lock:
        return [dict(w) for w in store.items.values()]
