"""Preset files are validated like the other formats users write (validation.py): unknown
keys refused, every problem of a file at once with its key, each rule in English and
Dutch; the bundled presets are valid under the published JSON Schema."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from wijkkompas import validation, yamlsafe
from wijkkompas.sources import presets

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "src" / "wijkkompas" / "sources" / "presets").glob("*.yaml"))

BROKEN = """
name: kapot
description: x
years: 2024-2013
gemeenten: [GM51]
tables:
  - name: kwb
    title: K
    vintage: year
    size_mb: 1
    ids: {2019: 84583NED, 2020: kerncijfers}
    colour: red
  - name: jz
    title: J
    table: 85984NED
    vintage: 2024
    size_mb: 0
"""


def test_every_problem_at_once_with_its_key(tmp_path):
    path = tmp_path / "kapot.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(presets.PresetError) as info:
        presets.load_file(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    parts = message.removeprefix(f"{path}: ").split("; ")
    assert [p.split(": ", 1)[0] for p in parts] == [
        "years", "gemeenten", "tables[0].ids", "tables[0].colour", "tables[1].size_mb"]
    assert "years '2024-2013': 2024 comes after 2013" in parts[0]
    assert parts[3].startswith("tables[0].colour: unknown key (allowed: name, title, kind,")
    assert parts[4] == "tables[1].size_mb: must be more than 0, not 0"


def test_each_rule_is_also_said_in_dutch():
    with pytest.raises(ValidationError) as info:
        presets.Preset.model_validate(yamlsafe.load(BROKEN))
    dutch = {p.key: p.nl for p in validation.problems(info.value, presets.Preset)}
    assert dutch["years"] == "jaren '2024-2013': 2024 komt na 2013"
    assert dutch["gemeenten"].startswith("'GM51' is geen gemeentecode")
    assert dutch["tables[0].ids"].startswith("'kerncijfers' (jaar 2020) is geen CBS-tabelnummer")
    assert dutch["tables[0].colour"].startswith("onbekend onderdeel (toegestaan: name,")
    with pytest.raises(ValidationError) as info:
        presets.Preset.model_validate({"name": "leeg", "description": "x"})
    [problem] = validation.problems(info.value, presets.Preset)
    assert (problem.en, problem.nl) == ("a preset needs 'tables', 'boundaries' or both",
                                        "een preset heeft 'tables', 'boundaries' of beide nodig")


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_presets_are_valid_under_the_published_schema(path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "schemas" / "preset.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads(json.dumps(yamlsafe.load_file(path), default=str))
    validator = jsonschema.Draft202012Validator(schema)
    assert not [e.message for e in validator.iter_errors(document)]
    assert presets.load_file(path).name == path.stem
    # what the model refuses, the schema refuses too
    assert not validator.is_valid({**document, "colour": "red"})
    assert validator.is_valid({**document, "years": 2020})
