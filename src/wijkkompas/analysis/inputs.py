"""The scoring engine's inputs: the figures of one level, period and vintage.

Steps 1-3 of :mod:`~wijkkompas.analysis.engine` live here: choosing the period and the
boundary vintage, reading each indicator's figures, population and denominators,
aggregating buurten upward, and computing derived rates.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import WijkkompasError
from ..geo.codes import gemeente_of, level_of, wijk_of
from ..schemes import Scheme
from .copies import drop_copies, find_copies
from .reliability import marshall_shrinkage

SCORE_LEVELS = ("buurt", "wijk", "gemeente")
# figures that count as inputs: a harmonised figure is an estimate and still a figure
USABLE = ("observed", "estimated")

def load_inputs(store, scheme: Scheme) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The observations and areas :func:`score_frame` needs, read from the store once."""
    obs = store.observations(indicators=scheme.raw_indicators())
    areas = store.areas()
    return obs, areas


_PREFIX_LEVEL = {"BU": "buurt", "WK": "wijk", "GM": "gemeente", "NL": "land"}


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
        obs["_level"] = pd.Series(obs["area_code"].str[:2].map(_PREFIX_LEVEL).to_numpy(
            dtype=object), dtype=object)
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


def select_period_vintage(inputs: Inputs, scheme: Scheme, period, vintage, level):
    content = [s.derived.numerator if s.derived else s.id for s in scheme.indicators.values()]
    key = ("summary", tuple(content))
    if key not in inputs._cache:  # figures per vintage, period and level: a small table
        rows = inputs.rows_of(content)
        inputs._cache[key] = rows.groupby(["vintage", "period", "year", "_level"],
                                          dropna=False).size().rename("n").reset_index()
    mine = inputs._cache[key]
    if mine.empty:
        raise WijkkompasError("the store has no figures for any indicator of the scheme "
                              f"{scheme.name!r} ({', '.join(content)})")
    if vintage is not None:
        mine = mine[mine["vintage"] == int(vintage)]
        if mine.empty:
            raise WijkkompasError(f"no figures of the scheme's indicators on the {vintage} "
                                  "boundaries")
    if period is None:
        # the latest period with figures at this level, or at buurt level (aggregation)
        at = mine[mine["_level"].isin([level, "buurt"])]
        latest = (at if len(at) else mine).sort_values(["year", "period"]).iloc[-1]
        period = latest["period"]
    period = str(period)
    every = mine
    mine = mine[mine["period"] == period]
    if mine.empty:
        have = ", ".join(sorted(every["period"].unique()))
        raise WijkkompasError(f"no figures of the scheme's indicators for period {period}; "
                              f"periods: {have}")
    if vintage is None:
        counts = mine.groupby("vintage")["n"].sum()
        vintage = int(counts[counts == counts.max()].index.max())
    year = int(mine["year"].iloc[0])
    return period, int(vintage), year


def _nearest(frame: pd.DataFrame, year: int, keys: list[str]) -> pd.DataFrame:
    """Per key the row of the nearest year (ties: the later year)."""
    if frame.empty:
        return frame
    frame = frame.assign(_d=(frame["year"] - year).abs(), _y=-frame["year"])
    return frame.sort_values(keys + ["_d", "_y"]).drop_duplicates(keys).drop(columns=["_d", "_y"])


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

    def nearest(self, codes: np.ndarray, indicator: str, year: int, key=None
                ) -> tuple[np.ndarray, np.ndarray]:
        """Observed values of one indicator for the nearest period of this vintage, then
        of the same code in the nearest vintage; returns (values, period used)."""
        cache_key = ("nearest", indicator, self.vintage, year, key)
        if key is not None and cache_key in self.cache:
            return self.cache[cache_key]
        best_key = ("nearest-rows", indicator, self.vintage, year)
        if best_key not in self.cache:
            sub = self.rows(indicator)
            sub = sub[sub["value"].notna().to_numpy()]
            self.cache[best_key] = _nearest(sub, year, ["area_code"]).set_index("area_code")
        best = self.cache[best_key]
        index = pd.Index(codes, dtype=object)
        values = best["value"].reindex(index).to_numpy(dtype="float64", copy=True)
        used = best["period"].reindex(index).to_numpy(dtype=object, copy=True)
        missing = np.isnan(values)
        if missing.any():
            fallback_key = ("nearest-other", indicator, self.vintage, year)
            if fallback_key not in self.cache:
                every = self.inputs.indicator(indicator)
                other = every[every["value"].notna().to_numpy()
                              & (every["vintage"].to_numpy() != self.vintage)]
                other = other.assign(_v=(other["vintage"] - self.vintage).abs())
                other = other[other["_v"] == other.groupby("area_code")["_v"].transform("min")]
                self.cache[fallback_key] = _nearest(other, year, ["area_code"]).set_index(
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
    pop, _ = data.nearest(children, data.scheme.population, year, key=("children", level))
    n = len(codes)
    total = np.bincount(parent, np.nan_to_num(pop), minlength=n)
    unknown = np.bincount(parent, np.isnan(pop), minlength=n) > 0
    has = np.bincount(parent, minlength=n) > 0
    return np.where(has & ~unknown, total, np.nan)


def _aggregate(data: VintageData, codes: np.ndarray, level: str, period: str, year: int,
               values: dict, status: dict, areas_v: pd.DataFrame) -> int:
    """Fill areas that have no row for an indicator from their buurten (in place).

    Returns the number of values filled. See the module docstring for the rules.
    """
    if level == "buurt":
        return 0
    children, parent = data.links(codes, level, areas_v)
    if len(children) == 0:
        return 0
    holes_any = [i for i in values if (pd.isna(status[i]) & np.isnan(values[i])).any()]
    if not holes_any:
        return 0
    child_values, child_status = data.wide(children, period, holes_any, key=("children", level))
    pop, _ = data.nearest(children, data.scheme.population, year, key=("children", level))
    n = len(codes)
    needed = ~(pop <= 0)  # every buurt with residents (or unknown residents) needs a figure
    filled = 0
    for indicator in holes_any:
        entry = data.catalog.indicators.get(indicator)
        kind = entry.kind if entry else "count"
        if kind == "index":
            continue  # an index (urbanity class, SES score) is not averaged
        v = child_values[indicator]
        ok = np.isin(child_status[indicator], USABLE) & ~np.isnan(v)
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
        oks = np.bincount(parent, ok, minlength=n)
        good = ~gaps & (oks > 0)
        result: np.ndarray
        if kind == "count":
            result = sum_x
        else:
            good &= sum_w > 0
            with np.errstate(invalid="ignore", divide="ignore"):
                result = sum_x / sum_w
        target = good & pd.isna(status[indicator]) & np.isnan(values[indicator])
        values[indicator][target] = result[target]
        status[indicator][target] = "estimated"
        filled += int(target.sum())
    return filled



def indicator_values(data: VintageData, frame: pd.DataFrame, scheme: Scheme, level: str,
                      period: str, year: int, areas_v: pd.DataFrame, notes: list[str]):
    """Values, statuses and the periods used, for every scheme indicator (derived too)."""
    codes = frame["code"].to_numpy(dtype=object)
    key = ("level", level)
    raw_ids = [i for i in scheme.raw_indicators() if i != scheme.population]
    values, status = data.wide(codes, period, raw_ids, key=key)
    population, pop_period = data.nearest(codes, scheme.population, year, key=key)
    population, pop_period = population.copy(), pop_period.copy()
    filled = _aggregate(data, codes, level, period, year, values, status, areas_v)
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
            out_v[spec.id] = values[spec.id]
            out_s[spec.id] = status[spec.id]
            out_p[spec.id] = period
            continue
        d = spec.derived
        num, num_status = values[d.numerator], status[d.numerator]
        if d.denominator == scheme.population:
            den, den_period = population, pop_period
        else:
            den, den_period = data.nearest(codes, d.denominator, year, key=key)
        if d.shrink == "none":
            with np.errstate(invalid="ignore", divide="ignore"):
                rate = np.where(den > 0, num / den, np.nan)
        else:
            groups = None
            if d.shrink == "local" and level == "buurt":
                groups = frame["wijk_code"].to_numpy()
            elif d.shrink == "local" and level == "wijk":
                groups = frame["gemeente_code"].to_numpy()
            rate = marshall_shrinkage(num, den, groups=groups).rate
        out_v[spec.id] = rate * d.per
        st = num_status.copy()
        st[(st == "observed") & np.isnan(out_v[spec.id])] = "missing"
        out_s[spec.id] = st
        out_p[spec.id] = period
        used = sorted(map(str, pd.unique(pd.Series(den_period).dropna())))
        notes.append(f"{spec.id}: {d.numerator} / {d.denominator} x {d.per:g}"
                     + (f", shrunk {d.shrink}ly (Marshall empirical Bayes)"
                        if d.shrink != "none" else "")
                     + f"; {d.denominator} of {', '.join(used) or 'no period'}")
    return out_v, out_s, out_p, population, pop_period



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
