"""Write the JSON Schemas of the file formats users write, generated from their models.

    python scripts/write_schemas.py           # write docs/schemas/*.schema.json
    python scripts/write_schemas.py --check   # exit 1 if a published schema is stale

One schema per format: ``plan.schema.json`` (:class:`wijkkompas.plans.model.PlanDoc`),
``scheme.schema.json`` (:class:`wijkkompas.schemes.SchemeModel`),
``mapping.schema.json`` (:class:`wijkkompas.sources.mapped.MappingFile`) and
``preset.schema.json`` (:class:`wijkkompas.sources.presets.Preset`). They describe a
file's form, so that an editor can check it while it is written (docs/data.md); what a
file says about the catalog, the data file or the plan's other parts (an indicator that
exists, a goal's year inside the horizon) only wijkkompas itself checks.
``tests/test_schemas.py`` fails when a published file differs from what the models give.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ROOT / "docs" / "schemas"


def schemas() -> dict[str, dict]:
    """File name -> the JSON Schema the model of that format generates."""
    from wijkkompas.plans.model import PlanDoc
    from wijkkompas.schemes import SchemeModel
    from wijkkompas.sources.mapped import MappingFile
    from wijkkompas.sources.presets import Preset

    out = {}
    for name, model, title in (("plan", PlanDoc, "wijkkompas plan"),
                               ("scheme", SchemeModel, "wijkkompas scoring scheme"),
                               ("mapping", MappingFile, "wijkkompas mapping file"),
                               ("preset", Preset, "wijkkompas fetch preset")):
        schema = model.model_json_schema()
        out[f"{name}.schema.json"] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema", **schema,
            "title": title}
    return out


def rendered(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a published schema is not current")
    args = parser.parse_args(argv)
    stale = []
    for name, schema in schemas().items():
        path = SCHEMA_DIR / name
        text = rendered(schema)
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for name in stale:
        print(f"{'stale' if args.check else 'written'}: docs/schemas/{name}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
