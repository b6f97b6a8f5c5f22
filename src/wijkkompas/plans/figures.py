"""Figures for a plan: the plan area's and reference groups' yearly values per indicator.

Aggregation over the plan area (several wijken or buurten)
-----------------------------------------------------------
For shares, rates, means and indices the plan area's value in a year is the
**population-weighted mean** of its areas' values,

    x_plan(t) = sum_i w_i(t) x_i(t) / sum_i w_i(t),   w_i(t) = inwoners of area i in year t,

with the weights taken from the indicator ``inwoners`` (the ELAN panel's
``Total_Population``, CBS's ``AantalInwoners``) for the same area, vintage and year.
That equals the share in the combined population when the indicator is a share of all
residents (as the Haaglanden panel's are). When an area has no population figure for the
year, that year falls back to the **plain (unweighted) mean** and a note says so. Counts
are summed (and missing when any area is missing). A year counts only when every plan
area has a value (a mean over a changing set of areas would move by composition alone).

Areas with identical series
---------------------------
Some sources repeat one area's figures under another code (the Haaglanden panel gives
Zuiderpark WK051835 the rows of Moerwijk WK051836). When two plan areas have the same
value in every year of an indicator (at least three years), the second is left out of
that indicator's mean and a note names both: counting Moerwijk twice would bias the plan
area towards it. The same areas are kept out of comparison groups.

Vintages
--------
The plan area's codes have one boundary vintage (``area.vintage``). Figures are read for
that vintage. When the store holds an indicator only in other vintages, the figures
must be converted with a crosswalk: :func:`wijkkompas.change.harmonise.harmonise_store` overlays
the store's boundaries of both vintages (the values become estimates, and a note says
so); when that is impossible (no boundaries of one vintage) :class:`PlanError` says
which vintages exist and that the data must be loaded in the plan's vintage.

Reference groups (g4, gemeente, land, custom) are aggregated the same way; gemeente
codes rarely change, so when a reference area has no figures in the plan's vintage its
newest other vintage is used and noted.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..catalog import Catalog
from ..errors import PlanError, WijkkompasError
from ..store import Store
from .model import Plan

POPULATION = "inwoners"
USABLE = ("observed", "estimated")
DERIVED = 256  # results kept per PlanFigures (PlanFigures.derived)
T = TypeVar("T")


@dataclass
class GroupSeries:
    """Yearly values of one indicator for one group of areas."""
    name: str
    label: str
    codes: list[str]
    values: pd.Series          # index year (int), float values; only complete years
    method: str                # "gewogen gemiddelde", "ongewogen gemiddelde", "som", "één gebied"
    notes: list[str] = field(default_factory=list)

    def at(self, year: int) -> float | None:
        value = self.values.get(year)
        return None if value is None or pd.isna(value) else float(value)

    @property
    def last_year(self) -> int | None:
        return int(self.values.index.max()) if len(self.values) else None


@dataclass
class IndicatorInfo:
    id: str
    label: str
    unit: str
    direction: str
    kind: str
    source: str
    definition: str = ""


def indicator_info(plan: Plan, indicator: str, catalog: Catalog) -> IndicatorInfo:
    own = plan.plan_indicator(indicator)
    if own is not None:
        return IndicatorInfo(own.id, own.label, own.unit, own.direction, own.kind,
                             own.source or "plan", own.definition)
    ind = catalog[indicator]
    return IndicatorInfo(ind.id, ind.label_nl, ind.unit, ind.direction, ind.kind, ind.source,
                         ind.definition)


def figures_key(plan: Plan) -> str:
    """Everything a plan's figures depend on: its area, reference groups, own indicators
    and the indicators its goals follow. Two versions of a plan with the same key have the
    same figures, so one :class:`PlanFigures` serves both (a changed measure or title does
    not make the web app read the figures again)."""
    document = plan.to_dict()
    return json.dumps({"area": document.get("area"),
                       "reference_groups": document.get("reference_groups"),
                       "indicators": document.get("indicators"),
                       "goals": sorted({g.indicator for g in plan.goals})},
                      sort_keys=True, default=str)


class PlanFigures:
    """Reads and aggregates a plan's figures from a store, with a cache per indicator.
    Also valid for another version of the plan with the same :func:`figures_key`."""

    def __init__(self, plan: Plan, store: Store, catalog: Catalog) -> None:
        self.plan, self.store, self.catalog = plan, store, catalog
        self.notes: list[str] = []
        self._raw: dict[tuple, pd.DataFrame] = {}
        # None: a reference group without figures (the plan's own series is never None)
        self._series: dict[tuple[str, str], GroupSeries | None] = {}
        self._known: dict[str, list[int]] | None = None  # the area's codes: their vintages
        self._derived: dict[tuple, Any] = {}

    # -- checks -------------------------------------------------------------------------

    def check_area(self) -> None:
        """Every plan code exists in the store at the plan's vintage (else PlanError)."""
        area = self.plan.area
        if self._known is None:  # every save checks: one store query per plan area
            frame = self.store.code_vintages(list(area.codes))
            self._known = {str(code): sorted(int(v) for v in group) for code, group
                           in frame.groupby("code")["vintage"]}
        for i, code in enumerate(area.codes):
            vintages = self._known.get(code, [])
            if not vintages:
                raise PlanError(f"area {code} does not exist in the store",
                                file=self._file, key=f"area.codes[{i}]",
                                nl=f"gebied {code} komt niet voor in de geladen cijfers")
            if area.vintage not in vintages:
                raise PlanError(f"area {code} is not in the store for vintage {area.vintage} "
                                f"(it is for {', '.join(map(str, vintages))})",
                                file=self._file, key=f"area.codes[{i}]",
                                nl=f"gebied {code} komt in de geladen cijfers niet voor in "
                                   f"de indeling van {area.vintage} (wel in die van "
                                   f"{', '.join(map(str, vintages))})")

    def derived(self, key: tuple, make: Callable[[], T]) -> T:
        """What ``make`` computes from these figures and ``key`` alone (a goal's progress,
        keyed by the goal as written), computed once: the versions of a plan that share
        these figures (most edits change a measure or a title) share it too. At most
        ``DERIVED`` results, the oldest first out."""
        if key not in self._derived:
            if len(self._derived) >= DERIVED:
                del self._derived[next(iter(self._derived))]
            self._derived[key] = make()
        return self._derived[key]

    @property
    def _file(self) -> str:
        return self.plan.id

    # -- raw figures --------------------------------------------------------------------

    def raw(self, indicator: str, codes: list[str] | None = None) -> pd.DataFrame:
        """Yearly figures of ``indicator`` and the population, in every vintage (long), for
        ``codes`` or else for every area; the frame may hold more indicators, so callers
        select theirs. One query reads every indicator of the plan's goals at once: a plan's
        check and summary (the save path) then read a few hundred rows in a query per group
        of areas, and its peers (every area) one scan of the figures instead of one per
        indicator."""
        wanted = {g.indicator for g in self.plan.goals} | {POPULATION}
        if indicator not in wanted:
            key, indicators = (indicator, tuple(codes or ())), sorted({indicator, POPULATION})
        else:
            key, indicators = ("", tuple(codes or ())), sorted(wanted)
        if key not in self._raw:
            frame = self.store.observations(codes=codes, indicators=indicators,
                                            with_names=False)
            frame = frame[frame["period"].astype(str).str.fullmatch(r"\d{4}")
                          & frame["status"].isin(USABLE) & frame["value"].notna()]
            self._raw[key] = frame
        return self._raw[key]

    def _plan_vintage_frame(self, indicator: str, codes: list[str], key: str) -> pd.DataFrame:
        frame = self.raw(indicator, codes)
        mine = frame[(frame["indicator"] == indicator) & frame["area_code"].isin(codes)]
        here = mine[mine["vintage"] == self.plan.area.vintage]
        if here.empty and not mine.empty:
            others = sorted(mine["vintage"].astype(int).unique())
            harmonised = _harmonise(self.store, self.catalog, indicator, codes, others,
                                    self.plan.area.vintage, self.plan.area.level)
            if harmonised is None:
                raise PlanError(
                    f"indicator {indicator!r} has figures for the plan area only in boundary "
                    f"vintage(s) {', '.join(map(str, others))}, and the plan's codes are of "
                    f"vintage {self.plan.area.vintage}; no harmonisation between vintages is "
                    "available: load the figures in the plan's vintage, or write the plan "
                    "area in the codes of the data", file=self._file, key=key,
                    nl=f"indicator {indicator!r} heeft voor het plangebied alleen cijfers in "
                       f"de gebiedsindeling(en) van {', '.join(map(str, others))}, en de codes "
                       f"van het plan horen bij de indeling van {self.plan.area.vintage}; "
                       "omrekenen tussen deze indelingen is niet mogelijk: laad de cijfers "
                       "in de indeling van het plan, of geef het plangebied op in de codes "
                       "van de cijfers")
            self.notes.append(f"{indicator}: omgerekend van indeling {others[-1]} naar "
                              f"{self.plan.area.vintage} (schatting)")
            return harmonised
        return here

    # -- groups -------------------------------------------------------------------------

    def plan_series(self, indicator: str, *, key: str = "goals") -> GroupSeries:
        """The plan area's yearly values of an indicator (see the module docstring)."""
        cache = ("@plan", indicator)
        cached = self._series.get(cache)
        if cached is not None:
            return cached
        own = self.plan.plan_indicator(indicator)
        codes = list(self.plan.area.codes)
        if own is not None:
            rows = [r for r in own.data if r.get("area") is None]
            series = _year_series(rows)
            result = GroupSeries("plan", self.plan.area.name, codes, series,
                                 "eigen gegevens van het plan")
        else:
            frame = self._plan_vintage_frame(indicator, codes, key)
            population = self.raw(indicator, codes)
            population = population[(population["indicator"] == POPULATION)
                                    & (population["vintage"] == self.plan.area.vintage)]
            kind = self.catalog[indicator].kind if indicator in self.catalog else "share"
            result = aggregate(frame, population, codes, kind, "plan", self.plan.area.name)
        self._series[cache] = result
        return result

    def reference_series(self, name: str, indicator: str) -> GroupSeries | None:
        """A reference group's yearly values, or None when it has no figures."""
        cache = (name, indicator)
        if cache in self._series:
            return self._series[cache]
        label = self.plan.reference_label(name)
        own = self.plan.plan_indicator(indicator)
        codes = self.plan.reference_codes(name)
        if own is not None:
            rows = [r for r in own.data if r.get("area") in (name, *codes)]
            result = GroupSeries(name, label, codes, _year_series(rows),
                                 "eigen gegevens van het plan") if rows else None
        elif not codes:
            result = None
        else:
            frame = self.raw(indicator, codes)
            values = frame[(frame["indicator"] == indicator) & frame["area_code"].isin(codes)]
            notes = []
            if not values.empty:
                # per code: the plan's vintage when there, else the newest other vintage
                chosen = []
                for code, part in values.groupby("area_code"):
                    vintages = sorted(part["vintage"].astype(int).unique())
                    use = self.plan.area.vintage if self.plan.area.vintage in vintages \
                        else vintages[-1]
                    if use != self.plan.area.vintage:
                        notes.append(f"{code}: cijfers van indeling {use}")
                    chosen.append(part[part["vintage"] == use])
                values = pd.concat(chosen)
            present = set(values["area_code"])
            if not present:
                result = None
            elif len(present) < len(codes):
                missing = [c for c in codes if c not in present]
                self.notes.append(f"{label}: geen cijfers voor {indicator} van "
                                  f"{', '.join(missing)}; referentie niet beschikbaar")
                result = None
            else:
                population = frame[(frame["indicator"] == POPULATION)
                                   & frame["area_code"].isin(codes)]
                population = population.merge(values[["area_code", "vintage"]].drop_duplicates(),
                                              on=["area_code", "vintage"])
                kind = self.catalog[indicator].kind if indicator in self.catalog else "share"
                result = aggregate(values, population, codes, kind, name, label)
                result.notes += notes
        self._series[cache] = result
        return result

    def area_values(self, indicator: str, codes: list[str] | None = None) -> pd.DataFrame:
        """Wide table year x area of one indicator in the plan's vintage (for peers)."""
        frame = self.raw(indicator)
        frame = frame[(frame["indicator"] == indicator)
                      & (frame["vintage"] == self.plan.area.vintage)]
        if codes is not None:
            frame = frame[frame["area_code"].isin(codes)]
        return frame.pivot_table(index="year", columns="area_code", values="value")


def aggregate(values: pd.DataFrame, population: pd.DataFrame, codes: list[str], kind: str,
              name: str, label: str) -> GroupSeries:
    """Aggregate per-area yearly values into one group series (module docstring)."""
    notes: list[str] = []
    wide = values.pivot_table(index="year", columns="area_code", values="value")
    if len(codes) == 1:
        series = wide[codes[0]].dropna() if codes[0] in wide else pd.Series(dtype=float)
        return GroupSeries(name, label, codes, series.astype(float), "één gebied", notes)
    kept = list(codes)
    for a, b in _duplicates(wide, codes):
        if b in kept:
            kept.remove(b)
            notes.append(f"{b} heeft in alle jaren dezelfde cijfers als {a}: één keer geteld")
    wide = wide.reindex(columns=kept)
    complete = wide.dropna(how="any")
    if len(complete) < len(wide.dropna(how="all")):
        notes.append("jaren zonder cijfers voor alle deelgebieden zijn weggelaten")
    if kind == "count":
        return GroupSeries(name, label, kept, complete.sum(axis=1).astype(float), "som", notes)
    weights = population.pivot_table(index="year", columns="area_code", values="value") \
        .reindex(index=complete.index, columns=kept)
    weighted = (complete * weights).sum(axis=1) / weights.sum(axis=1)
    plain = complete.mean(axis=1)
    has_weights = weights.notna().all(axis=1) & (weights.sum(axis=1) > 0)
    series = weighted.where(has_weights, plain)
    method = "gewogen gemiddelde (inwoners)"
    if not has_weights.all():
        years = [str(y) for y in complete.index[~has_weights.to_numpy()]]
        if has_weights.any():
            notes.append(f"ongewogen gemiddelde in {', '.join(years)} (geen inwonertal)")
        else:
            method = "ongewogen gemiddelde (geen inwonertal)"
    return GroupSeries(name, label, kept, series.astype(float), method, notes)


def _duplicates(wide: pd.DataFrame, codes: list[str],
                candidates: list[str] | None = None) -> list[tuple[str, str]]:
    """Pairs (a, b) whose yearly values agree in every year (same years, at least three).

    ``a`` runs over ``codes``; ``b`` over the later ``codes`` or, when given, over
    ``candidates`` (vectorised: a panel has hundreds of columns).
    """
    pairs = []
    present = [c for c in codes if c in wide]
    for i, a in enumerate(present):
        others = [c for c in (candidates if candidates is not None else present[i + 1:])
                  if c in wide and c != a]
        if not others:
            continue
        mine = wide[a].to_numpy(dtype=float)
        block = wide[others].to_numpy(dtype=float)
        same_missing = (np.isnan(block) == np.isnan(mine)[:, None]).all(axis=0)
        equal = np.where(np.isnan(block), True, np.abs(block - mine[:, None]) <= 1e-12).all(axis=0)
        enough = np.isfinite(mine).sum() >= 3
        for j in np.flatnonzero(same_missing & equal & enough):
            pairs.append((a, others[j]))
    return pairs


def _year_series(rows: list[dict]) -> pd.Series:
    data = {int(str(r["period"])[:4]): float(r["value"]) for r in rows}
    return pd.Series(data, dtype=float).sort_index()


def _harmonise(store: Store, catalog: Catalog, indicator: str, codes: list[str],
               vintages: list[int], target: int, level: str) -> pd.DataFrame | None:
    """Figures converted to the plan's vintage by :mod:`wijkkompas.change.harmonise`.

    Uses an area-weighted overlay of the store's boundaries of the newest other vintage
    and the plan's vintage (counts split, rates averaged with population weights, every
    converted figure ``estimated``). Returns None when that is not possible (no
    boundaries of one of the vintages); the caller then raises.
    """
    from ..change.harmonise import harmonise_store

    for source in reversed(vintages):
        try:
            result = harmonise_store(store, catalog, level=level, from_vintage=source,
                                     to_vintage=target, indicators=[indicator])
        except WijkkompasError:  # no boundaries or figures of a vintage: nothing to convert
            continue
        frame = result.observations
        frame = frame[frame["area_code"].isin(codes) & frame["indicator"].eq(indicator)
                      & frame["status"].isin(USABLE)
                      & frame["period"].astype(str).str.fullmatch(r"\d{4}")]
        if not frame.empty:
            return frame.assign(year=frame["period"].astype(str).str[:4].astype(int))
    return None
