"""Derive the emulator's built-in data from the dumps of a real Twenty 2.21.0 workspace.

    python emulator/tools/build_standard_workspace.py [--shared ../shared/twenty]

Writes, under ``emulator/twenty_emulator/data/``:
- ``standard-2.21.0.json``: the standard application's objects and fields (the dev seed's custom fields and objects
  left out), with each relation's target object and reverse field;
- ``relation-targets-2.21.0.json``: ``object.field`` → target object, for every relation field of the recorded
  workspace, read off the ``$ref`` of the relation properties in its OpenAPI document.

Run it again only when moving to another Twenty version; the output is committed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

STANDARD_APP = "96b759f3-241f-4de4-9a5a-b822bb3fcc4e"
HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "twenty_emulator" / "data"


def lower_first(name: str) -> str:
    return name[0].lower() + name[1:]


def relation_targets(openapi: dict, objects: list[dict]) -> dict[str, str]:
    by_schema = {o["nameSingular"][0].upper() + o["nameSingular"][1:]: o["nameSingular"] for o in objects}
    schemas = openapi["components"]["schemas"]
    out: dict[str, str] = {}
    for o in objects:
        props = schemas.get(o["nameSingular"][0].upper() + o["nameSingular"][1:] + "ForResponse", {}).get(
            "properties", {}
        )
        for f in o["fields"]:
            if f["type"] not in ("RELATION", "MORPH_RELATION"):
                continue
            prop = props.get(f["name"], {})
            ref = (prop.get("items") or {}).get("$ref") or next(
                (x.get("$ref") for x in prop.get("oneOf", []) if "$ref" in x), None
            )
            if ref:
                schema = ref.rsplit("/", 1)[-1].removesuffix("ForResponse")
                out[f"{o['nameSingular']}.{f['name']}"] = by_schema[schema]
    return dict(sorted(out.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=HERE.parents[2] / "shared" / "twenty")
    args = ap.parse_args()
    dump = json.loads((args.shared / "real-2.21.0" / "workspace-metadata.json").read_text())
    openapi = json.loads((args.shared / "real-2.21.0" / "openapi-core.json").read_text())
    objects = dump["data"]["objects"]
    targets = relation_targets(openapi, objects)
    (DATA / "relation-targets-2.21.0.json").write_text(json.dumps(targets, indent=1) + "\n")

    import sys

    sys.path.insert(0, str(HERE.parent))
    from twenty_emulator._workspace import Workspace

    standard_ids = {o["id"] for o in objects if o["applicationId"] == STANDARD_APP}
    kept = []
    for o in objects:
        if o["id"] not in standard_ids:
            continue
        fields = [f for f in o["fields"] if f["applicationId"] == STANDARD_APP]
        kept.append({**o, "fields": fields})
    ws = Workspace.from_json({"data": {"objects": kept}})
    # A relation whose target is not standard does not exist in a fresh workspace.
    for obj in ws.objects:
        obj.fields = [f for f in obj.fields if not f.is_relation or f.target_object_id in standard_ids]
    doc = ws.to_json()
    doc["about"] = "Twenty 2.21.0 standard objects and fields, derived from a real workspace's metadata dump"
    (DATA / "standard-2.21.0.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(
        f"{len(ws.objects)} objects, {sum(len(o.fields) for o in ws.objects)} fields, {len(targets)} relation targets"
    )


if __name__ == "__main__":
    main()
