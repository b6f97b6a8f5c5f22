"""Documentation that must stay true: the indicator tables in docs/data.md."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_indicator_tables_in_data_md_are_current():
    spec = importlib.util.spec_from_file_location("catalog_doc", ROOT / "scripts" /
                                                  "catalog_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    document = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    assert module.render(document) == document, "run: python scripts/catalog_doc.py"


def test_architecture_map_names_every_module():
    package = ROOT / "src" / "wijkkompas"
    document = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for path in sorted(package.iterdir()):
        if path.name.startswith(("_", ".")) or path.name in ("data",):
            continue
        if path.is_dir() and any(path.glob("*.py")):
            assert f"`{path.name}/" in document, f"{path.name}/ missing in docs/architecture.md"
        elif path.suffix == ".py":
            assert f"`{path.name}`" in document, f"{path.name} missing in docs/architecture.md"
