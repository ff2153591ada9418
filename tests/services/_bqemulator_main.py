"""Run bqemulator's CLI with DuckDB's spatial extension switched off.

bqemulator 1.4 runs ``INSTALL spatial; LOAD spatial`` when its engine starts and refuses to start if that fails
(``DuckDBEngine._load_spatial`` in ``bqemulator/storage/engine.py``). INSTALL downloads the extension from
extensions.duckdb.org, which this machine (and CI) cannot reach, and no CLI flag, ``BQEMU_*`` variable or
``.bqemu.toml`` key turns it off (``enable_format_extensions`` / ``BQEMU_ENABLE_FORMAT_EXTENSIONS`` covers only the
avro extension, which the caller disables too). So this launcher replaces that one method with a no-op before
handing over to the CLI. Only GEOGRAPHY (``ST_*``) queries need spatial; the sync stores use none.

    python tests/services/_bqemulator_main.py start --rest-port 9050 --grpc-port 9060
"""

from __future__ import annotations

import sys

from bqemulator.cli import main
from bqemulator.storage import engine


def _no_spatial(self: engine.DuckDBEngine) -> None:
    """GEOGRAPHY support off: nothing to download."""


engine.DuckDBEngine._load_spatial = _no_spatial  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
