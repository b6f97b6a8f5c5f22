"""YAML without alias bombs: the one loader (wijkkompas.yamlsafe) and every reader using it."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from wijkkompas import yamlsafe
from wijkkompas.catalog import load_catalog
from wijkkompas.errors import CatalogError, IngestError, PlanError
from wijkkompas.plans.io import parse_document
from wijkkompas.sources import mapped

PACKAGE = Path(str(resources.files("wijkkompas")))


def billion_laughs(levels: int = 9, key: str = "lol") -> str:
    """The classic: nine levels of nine aliases, 9**9 (387 million) strings written out."""
    lines = [f'{key}0: &{key}0 [{", ".join(["lol"] * 9)}]']
    for level in range(1, levels):
        lines.append(f"{key}{level}: &{key}{level} [{', '.join([f'*{key}{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_refused_without_expanding():
    with pytest.raises(yamlsafe.YAMLAliasError) as caught:
        yamlsafe.load(billion_laughs(), file="bomb.yaml")
    message = str(caught.value)
    assert message.startswith("bomb.yaml: too many aliases")
    assert f"(limit {yamlsafe.DEFAULT_ALIAS_BUDGET})" in message
    assert "lol, lol" not in message and len(message) < 300  # no repr of the value
    assert isinstance(caught.value, yaml.YAMLError)  # callers' handlers still apply


def test_alias_to_its_own_container_refused():
    with pytest.raises(yamlsafe.YAMLAliasError, match="endless"):
        yamlsafe.load("a: &x [1, *x]\n", file="loop.yaml")


def test_many_small_aliases_refused_too():
    text = "base: &b 1\nall: [" + ", ".join(["*b"] * 20_001) + "]\n"
    with pytest.raises(yamlsafe.YAMLAliasError, match=r"too many aliases.*limit 10000"):
        yamlsafe.load(text)


def test_ordinary_anchors_and_merge_keys_still_load():
    text = "base: &b {scale: 1, decimal: ','}\none: {<<: *b, indicator: x}\ntwo: *b\n"
    assert yamlsafe.load(text) == {"base": {"scale": 1, "decimal": ","},
                                   "one": {"scale": 1, "decimal": ",", "indicator": "x"},
                                   "two": {"scale": 1, "decimal": ","}}


def test_budget_is_configurable(monkeypatch):
    text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"  # the aliases add 2 x 4 nodes
    assert yamlsafe.load(text, budget=8)["b"] == [[1, 2, 3], [1, 2, 3]]
    with pytest.raises(yamlsafe.YAMLAliasError, match=r"\(limit 7\)"):
        yamlsafe.load(text, budget=7)
    monkeypatch.setenv(yamlsafe.BUDGET_VARIABLE, "7")
    with pytest.raises(yamlsafe.YAMLAliasError):
        yamlsafe.load(text)


def test_a_broken_document_is_told_as_the_budgeted_composer_tells_it():
    """Documents without aliases are composed by libyaml; an error is said by PyYAML's
    own composer (its message shows the document's line), as before."""
    text = "a: [1, 2\nb: {c: 3\n"
    with pytest.raises(yaml.YAMLError) as caught:
        yamlsafe.load(text)
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.load(text, Loader=yaml.SafeLoader)
    assert str(caught.value) == str(expected.value) and "line" in str(caught.value)


def test_safe_tags_only():
    with pytest.raises(yaml.YAMLError):
        yamlsafe.load("!!python/object/apply:os.system ['true']\n")


SHIPPED = sorted([*PACKAGE.glob("catalog/default/*.yaml"), *PACKAGE.glob("sources/mappings/*.yaml"),
                  *PACKAGE.glob("schemes/*.yaml"), *PACKAGE.glob("plans/examples/*.yaml")])


def test_shipped_yaml_found():
    folders = {p.parent.name for p in SHIPPED}
    assert folders == {"default", "mappings", "schemes", "examples"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_yaml_still_loads(path):
    assert yamlsafe.load_file(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------- the readers that use it

def _bomb_mapping(tmp_path: Path) -> Path:
    path = tmp_path / "bomb.yaml"
    path.write_text("file: data.csv\nsource: x\nvintage: 2022\narea: code\n"
                    "columns: {a: b}\n" + billion_laughs(), encoding="utf-8")
    return path


def test_mapping_file_bomb_refused(tmp_path):
    path = _bomb_mapping(tmp_path)
    with pytest.raises(IngestError, match="too many aliases") as caught:
        mapped.load_mapping(path)
    assert caught.value.file == str(path)
    assert not mapped.sniff(path)  # sniffing refuses it too, and quietly


def test_catalog_bomb_refused(tmp_path):
    path = tmp_path / "extra.yaml"
    path.write_text("indicators: []\n" + billion_laughs(), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"extra\.yaml.*too many aliases"):
        load_catalog([path])


def test_plan_bomb_refused():
    with pytest.raises(PlanError, match="too many aliases") as caught:
        parse_document("id: x\n" + billion_laughs(), "yaml", file="plan.yaml")
    assert caught.value.file == "plan.yaml"
