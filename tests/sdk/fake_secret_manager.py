"""A local Google Secret Manager for tests: a real gRPC server speaking ``google.cloud.secretmanager.v1`` on loopback,
implementing ``AccessSecretVersion`` only, with the real request and response messages.

The real ``SecretManagerServiceClient`` talks to it over an insecure channel:

    with FakeSecretManager() as fake:
        fake.add("my-project", "twenty-crm-api-key", "tw_...")
        fake.deny("my-project", "twenty_api_key")
        client = fake.client()                     # a real SecretManagerServiceClient
        client.access_secret_version(request={"name": "projects/my-project/secrets/twenty-crm-api-key/versions/latest"})

What it answers, as the real service does: the payload for a known secret (``latest`` or the version number
given), NOT_FOUND ("Secret [...] not found or has no versions.") for an unknown one, PERMISSION_DENIED for a denied
one, INVALID_ARGUMENT for a malformed name. Every request name is recorded in ``fake.requests``.
"""

from __future__ import annotations

import re
import threading
from concurrent import futures
from types import TracebackType
from typing import Any

import grpc
from google.api_core.client_options import ClientOptions
from google.cloud.secretmanager_v1 import SecretManagerServiceClient
from google.cloud.secretmanager_v1.services.secret_manager_service.transports import SecretManagerServiceGrpcTransport
from google.cloud.secretmanager_v1.types import AccessSecretVersionRequest, AccessSecretVersionResponse, SecretPayload

SERVICE = "google.cloud.secretmanager.v1.SecretManagerService"
_NAME = re.compile(r"^projects/([^/]+)/secrets/([^/]+)/versions/([^/]+)$")


class FakeSecretManager:
    def __init__(self) -> None:
        self.secrets: dict[tuple[str, str], list[bytes]] = {}
        self.denied: set[tuple[str, str]] = set()
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server: grpc.Server | None = None
        self.port = 0

    # -- content ---------------------------------------------------------------------------------------------------
    def add(self, project: str, name: str, value: str | bytes) -> None:
        """Add a new version of secret ``name`` (it becomes ``latest``)."""
        data = value.encode("utf-8") if isinstance(value, str) else value
        with self._lock:
            self.secrets.setdefault((project, name), []).append(data)

    def deny(self, project: str, name: str) -> None:
        """Answer PERMISSION_DENIED for this secret, as for a caller without secretAccessor on it."""
        with self._lock:
            self.denied.add((project, name))

    # -- the RPC ---------------------------------------------------------------------------------------------------
    def _access(
        self, request: AccessSecretVersionRequest, context: grpc.ServicerContext
    ) -> AccessSecretVersionResponse:
        with self._lock:
            self.requests.append(request.name)
            match = _NAME.match(request.name)
            if match is None:
                context.abort(
                    grpc.StatusCode.INVALID_ARGUMENT, f"Invalid resource field value in the request: {request.name}"
                )
                raise AssertionError("unreachable: abort raises")
            project, name, version = match.groups()
            if (project, name) in self.denied:
                context.abort(
                    grpc.StatusCode.PERMISSION_DENIED,
                    f"Permission 'secretmanager.versions.access' denied for resource '{request.name}' "
                    "(or it may not exist).",
                )
            versions = self.secrets.get((project, name), [])
            index = len(versions) if version == "latest" else int(version) if version.isdigit() else 0
            if not versions or not 1 <= index <= len(versions):
                context.abort(
                    grpc.StatusCode.NOT_FOUND,
                    f"Secret [projects/{project}/secrets/{name}] not found or has no versions.",
                )
            data = versions[index - 1]
        return AccessSecretVersionResponse(
            name=f"projects/{project}/secrets/{name}/versions/{index}", payload=SecretPayload(data=data)
        )

    # -- lifecycle ---------------------------------------------------------------------------------------------------
    def start(self) -> FakeSecretManager:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        handler = grpc.method_handlers_generic_handler(
            SERVICE,
            {
                "AccessSecretVersion": grpc.unary_unary_rpc_method_handler(
                    self._access,
                    request_deserializer=AccessSecretVersionRequest.deserialize,
                    response_serializer=AccessSecretVersionResponse.serialize,
                )
            },
        )
        server.add_generic_rpc_handlers((handler,))
        self.port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=None)
            self._server = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def client(self) -> Any:
        """A real ``SecretManagerServiceClient`` pointed at this server over an insecure channel."""
        channel = grpc.insecure_channel(self.endpoint)
        transport = SecretManagerServiceGrpcTransport(channel=channel)
        return SecretManagerServiceClient(transport=transport, client_options=ClientOptions(api_endpoint=self.endpoint))

    def __enter__(self) -> FakeSecretManager:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
