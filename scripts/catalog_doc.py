"""Regenerate the indicator tables of docs/data.md from the default catalog.

Run: ``python scripts/catalog_doc.py``. Everything between the markers
``<!-- indicators:start -->`` and ``<!-- indicators:end -->`` is replaced, and so is the
table "KWB columns in the catalog" between ``<!-- kwb:start -->`` and ``<!-- kwb:end -->``
(made from the verified column lists in ``tests/data/kwb-columns``); the rest of the
document is hand-written. ``tests/test_docs.py`` checks that the tables are current.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from wijkkompas.catalog import DOMAINS, load_catalog

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "data.md"
KWB_LISTS = ROOT / "tests" / "data" / "kwb-columns"
START, END = "<!-- indicators:start -->", "<!-- indicators:end -->"
KWB_START, KWB_END = "<!-- kwb:start -->", "<!-- kwb:end -->"
DIRECTION = {"higher_is_better": "hoger is beter", "higher_is_worse": "hoger is slechter",
             "neutral": "neutraal"}


def tables() -> str:
    catalog = load_catalog(defaults=True)
    parts = []
    for domain, labels in DOMAINS.items():
        entries = sorted((i for i in catalog if i.domain == domain), key=lambda i: i.id)
        if not entries:
            continue
        parts.append(f"\n### {labels['nl']} ({labels['en']})\n")
        parts.append("| id | indicator | unit | kind | direction | objective/subjective | "
                     "min. population | source | definition |")
        parts.append("|---|---|---|---|---|---|---|---|---|")
        for i in entries:
            cells = [f"`{i.id}`", i.label_nl, i.unit, i.kind + (f" ({i.denominator})"
                                                                 if i.denominator else ""),
                     DIRECTION[i.direction], i.perspective, str(i.min_population or ""),
                     i.source, i.definition]
            parts.append("| " + " | ".join(c.replace("|", "/").replace("\n", " ")
                                           for c in cells) + " |")
    return "\n".join(parts) + "\n"


def _kwb_lists() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(kind, year, [(column, indicator)]) of every verified KWB column list."""
    lists = []
    for path in sorted(KWB_LISTS.glob("*.csv")):
        kind = "short" if path.name.startswith("shortnames") else "odata"
        year = re.search(r"(\d{4})\.csv$", path.name)[1]  # type: ignore[index]
        with open(path, encoding="utf-8", newline="") as handle:
            rows = [(r["column"], r["indicator"]) for r in csv.DictReader(handle)]
        lists.append((kind, year, [(c, i) for c, i in rows if i]))
    return lists


def kwb_table() -> str:
    """Per catalog id: the verified KWB short names and OData keys, by edition."""
    catalog = load_catalog(defaults=True)
    names: dict[str, dict[tuple[str, str], list[str]]] = {}
    for kind, year, rows in _kwb_lists():
        for column, ident in rows:
            key = re.sub(r"_\d+$", "", column) if kind == "odata" else column
            names.setdefault(ident, {}).setdefault((kind, key), []).append(year)

    def listed(ident: str, kind: str) -> str:
        found = [(key, years) for (k, key), years in names[ident].items() if k == kind]
        return "; ".join(f"`{key}` ({', '.join(years)})" for key, years in found)

    parts = ["| id | indicator | KWB short name (editions) | OData key (editions) | editions | "
             "domain | direction |", "|---|---|---|---|---|---|---|"]
    for ident in sorted(names, key=lambda i: (list(DOMAINS).index(catalog[i].domain), i)):
        indicator = catalog[ident]
        years = sorted({y for ys in names[ident].values() for y in ys})
        parts.append(f"| `{ident}` | {indicator.label_nl} | {listed(ident, 'short')} | "
                     f"{listed(ident, 'odata')} | {', '.join(years)} | {indicator.domain} | "
                     f"{DIRECTION[indicator.direction]} |")
    return "\n".join(parts) + "\n"


def render(document: str) -> str:
    head, rest = document.split(START, 1)
    _, tail = rest.split(END, 1)
    document = f"{head}{START}\n{tables()}{END}{tail}"
    if KWB_START in document:
        head, rest = document.split(KWB_START, 1)
        _, tail = rest.split(KWB_END, 1)
        document = f"{head}{KWB_START}\n{kwb_table()}{KWB_END}{tail}"
    return document


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {DOC}")
