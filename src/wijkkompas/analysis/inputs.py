"""The scoring engine's inputs: the figures of one level, period and vintage.

Steps 1-3 of :mod:`~wijkkompas.analysis.engine` live here: choosing the period and the
boundary vintage, reading each indicator's figures, population and denominators,
aggregating buurten upward, and computing derived rates.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import WijkkompasError
from ..geo.codes import GRID_LEVELS, gemeente_of, level_of, wijk_of
from ..periods import parse_period
from ..schemes import Scheme
from .copies import drop_copies, find_copies
from .reliability import marshall_shrinkage

SCORE_LEVELS = ("buurt", "wijk", "gemeente")
#: every level a score can be asked for: the CBS indeling's levels, which ``build``
#: scores by default, and the grid cells of the square statistics (scored on their own
#: scheme, ``schemes/vierkant.yaml``)
SCORABLE_LEVELS = (*SCORE_LEVELS, *GRID_LEVELS)
# figures that count as inputs: a harmonised figure is an estimate and still a figure
USABLE = ("observed", "estimated")

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
                 population: str = "inwoners"):
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
        level = obs["area_code"].str[:2].map(_PREFIX_LEVEL)
        grid = level.isna().to_numpy()
        if grid.any():  # the grid's two levels share the prefix VK
            level[grid] = obs["area_code"][grid].str[:5].map(_GRID_PREFIX_LEVEL)
        obs["_level"] = pd.Series(level.to_numpy(dtype=object), dtype=object)
        # a peiljaar is scored on whole-year figures only: a month's or a quarter's figure
        # (``2021-03``, ``2021Q1``: period label not the year) would otherwise stand in
        # for the year, a count 12 or 4 times too small; they are left out and said
        annual = obs["period"].to_numpy(dtype=object) == obs["year"].astype(str).to_numpy(
            dtype=object)
        left_out = obs.loc[~annual, ["indicator", "period"]].drop_duplicates()
        self.sub_annual = sorted(left_out["indicator"].unique())
        self.sub_annual_periods = len(left_out)
        obs = obs[annual].reset_index(drop=True)
        self.copies = find_copies(obs, population)
        obs = drop_copies(obs, self.copies)
        self.obs = obs
        self.periods = frozenset(obs["period"].unique())  # asked before every score
        self.by_indicator = {key: frame for key, frame in obs.groupby("indicator", sort=False)}
        if areas is None:
            areas = pd.DataFrame(columns=["code", "vintage", "name", "level", "wijk_code",
                                          "gemeente_code"])
        areas = areas.copy()
        for column in ("code", "name", "level", "wijk_code", "gemeente_code"):
            areas[column] = pd.Series(areas[column].to_numpy(dtype=object), dtype=object,
                                      index=areas.index)
        areas["vintage"] = areas["vintage"].astype("int64")
        self.areas = areas
        self._cache: dict = {}

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
            if areas.empty:  # areas of that vintage unknown: read the hierarchy from codes
                codes = self.obs.loc[self.obs["vintage"] == vintage, "area_code"]
                areas = areas_from_codes(codes).assign(vintage=vintage)
            self._cache[key] = _complete_levels(areas, self.areas)
        return self._cache[key]


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


def _summary(inputs: Inputs, scheme: Scheme) -> pd.DataFrame:
    """Figures per content indicator, vintage, period, year and level: a small table."""
    content = sorted({s.derived.numerator if s.derived else s.id
                      for s in scheme.indicators.values()})
    key = ("summary", tuple(content))
    if key not in inputs._cache:
        rows = inputs.rows_of(content)
        inputs._cache[key] = rows.groupby(["indicator", "vintage", "period", "year", "_level"],
                                          dropna=False).size().rename("n").reset_index()
    summary = inputs._cache[key]
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


def default_periods(inputs: Inputs, scheme: Scheme, vintage, level) -> list[str]:
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


def select_period_vintage(inputs: Inputs, scheme: Scheme, period, vintage, level
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


def indicator_values(data: VintageData, frame: pd.DataFrame, scheme: Scheme, level: str,
                     year: int, areas_v: pd.DataFrame, notes: list[str]):
    """Values, statuses and the periods used (per area), for every scheme indicator
    (derived too), for peiljaar ``year``; and the population with the period it is of.

    Each figure is the most recent one within its window (:meth:`VintageData.window`),
    published or else aggregated from buurten. Population and denominators are the most
    recent figures up to ``year`` (population changes slowly compared to what it divides),
    never a later one.
    """
    codes = frame["code"].to_numpy(dtype=object)
    key = ("level", level)
    tolerance = _raw_tolerance(scheme)
    raw_ids = list(tolerance)
    values, status, used = data.window(codes, raw_ids, year, tolerance, key=key)
    population, pop_period = data.latest(codes, scheme.population, year, key=key)
    population, pop_period = population.copy(), pop_period.copy()
    filled = _aggregate(data, codes, level, year, tolerance, values, status, used, areas_v)
    if level != "buurt" and np.isnan(population).any():
        # population too may only be published per buurt: sum it over all buurten
        summed = _sum_population(data, codes, level, year, areas_v)
        take = np.isnan(population) & ~np.isnan(summed)
        population[take] = summed[take]
        pop_period[take] = "sum of buurten"
    if filled:
        notes.append(f"{filled} figures were aggregated from buurten (status estimated)")
    out_v, out_s, out_p = {}, {}, {}
    for spec in scheme.indicators.values():
        if spec.derived is None:
            out_v[spec.id], out_s[spec.id], out_p[spec.id] = \
                values[spec.id], status[spec.id], used[spec.id]
            continue
        d = spec.derived
        num, num_status = values[d.numerator], status[d.numerator]
        if d.denominator == scheme.population:
            den, den_period = population, pop_period
        else:
            den, den_period = data.latest(codes, d.denominator, year, key=key)
        out_v[spec.id] = _rate(num, den, d.shrink, frame, level) * d.per
        st = num_status.copy()
        st[(st == "observed") & np.isnan(out_v[spec.id])] = "missing"
        out_s[spec.id] = st
        out_p[spec.id] = used[d.numerator]
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
    """The areas of ``level`` on the ``vintage`` boundaries, sorted by code (a copy)."""
    frame_key = ("frame", vintage, level)
    if frame_key not in inputs._cache:
        frame = areas_v[areas_v["level"] == level][["code", "name", "wijk_code",
                                                    "gemeente_code"]]
        frame = frame.drop_duplicates("code").sort_values("code").reset_index(drop=True)
        frame["name"] = frame["name"].fillna("")
        inputs._cache[frame_key] = frame
    frame = inputs._cache[frame_key].copy()
    if frame.empty:
        raise WijkkompasError(f"no {level} areas on the {vintage} boundaries in the data")
    return frame
