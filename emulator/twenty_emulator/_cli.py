"""``twenty-emulator``: run a Twenty-compatible server.

twenty-emulator serve [--host 127.0.0.1] [--port 3000] [--api-key KEY] [--metadata FILE] [--no-rate-limit] ...
twenty-emulator standard-metadata > workspace.json
twenty-emulator parity --url URL [--api-key KEY] [--scripts DIR] [--save DIR]   the emulator vs a real Twenty
twenty-emulator record --url URL [--api-key KEY] SCRIPT.json OUT.json          a request script → a scenario
twenty-emulator replay [--url URL] [--metadata FILE] SCENARIO.json|DIR ...      recorded answers vs a server
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
from collections.abc import Sequence

from twenty_emulator._faults import FaultRule, Faults
from twenty_emulator._ratelimit import RateLimiter
from twenty_emulator._workspace import Workspace

__all__ = ["main", "parse_fault"]

_FAULT_KEYS = {f.name for f in FaultRule.__attrs_attrs__}
_STATUS_KEYS = {"error_status", "lose_status"}


def parse_fault(text: str) -> FaultRule:
    """``"POST /rest/batch/*:error_rate=0.2,latency_ms=50"`` → a :class:`FaultRule` (route defaults to ``*``).

    Statuses (``error_status``, ``lose_status``) are integers; every other setting is a number."""
    route, _, settings = text.rpartition(":") if ":" in text else ("*", "", text)
    values: dict[str, float | int | str] = {"route": route or "*"}
    for item in filter(None, (s.strip() for s in settings.split(","))):
        key, sep, raw = item.partition("=")
        if not sep or key not in _FAULT_KEYS or key == "route":
            raise argparse.ArgumentTypeError(
                f"unknown fault setting {item!r}; known: {sorted(_FAULT_KEYS - {'route'})}"
            )
        try:
            values[key] = int(raw) if key in _STATUS_KEYS else float(raw)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"fault setting {key} needs a number, got {raw!r}") from exc
    try:
        return FaultRule(**values)  # type: ignore[arg-type]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="twenty-emulator", description="A Twenty-compatible CRM server for tests.")
    sub = ap.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the REST API (records, metadata, OpenAPI)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument(
        "--api-key",
        default=os.environ.get("TWENTY_EMULATOR_API_KEY"),
        help="the Bearer token to accept (env TWENTY_EMULATOR_API_KEY; random and printed when absent)",
    )
    serve.add_argument("--api-key-name", default="My api key", help="name shown in createdBy/updatedBy")
    serve.add_argument("--metadata", help="boot from a GET /rest/metadata/objects dump (default: standard 2.21.0)")
    serve.add_argument("--database", default=":memory:", help="SQLite file to keep records in (default: memory)")
    serve.add_argument("--no-rate-limit", action="store_true", help="never answer 429")
    serve.add_argument("--short-limit", type=int, default=100, help="short bucket size (default 100)")
    serve.add_argument("--short-ttl-ms", type=int, default=1000, help="short bucket refill period (default 1000)")
    serve.add_argument("--long-limit", type=int, default=100, help="long bucket size (default 100)")
    serve.add_argument("--long-ttl-ms", type=int, default=60_000, help="long bucket refill period (default 60000)")
    serve.add_argument(
        "--fault",
        action="append",
        type=parse_fault,
        default=[],
        metavar="[ROUTE:]K=V,...",
        help=(
            "inject faults, e.g. 'POST /rest/batch/*:error_rate=0.1,latency_ms=20' (repeatable). Before the request "
            "is applied: error_rate (with error_status), rate_limit_rate, drop_rate; after it is applied, its answer "
            "lost: lose_rate (the connection drops; with lose_status=502 or 504, a gateway's error page instead); "
            "and latency_ms, slow_body_ms"
        ),
    )
    serve.add_argument("--fault-seed", type=int, default=0, help="seed for fault decisions (reproducible runs)")
    serve.add_argument("--log-level", default="warning")
    sub.add_parser("standard-metadata", help="print the built-in standard workspace's metadata as JSON")
    from twenty_emulator._parity import add_commands

    add_commands(sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "standard-metadata":
        json.dump(Workspace.standard().to_json(), sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    if args.command in ("parity", "record", "replay"):
        from twenty_emulator._parity import run_command

        return run_command(args)

    import uvicorn

    from twenty_emulator._app import create_app
    from twenty_emulator._state import Emulator

    limiter = RateLimiter(
        args.short_limit, args.short_ttl_ms, args.long_limit, args.long_ttl_ms, enabled=not args.no_rate_limit
    )
    emulator = Emulator(
        args.metadata,
        api_key=args.api_key,
        api_key_name=args.api_key_name,
        database=args.database,
        rate_limiter=limiter,
        faults=Faults(args.fault, seed=args.fault_seed),
    )
    if not _is_loopback(args.host):
        print(f"warning: serving on {args.host}, reachable from other machines", file=sys.stderr)
    print(f"twenty-emulator: http://{args.host}:{args.port}  ({len(emulator.workspace.objects)} objects)")
    if args.api_key is None:
        print(f"api key (generated for this run): {emulator.api_key}")
    uvicorn.run(create_app(emulator), host=args.host, port=args.port, log_level=args.log_level, lifespan="off")
    return 0


if __name__ == "__main__":
    sys.exit(main())
