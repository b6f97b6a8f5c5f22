"""Plan files: YAML and JSON, read and written without loss.

``load_plan(path)`` reads and validates a file (format from the suffix: ``.yaml``/``.yml``
or ``.json``); a syntax error names the file, line and column. ``dump_plan(plan, fmt)``
writes the normalised document. Both formats carry the same document, so
``load_plan(dump(plan))`` equals the plan (round trip, tested).
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from .. import yamlsafe
from ..catalog import Catalog
from ..errors import PlanError
from .model import Plan

FORMATS = ("yaml", "json")


def format_of(path: Path | str, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise PlanError(f"unknown format {fmt!r} (yaml or json)", file=str(path))
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    raise PlanError("cannot tell the format from the file name: use .yaml, .yml or .json",
                    file=str(path))


def is_plan_file(reference: Path | str) -> bool:
    """Whether a plan reference names a file (a plan file's suffix, or a file that exists)
    rather than a plan id in the plans database."""
    path = Path(reference)
    return path.suffix.lower() in (".yaml", ".yml", ".json") or path.is_file()


def parse_document(text: str, fmt: str, *, file: str = "<text>") -> dict:
    """Parse YAML or JSON text into a document; syntax errors name line and column."""
    try:
        if fmt == "json":
            return json.loads(text)
        return yamlsafe.load(text, file=file)
    except json.JSONDecodeError as exc:
        raise PlanError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                        file=file) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlanError(f"invalid YAML{where}: {problem}", file=file) from None


def load_plan(path: Path | str, *, catalog: Catalog | None = None,
              fmt: str | None = None) -> Plan:
    """Read and validate a plan file (see :mod:`wijkkompas.plans.model`)."""
    path = Path(path)
    fmt = format_of(path, fmt)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise PlanError("file not found", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise PlanError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    return Plan.from_dict(parse_document(text, fmt, file=str(path)), file=str(path),
                          catalog=catalog)


def dumps_plan(plan: Plan, fmt: str = "yaml", *, with_version: bool = True) -> str:
    doc = plan.to_dict(with_version=with_version)
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=88)
    raise PlanError(f"unknown format {fmt!r} (yaml or json)")


def dump_plan(plan: Plan, path: Path | str, *, fmt: str | None = None,
              with_version: bool = True) -> Path:
    """Write a plan to a YAML or JSON file (written to a temporary file, then renamed)."""
    path = Path(path)
    text = dumps_plan(plan, format_of(path, fmt), with_version=with_version)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(path)
    return path
