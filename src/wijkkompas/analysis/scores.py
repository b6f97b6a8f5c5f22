"""Five-domain profiles, composite vulnerability and cumulation, at every level.

:func:`score` turns the store's figures into one row per area of a level (buurt, wijk or
gemeente) and period, following a :class:`~wijkkompas.schemes.Scheme`:

1. **Figures.** For the period, the boundary vintage with the most figures of the
   scheme's indicators is used (or the one asked for); figures of other vintages have
   other codes and are never mixed in. Population (the scheme's ``population``
   indicator) and the denominators of derived rates are taken from the same period, or
   else the nearest period of the same vintage (population changes slowly compared to
   the figures it divides); when the vintage has none, the same code in the nearest
   vintage (CBS never reuses a code for another area). Before any of this, copied rows
   (an area carrying another area's figures, as in the Haaglanden panel) are left out:
   their figures become ``missing`` (:mod:`~wijkkompas.analysis.copies`).
2. **Upward aggregation.** When an area of the level has no published figure at all
   for an indicator, it is computed from the buurten of the same vintage that lie in it:
   counts are summed, shares, rates and means are averaged weighted by residents (the
   only denominator known for every buurt; for a share of adults it is an
   approximation). It is computed only when *every* buurt with residents has a usable
   figure: ``observed``, or ``estimated`` (buurt figures moved onto these boundaries by
   :mod:`~wijkkompas.change.harmonise` are estimates, and still figures). The result is
   always ``estimated``: it is computed, not published, whether its inputs were observed
   or not (so never ``observed`` unless every input is). A published suppressed figure
   is never replaced: a derived figure of a suppressed group is suppressed too.
3. **Derived rates** (``numerator / denominator * per``) with optional empirical Bayes
   shrinkage (:func:`~wijkkompas.analysis.reliability.marshall_shrinkage`): ``global``
   toward the rate of all areas of the level, ``local`` toward the rate of the parent
   (the buurten of one wijk; the wijken of one gemeente; at gemeente level local is
   global).
4. **Reliability.** An area with fewer residents than an indicator's ``min_population``
   has that figure excluded (never zero) and counted in ``n_unreliable``.
5. **Standardisation** with the scheme's method against the reference group, every
   indicator oriented so that **higher = more vulnerable**
   (:mod:`~wijkkompas.analysis.standardise`).
6. **Domain scores.** Weighted mean of the domain's standardised indicators that are
   available (weights renormalised over them); with ``perspective: half`` the objective
   and subjective means each weigh half when both exist (Wijkprofiel). A domain with
   fewer available indicators than its minimum is missing (NaN), never zero. Method
   ``percentile`` ranks the domain mean again (SVI), method ``imd`` transforms it with
   the IMD rank-exponential (0..100).
7. **Composite vulnerability**: the weighted mean of the available domain scores (domain
   weights renormalised); NaN with fewer than ``min_domains`` domains. Method
   ``percentile`` ranks it again (SVI overall).
8. **Cumulation.** A domain is *flagged* when its percentile rank within the reference
   group is at or above ``flag_threshold`` (0.9: the worst decile, as the SVI flags);
   ``flags`` counts them, ``flagged_domains`` names them.
9. **Rank and class.** ``rank`` 1 = the most vulnerable of the areas returned
   (``within``); ``rank_national``/``percentile_national`` place the area among all
   areas of the level, ``rank_gemeente``/``percentile_gemeente`` within its gemeente.
   Classes: see :mod:`~wijkkompas.analysis.classes`; z-based classes (PBL,
   Leefbaarometer, Wijkprofiel) cut the composite after standardising it once more
   against the reference group, because a mean of z-scores has a smaller spread than
   one z-score (as the IMD and SVI rank their combined scores again).

Areas are always scored against the whole level (so that national positions exist);
``within`` only selects the rows returned.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..catalog import DOMAINS, Catalog
from ..errors import WijkkompasError
from ..geo.codes import gemeente_of, level_of, wijk_of
from ..periods import parse_period
from ..schemes import SCORE_DOMAINS, IndicatorSpec, Scheme, SchemeError
from . import classes as cls
from .copies import drop_copies, find_copies
from .reliability import below_minimum, marshall_shrinkage
from .standardise import METHODS, imd_exponential, orient, percentile_rank

SCORE_LEVELS = ("buurt", "wijk", "gemeente")
# figures that count as inputs: a harmonised figure is an estimate and still a figure
USABLE = ("observed", "estimated")
COLUMNS = ["code", "name", "level", "period", "vulnerability", "rank", "class", "flags",
           "flagged_domains", "n_indicators"] + [f"domain_{d}" for d in SCORE_DOMAINS]
EXTRA_COLUMNS = ["vintage", "n_domains", "population", "rank_national",
                 "percentile_national", "rank_gemeente", "percentile_gemeente", "wijk_code",
                 "gemeente_code", "n_unreliable", "n_suppressed", "n_estimated"]
DETAIL_COLUMNS = ["code", "domain", "indicator", "perspective", "value", "status", "period",
                  "population", "standardised", "indicator_weight", "domain_weight",
                  "contribution", "group"]


@dataclass
class ScoreResult:
    """A score table with what is needed to audit it.

    Attributes
    ----------
    table
        One row per area: :data:`COLUMNS` then :data:`EXTRA_COLUMNS`, sorted by rank.
    details
        One row per area and indicator (all areas of the level, not only ``within``):
        the value used (after derivation, aggregation, reliability), its status
        (``observed``, ``estimated``, ``suppressed``, ``missing``, ``unreliable``), the
        standardised value, its effective weights and its contribution (see
        :func:`explain`).
    statistics
        The reference statistics per indicator and reference group (mean/sd, median/MAD,
        N, base period) and per domain transform.
    notes
        Plain-language remarks: domains without indicators, base periods, fallbacks.
    """

    table: pd.DataFrame
    scheme: Scheme
    level: str
    period: str
    vintage: int
    method: str
    reference: str
    statistics: pd.DataFrame
    domains: list[str]
    notes: list[str] = field(default_factory=list)
    # the details are built on first use: scoring many levels and periods need not pay
    _make_details: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)
    _details: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def details(self) -> pd.DataFrame:
        if self._details is None:
            self._details = (self._make_details() if self._make_details is not None
                             else pd.DataFrame(columns=DETAIL_COLUMNS))
        return self._details

    def __repr__(self) -> str:
        return (f"ScoreResult({len(self.table)} {self.level} areas, period {self.period}, "
                f"vintage {self.vintage}, method {self.method}, reference {self.reference}, "
                f"domains {', '.join(self.domains) or '-'})")


@dataclass
class ExplainResult:
    """Why an area scores as it does.

    ``indicators``: per indicator (grouped by domain in :data:`SCORE_DOMAINS` order, the
    largest contribution first within a domain) the value, its period and ``year``,
    status, the reference statistics (mean/sd or median/MAD or N, on the oriented values),
    ``reference`` (the reference value in the indicator's own units, see
    :func:`_reference_values`), the standardised value s, the effective indicator weight
    w within its domain, the domain weight W within the composite and the contribution
    c = s x w x W; ``domain_score`` D and ``domain_contribution`` D x W of its domain,
    and the area's ``vulnerability``.
    For the linear methods (zscore, robust_z, index) the contributions of a domain add
    up to D x W and those of all indicators to the vulnerability.
    ``domains``: per domain its score, scheme weight, ``effective_weight`` W (renormalised
    over the area's scored domains), ``contribution`` D x W, flag.
    ``drivers``: the indicators that push the score up most, largest first.
    """

    area: pd.Series
    row: pd.Series
    indicators: pd.DataFrame
    domains: pd.DataFrame
    drivers: list[str]
    result: ScoreResult

    def summary(self) -> str:
        r = self.row
        name = f" {r['name']}" if r["name"] else ""
        lines = [f"{r['code']}{name} ({r['level']}), period {r['period']}: "
                 f"vulnerability {r['vulnerability']:.3g}, rank {r['rank_national']} of the "
                 f"{self.result.level} level, class {r['class']}, {r['flags']} flagged "
                 f"domain(s){': ' + r['flagged_domains'] if r['flags'] else ''}."]
        if self.drivers:
            lines.append("Pushes the score up most: " + "; ".join(self.drivers) + ".")
        return "\n".join(lines)

    @property
    def indicators_add_up(self) -> bool:
        """Whether D = sum of s x w over a domain's indicators (no rank or exponential
        transform of the domain scores)."""
        return METHODS[self.result.method].domain_transform == "mean"

    @property
    def domains_add_up(self) -> bool:
        """Whether the vulnerability = sum of D x W (the composite is not ranked again)."""
        return METHODS[self.result.method].domain_transform != "percentile"

    def formula(self) -> str:
        """How the lines of :meth:`table` add up, for this method, in words."""
        parts = ["contribution = standardised x weight x domain weight"]
        if self.indicators_add_up:
            parts.append("domain score = sum of standardised x weight")
        else:
            parts.append(f"domain score: the sum of standardised x weight, transformed "
                         f"({METHODS[self.result.method].domain_transform}) by method "
                         f"{self.result.method}")
        if self.domains_add_up:
            parts.append("vulnerability = sum of domain score x domain weight")
        else:
            parts.append(f"vulnerability: the sum of domain score x domain weight, ranked "
                         f"again by method {self.result.method}")
        return "; ".join(parts)

    def table(self) -> pd.DataFrame:
        """The whole breakdown in reading order, one row per line of ``wijkkompas explain``.

        ``row`` says what a line is: ``indicator`` (label, year, value, status,
        ``reference``, ``standardised`` s, ``weight`` w within its domain and
        ``contribution`` s x w x W), then after a domain's indicators a ``domain`` line
        (its score D under ``standardised``, its effective weight W and D x W), and last
        the ``composite`` line (the sum of the weights W and the vulnerability under
        ``contribution``). Domains outside the scheme are left out.
        """
        ind = self.indicators
        lines = []
        for d in self.domains[self.domains["in_scheme"]].itertuples():
            part = ind[ind["domain"] == d.domain]
            lines.append(pd.DataFrame({
                "row": "indicator", "domain": d.domain, "indicator": part["indicator"],
                "label": part["label"], "year": part["year"], "value": part["value"],
                "status": part["status"], "reference": part["reference"],
                "standardised": part["standardised"], "weight": part["indicator_weight"],
                "contribution": part["contribution"]}))
            lines.append(pd.DataFrame([{
                "row": "domain", "domain": d.domain, "indicator": f"domain_{d.domain}",
                "label": DOMAINS[d.domain]["nl"], "status": "scored" if pd.notna(d.score) else "missing",
                "standardised": d.score, "weight": d.effective_weight,
                "contribution": d.contribution}]))
        scored = pd.notna(self.row["vulnerability"])
        lines.append(pd.DataFrame([{
            "row": "composite", "indicator": "vulnerability",
            "label": "vulnerability (composite)",
            "status": "scored" if scored else "missing",
            "weight": self.domains["effective_weight"].sum(min_count=1),
            "contribution": self.row["vulnerability"]}]))
        table = pd.concat(lines, ignore_index=True)
        table["year"] = table["year"].astype("Int64")
        return table


# -- inputs ----------------------------------------------------------------------------

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


def _select_period_vintage(inputs: Inputs, scheme: Scheme, period, vintage, level):
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


class _Data:
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


def _sum_population(data: _Data, codes: np.ndarray, level: str, year: int, areas_v
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


def _aggregate(data: _Data, codes: np.ndarray, level: str, period: str, year: int,
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


def _copy_notes(copies: pd.DataFrame) -> list[str]:
    """One note per copied row left out (see :mod:`~wijkkompas.analysis.copies`)."""
    notes = []
    for c in copies.itertuples(index=False):
        whose = (f"a copy of {c.copy_of}'s" if "," not in c.copy_of and c.copy_of
                 else "the same as " + c.copy_of.replace(",", ", ") + ", attributable to none")
        own = (f"; its own population {c.population_reference:,.0f} ({c.reference})"
               if c.reference else "")
        notes.append(f"{c.code} ({c.vintage} boundaries): figures {whose} (population "
                     f"{c.population_row:,.0f}{own}) left out as copied")
    return notes


def _reference_groups(scheme: Scheme, frame: pd.DataFrame, level: str
                      ) -> tuple[_Groups, np.ndarray, str]:
    """Group label per area (None = one national group) and the reference mask."""
    n = len(frame)
    if scheme.reference == "country":
        return _Groups(["all"] * n), np.ones(n, bool), \
            f"all {level} areas"
    if scheme.reference == "gemeente":
        if level == "gemeente":
            raise SchemeError("reference gemeente compares areas with the other areas of "
                              "their gemeente: use it at buurt or wijk level")
        return _Groups(frame["gemeente_code"].fillna("?").astype(str)), np.ones(n, bool), \
            f"the {level} areas of each area's own gemeente"
    chosen = set(scheme.reference)
    mask = (frame["code"].isin(chosen) | frame["wijk_code"].isin(chosen)
            | frame["gemeente_code"].isin(chosen)).to_numpy()
    if not mask.any():
        raise SchemeError(f"none of the reference areas {', '.join(scheme.reference)} are "
                          f"{level} areas (or contain any) in the data scored")
    return _Groups(["chosen"] * n), mask, \
        f"the {level} areas in {', '.join(scheme.reference)}"


class _Groups:
    """A reference-group label per area, with each group's positions computed once."""

    def __init__(self, labels):
        self.labels = np.asarray(labels, dtype=object)
        if len(self.labels) and (self.labels == self.labels[0]).all():
            self.indices = {self.labels[0]: np.arange(len(self.labels))}
        else:
            self.indices = pd.Series(self.labels).groupby(self.labels).indices

    def __len__(self) -> int:
        return len(self.labels)


def _by_group(groups: _Groups, mask: np.ndarray, function, values: np.ndarray,
              weights: np.ndarray | None = None):
    """Apply ``function(values, reference, weights) -> (out, stats)`` per reference group."""
    out = np.full(len(values), np.nan)
    stats = {}
    for label, positions in groups.indices.items():
        ref = mask[positions]
        w = None if weights is None else weights[positions]
        result, stat = function(values[positions], ref, w)
        out[positions] = result
        stats[label] = stat
    return out, stats


def _imd_transform(values, reference, weights=None):
    out = imd_exponential(values, reference=reference)
    return out, {"n": int((~np.isnan(values[reference])).sum())}


def _percentile_by_group(groups, mask, values):
    return _by_group(groups, mask, lambda v, r, w: (percentile_rank(v, reference=r), {}),
                     values)[0]


def _rank_desc(values: pd.Series, groups: pd.Series | None = None) -> pd.Series:
    """Rank 1 = the highest value (most vulnerable); ties share the best rank."""
    if groups is None:
        ranked = values.rank(ascending=False, method="min")
    else:
        ranked = values.groupby(groups).rank(ascending=False, method="min")
    return ranked.astype("Int64")


# -- scoring ---------------------------------------------------------------------------

def _indicator_values(data: _Data, frame: pd.DataFrame, scheme: Scheme, level: str,
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


def score_frame(observations: pd.DataFrame, areas: pd.DataFrame | None, catalog: Catalog,
                scheme: Scheme, *, level: str = "buurt", period=None, within: str | None = None,
                method: str | None = None, vintage: int | None = None) -> ScoreResult:
    """Score from frames: the engine under :func:`score`, usable without a store.

    Parameters
    ----------
    observations
        Long figures with columns area_code, vintage, period, year, indicator, value,
        status (as :meth:`Store.observations` returns them), or an :class:`Inputs`
        prepared from them (faster when scoring several levels or periods).
    areas
        Areas with code, vintage, name, level, wijk_code, gemeente_code; None derives them
        from the codes (no names).
    """
    if level not in SCORE_LEVELS:
        raise WijkkompasError(f"level must be one of {', '.join(SCORE_LEVELS)}, not {level!r}")
    scheme = scheme.with_method(method)
    inputs = (observations if isinstance(observations, Inputs)
              else Inputs(observations, areas, population=scheme.population))
    period, vintage, year = _select_period_vintage(inputs, scheme, period, vintage, level)
    areas_v = inputs.areas_of(vintage)
    frame = _scored_areas(inputs, areas_v, vintage, level)
    notes: list[str] = _copy_notes(inputs.copies)
    data = _Data(inputs, vintage, catalog, scheme)
    values, statuses, used_periods, population, _ = _indicator_values(
        data, frame, scheme, level, period, year, areas_v, notes)
    groups, ref_mask, reference_text = _reference_groups(scheme, frame, level)
    weights = population if scheme.weighting == "population" else None

    stat_rows: list[dict] = []
    standardised, final_status = _standardise(
        data, frame, scheme, level, values, statuses, population, groups, ref_mask, weights,
        areas_v, stat_rows, notes)
    domains = _domain_scores(scheme, standardised, groups, ref_mask, len(frame), period,
                             stat_rows, notes)
    D, domain_weight, n_domains, composite = _composite(scheme, domains.scores, groups,
                                                        ref_mask)
    flagged = _flags(D, groups, ref_mask, scheme.flag_threshold)

    table = frame.copy()
    table["level"] = level
    table["period"] = period
    table["vulnerability"] = composite
    table["class"] = _classes(scheme, composite, groups, ref_mask, weights)
    table["flags"] = flagged.sum(axis=1)
    names = np.array(SCORE_DOMAINS, dtype=object)
    table["flagged_domains"] = [",".join(names[row]) for row in flagged]
    table["n_indicators"] = domains.n_indicators
    for j, domain in enumerate(SCORE_DOMAINS):
        table[f"domain_{domain}"] = D[:, j]
    table["vintage"] = vintage
    table["n_domains"] = n_domains
    table["population"] = population
    _add_ranks(table, level)
    _add_status_counts(table, scheme, final_status)

    def make_details():
        return _details(frame, scheme, values, final_status, used_periods, population,
                        standardised, domains.indicator_weight, domain_weight, groups)
    if within:
        table = _within(table, within, level, vintage)
    table = table.assign(rank=_rank_desc(table["vulnerability"]))
    table = table.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)
    table = table[COLUMNS + EXTRA_COLUMNS]
    statistics = pd.DataFrame(stat_rows)
    return ScoreResult(table=table, scheme=scheme, level=level, period=period, vintage=vintage,
                       method=scheme.method, reference=reference_text, _make_details=make_details,
                       statistics=statistics, domains=domains.present, notes=notes)


def _scored_areas(inputs: Inputs, areas_v: pd.DataFrame, vintage: int,
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


def _standardise(data: _Data, frame: pd.DataFrame, scheme: Scheme, level: str,
                 values: dict[str, np.ndarray], statuses: dict[str, np.ndarray],
                 population: np.ndarray, groups: _Groups, ref_mask: np.ndarray,
                 weights: np.ndarray | None, areas_v: pd.DataFrame, stat_rows: list[dict],
                 notes: list[str]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Standardised values and final statuses per indicator.

    A value of an area below the indicator's minimum population becomes NaN with status
    ``unreliable``; ``values`` is updated in place to those values (the details show
    them)."""
    spec_method = METHODS[scheme.method]
    standardised: dict[str, np.ndarray] = {}
    final_status: dict[str, np.ndarray] = {}
    base_periods = {}
    for spec in scheme.indicators.values():
        v = values[spec.id].astype("float64")
        st = statuses[spec.id]
        st = np.where(pd.isna(st), "missing", st).astype(object)
        st[(st == "observed") & np.isnan(v)] = "missing"
        unreliable = below_minimum(population, spec.min_population) & ~np.isnan(v)
        v = np.where(unreliable, np.nan, v)
        st[unreliable] = "unreliable"
        final_status[spec.id] = st
        oriented = orient(v, spec.direction)
        if scheme.method == "index":
            z, stats, base_period = _index_values(data, frame, scheme, spec, level, oriented,
                                                  groups, ref_mask, weights, areas_v)
            base_periods[spec.id] = base_period
        else:
            z, stats = _by_group(groups, ref_mask, spec_method.function, oriented,
                                 None if not spec_method.weighted else weights)
            base_period = None
        standardised[spec.id] = z
        values[spec.id] = v
        for label, stat in stats.items():
            stat_rows.append({"indicator": spec.id, "group": label, "stage": "indicator",
                              "method": scheme.method, "base_period": base_period, **stat})
    if base_periods:
        notes.append("index base periods: " + (", ".join(
            f"{k} {v}" for k, v in base_periods.items() if v is not None) or "none"))
    return standardised, final_status


@dataclass
class _DomainScores:
    scores: dict[str, np.ndarray]  # per domain of SCORE_DOMAINS, NaN where not scored
    indicator_weight: dict[str, np.ndarray]  # per indicator, its weight in its domain
    present: list[str]  # the domains that some area has a score for
    n_indicators: np.ndarray  # per area, the indicators with a standardised value


def _domain_scores(scheme: Scheme, standardised: dict[str, np.ndarray], groups: _Groups,
                   ref_mask: np.ndarray, n: int, period: str, stat_rows: list[dict],
                   notes: list[str]) -> _DomainScores:
    """Per domain, the weighted sum of its indicators' standardised values where an area
    has at least the domain's minimum number of them, transformed as the method says."""
    spec_method = METHODS[scheme.method]
    out = _DomainScores({}, {}, [], np.zeros(n, dtype=int))
    for domain in SCORE_DOMAINS:
        spec_d = scheme.domains.get(domain)
        if spec_d is None:
            out.scores[domain] = np.full(n, np.nan)
            continue
        ids = list(spec_d.indicators)
        S = np.column_stack([standardised[i] for i in ids])
        W = np.array([spec_d.indicators[i] for i in ids], dtype="float64")
        avail = ~np.isnan(S)
        count = avail.sum(axis=1)
        out.n_indicators += count
        eff = _effective_weights(S, W, avail, [scheme.indicators[i].perspective for i in ids],
                                 scheme.perspective)
        raw = np.where(count >= spec_d.min_indicators, np.nansum(eff * np.nan_to_num(S), axis=1),
                       np.nan)
        raw = np.where(eff.sum(axis=1) > 0, raw, np.nan)
        if spec_method.domain_transform == "percentile":
            score = _percentile_by_group(groups, ref_mask, raw)
        elif spec_method.domain_transform == "imd":
            score, stats = _by_group(groups, ref_mask, _imd_transform, raw)
            for label, stat in stats.items():
                stat_rows.append({"indicator": f"domain_{domain}", "group": label,
                                  "stage": "domain", "method": "imd", **stat})
        else:
            score = raw
        out.scores[domain] = score
        for j, i in enumerate(ids):
            out.indicator_weight[i] = np.where(count >= spec_d.min_indicators, eff[:, j], np.nan)
        if np.isfinite(score).any():
            out.present.append(domain)
        else:
            notes.append(f"domain {domain}: no area has {spec_d.min_indicators} or more of its "
                         f"indicators ({', '.join(ids)}) for period {period}")
    for domain in SCORE_DOMAINS:
        if domain not in scheme.domains:
            notes.append(f"domain {domain}: not in the scheme (no indicator for it), so missing")
    return out


def _composite(scheme: Scheme, domain_scores: dict[str, np.ndarray], groups: _Groups,
               ref_mask: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The domain scores as columns of SCORE_DOMAINS, each area's domain weights
    (renormalised over its scored domains), its number of scored domains, and the
    composite: the weighted sum where an area has at least ``min_domains`` domains."""
    D = np.column_stack([domain_scores[d] for d in SCORE_DOMAINS])
    DW = np.array([scheme.domains[d].weight if d in scheme.domains else 0.0
                   for d in SCORE_DOMAINS])
    davail = ~np.isnan(D) & (DW > 0)
    n_domains = davail.sum(axis=1)
    total = (davail * DW).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        domain_weight = np.where(davail, DW / total[:, None], np.nan)
        composite = np.where((n_domains >= scheme.min_domains) & (total > 0),
                             np.nansum(np.nan_to_num(D) * np.nan_to_num(domain_weight), axis=1),
                             np.nan)
    if METHODS[scheme.method].domain_transform == "percentile":
        composite = _percentile_by_group(groups, ref_mask, composite)
    return D, domain_weight, n_domains, composite


def _flags(D: np.ndarray, groups: _Groups, ref_mask: np.ndarray,
           threshold: float) -> np.ndarray:
    """Cumulation: per area and domain, whether its percentile in the reference group
    reaches the threshold."""
    flagged = np.zeros(D.shape, dtype=bool)
    for j in range(D.shape[1]):
        p = _percentile_by_group(groups, ref_mask, D[:, j])
        flagged[:, j] = p >= threshold
    return flagged


def _add_ranks(table: pd.DataFrame, level: str) -> None:
    vul = table["vulnerability"]
    table["rank_national"] = _rank_desc(vul)
    table["percentile_national"] = percentile_rank(vul.to_numpy())
    if level == "gemeente":
        table["rank_gemeente"] = pd.array([pd.NA] * len(table), dtype="Int64")
        table["percentile_gemeente"] = np.nan
    else:
        gm = table["gemeente_code"].fillna("?")
        table["rank_gemeente"] = _rank_desc(vul, gm)
        # SVI percentile within the gemeente: (rank - 1)/(N - 1), ties take the higher rank
        by = vul.groupby(gm.to_numpy())
        high = by.rank(method="max")
        count = by.transform("count")
        table["percentile_gemeente"] = ((high - 1) / (count - 1)).where(count >= 2)


def _add_status_counts(table: pd.DataFrame, scheme: Scheme,
                       final_status: dict[str, np.ndarray]) -> None:
    all_status = np.column_stack([final_status[i] for i in scheme.indicators]) if \
        scheme.indicators else np.empty((len(table), 0), dtype=object)
    table["n_unreliable"] = (all_status == "unreliable").sum(axis=1)
    table["n_suppressed"] = (all_status == "suppressed").sum(axis=1)
    table["n_estimated"] = (all_status == "estimated").sum(axis=1)


def _within(table: pd.DataFrame, within: str, level: str, vintage: int) -> pd.DataFrame:
    """The rows of the area ``within`` and of the areas in it."""
    key = within.strip().upper()
    keep = (table["code"] == key) | (table["wijk_code"] == key) | \
        (table["gemeente_code"] == key)
    if not keep.any():
        raise WijkkompasError(f"no {level} areas within {within} on the {vintage} "
                              "boundaries")
    return table[keep.to_numpy()]


def _effective_weights(S, W, avail, perspectives, mode) -> np.ndarray:
    """Per area, each indicator's weight within its domain after renormalisation."""
    w = np.where(avail, W[None, :], 0.0)
    if mode == "half":
        persp = np.array(perspectives)
        out = np.zeros_like(w)
        parts = []
        for side in ("objective", "subjective"):
            cols = persp == side
            sub = w[:, cols]
            total = sub.sum(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[:, cols] = np.where(total > 0, sub / total, 0.0)
            parts.append((total[:, 0] > 0).astype(float))
        present = parts[0] + parts[1]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(present[:, None] > 0, out / present[:, None], 0.0)
    total = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, w / total, 0.0)


def _index_values(data, frame, scheme, spec: IndicatorSpec, level, oriented, groups, mask,
                  weights, areas_v):
    """Reference-year index of one indicator: base = its base period's reference group."""
    content = spec.derived.numerator if spec.derived else spec.id
    have = data.rows(content)
    have = have[have["value"].notna().to_numpy() & have["area_code"].isin(frame["code"]).to_numpy()]
    if scheme.base_period is not None:
        base_period = scheme.base_period
    elif have.empty:
        return np.full(len(frame), np.nan), {}, None
    else:
        base_period = have.sort_values(["year", "period"])["period"].iloc[0]
    base_rows = have[have["period"] == base_period]
    if base_rows.empty:
        return np.full(len(frame), np.nan), {"all": {"n": 0}}, base_period
    base_year = int(base_rows["year"].iloc[0])
    b_values, b_status, _, b_pop, _ = _indicator_values(
        data, frame, _single(scheme, spec), level, base_period, base_year, areas_v, [])
    base = b_values[spec.id].astype("float64")
    base = np.where(below_minimum(b_pop, spec.min_population), np.nan, base)
    base = orient(base, spec.direction)
    bw = b_pop if scheme.weighting == "population" else None
    fn = METHODS["index"].function
    out = np.full(len(frame), np.nan)
    stats = {}
    for label, positions in groups.indices.items():
        ref = mask[positions]
        result, stat = fn(oriented[positions], None, None, base=base[positions][ref],
                          base_weights=None if bw is None else bw[positions][ref])
        out[positions] = result
        stats[label] = stat
    return out, stats, base_period


def _single(scheme: Scheme, spec: IndicatorSpec) -> Scheme:
    """A scheme reduced to one indicator (to read its base period)."""
    return Scheme(**{**scheme.__dict__, "indicators": {spec.id: spec}})


def _classes(scheme: Scheme, composite: np.ndarray, groups, mask, weights) -> pd.Series:
    system = scheme.classes
    if system == "deciles":
        out = _by_group(groups, mask, lambda v, r, w: (cls.deciles(v, reference=r), {}),
                        composite)[0]
        return cls.as_series(out, system="deciles")
    if scheme.method == "index" and system == "wijkprofiel":
        return cls.as_series(cls.wijkprofiel_band(cls.favourable_index(composite)),
                             system=system)
    restandardise = METHODS["robust_z" if scheme.method == "robust_z" else "zscore"]
    z, _ = _by_group(groups, mask, restandardise.function, composite,
                     weights if restandardise.weighted else None)
    if system == "pbl":
        return cls.as_series(cls.pbl_class(z), system=system)
    if system == "leefbaarometer":
        return cls.as_series(cls.leefbaarometer_class(z), system=system)
    return cls.as_series(cls.wijkprofiel_band(100 - 10 * z), system=system)


def _details(frame, scheme, values, statuses, periods, population, standardised,
             indicator_weight, domain_weight, groups) -> pd.DataFrame:
    parts = []
    position = {d: j for j, d in enumerate(SCORE_DOMAINS)}
    for spec in scheme.indicators.values():
        iw = indicator_weight.get(spec.id, np.full(len(frame), np.nan))
        dw = domain_weight[:, position[spec.domain]]
        s = standardised[spec.id]
        parts.append(pd.DataFrame({
            "code": frame["code"].to_numpy(), "domain": spec.domain, "indicator": spec.id,
            "perspective": spec.perspective, "value": values[spec.id],
            "status": statuses[spec.id], "period": periods[spec.id],
            "population": population, "standardised": s,
            "indicator_weight": np.where(np.isnan(s), np.nan, iw),
            "domain_weight": np.where(np.isnan(s), np.nan, dw),
            "group": groups.labels}))
    if not parts:
        return pd.DataFrame(columns=DETAIL_COLUMNS)
    details = pd.concat(parts, ignore_index=True)
    details["contribution"] = (details["standardised"] * details["indicator_weight"]
                               * details["domain_weight"])
    return details[DETAIL_COLUMNS]


def score(store, catalog: Catalog, scheme: Scheme, *, level: str = "buurt", period=None,
          within: str | None = None, method: str | None = None,
          vintage: int | None = None) -> ScoreResult:
    """Score every area of ``level`` for ``period`` (default: the latest with figures).

    Parameters
    ----------
    store : wijkkompas.store.Store
    catalog : wijkkompas.catalog.Catalog
    scheme : wijkkompas.schemes.Scheme
        From :func:`wijkkompas.schemes.load_scheme` (None there = the default scheme).
    level : {"buurt", "wijk", "gemeente"}
    period : str or int, optional
        A stored period (``"2020"``); default the latest of the scheme's indicators.
    within : str, optional
        Return only the areas in this gemeente or wijk (scoring is still against the
        scheme's reference group; ``rank`` is among the areas returned).
    method : str, optional
        Override the scheme's method (``zscore``, ``robust_z``, ``percentile``, ``imd``,
        ``index``).
    vintage : int, optional
        Boundary vintage; default the one with the most figures for the period.

    Returns
    -------
    ScoreResult
        See the module docstring: higher vulnerability = more vulnerable, rank 1 = most
        vulnerable.
    """
    obs, areas = load_inputs(store, scheme)
    return score_frame(obs, areas, catalog, scheme, level=level, period=period, within=within,
                       method=method, vintage=vintage)


def explain(store, catalog: Catalog, scheme: Scheme, area: str, *, period=None,
            method: str | None = None, top: int = 3) -> ExplainResult:
    """Explain one area's score: its figures, references, weights and contributions.

    The area (a code or a name, :meth:`Store.resolve_area`) is scored at its own level
    against the scheme's reference group; the vintage is the area's own when it has
    figures for the period.
    """
    found = store.resolve_area(area)
    level = found["level"]
    if level not in SCORE_LEVELS:
        raise WijkkompasError(f"{found['code']} is a {level}: explain a buurt, wijk or gemeente")
    inputs = Inputs(*load_inputs(store, scheme), population=scheme.population)
    result = score_frame(inputs, None, catalog, scheme, level=level, period=period,
                         method=method)
    if not (result.table["code"] == found["code"]).any():
        # the area is on other boundaries than the period's main vintage
        obs = inputs.obs
        mine = obs[(obs["area_code"] == found["code"]) & (obs["period"] == result.period)]
        if len(mine):
            result = score_frame(inputs, None, catalog, scheme, level=level,
                                 period=result.period, method=method,
                                 vintage=int(mine["vintage"].max()))
    return explain_result(result, found["code"], catalog, top=top, area=found)


def explain_result(result: ScoreResult, code: str, catalog: Catalog | None = None, *,
                   top: int = 3, area: pd.Series | None = None) -> ExplainResult:
    """Build an :class:`ExplainResult` for one area from a :class:`ScoreResult`."""
    rows = result.table[result.table["code"] == code]
    if rows.empty:
        raise WijkkompasError(f"{code} is not among the {result.level} areas scored for "
                              f"period {result.period} ({result.vintage} boundaries)")
    row = rows.iloc[0]
    mine = result.details[result.details["code"] == code].copy()
    stats = result.statistics
    if len(stats):
        ind = stats[stats["stage"] == "indicator"].drop(columns=["stage"])
        mine = mine.merge(ind.rename(columns={"method": "reference_method"}),
                          on=["indicator", "group"], how="left")
    specs = result.scheme.indicators
    mine["label"] = [specs[i].label for i in mine["indicator"]]
    mine["year"] = pd.array([None if pd.isna(p) else parse_period(p)[1]
                             for p in mine["period"]], dtype="Int64")
    mine["direction"] = [specs[i].direction for i in mine["indicator"]]
    mine["reference"] = _reference_values(mine)
    # the area's effective domain weight: every scored domain has an indicator carrying it
    weight = mine.groupby("domain")["domain_weight"].max()
    domains = pd.DataFrame({
        "domain": list(SCORE_DOMAINS),
        "score": [row[f"domain_{d}"] for d in SCORE_DOMAINS],
        "weight": [result.scheme.domains[d].weight if d in result.scheme.domains else np.nan
                   for d in SCORE_DOMAINS],
        "effective_weight": [weight.get(d, np.nan) for d in SCORE_DOMAINS],
        "flagged": [d in (row["flagged_domains"] or "").split(",") for d in SCORE_DOMAINS],
        "in_scheme": [d in result.scheme.domains for d in SCORE_DOMAINS]})
    domains["contribution"] = domains["score"] * domains["effective_weight"]
    by_domain = domains.set_index("domain")
    mine["domain_score"] = mine["domain"].map(by_domain["score"]).astype("float64")
    mine["domain_contribution"] = mine["domain"].map(by_domain["contribution"]).astype("float64")
    mine["vulnerability"] = row["vulnerability"]
    order = {d: j for j, d in enumerate(SCORE_DOMAINS)}
    mine = (mine.assign(_order=mine["domain"].map(order))
                .sort_values(["_order", "contribution"], ascending=[True, False],
                             na_position="last", kind="stable")
                .drop(columns="_order"))
    pushing = (mine[mine["contribution"] > 0]
               .sort_values("contribution", ascending=False, kind="stable").head(top))
    drivers = [f"{r.label} ({r.indicator}, {r.domain}): value {r.value:.4g}, standardised "
               f"{r.standardised:+.2f}, contribution {r.contribution:+.3f}"
               for r in pushing.itertuples()]
    if area is None:
        area = row[["code", "name", "level"]]
    return ExplainResult(area=area, row=row, indicators=mine.reset_index(drop=True),
                         domains=domains, drivers=drivers, result=result)


def _reference_values(mine: pd.DataFrame) -> pd.Series:
    """The reference value in each indicator's own units: the reference group's mean
    (zscore, imd; index: in the base period) or median (robust_z) of the oriented values,
    oriented back (x -1 for ``higher_is_better``, :func:`~.standardise.orient`). NaN for
    the percentile method, which compares with ranks, not with a value."""
    centre = pd.Series(np.nan, index=mine.index)
    for column in ("mean", "median"):
        if column in mine.columns:
            centre = centre.fillna(mine[column].astype("float64"))
    return centre * np.where(mine["direction"] == "higher_is_better", -1.0, 1.0)
