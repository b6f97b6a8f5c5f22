"""Regenerate the indicator tables of docs/data.md from the default catalog.

Run: ``python scripts/catalog_doc.py``. Everything between the markers
``<!-- indicators:start -->`` and ``<!-- indicators:end -->`` is replaced; the rest of the
document is hand-written. ``tests/test_docs.py`` checks that the tables are current.
"""
from __future__ import annotations

from pathlib import Path

from wijkkompas.catalog import DOMAINS, load_catalog

DOC = Path(__file__).resolve().parents[1] / "docs" / "data.md"
START, END = "<!-- indicators:start -->", "<!-- indicators:end -->"
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


def render(document: str) -> str:
    head, rest = document.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{tables()}{END}{tail}"


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {DOC}")
