"""Ways to talk to an emulator from tests: in process (no socket) or over a real loopback socket.

In process, an injected drop or lost answer surfaces as over a socket: ``httpx.RemoteProtocolError``.

with serve_in_thread(Emulator(api_key="k")) as server:
    httpx.get(server.url + "/rest/people", headers={"Authorization": "Bearer k"})
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import attrs
import httpx
import uvicorn
from starlette.types import ASGIApp

from twenty_emulator._app import _DroppedConnectionError, _is_deliberate_drop, create_app
from twenty_emulator._state import Emulator

__all__ = ["ASGIAsyncTransport", "ASGISyncTransport", "RunningServer", "async_client", "client", "serve_in_thread"]


def _as_broken_connection(exc: BaseException, request: httpx.Request) -> httpx.RemoteProtocolError:
    """An injected drop → the error httpx raises when a server closes the socket mid-answer (h11's wording)."""
    if isinstance(exc, _DroppedConnectionError):
        message = (
            "peer closed connection without sending complete message body "
            f"(received {exc.received} bytes, expected {exc.expected})"
        )
    else:
        message = "peer closed connection without sending complete message body"
    return httpx.RemoteProtocolError(message, request=request)


class ASGIAsyncTransport(httpx.ASGITransport):
    """``httpx.ASGITransport`` whose injected drops raise ``httpx.RemoteProtocolError``, as over a socket."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except Exception as exc:
            if _is_deliberate_drop(exc):
                raise _as_broken_connection(exc, request) from exc
            raise


class ASGISyncTransport(httpx.BaseTransport):
    """A synchronous httpx transport that calls an ASGI app in process, on an event loop of its own thread.

    ``httpx.ASGITransport`` is async only; this lets ``httpx.Client`` (and so synchronous SDKs) talk to the
    emulator without a socket. Injected drops raise ``httpx.RemoteProtocolError``, as over a socket.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="twenty-emulator-asgi", daemon=True)
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def call() -> tuple[int, httpx.Headers, bytes]:
            body = request.read()
            async_request = httpx.Request(
                request.method, request.url, headers=request.headers, content=body, extensions=request.extensions
            )
            response = await self._inner.handle_async_request(async_request)
            content = await response.aread()
            return response.status_code, response.headers, content

        try:
            status, headers, content = asyncio.run_coroutine_threadsafe(call(), self._loop).result()
        except Exception as exc:
            if _is_deliberate_drop(exc):
                raise _as_broken_connection(exc, request) from exc
            raise
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        if not self._loop.is_closed() and not self._loop.is_running():
            self._loop.close()


def client(emulator: Emulator, *, authenticated: bool = True) -> httpx.Client:
    """A synchronous ``httpx.Client`` calling the app in process (no socket)."""
    headers = {"Authorization": f"Bearer {emulator.api_key}"} if authenticated else {}
    transport = ASGISyncTransport(create_app(emulator))
    return httpx.Client(transport=transport, base_url="http://twenty.local", headers=headers)


def async_client(emulator: Emulator, *, authenticated: bool = True) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` calling the app in process through :class:`ASGIAsyncTransport`."""
    headers = {"Authorization": f"Bearer {emulator.api_key}"} if authenticated else {}
    transport = ASGIAsyncTransport(app=create_app(emulator))
    return httpx.AsyncClient(transport=transport, base_url="http://twenty.local", headers=headers)


@attrs.define(frozen=True)
class RunningServer:
    """A server started by :func:`serve_in_thread`."""

    emulator: Emulator
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningServer]:
    """Run the emulator with uvicorn on a loopback port in a background thread, for socket-level tests."""
    port = port or _free_port(host)
    config = uvicorn.Config(create_app(emulator), host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"twenty-emulator:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the emulator did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield RunningServer(emulator, host, port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
