"""Fetch presets: which CBS tables and PDOK boundary layers make up a monitor.

A preset is a YAML file (``wijkkompas fetch --preset NAME``). The bundled ones live in
``sources/presets/`` (``landelijk``: the national monitor); users add their own in the
folder named by ``$WIJKKOMPAS_PRESETS`` or ``<config dir>/presets``
(:func:`wijkkompas.config.presets_dir`), where a file with a bundled name wins over the
bundled one. The file is validated with pydantic (:class:`Preset`, through
:mod:`wijkkompas.validation`: unknown keys refused, every problem of a file at once, each
with its key path such as ``tables[2].ids`` and a sentence in English and Dutch); its JSON
Schema is ``docs/schemas/preset.schema.json``.

:func:`plan` turns a preset, the years and the level asked into the list of
:class:`Item` s to fetch (table id or boundary layer, year, vintage, expected disk
space), which ``--dry-run`` prints and :mod:`wijkkompas.sources.fetching` fetches.

Restricting to gemeenten (``gemeenten: [GM0518]``) adds an OData ``$filter`` on the
table's region dimension (``startswith({geo},'GM0518') or startswith({geo},'WK0518') or
startswith({geo},'BU0518')``) and a ``gemeentecode`` property filter for the boundaries;
``--level`` keeps only that level's rows (``startswith({geo},'WK')``) and boundary
layer. A table entry's own ``filter:`` is added with ``and``; ``{year}`` in it stands for
the year being fetched.

Two table options prepare a table for the scores: ``months: sum`` (a monthly table such
as registered crime 47022NED: after the download the twelve months of each complete
year are added up into ``<TABLE>.jaar.csv``, which is what is ingested; the rule is in
:mod:`wijkkompas.sources.months`), and ``totals: true`` (a table with one row per form
of care or other category, such as the youth care tables: only the total of each
dimension other than the region and the period is asked, see
:func:`wijkkompas.sources.odata.fetch`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from .. import yamlsafe
from ..errors import WijkkompasError
from ..settings import env_name
from ..validation import Strict, fail, problems

Level = Literal["gemeente", "wijk", "buurt"]
LEVELS: tuple[Level, ...] = ("gemeente", "wijk", "buurt")
PREFIX = {"gemeente": "GM", "wijk": "WK", "buurt": "BU"}
PRESETS_ENV = env_name("presets")
_TABLE_ID = re.compile(r"^\d{5}[A-Z]{3}$")
_GEMEENTE = re.compile(r"^GM\d{4}$")
# disk-space estimates for part of a table: the shares of its rows by level (342
# gemeenten, 3,393 wijken, 14,574 buurten in 2024) and one gemeente as 1/342 of the country
LEVEL_SHARE = {"gemeente": 0.02, "wijk": 0.18, "buurt": 0.80}
GEMEENTEN = 342
# ``years: 2020`` is read as well as ``years: "2013-2024"`` (the validator makes it text)
_YEARS_SCHEMA: dict[str, Any] = {"type": ["string", "integer"]}


class PresetError(WijkkompasError):
    """A preset that cannot be found or is not valid; nothing is fetched. ``nl`` is the
    reason in Dutch where there is one (a preset file's validation)."""

    def __init__(self, message: str, nl: str | None = None) -> None:
        self.nl = nl
        super().__init__(message)


class TableSpec(Strict):
    """One CBS table family: one table for all years (``table:``), or one per year
    (``ids:``, year -> table id)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$",
                      description="the family's name: its folder and its line in --dry-run")
    title: str
    kind: str = "table"
    table: str | None = Field(None, description="one table id for all years (85984NED)")
    ids: dict[int, str] | None = Field(None, description="a table id per year")
    editions: list[int] | None = Field(
        None, description="the years a 'table' is published for (default: every year)")
    vintage: int | Literal["year"] = Field(
        description="the boundary vintage of the codes; 'year': the year fetched")
    size_mb: float = Field(gt=0, description="documented estimate of one item on disk")
    filter: str | None = Field(None, description="an OData $filter; {year} is the year")
    base_url: str | None = Field(
        None, description="another OData v3 service (the police's: dataderden)")
    each_year: bool = Field(False, description="fetch 'table' once per year ({year} filter)")
    levels: list[Level] = Field(list(LEVELS), description="the levels the table holds")
    months: Literal["sum"] | None = Field(
        None, description="a monthly table: the months added up into whole years")
    totals: bool = Field(False, description="ask only the total of each other dimension")
    publisher: str = "CBS"
    licence: str = "CC BY 4.0"

    @field_validator("table")
    @classmethod
    def _table_id(cls, value: str | None) -> str | None:
        if value is not None and not _TABLE_ID.match(value):
            fail(None, f"{value!r} is not a CBS table id (such as 85984NED)",
                 f"{value!r} is geen CBS-tabelnummer (zoals 85984NED)")
        return value

    @field_validator("ids")
    @classmethod
    def _ids(cls, value: dict[int, str] | None) -> dict[int, str] | None:
        for year, table in (value or {}).items():
            if not 1990 <= year <= 2100:
                fail(None, f"year {year} is not plausible", f"jaar {year} is niet aannemelijk")
            if not _TABLE_ID.match(table):
                fail(None, f"{table!r} (year {year}) is not a CBS table id (such as 85984NED)",
                     f"{table!r} (jaar {year}) is geen CBS-tabelnummer (zoals 85984NED)")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> TableSpec:
        if (self.table is None) == (self.ids is None):
            fail(None, "give exactly one of 'table' (one table id) and 'ids' (a table id "
                 "per year)", "geef precies een van 'table' (een tabelnummer) en 'ids' (een "
                 "tabelnummer per jaar)")
        if self.ids is not None and (self.editions or self.each_year):
            fail(None, "'editions' and 'each_year' go with 'table', not with 'ids'",
                 "'editions' en 'each_year' horen bij 'table', niet bij 'ids'")
        return self


class BoundaryService(Strict):
    """A PDOK OGC API Features service for some years; ``{year}`` in ``url`` and in the
    collection names stands for the year."""

    years: str = Field(description='"2023" or "2013-2022"', json_schema_extra=_YEARS_SCHEMA)
    url: str = Field(pattern=r"^https?://")
    protocol: Literal["ogcapi", "wfs"] = "ogcapi"
    collections: dict[Level, str]

    @field_validator("years", mode="before")
    @classmethod
    def _years(cls, value: object) -> str:
        return _checked_years(value)


class BoundarySpec(Strict):
    size_mb: dict[Level, float]
    crs: str | None = Field(None, description="the CRS asked of an OGC API, e.g. "
                            "http://www.opengis.net/def/crs/EPSG/0/28992")
    services: list[BoundaryService] = Field(min_length=1)
    publisher: str = "CBS / PDOK"
    licence: str = "CC BY 4.0"


class Preset(Strict):
    """A fetch preset (``wijkkompas fetch --preset NAME``)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str
    years: str = Field("2013-2024", description="the years fetched by default",
                       json_schema_extra=_YEARS_SCHEMA)
    levels: list[Level] = list(LEVELS)
    gemeenten: list[str] = Field([], description="only these gemeenten (GM0518, ...)")
    tables: list[TableSpec] = []
    boundaries: BoundarySpec | None = None

    @field_validator("gemeenten")
    @classmethod
    def _gemeenten(cls, value: list[str]) -> list[str]:
        for code in value:
            if not _GEMEENTE.match(code):
                fail(None, f"{code!r} is not a gemeente code (GM and four digits, such as "
                     "GM0518)", f"{code!r} is geen gemeentecode (GM en vier cijfers, zoals "
                     "GM0518)")
        return value

    @field_validator("years", mode="before")
    @classmethod
    def _years(cls, value: object) -> str:
        return _checked_years(value)

    @model_validator(mode="after")
    def _something(self) -> Preset:
        if not self.tables and self.boundaries is None:
            fail(None, "a preset needs 'tables', 'boundaries' or both",
                 "een preset heeft 'tables', 'boundaries' of beide nodig")
        names = [t.name for t in self.tables]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            fail(None, f"table names must differ; used twice: {', '.join(doubled)}",
                 f"tabelnamen moeten verschillen; twee keer gebruikt: {', '.join(doubled)}")
        return self


@dataclass(frozen=True)
class Item:
    """One thing to fetch: a CBS table or a PDOK boundary layer for one year."""

    kind: Literal["table", "boundary"]
    name: str             # the table family or "grenzen"
    year: int
    vintage: int
    size_mb: float
    table: str = ""       # table id, for tables
    filter: str = ""      # OData $filter ({geo} still unresolved)
    base_url: str = ""    # OData v3 service, "" for the default
    level: str = ""       # for boundaries
    url: str = ""         # PDOK service, for boundaries
    protocol: str = ""    # "ogcapi" or "wfs", for boundaries
    crs: str = ""         # CRS asked of an OGC API ("": its default, CRS84)
    collection: str = ""
    where: tuple[tuple[str, str], ...] = ()
    months: str = ""      # "sum": the monthly rows become whole years before the ingest
    totals: bool = False  # only the total of every dimension but region and period

    @property
    def key(self) -> str:
        """Unique within a plan; also the item's folder under the destination."""
        if self.kind == "boundary":
            return f"{self.name}/{self.level}_{self.year}"
        return f"{self.name}/{self.year}/{self.table}"

    @property
    def label(self) -> str:
        if self.kind == "boundary":
            return f"{self.level} {self.year} ({self.collection})"
        return f"{self.table} {self.name} {self.year}"


def parse_years(text: str | int) -> list[int]:
    """``2013-2024`` -> [2013, ..., 2024]; ``2019`` -> [2019]; ``2013,2016`` too."""
    years: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d{4})(?:\s*-\s*(\d{4}))?", part)
        if not match:
            raise PresetError(f"years {text!r}: expected a year (2019), a range (2013-2024) "
                              "or years separated by commas",
                              f"jaren {text!r}: verwacht een jaar (2019), een reeks "
                              "(2013-2024) of jaren gescheiden door komma's")
        first, last = int(match[1]), int(match[2] or match[1])
        if first > last:
            raise PresetError(f"years {text!r}: {first} comes after {last}",
                              f"jaren {text!r}: {first} komt na {last}")
        if not 1990 <= first <= last <= 2100:
            raise PresetError(f"years {text!r}: not plausible years",
                              f"jaren {text!r}: geen aannemelijke jaren")
        years.extend(range(first, last + 1))
    return sorted(set(years))


def _checked_years(value: object) -> str:
    """A preset's ``years`` (``2020``, ``"2013-2024"``) as text, or ValueError in words."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        fail(None, "expected a year (2019), a range (\"2013-2024\") or years separated by "
             "commas", "verwacht een jaar (2019), een reeks (\"2013-2024\") of jaren "
             "gescheiden door komma's")
    try:
        parse_years(value)
    except PresetError as exc:
        fail(None, str(exc), exc.nl or str(exc))
    return str(value)


# -- finding and loading --------------------------------------------------------------

def user_dir() -> Path:
    from .. import config

    return config.presets_dir()


def _bundled() -> dict[str, Path]:
    folder = resources.files("wijkkompas.sources") / "presets"
    return {Path(str(f)).stem: Path(str(f)) for f in folder.iterdir()
            if str(f).endswith((".yaml", ".yml"))}


def _user() -> dict[str, Path]:
    folder = user_dir()
    if not folder.is_dir():
        return {}
    return {f.stem: f for f in sorted(folder.iterdir())
            if f.suffix in (".yaml", ".yml") and f.is_file()}


def available() -> list[tuple[str, str, Path]]:
    """(name, origin 'bundled' or 'user', file) of every preset, user ones winning."""
    found = {name: ("bundled", path) for name, path in _bundled().items()}
    found.update({name: ("user", path) for name, path in _user().items()})
    return [(name, origin, path) for name, (origin, path) in sorted(found.items())]


def load(name_or_path: str | Path) -> Preset:
    """A preset by name (user folder, then bundled) or by file path."""
    text = str(name_or_path)
    candidate = Path(text)
    if text.endswith((".yaml", ".yml")) or candidate.is_file():
        return load_file(candidate)
    for name, _origin, path in available():
        if name == text:
            return load_file(path)
    names = ", ".join(n for n, _o, _p in available()) or "none"
    raise PresetError(f"no preset named {text!r}; the presets are: {names} (user presets "
                      f"go in {user_dir()}; see wijkkompas fetch --list-presets)")


def load_file(path: Path) -> Preset:
    file = str(path)
    if not path.is_file():
        raise PresetError(f"{file}: preset file not found")
    try:
        document = yamlsafe.load_file(path)
    except yaml.YAMLError as exc:
        raise PresetError(f"{file}: not valid YAML ({exc})") from None
    if not isinstance(document, dict):
        raise PresetError(f"{file}: a preset is a YAML mapping with 'name', 'description' "
                          "and 'tables' and/or 'boundaries'")
    try:
        return Preset.model_validate(document)
    except ValidationError as exc:
        # on one line: --list-presets shows it in a table cell
        raise PresetError(f"{file}: " + "; ".join(
            f"{p.key}: {p.en}" if p.key else p.en for p in problems(exc, Preset))) from None


# -- planning ---------------------------------------------------------------------------

def plan(preset: Preset, years: list[int] | None = None, level: str | None = None) -> list[Item]:
    """Every table and boundary layer the preset fetches for ``years`` and ``level``."""
    years = years if years is not None else parse_years(preset.years)
    if level is not None and level not in LEVELS:
        raise PresetError(f"--level {level!r}: choose gemeente, wijk or buurt")
    levels: list[str] = [level] if level else list(preset.levels)
    items: list[Item] = []
    for spec in preset.tables:
        items.extend(_table_items(spec, years, levels, preset.gemeenten))
    if preset.boundaries is not None:
        items.extend(_boundary_items(preset.boundaries, years, levels, preset.gemeenten))
    return items


def chosen(name: str, years: str | None = None, level: str | None = None
           ) -> tuple[Preset, list[Item]]:
    """The preset ``name`` (or file) and what it fetches for ``years`` (``2013-2024``,
    ``2020,2022``; default the preset's) and ``level``; PresetError when that is
    nothing."""
    preset = load(name)
    items = plan(preset, parse_years(years) if years else None, level)
    if not items:
        raise PresetError(f"preset {preset.name}: nothing to fetch for these years"
                          + (f" and level {level}" if level else ""))
    return preset, items


def download_dir(store_dir: Path, preset: Preset) -> Path:
    """Where a preset's files are downloaded when no folder is given: beside the store,
    one folder per preset (the fetch state for resuming is kept there)."""
    return store_dir / "downloads" / preset.name


def _geo_filter(levels: list[str], gemeenten: list[str]) -> str:
    prefixes = [PREFIX[lv] + (g[2:] if g else "") for lv in levels
                for g in (gemeenten or [""])]
    return " or ".join(f"startswith({{geo}},'{p}')" for p in prefixes)


def _combine(*parts: str) -> str:
    parts = tuple(p for p in parts if p)
    if len(parts) <= 1:
        return parts[0] if parts else ""
    return " and ".join(f"({p})" for p in parts)


def _table_items(spec: TableSpec, years: list[int], levels: list[str],
                 gemeenten: list[str]) -> list[Item]:
    levels = [lv for lv in levels if lv in spec.levels]
    if not levels:
        return []  # the table holds none of the levels asked (youth care has no buurten)
    # every level the table has and no gemeenten: no filter (keeps the country's row)
    whole = set(levels) == set(spec.levels) and not gemeenten
    geo = "" if whole else _geo_filter(levels, gemeenten)
    share = (sum(LEVEL_SHARE[lv] for lv in levels)
             / sum(LEVEL_SHARE[lv] for lv in spec.levels))
    share *= len(gemeenten) / GEMEENTEN if gemeenten else 1.0
    spec = spec.model_copy(update={"size_mb": round(spec.size_mb * share, 2)})
    out = []
    if spec.ids is not None:
        for year in years:
            if year in spec.ids:
                vintage = year if spec.vintage == "year" else spec.vintage
                out.append(Item("table", spec.name, year, vintage, spec.size_mb,
                                table=spec.ids[year], base_url=spec.base_url or "",
                                months=spec.months or "", totals=spec.totals,
                                filter=_combine((spec.filter or "").replace("{year}", str(year)),
                                                geo)))
        return out
    assert spec.table is not None
    wanted = [y for y in years if spec.editions is None or y in spec.editions]
    if spec.each_year:
        for year in wanted:
            vintage = year if spec.vintage == "year" else spec.vintage
            out.append(Item("table", spec.name, year, vintage, spec.size_mb, table=spec.table,
                            base_url=spec.base_url or "", months=spec.months or "",
                            totals=spec.totals,
                            filter=_combine((spec.filter or "").replace("{year}", str(year)),
                                            geo)))
    elif wanted:
        # one table holds every edition: fetched once, under its latest year asked
        year = max(wanted)
        vintage = year if spec.vintage == "year" else spec.vintage
        out.append(Item("table", spec.name, year, vintage, spec.size_mb, table=spec.table,
                        base_url=spec.base_url or "", months=spec.months or "",
                        totals=spec.totals, filter=_combine(spec.filter or "", geo)))
    return out


def _boundary_items(spec: BoundarySpec, years: list[int], levels: list[str],
                    gemeenten: list[str]) -> list[Item]:
    out = []
    for year in years:
        service = next((s for s in spec.services if year in parse_years(s.years)), None)
        if service is None:
            continue
        for level in levels:
            if level not in service.collections:
                continue
            wheres: list[tuple[tuple[str, str], ...]] = [
                (("gemeentecode", g),) for g in gemeenten] or [()]
            for where in wheres:
                suffix = f"-{where[0][1]}" if where else ""
                size = spec.size_mb[level] / (GEMEENTEN if where else 1)
                out.append(Item("boundary", "grenzen" + suffix, year, year, round(size, 2),
                                level=level, protocol=service.protocol, crs=spec.crs or "",
                                url=service.url.replace("{year}", str(year)),
                                collection=service.collections[level].replace("{year}",
                                                                             str(year)),
                                where=where))
    return out


def total_mb(items: list[Item]) -> float:
    return sum(i.size_mb for i in items)


__all__ = ["Preset", "TableSpec", "BoundarySpec", "Item", "PresetError", "available", "load",
           "load_file", "plan", "parse_years", "total_mb", "PRESETS_ENV", "LEVELS"]
