"""The scoring engine's inputs: the figures of one level, period and vintage.

Steps 1-3 of :mod:`~wijkkompas.analysis.engine` live here: choosing the period and the
boundary vintage, reading each indicator's figures, population and denominators,
aggregating buurten upward, and computing derived rates.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..cluster import RegionRun
from ..errors import WijkkompasError
from ..geo.codes import GRID_LEVELS, gemeente_of, level_of, wijk_of
from ..periods import parse_period, whole_years
from ..schemes import Scheme
from .copies import COPY_COLUMNS, MIN_IDENTICAL, drop_copies, find_copies
from .reliability import marshall_shrinkage

SCORE_LEVELS = ("buurt", "wijk", "gemeente")
#: every level a score can be asked for: the CBS indeling's levels, which ``build``
#: scores by default, and the grid cells of the square statistics (scored on their own
#: scheme, ``schemes/vierkant.yaml``)
SCORABLE_LEVELS = (*SCORE_LEVELS, *GRID_LEVELS)
# figures that count as inputs: a harmonised figure is an estimate and still a figure
USABLE = ("observed", "estimated")

FRAME_COLUMNS = ["code", "name", "wijk_code", "gemeente_code"]
_OBS_COLUMNS = ["area_code", "vintage", "period", "year", "indicator", "value", "status"]


def load_inputs(store, scheme: Scheme) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The observations and areas :func:`score_frame` needs, read from the store once."""
    obs = store.observations(indicators=scheme.raw_indicators())
    areas = store.areas()
    return obs, areas


_PREFIX_LEVEL = {"BU": "buurt", "WK": "wijk", "GM": "gemeente", "NL": "land"}
_GRID_PREFIX_LEVEL = {"VK100": "vierkant100", "VK500": "vierkant500"}


class Inputs:
    """Observations and areas prepared once for many :func:`score_frame` calls.

    Plain object columns (hash lookups are faster than on Arrow strings), the level read
    from the code prefix, and the figures split by indicator so that each lookup scans
    one indicator's rows only. Copied rows (areas carrying another area's figures, found
    by their ``population`` series) are taken out here, before any population or score
    is computed (:mod:`~wijkkompas.analysis.copies`); ``copies`` lists them.
    """

    def __init__(self, observations: pd.DataFrame, areas: pd.DataFrame | None = None,
                 population: str = "inwoners", *, copies: pd.DataFrame | None = None,
                 area_vintages: frozenset | None = None):
        obs, self.left_out = _annual(observations)
        self.sub_annual = sorted(self.left_out["indicator"].unique())
        self.sub_annual_periods = len(self.left_out)
        # a region's Inputs (:class:`Sources`) is given the copies found over the level
        self.copies = find_copies(obs, population) if copies is None else copies
        obs = drop_copies(obs, self.copies)
        self.obs = obs
        self.periods = frozenset(obs["period"].unique())  # asked before every score
        self.by_indicator = {key: frame for key, frame in obs.groupby("indicator", sort=False)}
        self.areas = _area_table(areas)
        # a vintage without areas has them read from its codes; a region's Inputs is told
        # which vintages the whole table has (its own part may lack one)
        self.area_vintages = (frozenset(self.areas["vintage"].unique())
                              if area_vintages is None else area_vintages)
        self._cache: dict = {}

    def summary(self, content: tuple[str, ...]) -> pd.DataFrame:
        """Figures per indicator of ``content``, vintage, period, year and level."""
        key = ("summary", content)
        if key not in self._cache:
            self._cache[key] = self.rows_of(list(content)).groupby(
                _SUMMARY_KEYS, dropna=False).size().rename("n").reset_index()
        return self._cache[key]

    def indicator(self, indicator: str, vintage: int | None = None) -> pd.DataFrame:
        """The rows of one indicator (of one vintage)."""
        key = (indicator, vintage)
        if key not in self._cache:
            frame = self.by_indicator.get(indicator, self.obs.iloc[0:0])
            if vintage is not None:
                frame = frame[frame["vintage"].to_numpy() == vintage]
            self._cache[key] = frame
        return self._cache[key]

    def rows_of(self, indicators) -> pd.DataFrame:
        """The rows of several indicators, all vintages."""
        key = ("rows", tuple(indicators))
        if key not in self._cache:
            parts = [self.indicator(i) for i in indicators]
            self._cache[key] = pd.concat(parts) if parts else self.obs.iloc[0:0]
        return self._cache[key]

    def panel(self, vintage: int, indicators) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Values and statuses of one vintage: rows = area codes, columns = (indicator,
        period); built once per vintage and set of indicators."""
        key = ("panel", vintage, tuple(indicators))
        if key not in self._cache:
            rows = pd.concat([self.indicator(i, vintage) for i in indicators])
            rows = rows.set_index(["area_code", "indicator", "period"])
            values = rows["value"].unstack(["indicator", "period"])
            status = rows["status"].unstack(["indicator", "period"])
            self._cache[key] = (values, status)
        return self._cache[key]

    def areas_of(self, vintage: int) -> pd.DataFrame:
        key = ("areas", vintage)
        if key not in self._cache:
            areas = self.areas[self.areas["vintage"].to_numpy() == vintage]
            if vintage not in self.area_vintages:  # unknown: the hierarchy from the codes
                codes = self.obs.loc[self.obs["vintage"] == vintage, "area_code"]
                areas = areas_from_codes(codes).assign(vintage=vintage)
            self._cache[key] = _complete_levels(areas, self.areas)
        return self._cache[key]


def _annual(observations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The figures in the engine's columns (object text, the level from the code prefix),
    of whole years only; and the (indicator, period) pairs left out."""
    def text(column):  # object dtype: pandas 3 would infer Arrow strings
        return pd.Series(observations[column].astype(str).to_numpy(dtype=object),
                         dtype=object)

    obs = pd.DataFrame({
        "area_code": text("area_code"),
        "vintage": observations["vintage"].astype("int64").to_numpy(),
        "period": text("period"),
        "year": observations["year"].astype("int64").to_numpy(),
        "indicator": text("indicator"),
        "value": observations["value"].astype("float64").to_numpy(),
        "status": text("status")})
    # the level of each distinct code (a code has several figures)
    codes, distinct = pd.factorize(obs["area_code"], use_na_sentinel=False)
    distinct = pd.Series(np.asarray(distinct, dtype=object), dtype=object)
    level = distinct.str[:2].map(_PREFIX_LEVEL)
    grid = level.isna().to_numpy()
    if grid.any():  # the grid's two levels share the prefix VK
        level[grid] = distinct[grid].str[:5].map(_GRID_PREFIX_LEVEL)
    obs["_level"] = pd.Series(level.to_numpy(dtype=object)[codes], dtype=object)
    # a peiljaar is scored on whole-year figures only: a month's or a quarter's figure
    # (``2021-03``, ``2021Q1``: period label not the year) would otherwise stand in
    # for the year, a count 12 or 4 times too small; they are left out and said
    annual = whole_years(obs)
    left_out = obs.loc[~annual, ["indicator", "period"]].drop_duplicates()
    return obs[annual].reset_index(drop=True), left_out


def _area_table(areas: pd.DataFrame | None) -> pd.DataFrame:
    """The areas in the engine's columns (object text, int vintage), a copy."""
    if areas is None:
        areas = pd.DataFrame(columns=["code", "vintage", "name", "level", "wijk_code",
                                      "gemeente_code"])
    areas = areas.copy()
    for column in ("code", "name", "level", "wijk_code", "gemeente_code"):
        areas[column] = pd.Series(areas[column].to_numpy(dtype=object), dtype=object,
                                  index=areas.index)
    areas["vintage"] = areas["vintage"].astype("int64")
    return areas


def _complete_levels(areas_v: pd.DataFrame, all_areas: pd.DataFrame) -> pd.DataFrame:
    """Add wijken and gemeenten that a vintage's buurten lie in but that have no row.

    A source may publish only buurten (registered crime) on some boundaries; the
    wijk and gemeente are then scored from them. Their names come from the same code
    in the nearest vintage (CBS never reuses a code for another area).
    """
    buurten = areas_v[areas_v["level"] == "buurt"]
    extra = []
    for level, column in (("wijk", "wijk_code"), ("gemeente", "gemeente_code")):
        have = set(areas_v.loc[areas_v["level"] == level, "code"])
        codes = [c for c in pd.unique(buurten[column].dropna()) if c not in have]
        if codes:
            extra.append(pd.DataFrame({
                "code": codes, "vintage": int(areas_v["vintage"].iloc[0]), "name": "",
                "level": level, "wijk_code": codes if level == "wijk" else None,
                "gemeente_code": [gemeente_of(c) for c in codes]}))
    if not extra:
        return areas_v
    extra = pd.concat(extra, ignore_index=True)
    named = all_areas[all_areas["code"].isin(extra["code"]) & (all_areas["name"].fillna("") != "")]
    if len(named):
        named = named.assign(_d=(named["vintage"] - int(areas_v["vintage"].iloc[0])).abs())
        names = named.sort_values(["code", "_d"]).drop_duplicates("code").set_index("code")["name"]
        extra["name"] = extra["code"].map(names).fillna("")
    return pd.concat([areas_v, extra], ignore_index=True)


def areas_from_codes(codes) -> pd.DataFrame:
    """An areas frame (code, vintage-less) derived from CBS codes, for frames without one."""
    codes = pd.Series(pd.unique(pd.Series(codes, dtype=str)))
    return pd.DataFrame({"code": codes, "name": "", "level": codes.map(level_of),
                         "wijk_code": codes.map(wijk_of), "gemeente_code": codes.map(gemeente_of)})


_SUMMARY_KEYS = ["indicator", "vintage", "period", "year", "_level"]


def _summary(inputs: Inputs | Sources, scheme: Scheme) -> pd.DataFrame:
    """Figures per content indicator, vintage, period, year and level: a small table."""
    content = sorted({s.derived.numerator if s.derived else s.id
                      for s in scheme.indicators.values()})
    summary = inputs.summary(tuple(content))
    if summary.empty:
        raise WijkkompasError("the store has no figures for any indicator of the scheme "
                              f"{scheme.name!r} ({', '.join(content)})")
    return summary


def _vintage_fit(summary: pd.DataFrame, scheme: Scheme, year: int) -> pd.DataFrame:
    """Per vintage, for peiljaar ``year``: how many yardstick domains have a figure within
    their indicators' windows (``domains``) and how many figures there are (``n``)."""
    indicator = summary["indicator"].to_numpy(dtype=object)
    years = summary["year"].to_numpy()
    vintage = summary["vintage"].to_numpy()
    count = summary["n"].to_numpy()
    yardstick = set(scheme.yardstick)
    domains: dict[int, set] = {int(v): set() for v in np.unique(vintage)}
    figures = dict.fromkeys(domains, 0)
    for spec in scheme.indicators.values():
        content = spec.derived.numerator if spec.derived else spec.id
        hit = (indicator == content) & (years <= year) & (years >= year - spec.tolerance)
        for v in np.unique(vintage[hit]):
            domains[int(v)].add(spec.domain)
            figures[int(v)] += int(count[hit & (vintage == v)].sum())
    return pd.DataFrame([{"vintage": v, "domains": len(domains[v] & yardstick),
                          "n": figures[v]} for v in domains],
                        columns=["vintage", "domains", "n"])


def _feeding(level: str) -> list[str]:
    """The levels whose figures a score of ``level`` uses: its own and its buurten's
    (which aggregate upward); a grid cell has no buurten."""
    return [level] if level in GRID_LEVELS else [level, "buurt"]


def default_periods(inputs: Inputs | Sources, scheme: Scheme, vintage, level) -> list[str]:
    """The peiljaren to try when none is asked for: those where some vintage has a figure
    in every yardstick domain, the latest first, and last the fallback (the engine takes
    the first whose score has composites, else the fallback): the latest of those years,
    or without any, the latest year with a figure."""
    summary = _summary(inputs, scheme)
    if vintage is not None:
        summary = summary[summary["vintage"] == int(vintage)]
    at = summary[summary["_level"].isin(_feeding(level))]
    at = at if len(at) else summary
    if at.empty:
        return [str(None)]
    years = sorted(at["year"].unique(), reverse=True)
    full = [int(y) for y in years
            if _vintage_fit(at, scheme, int(y))["domains"].max() == len(scheme.yardstick)]

    def label(year: int) -> str:
        labels = at.loc[at["year"] == year, "period"]
        return str(labels.max()) if len(labels) else str(year)
    return [label(y) for y in full] + [label(full[0] if full else int(years[0]))]


def select_period_vintage(inputs: Inputs | Sources, scheme: Scheme, period, vintage, level
                          ) -> tuple[str, int, int]:
    """The peiljaar (period label and year) and the boundary vintage to score.

    For peiljaar Y an indicator may use figures of the years Y-k..Y (k its tolerance,
    :attr:`IndicatorSpec.tolerance`), never after Y. The vintage is the one on which the
    most domains of the yardstick have a figure of the level or of its buurten (which
    aggregate upward) within those windows, then the one with the most such figures,
    then the later one. Without ``period``: the first of :func:`default_periods`.
    """
    summary = _summary(inputs, scheme)
    if vintage is not None:
        summary = summary[summary["vintage"] == int(vintage)]
        if summary.empty:
            raise WijkkompasError(f"no figures of the scheme's indicators on the {vintage} "
                                  "boundaries")
    at = summary[summary["_level"].isin(_feeding(level))]
    at = at if len(at) else summary
    if period is None:
        period = default_periods(inputs, scheme, vintage, level)[0]
    period = str(period)
    try:
        year = parse_period(period)[1]
    except ValueError as exc:
        raise WijkkompasError(str(exc)) from None
    fit = _vintage_fit(at, scheme, year)
    fit = fit[fit["n"] > 0]
    if fit.empty:
        have = ", ".join(sorted(summary["period"].unique()))
        raise WijkkompasError(f"no figures of the scheme's indicators for period {period} "
                              f"or the years before it that the scheme allows; periods: {have}")
    if vintage is None:
        vintage = int(fit.sort_values(["domains", "n", "vintage"]).iloc[-1]["vintage"])
    return period, int(vintage), int(year)


def _latest(frame: pd.DataFrame, year: int, keys: list[str]) -> pd.DataFrame:
    """Per key the row of the most recent year up to ``year`` (never a later one)."""
    frame = frame[frame["year"].to_numpy() <= year]
    if frame.empty:
        return frame
    return frame.sort_values(keys + ["year", "period"]).drop_duplicates(keys, keep="last")


class VintageData:
    """The figures of one vintage, with lookups by period and code set.

    ``key`` names a code set (the areas of a level, or their buurten) so that the
    positions of its codes in the panel are looked up once per vintage.
    """

    def __init__(self, inputs: Inputs, vintage, catalog, scheme):
        self.inputs = inputs
        self.vintage = vintage
        self.catalog = catalog
        self.scheme = scheme
        self.cache = inputs._cache

    def rows(self, indicator: str) -> pd.DataFrame:
        return self.inputs.indicator(indicator, self.vintage)

    def _positions(self, codes: np.ndarray, key) -> np.ndarray:
        pv, _ = self.inputs.panel(self.vintage, self.scheme.raw_indicators())
        cache_key = ("positions", self.vintage, tuple(self.scheme.raw_indicators()), key)
        if key is None or cache_key not in self.cache:
            positions = pv.index.get_indexer(pd.Index(codes, dtype=object))
            if key is None:
                return positions
            self.cache[cache_key] = positions
        return self.cache[cache_key]

    def wide(self, codes: np.ndarray, period: str, indicators: list[str], key=None):
        """Values and statuses per indicator (arrays aligned with ``codes``) for one
        period; an area without a row gets NaN and status None."""
        pv, ps = self.inputs.panel(self.vintage, self.scheme.raw_indicators())
        positions = self._positions(codes, key)
        found = positions >= 0
        values, status = {}, {}
        for indicator in indicators:
            v = np.full(len(codes), np.nan)
            st = np.full(len(codes), None, dtype=object)
            column = (indicator, period)
            if column in pv.columns:
                arrays_key = ("panel-column", self.vintage, column)
                if arrays_key not in self.cache:
                    j = pv.columns.get_loc(column)
                    self.cache[arrays_key] = (pv.iloc[:, j].to_numpy(dtype="float64"),
                                              ps.iloc[:, j].to_numpy(dtype=object))
                pv_column, ps_column = self.cache[arrays_key]
                v[found] = pv_column[positions[found]]
                st[found] = ps_column[positions[found]]
            values[indicator], status[indicator] = v, st
        return values, status

    def periods(self, indicator: str, year: int, tolerance: int) -> list[str]:
        """The periods of an indicator in this vintage within Y-k..Y, the latest first."""
        key = ("periods", indicator, self.vintage)
        if key not in self.cache:
            rows = self.rows(indicator)[["period", "year"]].drop_duplicates()
            rows = rows.sort_values(["year", "period"], ascending=False)
            self.cache[key] = (rows["year"].to_numpy(), rows["period"].to_numpy(dtype=object))
        years, periods = self.cache[key]
        return list(periods[(years <= year) & (years >= year - tolerance)])

    def window(self, codes: np.ndarray, indicators: list[str], year: int,
               tolerance: dict[str, int], key=None):
        """Per indicator the most recent usable figure of each area within its window.

        Returns values, statuses and the period used (arrays aligned with ``codes``). A
        usable figure (``observed`` or ``estimated``) of a later period wins; an area
        with none in the window keeps the status of its latest row there (``suppressed``
        or ``missing``, with that period), or None without a row.
        """
        values, status, used = {}, {}, {}
        for indicator in indicators:
            v = np.full(len(codes), np.nan)
            st = np.full(len(codes), None, dtype=object)
            at = np.full(len(codes), None, dtype=object)
            for period in self.periods(indicator, year, tolerance[indicator]):
                pv, ps = self.wide(codes, period, [indicator], key=key)
                pv, ps = pv[indicator], ps[indicator]
                open_ = np.isnan(v) & ~np.isin(st, USABLE)
                take = open_ & np.isin(ps, USABLE) & ~np.isnan(pv)
                first = open_ & ~take & pd.isna(st) & ~pd.isna(ps)
                v[take], st[take], at[take] = pv[take], ps[take], period
                st[first], at[first] = ps[first], period
            values[indicator], status[indicator], used[indicator] = v, st, at
        return values, status, used

    def latest(self, codes: np.ndarray, indicator: str, year: int, key=None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Values of one indicator for its most recent period up to ``year`` in this
        vintage, else of the same code in the nearest vintage (never a period after
        ``year``); returns (values, period used)."""
        cache_key = ("latest", indicator, self.vintage, year, key)
        if key is not None and cache_key in self.cache:
            return self.cache[cache_key]
        best_key = ("latest-rows", indicator, self.vintage, year)
        if best_key not in self.cache:
            sub = self.rows(indicator)
            sub = sub[sub["value"].notna().to_numpy()]
            self.cache[best_key] = _latest(sub, year, ["area_code"]).set_index("area_code")
        best = self.cache[best_key]
        index = pd.Index(codes, dtype=object)
        values = best["value"].reindex(index).to_numpy(dtype="float64", copy=True)
        used = best["period"].reindex(index).to_numpy(dtype=object, copy=True)
        missing = np.isnan(values)
        if missing.any():
            fallback_key = ("latest-other", indicator, self.vintage, year)
            if fallback_key not in self.cache:
                every = self.inputs.indicator(indicator)
                other = every[every["value"].notna().to_numpy()
                              & (every["vintage"].to_numpy() != self.vintage)
                              & (every["year"].to_numpy() <= year)]
                other = other.assign(_v=(other["vintage"] - self.vintage).abs())
                other = other[other["_v"] == other.groupby("area_code")["_v"].transform("min")]
                self.cache[fallback_key] = _latest(other, year, ["area_code"]).set_index(
                    "area_code")
            fallback = self.cache[fallback_key]
            if len(fallback):
                fill = fallback["value"].reindex(index).to_numpy(dtype="float64")
                label = (fallback["period"].astype(str) + " (" + fallback["vintage"].astype(str)
                         + " boundaries)").reindex(index).to_numpy(dtype=object)
                take = missing & ~np.isnan(fill)
                values[take], used[take] = fill[take], label[take]
        if key is not None:
            self.cache[cache_key] = (values, used)
        return values, used

    def links(self, codes: np.ndarray, level: str, areas_v: pd.DataFrame):
        """Buurten of the vintage in the areas ``codes`` of ``level``: their codes and
        the position of their parent in ``codes``."""
        cache_key = ("links", self.vintage, level)
        if cache_key not in self.cache:
            buurten = areas_v[areas_v["level"] == "buurt"]
            parent = (buurten["wijk_code"] if level == "wijk" else buurten["gemeente_code"])
            where = pd.Index(codes, dtype=object).get_indexer(parent.to_numpy(dtype=object))
            keep = where >= 0
            self.cache[cache_key] = (buurten["code"].to_numpy(dtype=object)[keep], where[keep])
        return self.cache[cache_key]


def _sum_population(data: VintageData, codes: np.ndarray, level: str, year: int, areas_v
                    ) -> np.ndarray:
    """Residents of each area as the sum over its buurten (NaN when one is unknown)."""
    children, parent = data.links(codes, level, areas_v)
    if len(children) == 0:
        return np.full(len(codes), np.nan)
    pop, _ = data.latest(children, data.scheme.population, year, key=("children", level))
    n = len(codes)
    total = np.bincount(parent, np.nan_to_num(pop), minlength=n)
    unknown = np.bincount(parent, np.isnan(pop), minlength=n) > 0
    has = np.bincount(parent, minlength=n) > 0
    return np.where(has & ~unknown, total, np.nan)


def _aggregate(data: VintageData, codes: np.ndarray, level: str, year: int,
               tolerance: dict[str, int], values: dict, status: dict, used: dict,
               areas_v: pd.DataFrame) -> int:
    """Fill areas that have no figure for an indicator in its window from their buurten
    (in place), trying the window's periods from the latest back; the figure keeps the
    period it was aggregated for. Returns the number of values filled. See the module
    docstring of :mod:`~wijkkompas.analysis.engine` for the rules.
    """
    if level == "buurt":
        return 0
    children, parent = data.links(codes, level, areas_v)
    if len(children) == 0:
        return 0
    pop, _ = data.latest(children, data.scheme.population, year, key=("children", level))
    needed = ~(pop <= 0)  # every buurt with residents (or unknown residents) needs a figure
    filled = 0
    for indicator in values:
        entry = data.catalog.indicators.get(indicator)
        kind = entry.kind if entry else "count"
        if kind == "index":
            continue  # an index (urbanity class, SES score) is not averaged
        for period in data.periods(indicator, year, tolerance[indicator]):
            holes = pd.isna(status[indicator]) & np.isnan(values[indicator])
            if not holes.any():
                break
            child_values, child_status = data.wide(children, period, [indicator],
                                                   key=("children", level))
            result, good = _from_buurten(child_values[indicator], child_status[indicator],
                                         pop, needed, parent, len(codes), kind)
            target = good & holes
            values[indicator][target] = result[target]
            status[indicator][target] = "estimated"
            used[indicator][target] = period
            filled += int(target.sum())
    return filled


def _from_buurten(v: np.ndarray, st: np.ndarray, pop: np.ndarray, needed: np.ndarray,
                  parent: np.ndarray, n: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """One period's figure of each parent from its buurten, and where it can be made:
    counts summed, other kinds averaged weighted by residents, only when every buurt
    with residents has a usable figure."""
    ok = np.isin(st, USABLE) & ~np.isnan(v)
    gap = needed & ~ok
    if kind == "count":
        x, w = np.where(ok, v, 0.0), np.zeros(len(v))
    else:
        w = np.where(ok & (pop > 0), pop, 0.0)
        x = np.where(ok, v, 0.0) * w
        gap |= ok & np.isnan(pop)  # a weight is needed
    sum_x = np.bincount(parent, x, minlength=n)
    sum_w = np.bincount(parent, w, minlength=n)
    gaps = np.bincount(parent, gap, minlength=n) > 0
    good = ~gaps & (np.bincount(parent, ok, minlength=n) > 0)
    if kind == "count":
        return sum_x, good
    good &= sum_w > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return sum_x / sum_w, good


def _raw_tolerance(scheme: Scheme) -> dict[str, int]:
    """Each stored indicator's window: the tolerance of the scheme indicator that reads
    it (the smallest when several do)."""
    out: dict[str, int] = {}
    for spec in scheme.indicators.values():
        raw = spec.derived.numerator if spec.derived else spec.id
        out[raw] = min(out.get(raw, spec.tolerance), spec.tolerance)
    return out


def raw_values(data: VintageData, codes: np.ndarray, scheme: Scheme, level: str, year: int,
               areas_v: pd.DataFrame) -> tuple[dict, int]:
    """The stored figures the scheme reads for the areas ``codes`` and peiljaar ``year``,
    area by area (so a region's are its areas' part of the level's): per raw indicator
    the value, status and period used (``("value", id)``, ``("status", id)``,
    ``("used", id)``), the population and its period, each denominator other than
    population with its period (``("den", id)``, ``("den_period", id)``); and the
    number of figures aggregated from buurten.

    Each figure is the most recent one within its window (:meth:`VintageData.window`),
    published or else aggregated from buurten. Population and denominators are the most
    recent figures up to ``year`` (population changes slowly compared to what it divides),
    never a later one.
    """
    key = ("level", level)
    tolerance = _raw_tolerance(scheme)
    values, status, used = data.window(codes, list(tolerance), year, tolerance, key=key)
    population, pop_period = data.latest(codes, scheme.population, year, key=key)
    population, pop_period = population.copy(), pop_period.copy()
    filled = _aggregate(data, codes, level, year, tolerance, values, status, used, areas_v)
    if level != "buurt" and np.isnan(population).any():
        # population too may only be published per buurt: sum it over all buurten
        summed = _sum_population(data, codes, level, year, areas_v)
        take = np.isnan(population) & ~np.isnan(summed)
        population[take] = summed[take]
        pop_period[take] = "sum of buurten"
    out: dict = {"population": population, "pop_period": pop_period}
    for ident in tolerance:
        out["value", ident], out["status", ident], out["used", ident] = \
            values[ident], status[ident], used[ident]
    for den in _denominators(scheme):
        out["den", den], out["den_period", den] = data.latest(codes, den, year, key=key)
    return out, filled


def _denominators(scheme: Scheme) -> list[str]:
    """The derived rates' denominators other than the population."""
    return list(dict.fromkeys(s.derived.denominator for s in scheme.indicators.values()
                              if s.derived and s.derived.denominator != scheme.population))


def raw_names(scheme: Scheme) -> list:
    """The names of :func:`raw_values`' arrays."""
    return ["population", "pop_period",
            *[(part, i) for i in _raw_tolerance(scheme) for part in ("value", "status", "used")],
            *[(part, d) for d in _denominators(scheme) for part in ("den", "den_period")]]


def derive(raw: dict, filled: int, frame: pd.DataFrame, scheme: Scheme, level: str,
           notes: list[str]):
    """Values, statuses and the periods used (per area), for every scheme indicator
    (derived too), from :func:`raw_values` of all areas of the level (``frame``'s, in its
    order: global shrinkage is over all of them); and the population with its period."""
    population, pop_period = raw["population"], raw["pop_period"]
    if filled:
        notes.append(f"{filled} figures were aggregated from buurten (status estimated)")
    out_v, out_s, out_p = {}, {}, {}
    for spec in scheme.indicators.values():
        if spec.derived is None:
            out_v[spec.id], out_s[spec.id], out_p[spec.id] = \
                raw["value", spec.id], raw["status", spec.id], raw["used", spec.id]
            continue
        d = spec.derived
        num, num_status = raw["value", d.numerator], raw["status", d.numerator]
        if d.denominator == scheme.population:
            den, den_period = population, pop_period
        else:
            den, den_period = raw["den", d.denominator], raw["den_period", d.denominator]
        out_v[spec.id] = _rate(num, den, d.shrink, frame, level) * d.per
        st = num_status.copy()
        st[(st == "observed") & np.isnan(out_v[spec.id])] = "missing"
        out_s[spec.id] = st
        out_p[spec.id] = raw["used", d.numerator]
        periods = sorted(map(str, pd.unique(pd.Series(den_period).dropna())))
        notes.append(f"{spec.id}: {d.numerator} / {d.denominator} x {d.per:g}"
                     + (f", shrunk {d.shrink}ly (Marshall empirical Bayes)"
                        if d.shrink != "none" else "")
                     + f"; {d.denominator} of {', '.join(periods) or 'no period'}")
    return out_v, out_s, out_p, population, pop_period


def _rate(num: np.ndarray, den: np.ndarray, shrink: str, frame: pd.DataFrame,
          level: str) -> np.ndarray:
    """num / den, shrunk (Marshall empirical Bayes) toward all areas or the parent's."""
    if shrink == "none":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / den, np.nan)
    groups = None
    if shrink == "local" and level == "buurt":
        groups = frame["wijk_code"].to_numpy()
    elif shrink == "local" and level == "wijk":
        groups = frame["gemeente_code"].to_numpy()
    return marshall_shrinkage(num, den, groups=groups).rate


def scored_areas(inputs: Inputs, areas_v: pd.DataFrame, vintage: int,
                 level: str) -> pd.DataFrame:
    """The areas of ``level`` on the ``vintage`` boundaries, sorted by code (a copy;
    empty in a region without any: :meth:`Sources.read` says when the level has none)."""
    frame_key = ("frame", vintage, level)
    if frame_key not in inputs._cache:
        frame = areas_v[areas_v["level"] == level][["code", "name", "wijk_code",
                                                    "gemeente_code"]]
        frame = frame.drop_duplicates("code").sort_values("code").reset_index(drop=True)
        frame["name"] = frame["name"].fillna("")
        inputs._cache[frame_key] = frame
    return inputs._cache[frame_key].copy()


# -- the figures by region (issue 20: steps 1-5 of a score on the workers) ---------------

class Sources:
    """The figures of a score by region: per region an :class:`Inputs` of its areas'
    figures, kept by a :class:`~wijkkompas.cluster.RegionRun` (on the workers of a
    cluster, or here) from score to score, and what needs every area reduced from the
    regions: the copies (found over all figures before they are split), the periods
    left out, and the counts of figures that choose the period and vintage (exact
    integer sums).

    A region holds whole gemeenten (the gemeente, its wijken and its buurten, so that
    upward aggregation and ``local`` shrinkage stay inside it; the gemeenten of a copied
    row and of its original together) or whole kilometre columns of grid cells
    (:func:`region_keys`); every vintage of a code lies in the code's region (the
    fallback to the nearest vintage).
    :meth:`read` returns every area's figures of the level (:func:`raw_values`, area by
    area on its region), in the level's order: what the figures of one area are does
    not depend on the other areas of its region, so they are the same to the bit
    however the areas are split.
    """

    def __init__(self, run: RegionRun, copies: pd.DataFrame, left_out: pd.DataFrame):
        self.run, self.copies = run, copies
        self.sub_annual = sorted(left_out["indicator"].unique())
        self.sub_annual_periods = len(left_out)
        self._summaries: dict = {}

    @classmethod
    def of(cls, inputs: Inputs) -> Sources:
        """All areas as one region, in this process."""
        return cls(RegionRun([{"inputs": inputs}]), inputs.copies, inputs.left_out)

    @classmethod
    def split(cls, observations: pd.DataFrame | Inputs, areas: pd.DataFrame | None,
              population: str, parts: int, client=None) -> Sources:
        """The figures (the store's long layout, or an :class:`Inputs` prepared from
        them) split into about ``parts`` regions of similar numbers of figures, each
        prepared into its :class:`Inputs` where it will be scored (``client``'s workers,
        or here)."""
        if isinstance(observations, Inputs):
            obs, table = observations.obs, observations.areas
            copies, given = observations.copies, observations.left_out
            dropped = copies.iloc[0:0]  # their figures are set missing already
        else:
            obs, table, given = observations[_OBS_COLUMNS], _area_table(areas), None
            pop = obs[(obs["indicator"] == population).to_numpy()]
            # a copy repeats a series of MIN_IDENTICAL periods or more (a grid has one)
            copies = (find_copies(_annual(pop)[0], population)
                      if pop["period"].nunique() >= MIN_IDENTICAL
                      else pd.DataFrame(columns=COPY_COLUMNS))
            dropped = copies
        # the keys of each distinct code (a figure's code is one of fewer areas)
        codes, distinct = pd.factorize(obs["area_code"], use_na_sentinel=False)
        obs_keys, obs_unique = pd.factorize(region_keys(pd.Series(distinct)),
                                            use_na_sentinel=False)
        area_keys, area_unique = pd.factorize(region_keys(table["code"]), use_na_sentinel=False)
        obs_unique = np.asarray(obs_unique, dtype=object)
        area_unique = np.asarray(area_unique, dtype=object)
        keys = pd.Index(obs_unique, dtype=object).append(pd.Index(area_unique)).unique()
        at = keys.get_indexer(obs_unique)[obs_keys][codes]
        area_at = keys.get_indexer(area_unique)[area_keys]
        region = _regions(_merged(keys.to_numpy(dtype=object), copies),
                          np.bincount(at, minlength=len(keys))
                          + np.bincount(area_at, minlength=len(keys)), parts)
        count = int(region.max()) + 1 if len(region) else 0
        states = [{"obs": o, "areas": a} for o, a in zip(
            _pieces(obs, region[at], count), _pieces(table, region[area_at], count),
            strict=True)]
        run = RegionRun(states or [{"obs": obs, "areas": table}], client=client)
        run.step(_prepare_region, population, dropped,
                 frozenset(table["vintage"].unique()))
        left = run.map(_left_out)
        left_out = (given if given is not None else
                    pd.concat(left, ignore_index=True).drop_duplicates())
        return cls(run, copies, left_out)

    def summary(self, content: tuple[str, ...]) -> pd.DataFrame:
        """:meth:`Inputs.summary` over all regions (their counts summed)."""
        if content not in self._summaries:
            parts = self.run.map(_summary_of, content)
            self._summaries[content] = parts[0] if len(parts) == 1 else pd.concat(
                parts, ignore_index=True).groupby(
                _SUMMARY_KEYS, dropna=False)["n"].sum().reset_index()
        return self._summaries[content]

    def read(self, scheme: Scheme, catalog, level: str, vintage: int, year: int
             ) -> tuple[pd.DataFrame, dict, int]:
        """The areas of ``level`` on the ``vintage`` boundaries (sorted by code, as
        :func:`scored_areas`), their :func:`raw_values` for peiljaar ``year`` in that
        order, and the number of figures aggregated from buurten."""
        self.run.step(_read_region, scheme, catalog, level, vintage, year)
        found = self.run.collect([("frame", "code"), "filled"])
        codes = np.concatenate([part["frame", "code"] for part in found]).astype(str)
        position = np.empty(len(codes), dtype=np.int64)
        position[np.argsort(codes, kind="stable")] = np.arange(len(codes))
        self.run.place(np.split(position, np.cumsum(
            [len(part["frame", "code"]) for part in found])[:-1]))
        if self.run.n == 0:
            raise WijkkompasError(f"no {level} areas on the {vintage} boundaries in the data")
        got = self.run.gather([("frame", c) for c in FRAME_COLUMNS] + raw_names(scheme))
        frame = pd.DataFrame({c: pd.Series(got["frame", c], dtype=object)
                              for c in FRAME_COLUMNS})
        return frame, got, sum(int(part["filled"]) for part in found)

    def first(self, indicator: str, vintage: int, period: str | None
              ) -> tuple[int, str] | None:
        """The earliest (year, period) of the figures of ``indicator`` on the
        ``vintage`` boundaries for the areas last read (of ``period`` only when given),
        None without any."""
        found = [f for f in self.run.map(_first_figure, indicator, vintage, period)
                 if f is not None]
        return min(found) if found else None


def _pieces(frame: pd.DataFrame, region: np.ndarray, count: int) -> list[pd.DataFrame]:
    """The rows of each region 0..count-1, in their order: slices when the rows come
    by region (the store's figures are sorted by code), else one reordering."""
    if len(region) and (np.diff(region) < 0).any():
        order = np.argsort(region, kind="stable")
        frame, region = frame.iloc[order], region[order]
    bounds = np.searchsorted(region, np.arange(count + 1))
    return [frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def region_keys(codes: pd.Series) -> pd.Series:
    """The region key of each area code: the gemeente number of a gemeente, wijk or buurt
    code (``0363`` for GM0363, WK036301 and BU03630104), else the code's first nine
    characters (a grid cell: its size and the kilometre of its RD x, ``VK100E014``)."""
    text = codes.astype(str) if codes.dtype == object else codes
    return text.str[2:6].where(text.str[:2].isin(["BU", "WK", "GM"]), text.str[:9])


def _merged(keys: np.ndarray, copies: pd.DataFrame) -> np.ndarray:
    """``keys`` with the regions of each copy and its originals made one (the copy's
    figures are compared with the original's)."""
    if copies.empty:
        return keys
    root: dict = {}

    def find(key):
        while root.get(key, key) != key:
            key = root[key]
        return key
    for code, copy_of in zip(copies["code"], copies["copy_of"], strict=True):
        members = [find(k) for k in region_keys(pd.Series(
            [code, *filter(None, str(copy_of).split(","))], dtype=object))]
        for key in members:
            root[key] = min(members)
    return np.array([find(k) for k in keys], dtype=object)


def _regions(keys: np.ndarray, weights: np.ndarray, parts: int) -> np.ndarray:
    """A region number (0, 1, ...) per key: consecutive keys in sorted order, cut so
    that each region has about the same total ``weight`` (its number of figures)."""
    unique, which = np.unique(keys.astype(str), return_inverse=True)
    load = np.bincount(which.reshape(-1), weights, minlength=len(unique))
    before = np.cumsum(load) - load
    cut = np.floor(before * max(1, parts) / max(load.sum(), 1)).astype(np.int64)
    _, number = np.unique(cut, return_inverse=True)
    return number.reshape(-1)[which.reshape(-1)]


def _prepare_region(state: dict, population: str, copies: pd.DataFrame,
                    area_vintages: frozenset) -> dict:
    """A region's first step: its figures prepared (:class:`Inputs`)."""
    return {"inputs": Inputs(state["obs"], state["areas"], population, copies=copies,
                             area_vintages=area_vintages)}


def _left_out(state: dict) -> pd.DataFrame:
    return state["inputs"].left_out


def _summary_of(state: dict, content: tuple[str, ...]) -> pd.DataFrame:
    return state["inputs"].summary(content)


def _read_region(state: dict, scheme: Scheme, catalog, level: str, vintage: int,
                 year: int) -> dict:
    """A region's areas of the level and their :func:`raw_values` (the state then holds
    its Inputs and these)."""
    inputs = state["inputs"]
    areas_v = inputs.areas_of(vintage)
    frame = scored_areas(inputs, areas_v, vintage, level)
    data = VintageData(inputs, vintage, catalog, scheme)
    raw, filled = raw_values(data, frame["code"].to_numpy(dtype=object), scheme, level, year,
                             areas_v)
    return {"inputs": inputs, "filled": filled, **raw,
            **{("frame", c): frame[c].to_numpy(dtype=object) for c in FRAME_COLUMNS}}


def _first_figure(state: dict, indicator: str, vintage: int, period: str | None
                  ) -> tuple[int, str] | None:
    rows = state["inputs"].indicator(indicator, vintage)
    keep = rows["value"].notna().to_numpy() & rows["area_code"].isin(
        state["frame", "code"]).to_numpy()
    if period is not None:
        keep &= rows["period"].to_numpy(dtype=object) == period
    rows = rows[keep]
    if rows.empty:
        return None
    first = rows.sort_values(["year", "period"]).iloc[0]
    return int(first["year"]), str(first["period"])
