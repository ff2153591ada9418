"""A Twenty-compatible server for tests, demos and local development.

from twenty_emulator import Emulator, create_app
emulator = Emulator()                 # Twenty 2.21.0's standard workspace, in memory
app = create_app(emulator)            # an ASGI app; or `twenty-emulator serve` from a shell
"""

from twenty_emulator._app import create_app
from twenty_emulator._faults import FaultRule, Faults
from twenty_emulator._ratelimit import RateLimiter
from twenty_emulator._state import Emulator
from twenty_emulator._testing import RunningServer, serve_in_thread
from twenty_emulator._workspace import Workspace

__all__ = [
    "Emulator",
    "FaultRule",
    "Faults",
    "RateLimiter",
    "RunningServer",
    "Workspace",
    "create_app",
    "serve_in_thread",
]
