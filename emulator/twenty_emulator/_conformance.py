"""Replay the recordings of a real Twenty 2.21.0 against the emulator and print how closely it answers.

    python -m twenty_emulator._conformance --shared ../shared/twenty [--only s01 s04] [--quiet]

Boots the emulator from ``real-2.21.0/workspace-metadata.json`` on a loopback port, once per scenario so each starts
from the booted state: ``s21-rate-limit`` against Twenty's default limits, the rest with limits off. Prints each
mismatch as a diff and, last, ``conformance: N/M steps match``. Exit status 0 only when every step matches.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import re
import runpy
import sys
from pathlib import Path

from twenty_emulator._ratelimit import RateLimiter
from twenty_emulator._state import Emulator
from twenty_emulator._testing import serve_in_thread
from twenty_emulator._workspace import Workspace

__all__ = ["main", "run"]

API_KEY = "conformance-key"
RESULT = re.compile(r"^conformance: (\d+)/(\d+) steps match$")


def run(shared: Path, only: list[str] | None = None, *, quiet: bool = False) -> tuple[int, int, str]:
    """Replay each scenario against a fresh emulator. Returns (matched, total, printed report)."""
    replay = runpy.run_path(str(shared / "conformance" / "replay.py"))
    metadata = shared / "real-2.21.0" / "workspace-metadata.json"
    booted = Workspace.load(metadata)
    matched = total = 0
    out = io.StringIO()
    for file in sorted((shared / "conformance" / "scenarios").glob("*.json")):
        name = json.loads(file.read_text())["scenario"]
        if only and not any(name.startswith(p) for p in only):
            continue
        # s21 was recorded with sequential requests to a server that took more than 10 ms to answer each, so its
        # short bucket (100 per 1000 ms) got a token back between requests; the emulator answers faster, so its
        # clock moves 20 ms per request here, as the recording's did.
        limiter = (
            RateLimiter(clock=itertools.count(0.0, 0.02).__next__)
            if name.startswith("s21")
            else RateLimiter(enabled=False)
        )
        emulator = Emulator(booted.copy(), api_key=API_KEY, rate_limiter=limiter)
        with serve_in_thread(emulator) as server:
            buf = io.StringIO()
            argv: list[str] = [
                "--base-url",
                server.url,
                "--api-key",
                API_KEY,
                "--only",
                name,
                "--metadata",
                str(metadata),
            ]
            if quiet:
                argv.append("--quiet")
            with contextlib.redirect_stdout(buf):
                replay["main"](argv)
        lines = buf.getvalue().splitlines()
        m = RESULT.match(lines[-1]) if lines else None
        if m:
            matched += int(m.group(1))
            total += int(m.group(2))
        out.write("\n".join(lines[:-1]) + "\n" if len(lines) > 1 else "")
    out.write(f"conformance: {matched}/{total} steps match\n")
    return matched, total, out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "twenty")
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    matched, total, report = run(args.shared, args.only, quiet=args.quiet)
    sys.stdout.write(report)
    return 0 if total and matched == total else 1


if __name__ == "__main__":
    sys.exit(main())
