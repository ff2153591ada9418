"""``python -m twenty_codegen``: pull, normalise, generate, check — or all of them in one go.

python -m twenty_codegen all                          normalise the pulled snapshot, generate
python -m twenty_codegen all --url https://crm.x.com  pull from a live workspace first (key: --api-key or
                                                      TWENTY_API_KEY)
python -m twenty_codegen all --emulator               pull from the emulator's standard workspace first (the
                                                      source of the committed snapshot)
python -m twenty_codegen pull --url URL               → codegen/snapshots/pulled/{core,metadata,graphql}.json
python -m twenty_codegen normalise                    → codegen/snapshots/{core,graphql}.json
python -m twenty_codegen generate                     → generated/twenty_generated/ (graphql_models.py included)
python -m twenty_codegen check                        regenerate in a temporary folder; exit 1 on drift
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from twenty_codegen._check import check, load_metadata
from twenty_codegen._generate import GRAPHQL_SNAPSHOT, GenerateError, generate
from twenty_codegen._graphql import normalise_introspection
from twenty_codegen._layout import Layout
from twenty_codegen._normalise import dumps, load_document, normalise
from twenty_codegen._pull import MissingApiKeyError, PullError, pull, pull_emulator, resolve_api_key, write_pulled

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m twenty_codegen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, help="project root (default: nearest folder with codegen/snapshots)")
    commands = parser.add_subparsers(dest="command", required=True)

    def add_pull_options(p: argparse.ArgumentParser, *, required: bool) -> None:
        source = p.add_mutually_exclusive_group(required=required)
        source.add_argument("--url", help="the workspace's base URL, e.g. https://crm.example.com")
        source.add_argument(
            "--emulator",
            action="store_true",
            help="the emulator's built-in standard workspace (what the committed snapshot is pulled from)",
        )
        p.add_argument("--api-key", help="API key (default: the environment variable TWENTY_API_KEY)")

    p = commands.add_parser("pull", help="fetch the workspace's OpenAPI document and objects")
    add_pull_options(p, required=True)
    p.add_argument("--out-dir", type=Path, help="default: codegen/snapshots/pulled")

    p = commands.add_parser("normalise", help="make the pulled document tell the truth")
    p.add_argument("--core", type=Path, help="pulled OpenAPI document, JSON or YAML (default: the pulled snapshot)")
    p.add_argument("--metadata", type=Path, help="pulled objects (default: the pulled snapshot's, when present)")
    p.add_argument("--out", type=Path, help="default: codegen/snapshots/core.json")

    p = commands.add_parser("generate", help="generate twenty_generated from the normalised document")
    p.add_argument("--schema", type=Path, help="default: codegen/snapshots/core.json")
    p.add_argument("--output", type=Path, help="the package folder (default: generated/twenty_generated)")

    p = commands.add_parser("check", help="regenerate into a temporary folder and diff; exit 1 on drift")
    p.add_argument("--schema", type=Path)
    p.add_argument("--generated", type=Path)

    p = commands.add_parser("all", help="[pull,] normalise, generate")
    add_pull_options(p, required=False)
    return parser


def _say(message: str) -> None:
    print(message, flush=True)


def _normalise(layout: Layout, core: Path | None, metadata: Path | None, out: Path | None) -> Path:
    core = core or layout.pulled_core
    if metadata is None and core == layout.pulled_core and layout.pulled_metadata.is_file():
        metadata = layout.pulled_metadata
    out = out or layout.snapshot
    started = time.monotonic()
    document = normalise(load_document(core), load_metadata(metadata) if metadata else None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps(document), encoding="utf-8")
    _say(f"normalise: {core} → {out} ({time.monotonic() - started:.1f} s)")
    if core == layout.pulled_core and layout.pulled_graphql.is_file():
        introspection = json.loads(layout.pulled_graphql.read_text(encoding="utf-8"))
        graphql_out = out.parent / GRAPHQL_SNAPSHOT
        graphql_out.write_text(dumps(normalise_introspection(introspection)), encoding="utf-8")
        _say(f"normalise: {layout.pulled_graphql} → {graphql_out}")
    return out


def _generate(schema: Path, output: Path) -> None:
    result = generate(schema, output)
    _say(
        f"generate: {schema} → {result.output} ({result.files} files, schema sha256 {result.schema_sha256[:12]}…, "
        f"{result.seconds:.1f} s)"
    )


def _pull(layout: Layout, url: str | None, api_key: str | None, out_dir: Path | None) -> None:
    started = time.monotonic()
    pulled = pull(url, resolve_api_key(api_key)) if url else pull_emulator()
    core, metadata = write_pulled(pulled, out_dir or layout.pulled_dir)
    _say(
        f"pull: {len(pulled.core.get('paths', {}))} paths, {len(pulled.objects)} objects → {core}, {metadata} "
        f"({time.monotonic() - started:.1f} s)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    layout = Layout(args.root.resolve()) if args.root else Layout.discover()
    try:
        if args.command == "pull":
            _pull(layout, args.url, args.api_key, args.out_dir)
        elif args.command == "normalise":
            _normalise(layout, args.core, args.metadata, args.out)
        elif args.command == "generate":
            _generate(args.schema or layout.snapshot, args.output or layout.generated)
        elif args.command == "check":
            started = time.monotonic()
            result = check(
                schema=args.schema or layout.snapshot,
                generated=args.generated or layout.generated,
                pulled_core=None if args.schema else layout.pulled_core,
                pulled_metadata=None if args.schema else layout.pulled_metadata,
            )
            _say(result.summary() + f" ({time.monotonic() - started:.1f} s)")
            return 0 if result.ok else 1
        elif args.command == "all":
            if args.url or args.emulator:
                _pull(layout, args.url, args.api_key, None)
            snapshot = _normalise(layout, None, None, None)
            _generate(snapshot, layout.generated)
    except (MissingApiKeyError, PullError, GenerateError, OSError, ValueError) as exc:
        print(f"twenty_codegen {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0
