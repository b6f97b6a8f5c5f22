"""Five-domain profiles, composite vulnerability and cumulation, at every level.

:func:`score` (:func:`score_frame` from frames) turns the store's figures into one row
per area of a level (buurt, wijk or gemeente) for a peiljaar Y, following a
:class:`~wijkkompas.schemes.Scheme` (steps 1-3 in :mod:`~wijkkompas.analysis.inputs`,
the yardstick in :mod:`~wijkkompas.analysis.yardstick`):

1. **Figures.** Each indicator's most recent figure of the years Y-k..Y (k its
   tolerance, default 2), never one after Y, on one boundary vintage: the one where the
   most domains of the yardstick have figures in those windows (or the one asked for);
   figures of other vintages have other codes and are never mixed in (bring them over
   with :mod:`~wijkkompas.change.harmonise` first: the bundled data carry crime and
   health moved onto the 2022 indeling). Population (the scheme's ``population``
   indicator) and the denominators of derived rates are the most recent figures up to Y
   of the same vintage (population changes slowly compared to the figures it divides),
   else of the same code in the nearest vintage (CBS never reuses a code for another
   area). Before any of this, copied rows (an area carrying another area's figures, as
   in the Haaglanden panel) are left out: their figures become ``missing``
   (:mod:`~wijkkompas.analysis.copies`). Without a peiljaar, the latest one whose score
   has composites is taken, else the latest with a figure in every domain, else the
   latest with any figure (:func:`~wijkkompas.analysis.inputs.default_periods`).
2. **Upward aggregation.** When an area of the level has no figure in an indicator's
   window, it is computed from the buurten of the same vintage that lie in it, for the
   latest period of the window where that can be done: counts are summed, shares,
   rates and means are averaged weighted by residents (the only denominator known for
   every buurt; for a share of adults it is an approximation). It is computed only when
   *every* buurt with residents has a usable figure: ``observed``, or ``estimated``
   (buurt figures moved onto these boundaries by :mod:`~wijkkompas.change.harmonise`
   are estimates, and still figures). The result is always ``estimated``: it is
   computed, not published. A published suppressed figure is never replaced: a derived
   figure of a suppressed group is suppressed too.
3. **Derived rates** (``numerator / denominator * per``) with optional empirical Bayes
   shrinkage (:func:`~wijkkompas.analysis.reliability.marshall_shrinkage`): ``global``
   toward the rate of all areas of the level, ``local`` toward the rate of the parent
   (the buurten of one wijk; the wijken of one gemeente; at gemeente level local is
   global).
4. **Reliability.** An area with fewer residents than an indicator's ``min_population``
   has that figure excluded (never zero) and counted in ``n_unreliable``.
5. **The yardstick** (:mod:`~wijkkompas.analysis.yardstick`): an indicator enters only
   where it covers ``min_coverage`` (90 %) of the areas the score could rank; an area is
   *scored* when it has every domain of the yardstick and at least
   ``rank_min_population`` (1,000) residents. The reference group is narrowed to the
   scored areas (so that an area with a partial yardstick moves no other area's score);
   where none is, domain scores are against all areas with a figure and
   :attr:`ScoreResult.statement` says why there is no composite.
6. **Standardisation** with the scheme's method against the reference group, every
   indicator oriented so that **higher = more vulnerable**
   (:mod:`~wijkkompas.analysis.standardise`); an indicator with ``scaling:
   normal_scores`` is first replaced by its normal scores in the reference group.
7. **Domain scores.** Weighted mean of the domain's standardised indicators that are
   available (weights renormalised over them); with ``perspective: half`` the objective
   and subjective means each weigh half when both exist (Wijkprofiel). A domain with
   fewer available indicators than its minimum is missing (NaN), never zero. Method
   ``percentile`` ranks the domain mean again (SVI), method ``imd`` transforms it with
   the IMD rank-exponential (0..100).
8. **Composite vulnerability**, for scored areas only: V = sum over the yardstick's
   domains of D x W, W = the domain's weight / the sum of the yardstick's weights;
   NaN for every other area (``composite_status`` and ``missing_domains`` say why).
   Method ``percentile`` ranks it again (SVI overall).
9. **Cumulation.** A domain is *flagged* when its percentile rank within the reference
   group is at or above ``flag_threshold`` (0.9: the worst decile, as the SVI flags);
   ``flags`` counts them, ``flagged_domains`` names them.
10. **Rank and class**, of scored areas only. ``rank`` 1 = the most vulnerable of the
   areas returned (``within``); ``rank_national``/``percentile_national`` place the area
   among all scored areas of the level, ``rank_gemeente``/``percentile_gemeente`` within
   its gemeente. Classes: see :mod:`~wijkkompas.analysis.classes`; z-based classes (PBL,
   Leefbaarometer, Wijkprofiel) cut the composite after standardising it once more
   against the reference group, because a mean of z-scores has a smaller spread than
   one z-score (as the IMD and SVI rank their combined scores again).

Areas are always scored against the whole level (so that national positions exist);
``within`` only selects the rows returned. ``indicator_years`` lists, per area, the year
of every figure found in its window, also of those the coverage rule leaves out of the
score (``n_indicators`` counts those that count; ``explain`` says of each line whether it
counts, and why not).

**By region** (issue 20: 420,000 grid cells on a cluster). Steps 1-5 read the figures
through :class:`~wijkkompas.analysis.inputs.Sources`: with ``regions=True`` the figures
are split into regions (whole gemeenten with their wijken and buurten, or kilometre
columns of grid cells), each prepared and read on a worker (text columns, copies left
out, the split by indicator, each figure from its window of years, upward aggregation,
population and denominators: area by area), and what needs the whole level is reduced
here: the copies (found before the split), the figure counts that choose the period and
vintage, the derived rates on the gathered numerators and denominators (global
shrinkage), reliability and the coverage rule; without, one region here. Steps 6-9 run
in two passes, in this process too: **pass one**
fits, per reference group, what each transform needs of the group's reference areas
(:func:`~wijkkompas.analysis.standardise.fit`: mean and sd, median and spread, or the
sorted reference values themselves for normal scores, percentiles, the IMD transform,
flags and deciles; population weights where the method weights); **pass two** applies it
to every area (:func:`~wijkkompas.analysis.standardise.apply`, element by element) per
region: standardised indicators, domain scores, the yardstick's last check
(:func:`~wijkkompas.analysis.yardstick.narrowed`), composite, flags and class. A step
whose reference is the output of an earlier step of pass two (domain scores ranked or
transformed again, the composite ranked again, flags, deciles and z-classes of the
composite) has those values gathered back (8 bytes per area and score), fitted here, and
applied by the regions from the state they keep. With ``regions=True`` the regions are
blocks of areas in code order on a ``dask.distributed`` cluster
(:class:`~wijkkompas.cluster.RegionRun`), else one block of all areas here; the ranks
over the level (step 10), the table and the details are made here after the regions'
arrays are put together. Every number of an area is computed by the same operations on
the same reference arrays however the areas are split, so the result is the same to the
bit (``tests/test_scores_regions.py``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..catalog import Catalog
from ..cluster import RegionRun, executing, regions_of, worker_count
from ..errors import WijkkompasError
from ..schemes import SCORE_DOMAINS, IndicatorSpec, Scheme, SchemeError
from . import classes as cls
from . import yardstick
from .inputs import (
    SCORABLE_LEVELS,
    Inputs,
    Sources,
    default_periods,
    derive,
    load_inputs,
    select_period_vintage,
)
from .reliability import below_minimum
from .standardise import METHODS, apply, fit, orient, percentile_rank

COLUMNS = ["code", "name", "level", "period", "vulnerability", "rank", "class", "flags",
           "flagged_domains", "n_indicators"] + [f"domain_{d}" for d in SCORE_DOMAINS]
EXTRA_COLUMNS = ["vintage", "n_domains", "population", "rank_national",
                 "percentile_national", "rank_gemeente", "percentile_gemeente", "wijk_code",
                 "gemeente_code", "n_unreliable", "n_suppressed", "n_estimated",
                 "composite_status", "missing_domains", "indicator_years"]
COVERAGE_COLUMNS = ["indicator", "group", "areas", "covered", "share", "entered"]
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
        Plain-language remarks: domains without indicators, base periods, fallbacks,
        indicators left out, areas without a composite; the first is ``statement`` when
        there is one.
    year
        The peiljaar: no figure used is of a later year.
    measure
        The yardstick as scored (:attr:`~wijkkompas.analysis.yardstick.Yardstick.measure`):
        trends and transitions compare two periods only when their measures are equal.
    statement
        Why no area has a composite, in words (None when some have).
    coverage
        Per indicator and reference group the coverage rule's count
        (:data:`COVERAGE_COLUMNS`).
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
    year: int = 0
    measure: tuple = ()
    statement: str | None = None
    coverage: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=COVERAGE_COLUMNS))
    # the details are built on first use: scoring many levels and periods need not pay
    _make_details: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)
    _details: pd.DataFrame | None = field(default=None, repr=False)
    # positions by code, of this instance's own table: never copied by replace()
    _row_of_code: dict | None = field(default=None, init=False, repr=False, compare=False)
    # what other modules derive from the whole result once, by name (explain's details
    # of every area with their references: :func:`wijkkompas.analysis.explain.explain_result`)
    derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def details(self) -> pd.DataFrame:
        if self._details is None:
            self._details = (self._make_details() if self._make_details is not None
                             else pd.DataFrame(columns=DETAIL_COLUMNS))
        return self._details

    def entered(self, row: pd.Series | None = None) -> set[str]:
        """The indicators the coverage rule let into the score: of the area of ``row`` (a
        row of :attr:`table`), those entered in its reference group; without, those
        entered in any (empty where the result has no coverage counts)."""
        cov = self.coverage
        if not len(cov):
            return set()
        keep = cov["entered"].astype(bool)
        if row is not None:
            keep &= cov["group"] == reference_group(self.scheme, row.get("gemeente_code"))
        return set(cov.loc[keep, "indicator"])

    def row_of(self, code: str) -> pd.Series | None:
        """The area's row of :attr:`table` (None when it is not scored), found by
        position: a page asks for one row of up to 14,000 (420,000 grid cells)."""
        if self._row_of_code is None:
            self._row_of_code = dict(zip(self.table["code"], range(len(self.table)),
                                         strict=True))
        position = self._row_of_code.get(code)
        return None if position is None else self.table.iloc[position]

    def __repr__(self) -> str:
        return (f"ScoreResult({len(self.table)} {self.level} areas, period {self.period}, "
                f"vintage {self.vintage}, method {self.method}, reference {self.reference}, "
                f"domains {', '.join(self.domains) or '-'})")



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


def reference_group(scheme: Scheme, gemeente_code) -> str:
    """An area's reference-group label (``group`` of the details and the coverage rows),
    as :func:`_reference_groups` gives it."""
    if scheme.reference == "country":
        return "all"
    if scheme.reference == "gemeente":
        return "?" if gemeente_code is None or pd.isna(gemeente_code) else str(gemeente_code)
    return "chosen"


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


def _fit_by_group(groups: _Groups, mask: np.ndarray, transform: str, values: np.ndarray,
                  weights: np.ndarray | None = None) -> dict:
    """Pass one: per reference group, what ``transform`` needs of the group's reference
    areas (``mask``), :func:`~wijkkompas.analysis.standardise.fit` on their values (and
    weights) in the areas' order."""
    refs = {}
    for label, positions in groups.indices.items():
        ref = mask[positions]
        refs[label] = fit(transform, values[positions][ref],
                          weights=None if weights is None else weights[positions][ref])
    return refs


def _apply_by_group(refs: dict, groups: _Groups, values: np.ndarray) -> np.ndarray:
    """Pass two: each area's value standardised against its own group's reference
    (:func:`~wijkkompas.analysis.standardise.apply`; NaN in a group without one)."""
    out = np.full(len(values), np.nan)
    for label, positions in groups.indices.items():
        if label in refs:
            out[positions] = apply(refs[label], values[positions])
    return out


def _rank_desc(values: pd.Series, groups: pd.Series | None = None) -> pd.Series:
    """Rank 1 = the highest value (most vulnerable); ties share the best rank."""
    if groups is None:
        ranked = values.rank(ascending=False, method="min")
    else:
        ranked = values.groupby(groups).rank(ascending=False, method="min")
    return ranked.astype("Int64")


# -- scoring ---------------------------------------------------------------------------
def score_frame(observations: pd.DataFrame, areas: pd.DataFrame | None, catalog: Catalog,
                scheme: Scheme, *, level: str = "buurt", period=None, within: str | None = None,
                method: str | None = None, vintage: int | None = None, regions: bool = False,
                executor="process", workers: int | None = None) -> ScoreResult:
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
    regions, executor, workers
        See :func:`score`.
    """
    if level not in SCORABLE_LEVELS:
        raise WijkkompasError(f"level must be one of {', '.join(SCORABLE_LEVELS)}, not {level!r}")
    if regions and executor == "process":
        # one cluster for the whole call: without a period several peiljaren may be scored
        with executing("process", workers) as client:
            return score_frame(observations, areas, catalog, scheme, level=level,
                               period=period, within=within, method=method,
                               vintage=vintage, regions=True, executor=client)
    scheme = scheme.with_method(method)
    with executing(executor if regions else "serial", workers) as client:
        sources = _sources(observations, areas, scheme, regions, client)
        if period is None:
            # the latest peiljaar whose score has composites, else the fallback
            candidates = default_periods(sources, scheme, vintage, level)
            tried: dict[str, ScoreResult] = {}
            for label in candidates[:-1]:
                result = score_frame(sources, None, catalog, scheme, level=level,
                                     period=label, within=within, vintage=vintage,
                                     regions=regions, executor=executor)
                if result.statement is None:
                    return result
                tried[label] = result
            if candidates[-1] in tried:  # the fallback was scored already: not twice
                return tried[candidates[-1]]
            period = candidates[-1]
        period, vintage, year = select_period_vintage(sources, scheme, period, vintage, level)
        notes: list[str] = _copy_notes(sources.copies)
        if sources.sub_annual:
            notes.append(f"figures of months, quarters or rolling years are not scored (a "
                         f"peiljaar needs a whole year's figure; sum or average them to a "
                         f"year first): {sources.sub_annual_periods} periods of "
                         f"{', '.join(sources.sub_annual)}")
        frame, raw, filled = sources.read(scheme, catalog, level, vintage, year)
        values, statuses, used_periods, population, _ = derive(raw, filled, frame, scheme,
                                                               level, notes)
        groups, base_mask, reference_text = _reference_groups(scheme, frame, level)
        weights = population if scheme.weighting == "population" else None

        final_status = _reliable(scheme, values, statuses, population)
        entered, coverage_rows = yardstick.coverage(scheme, values, population,
                                                    groups.indices, base_mask)
        ruler = yardstick.assess(scheme, values, entered, coverage_rows, population)
        ref_mask, reference_text = _scored_reference(groups, base_mask, ruler.scored,
                                                     reference_text, notes)
        stat_rows: list[dict] = []
        oriented = _oriented(scheme, values, entered)
        n = len(frame)
        parts = (regions_of(None, n, 4 * (worker_count(client) if client else 1)) if regions
                 else [np.arange(n)])
        run = RegionRun([_region_state(rows, groups, ruler, oriented) for rows in parts],
                        parts, client)
        got = _pass_two(run, _Level(sources, catalog, vintage, frame, scheme, level, groups,
                                    ref_mask, weights), oriented, stat_rows, notes)
    D = got["D"]
    domain_scores = {d: D[:, j] for j, d in enumerate(SCORE_DOMAINS)}
    present = _present(scheme, domain_scores, period, notes)
    ruler.require(domain_scores)
    notes += ruler.notes(level)
    composite, flagged, domain_weight = got["composite"], got["flagged"], got["domain_weight"]
    standardised = {i: got[("z", i)] for i in scheme.indicators}
    indicator_weight = {i: got[("iw", i)] for i in scheme.indicators if ("iw", i) in got}

    table = frame.copy()
    table["level"] = level
    table["period"] = period
    table["vulnerability"] = composite
    table["class"] = cls.as_series(got["class"], system=scheme.classes)
    table["flags"] = flagged.sum(axis=1)
    names = np.array(SCORE_DOMAINS, dtype=object)
    table["flagged_domains"] = [",".join(names[row]) for row in flagged]
    table["n_indicators"] = got["n_indicators"]
    for j, domain in enumerate(SCORE_DOMAINS):
        table[f"domain_{domain}"] = D[:, j]
    table["vintage"] = vintage
    table["n_domains"] = got["n_domains"]
    table["population"] = population
    _add_ranks(table, level)
    _add_status_counts(table, scheme, final_status)
    table["composite_status"] = ruler.status
    table["missing_domains"] = ruler.missing
    table["indicator_years"] = _indicator_years(scheme, values, used_periods, len(frame))

    def make_details():
        return _details(frame, scheme, values, final_status, used_periods, population,
                        standardised, indicator_weight, domain_weight, groups)
    table = _returned(table, within, level, vintage)
    statistics = pd.DataFrame(stat_rows)
    statement = ruler.statement(level, period)
    if statement:
        notes.insert(0, statement)
    return ScoreResult(table=table, scheme=scheme, level=level, period=period, vintage=vintage,
                       method=scheme.method, reference=reference_text, _make_details=make_details,
                       statistics=statistics, domains=present, notes=notes,
                       year=year, measure=ruler.measure, statement=statement,
                       coverage=pd.DataFrame(coverage_rows, columns=COVERAGE_COLUMNS))


def _sources(observations, areas: pd.DataFrame | None, scheme: Scheme, regions: bool,
             client) -> Sources:
    """The figures to score: as given (a period tried before), all in one region here, or
    split into regions (four per worker) prepared on ``client``'s workers (or here)."""
    if isinstance(observations, Sources):
        return observations
    if regions:
        return Sources.split(observations, areas, scheme.population,
                             4 * (worker_count(client) if client else 1), client)
    return Sources.of(observations if isinstance(observations, Inputs)
                      else Inputs(observations, areas, population=scheme.population))


def _reliable(scheme: Scheme, values: dict[str, np.ndarray], statuses: dict[str, np.ndarray],
              population: np.ndarray) -> dict[str, np.ndarray]:
    """Final statuses per indicator; a value of an area below the indicator's minimum
    population becomes NaN with status ``unreliable`` (``values`` updated in place, so
    the details show what was used)."""
    final_status: dict[str, np.ndarray] = {}
    for spec in scheme.indicators.values():
        v = values[spec.id].astype("float64")
        st = np.where(pd.isna(statuses[spec.id]), "missing", statuses[spec.id]).astype(object)
        st[(st == "observed") & np.isnan(v)] = "missing"
        unreliable = below_minimum(population, spec.min_population) & ~np.isnan(v)
        v[unreliable] = np.nan
        st[unreliable] = "unreliable"
        values[spec.id] = v
        final_status[spec.id] = st
    return final_status


def _scored_reference(groups: _Groups, base_mask: np.ndarray, scored: np.ndarray,
                      reference_text: str, notes: list[str]) -> tuple[np.ndarray, str]:
    """The reference group narrowed to the areas scored on the full yardstick; a group
    without any keeps all its areas (domain scores only) and a note says so."""
    ref = base_mask.copy()
    bare = []
    for label, positions in groups.indices.items():
        mine = base_mask[positions] & scored[positions]
        if mine.any():
            ref[positions] = mine
        else:
            bare.append(str(label))
    if len(bare) == len(groups.indices):
        notes.append(f"domain scores against {reference_text} with a figure (no area has the "
                     "full yardstick)")
        return ref, reference_text
    if bare:
        notes.append(f"{len(bare)} reference group(s) without an area on the full yardstick: "
                     "domain scores there are against all their areas with a figure")
    return ref, reference_text + " scored on the full yardstick"


def parse_indicator_years(text) -> dict[str, str]:
    """``indicator period; ...`` (the table's ``indicator_years``) as {indicator: period},
    in its order; empty for a missing value."""
    pairs = (part.strip().rsplit(" ", 1) for part in str(text or "").split(";")
             if " " in part.strip())
    return dict(pairs)


def _indicator_years(scheme: Scheme, values: dict[str, np.ndarray],
                     used: dict[str, np.ndarray], n: int) -> list[str]:
    """Per area, ``indicator year; ...`` for every figure found in its window (its own
    period; also where the coverage rule leaves the indicator out). Areas share few
    patterns of periods: each distinct pattern is written once."""
    ids = list(scheme.indicators)
    if not ids or n == 0:
        return [""] * n
    labels = []
    for ident in ids:
        column = np.where(np.isnan(values[ident]), "", used[ident]).astype(object)
        uniques, codes = np.unique(column.astype(str), return_inverse=True)
        labels.append((ident, uniques, codes))
    matrix = np.column_stack([codes for _, _, codes in labels])
    _, first, inverse = np.unique(matrix, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    texts = np.array(["; ".join(f"{ident} {uniques[codes[row]]}"
                                for ident, uniques, codes in labels if uniques[codes[row]])
                      for row in first], dtype=object)
    return list(texts[inverse])


# -- steps 6-9 in two passes (module docstring: "By region") ---------------------------

@dataclass
class _Level:
    """What pass one fits on: the level's areas here, its figures by region."""

    sources: Sources
    catalog: Catalog
    vintage: int
    frame: pd.DataFrame
    scheme: Scheme
    level: str
    groups: _Groups
    ref_mask: np.ndarray
    weights: np.ndarray | None


def _oriented(scheme: Scheme, values: dict[str, np.ndarray],
              entered: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per indicator the oriented values (higher = more vulnerable), NaN where the
    indicator did not enter (coverage)."""
    return {spec.id: orient(np.where(entered[spec.id], values[spec.id], np.nan),
                            spec.direction)
            for spec in scheme.indicators.values()}


def _region_state(rows: np.ndarray, groups: _Groups, ruler: yardstick.Yardstick,
                  oriented: dict[str, np.ndarray]) -> dict:
    """A region's first state: its areas' reference groups, yardstick and oriented values."""
    return {"groups": _Groups(groups.labels[rows]), "scored": ruler.scored[rows],
            "status": ruler.status[rows], "missing": ruler.missing[rows],
            **{("x", ident): x[rows] for ident, x in oriented.items()}}


def _pass_two(run: RegionRun, at: _Level, oriented: dict[str, np.ndarray],
              stat_rows: list[dict], notes: list[str]) -> dict:
    """Steps 6-9 (module docstring) for every area: the references fitted here, the
    arithmetic per region; returns the arrays the table and details are made of."""
    scheme = at.scheme
    spec_method = METHODS[scheme.method]
    x = dict(oriented)
    # normal scores: not for the percentile method, which ranks anyway, nor for index,
    # which keeps the base period's units
    scaled = [s.id for s in scheme.indicators.values()
              if s.scaling == "normal_scores" and scheme.method not in ("percentile", "index")]
    if scaled:
        run.step(_apply_step, {("x", i): (("x", i), _fit_by_group(
            at.groups, at.ref_mask, "normal_scores", x[i])) for i in scaled})
        x.update({key[1]: v for key, v in run.gather([("x", i) for i in scaled]).items()})
    plan, base_periods = {}, {}
    for spec in scheme.indicators.values():
        if scheme.method == "index":
            refs, stats, base_period = _index_references(at, spec)
            base_periods[spec.id] = base_period
        else:
            refs = _fit_by_group(at.groups, at.ref_mask, spec_method.transform, x[spec.id],
                                 at.weights if spec_method.weighted else None)
            stats, base_period = {label: r.statistics for label, r in refs.items()}, None
        plan[("z", spec.id)] = (("x", spec.id), refs)
        for label, stat in stats.items():
            stat_rows.append({"indicator": spec.id, "group": label, "stage": "indicator",
                              "method": scheme.method, "base_period": base_period, **stat,
                              "scaling": spec.scaling})
    if base_periods:
        notes.append("index base periods: " + (", ".join(
            f"{k} {v}" for k, v in base_periods.items() if v is not None) or "none"))
    run.step(_apply_step, plan)
    run.step(_domain_step, scheme)
    transform = {"percentile": "percentile", "imd": "imd_exponential"}.get(
        spec_method.domain_transform)
    if transform:
        domains = [d for d in SCORE_DOMAINS if d in scheme.domains]
        raw = run.gather([("raw", d) for d in domains])
        plan = {}
        for domain in domains:
            refs = _fit_by_group(at.groups, at.ref_mask, transform, raw[("raw", domain)])
            plan[("D", domain)] = (("raw", domain), refs)
            if transform == "imd_exponential":
                stat_rows.extend({"indicator": f"domain_{domain}", "group": label,
                                  "stage": "domain", "method": "imd", **r.statistics}
                                 for label, r in refs.items())
        run.step(_apply_step, plan)
    run.step(_composite_step, scheme)
    if spec_method.domain_transform == "percentile":  # the SVI ranks the sum again
        composite = run.gather(["composite"])["composite"]
        run.step(_apply_step, {"composite": ("composite", _fit_by_group(
            at.groups, at.ref_mask, "percentile", composite))})
    scores = run.gather(["D", "composite"])
    flag_refs = [_fit_by_group(at.groups, at.ref_mask, "percentile", scores["D"][:, j])
                 for j in range(len(SCORE_DOMAINS))]
    run.step(_class_step, scheme, flag_refs, _class_references(
        scheme, scores["composite"], at.groups, at.ref_mask, at.weights))
    weighted = [i for d in scheme.domains.values() for i in d.indicators]
    return {**scores, **run.gather(["n_indicators", "domain_weight", "n_domains", "flagged",
                                    "class", *[("z", i) for i in scheme.indicators],
                                    *[("iw", i) for i in weighted]])}


def _apply_step(state: dict, plan: dict) -> dict:
    """Pass two, one region: for each ``target: (source, references)`` of ``plan``, the
    region's ``source`` values standardised against their group's reference."""
    out = dict(state)
    for target, (source, refs) in plan.items():
        out[target] = _apply_by_group(refs, state["groups"], state[source])
    return out


def _domain_step(state: dict, scheme: Scheme) -> dict:
    """Pass two, one region (step 7): per domain the weighted sum of its standardised
    indicators where an area has at least the domain's minimum number of them
    (``raw``; kept as the domain score ``D`` unless the method transforms it), each
    indicator's weight in its domain, and the number of indicators per area."""
    out = dict(state)
    n = len(state["groups"])
    out["n_indicators"] = np.zeros(n, dtype=int)
    kept = METHODS[scheme.method].domain_transform == "mean"
    for domain in SCORE_DOMAINS:
        spec_d = scheme.domains.get(domain)
        if spec_d is None:
            out[("raw", domain)] = out[("D", domain)] = np.full(n, np.nan)
            continue
        ids = list(spec_d.indicators)
        S = np.column_stack([state[("z", i)] for i in ids])
        W = np.array([spec_d.indicators[i] for i in ids], dtype="float64")
        avail = ~np.isnan(S)
        count = avail.sum(axis=1)
        out["n_indicators"] = out["n_indicators"] + count
        eff = _effective_weights(S, W, avail, [scheme.indicators[i].perspective for i in ids],
                                 scheme.perspective)
        raw = np.where(count >= spec_d.min_indicators, np.nansum(eff * np.nan_to_num(S), axis=1),
                       np.nan)
        out[("raw", domain)] = np.where(eff.sum(axis=1) > 0, raw, np.nan)
        if kept:
            out[("D", domain)] = out[("raw", domain)]
        for j, i in enumerate(ids):
            out[("iw", i)] = np.where(count >= spec_d.min_indicators, eff[:, j], np.nan)
    return out


def _composite_step(state: dict, scheme: Scheme) -> dict:
    """Pass two, one region (step 8): the yardstick narrowed to the areas with a score in
    every yardstick domain (:func:`~wijkkompas.analysis.yardstick.narrowed`), the domain
    scores as columns of SCORE_DOMAINS, each scored area's domain weights (W = weight /
    the sum of the yardstick's weights), its number of scored domains, and the
    composite: sum of D x W for the areas scored on the full yardstick, else NaN."""
    out = dict(state)
    D = np.column_stack([state[("D", d)] for d in SCORE_DOMAINS])
    scored = yardstick.narrowed(scheme.yardstick, state["scored"], state["status"],
                                state["missing"],
                                {d: state[("D", d)] for d in scheme.yardstick})[0]
    DW = np.array([scheme.domains[d].weight if d in scheme.domains else 0.0
                   for d in SCORE_DOMAINS])
    davail = ~np.isnan(D) & (DW > 0)
    total = (davail * DW).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        domain_weight = np.where(davail & scored[:, None], DW / total[:, None], np.nan)
        composite = np.where(scored & (total > 0),
                             np.nansum(np.nan_to_num(D) * np.nan_to_num(domain_weight), axis=1),
                             np.nan)
    out.update(D=D, domain_weight=domain_weight, n_domains=davail.sum(axis=1),
               composite=composite)
    return out


def _class_step(state: dict, scheme: Scheme, flag_refs: list[dict], class_refs: dict) -> dict:
    """Pass two, one region (steps 9-10): cumulation flags (per domain, whether its
    percentile in the reference group reaches the threshold) and the class of the
    composite."""
    out = dict(state)
    D, groups = state["D"], state["groups"]
    flagged = np.zeros(D.shape, dtype=bool)
    for j in range(D.shape[1]):
        flagged[:, j] = _apply_by_group(flag_refs[j], groups, D[:, j]) >= scheme.flag_threshold
    out["flagged"] = flagged
    composite, system = state["composite"], scheme.classes
    if system == "deciles":
        out["class"] = cls.decile_of(_apply_by_group(class_refs, groups, composite))
    elif scheme.method == "index" and system == "wijkprofiel":
        out["class"] = cls.wijkprofiel_band(cls.favourable_index(composite))
    else:
        z = _apply_by_group(class_refs, groups, composite)
        out["class"] = (cls.pbl_class(z) if system == "pbl" else
                        cls.leefbaarometer_class(z) if system == "leefbaarometer" else
                        cls.wijkprofiel_band(100 - 10 * z))
    return out


def _class_references(scheme: Scheme, composite: np.ndarray, groups: _Groups,
                      mask: np.ndarray, weights: np.ndarray | None) -> dict:
    """Pass one of the classes: the composite's percentile (deciles), or its z-score
    against the reference group (z-based classes: a mean of z-scores has a smaller spread
    than one z-score), or nothing (the index's bands cut the index itself)."""
    if scheme.classes == "deciles":
        return _fit_by_group(groups, mask, "percentile", composite)
    if scheme.method == "index" and scheme.classes == "wijkprofiel":
        return {}
    again = METHODS["robust_z" if scheme.method == "robust_z" else "zscore"]
    return _fit_by_group(groups, mask, again.transform, composite,
                         weights if again.weighted else None)


def _present(scheme: Scheme, scores: dict[str, np.ndarray], period: str,
             notes: list[str]) -> list[str]:
    """The domains some area has a score for; a note for each domain without one."""
    present = []
    for domain in SCORE_DOMAINS:
        spec_d = scheme.domains.get(domain)
        if spec_d is None:
            continue
        if np.isfinite(scores[domain]).any():
            present.append(domain)
        else:
            notes.append(f"domain {domain}: no area has {spec_d.min_indicators} or more of its "
                         f"indicators ({', '.join(spec_d.indicators)}) for period {period}")
    for domain in SCORE_DOMAINS:
        if domain not in scheme.domains:
            notes.append(f"domain {domain}: not in the scheme (no indicator for it), so missing")
    return present


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


def _returned(table: pd.DataFrame, within: str | None, level: str,
              vintage: int) -> pd.DataFrame:
    """The rows returned: all, or those of the area ``within`` and of the areas in it;
    ``rank`` among them, sorted by it."""
    if within:
        key = within.strip().upper()
        keep = (table["code"] == key) | (table["wijk_code"] == key) | \
            (table["gemeente_code"] == key)
        if not keep.any():
            raise WijkkompasError(f"no {level} areas within {within} on the {vintage} "
                                  "boundaries")
        table = table[keep.to_numpy()]
    table = table.assign(rank=_rank_desc(table["vulnerability"]))
    table = table.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)
    return table[COLUMNS + EXTRA_COLUMNS]


def within_of(result: ScoreResult, within: str | None) -> ScoreResult:
    """``result`` with only the rows of ``within`` (as :func:`score` with ``within``)."""
    if not within:
        return result
    return replace(result, table=_returned(result.table, within, result.level,
                                           result.vintage))


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


def _index_references(at: _Level, spec: IndicatorSpec) -> tuple[dict, dict, str | None]:
    """Pass one of the reference-year index of one indicator: per group the base period's
    reference areas (their own figures of that period, no tolerance), the statistics
    reported, and the base period (without ``base_period``: the earliest with a figure of
    an area of the level)."""
    scheme = at.scheme
    content = spec.derived.numerator if spec.derived else spec.id
    first = at.sources.first(content, at.vintage, scheme.base_period)
    if first is None:
        return ({}, {"all": {"n": 0}}, scheme.base_period) if scheme.base_period is not None \
            else ({}, {}, None)
    base_year, base_period = first
    # the base period's own figures: no tolerance
    single = _single(scheme, replace(spec, tolerance=0))
    frame, raw, filled = at.sources.read(single, at.catalog, at.level, at.vintage, base_year)
    b_values, _, _, b_pop, _ = derive(raw, filled, frame, single, at.level, [])
    base = b_values[spec.id].astype("float64")
    base = np.where(below_minimum(b_pop, spec.min_population), np.nan, base)
    base = orient(base, spec.direction)
    refs = _fit_by_group(at.groups, at.ref_mask, "index", base,
                         b_pop if scheme.weighting == "population" else None)
    return refs, {label: r.statistics for label, r in refs.items()}, base_period


def _single(scheme: Scheme, spec: IndicatorSpec) -> Scheme:
    """A scheme reduced to one indicator (to read its base period)."""
    return Scheme(**{**scheme.__dict__, "indicators": {spec.id: spec}})


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
          vintage: int | None = None, regions: bool = False, executor="process",
          workers: int | None = None) -> ScoreResult:
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
    regions : bool
        Score by region (four per worker; module docstring, "By region"): every area's
        figures read and aggregated, its standardisation, domain scores, composite,
        flags and classes on the ``executor``, what needs the whole level (period and
        vintage, derived rates, coverage, reference statistics) in this process; the
        same result to the bit as without. Computed, never read
        from the stored results. For grid levels (100,000s of cells).
    executor : {"process", "serial"} or dask.distributed.Client
        With ``regions``: ``"process"`` a cluster of ``workers`` processes
        (:func:`wijkkompas.cluster.connect`: ``WIJKKOMPAS_DASK_SCHEDULER``, else a
        LocalCluster), ``"serial"`` four blocks in this process, or a Client.

    Returns
    -------
    ScoreResult
        See the module docstring: higher vulnerability = more vulnerable, rank 1 = most
        vulnerable. Read from the stored results (:mod:`~wijkkompas.analysis.results`)
        when they are built for the store's current data, this scheme and catalog (the
        scheme's own method, the default vintage): the same result, not computed again.
    """
    if (method is None or method == scheme.method) and vintage is None and not regions:
        from .results import stored  # computed once when the data changed (wijkkompas build)

        found = stored(store, catalog, scheme, level, None if period is None else str(period))
        if found is not None:
            return within_of(found, within)
    obs, areas = load_inputs(store, scheme)
    return score_frame(obs, areas, catalog, scheme, level=level, period=period, within=within,
                       method=method, vintage=vintage, regions=regions, executor=executor,
                       workers=workers)

