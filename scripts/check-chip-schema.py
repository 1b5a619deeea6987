#!/usr/bin/env python3
"""Validates chip JSON files against schemas/chip-spec.schema.json (draft 2020-12) with the
`jsonschema` package (pip install jsonschema); by default the presets in schemas/chips/.

    scripts/check-chip-schema.py [FILE.json ...]

Exits 0 when every file is valid, 1 when one is not, 2 when jsonschema is not installed (not a
CI requirement: the Swift tests check the schema's keys and the presets without it)."""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
try:
    import jsonschema
except ImportError:
    print("check-chip-schema: jsonschema is not installed (pip install jsonschema)", file=sys.stderr)
    sys.exit(2)

schema = json.loads((root / "schemas" / "chip-spec.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
files = [pathlib.Path(f) for f in sys.argv[1:]] or sorted((root / "schemas" / "chips").glob("*.json"))
bad = 0
for f in files:
    errors = sorted(validator.iter_errors(json.loads(f.read_text())), key=lambda e: list(e.path))
    for e in errors:
        print(f"{f}: {'.'.join(map(str, e.path)) or '(top level)'}: {e.message}")
    bad += bool(errors)
    if not errors:
        print(f"{f}: valid")
sys.exit(1 if bad else 0)
