"""Boundary harmonisation: bring figures of one boundary vintage onto another.

A :class:`Crosswalk` links areas of a *from* vintage to areas of a *to* vintage with
weights. It comes from a table the user supplies (:func:`crosswalk_from_table`,
:func:`read_crosswalk`: from_code, to_code and a weight by addresses or population, as
municipalities and CBS publish them) or from an area-weighted overlay of two boundary
sets (:func:`crosswalk_from_boundaries`, tobler's area table). :func:`harmonise` then
converts figures; :func:`harmonise_store` reads them from a store and returns a
:class:`~wijkkompas.sources.base.ReadResult` with source id ``harmonised-<from>-<to>``
that :meth:`Store.ingest` writes like any file, so the converted figures land in the
store with their new vintage.

Assumptions
-----------
- ``weight`` w_ij is the share of source area i that lies in target area j, measured in
  addresses, residents or land area; per source the weights sum to 1 (they are
  normalised when they do not, and the report says so).
- Counts are spread evenly over what the weight measures (addresses, residents or area).
- A figure converted from several sources, or from part of a source, is an estimate:
  status ``estimated``. A figure carried over one-to-one by a *table* crosswalk (weight
  1, the target receives from that single source) is the same figure under a new code
  and keeps its status; every figure converted by an overlay is ``estimated``.
- **Areas without residents never block a target.** A source is *uninhabited* when its
  population (the ``population`` indicator, same period or nearest) is 0, or when it has
  no population figure and its boundaries carry CBS's water marker: the name
  ``Groot water`` (:data:`WATER_NAMES`; CBS's wijken ``WKxxxx99`` of large inland and
  coastal waters, which the Kerncijfers leave out). An uninhabited source without a
  usable figure (none, or suppressed) contributes nothing: zero to counts of residents,
  households and homes, and zero weight to rates, which are weighed by residents. (Its
  figure, where it has one, is used like any other: registered crime on water is real.)
- A target is computed from its sources with a usable figure. A source that is
  suppressed blocks it: the target is suppressed too (a figure derived from a suppressed
  group is suppressed). A source that simply has no figure is *missing*; the share of
  the target it covers is reported (:attr:`HarmoniseResult.missing`), and the target is
  estimated from the other sources when the missing sources together cover at most
  ``max_missing`` of it (default :data:`MAX_MISSING`, 5 %), else it gets no figure.
  The share is measured in residents (w_ij P_i, when every inhabited source of the
  target has a population), else in area (the piece's size s_ij), else in weight;
  uninhabited pieces are left out of it.
- Why 5 %: for a count estimated from the rest the missing part is left out (like
  ``tobler.area_interpolate``, which counts a missing value as 0, so that totals over
  all targets equal the known sources' total), so the target is low by about the
  missing share m when that part is like the rest; for a share or mean the estimate is
  off by m x (the missing part's value - the rest's), at most 5 points on a percentage
  in the extreme case and far less in practice. Both are of the order of what CBS's
  rounding of small counts to fives and the overlay of generalised borders (slivers up
  to ``min_share``, 1 %, of a source dropped) already allow; beyond it a target would
  mainly reflect the sources that happen to be present.

Notes
-----
With weights w_ij (sum_j w_ij = 1) and size s_ij of the piece i -> j:

- **counts** (``kind: count``): x_j = sum_i w_ij x_i. Totals are conserved: sum_j x_j =
  sum_i x_i over the sources that are fully linked (sum_j w_ij = 1).
- **shares, rates, means and indices**: x_j = sum_i a_ij x_i / sum_i a_ij, the mean of
  the sources weighted by how much of target j each makes up. a_ij = w_ij P_i with P_i the
  source's population (``population`` indicator, same period or nearest) when known,
  else the piece's size s_ij (intersected area for an overlay, or the table's ``size``
  column), else w_ij. Weighting by residents is right for shares of residents; for
  shares of households or homes it is an approximation, like every crosswalk.
- Overlay weights (tobler): s_ij = area(i intersect j), w_ij = s_ij / sum_j s_ij (the
  source's total is allocated to the targets it overlaps, tobler's ``allocate_total``).
  Pieces smaller than ``min_share`` of their source are slivers of generalised borders
  that do not match exactly; they are dropped and the weights renormalised.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..catalog import Catalog
from ..errors import WijkkompasError
from ..sources.base import AREA_COLUMNS, OBS_COLUMNS, ReadResult, SourceInfo
from ._common import USABLE

CROSSWALK_COLUMNS = ["from_code", "to_code", "weight", "size"]
MISSING_COLUMNS = ["indicator", "period", "to_code", "from_code", "share", "target_share",
                   "estimated"]
# CBS's name for the wijken and buurten of large waters (code WKxxxx99): no residents
WATER_NAMES = frozenset({"groot water"})
# the share of a target its sources without a figure may cover (module Assumptions)
MAX_MISSING = 0.05


@dataclass
class Crosswalk:
    """Links between two boundary vintages.

    ``table``: from_code, to_code, weight (share of the source in the target, summing to
    1 per source), size (the piece's absolute size: m2 for overlays, the table's size
    column, or NaN). ``names``: target code -> name when known. ``uninhabited``: source
    codes the boundaries mark as water (:data:`WATER_NAMES`), without residents.
    """

    table: pd.DataFrame
    from_vintage: int
    to_vintage: int
    level: str | None = None
    method: str = "table"
    names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    uninhabited: frozenset[str] = frozenset()

    @property
    def one_to_one(self) -> pd.Series:
        """Per row: the target takes this source whole and nothing else."""
        t = self.table
        sources_per_target = t.groupby("to_code")["from_code"].transform("size")
        return (np.isclose(t["weight"], 1.0)) & (sources_per_target == 1)

    def __repr__(self) -> str:
        t = self.table
        return (f"Crosswalk({self.method}, {self.from_vintage} -> {self.to_vintage}, "
                f"{t['from_code'].nunique()} -> {t['to_code'].nunique()} areas, "
                f"{len(t)} links)")


def _normalise(table: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    table = table.copy()
    table["from_code"] = table["from_code"].astype(str).str.strip().str.upper()
    table["to_code"] = table["to_code"].astype(str).str.strip().str.upper()
    table = table[(table["weight"] > 0) & table["weight"].notna()]
    pieces = table.groupby(["from_code", "to_code"])
    # min_count: a piece without any size stays without one (NaN), never size 0, which
    # would weigh its figures by nothing
    table = pd.DataFrame({"weight": pieces["weight"].sum(),
                          "size": pieces["size"].sum(min_count=1)}).reset_index()
    total = table.groupby("from_code")["weight"].transform("sum")
    off = ~np.isclose(total, 1.0, atol=1e-6)
    if off.any():
        notes.append(f"weights of {table.loc[off, 'from_code'].nunique()} source areas did "
                     "not sum to 1 and were normalised")
    table["weight"] = table["weight"] / total
    return table[CROSSWALK_COLUMNS].reset_index(drop=True)


def crosswalk_from_table(table: pd.DataFrame, *, from_vintage: int, to_vintage: int,
                         from_col: str = "from_code", to_col: str = "to_code",
                         weight_col: str | None = "weight", size_col: str | None = None,
                         level: str | None = None, names_col: str | None = None) -> Crosswalk:
    """A crosswalk from a table of links (one row per source-target piece).

    Without a weight column every source is split evenly over its targets (a note says
    so); a one-to-one recode table (the Amsterdam 2015 -> 2022 buurt table) needs none.
    ``size_col`` gives the piece's absolute size (addresses, residents) for averaging.
    """
    notes: list[str] = []
    missing = [c for c in (from_col, to_col) if c not in table]
    if missing:
        raise WijkkompasError(f"crosswalk table lacks column(s) {', '.join(missing)}; it has "
                              f"{', '.join(map(str, table.columns))}")
    frame = pd.DataFrame({"from_code": table[from_col], "to_code": table[to_col]})
    frame = frame.assign(_row=range(len(frame)))
    if weight_col and weight_col in table:
        frame["weight"] = pd.to_numeric(table[weight_col], errors="coerce").to_numpy()
    else:
        frame["weight"] = 1.0 / frame.groupby("from_code")["to_code"].transform("size")
        if (frame["weight"] < 1).any():
            notes.append("no weights given: sources split evenly over their targets")
    frame["size"] = (pd.to_numeric(table[size_col], errors="coerce").to_numpy()
                     if size_col and size_col in table else np.nan)
    frame = frame.dropna(subset=["from_code", "to_code"])
    names = {}
    if names_col and names_col in table:
        names = dict(zip(table[to_col].astype(str).str.upper(), table[names_col].astype(str), strict=True))
    return Crosswalk(_normalise(frame, notes), int(from_vintage), int(to_vintage), level,
                     "table", names, notes)


def read_crosswalk(path: Path | str, *, from_vintage: int, to_vintage: int, **columns
                   ) -> Crosswalk:
    """Read a crosswalk CSV (any delimiter) and pass it to :func:`crosswalk_from_table`."""
    table = pd.read_csv(path, sep=None, engine="python", dtype=str)
    for column in (columns.get("weight_col", "weight"), columns.get("size_col")):
        if column and column in table:
            table[column] = pd.to_numeric(table[column].str.replace(",", "."), errors="coerce")
    return crosswalk_from_table(table, from_vintage=from_vintage, to_vintage=to_vintage,
                                **columns)


def crosswalk_from_boundaries(source, target, *, from_vintage: int | None = None,
                              to_vintage: int | None = None, min_share: float = 0.01,
                              level: str | None = None) -> Crosswalk:
    """Area-weighted crosswalk from two boundary sets (GeoDataFrames with ``code``).

    The pieces are the intersected areas a_ij of every source i with every target j whose
    shapes meet (candidates from the spatial index, ``GeoDataFrame.sindex.query`` with
    ``intersects``; areas in float64 by ``shapely.intersection``): the area table that
    ``tobler.area_weighted.area_interpolate`` builds, computed with the public APIs of
    geopandas and shapely (``tests/test_against_tobler.py`` compares the results with
    tobler's own); see the module Notes.
    """
    import shapely

    notes: list[str] = []

    def shaped(frame):
        geoms = frame.geometry.to_numpy()
        return frame[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)].copy()

    src, tgt = shaped(source), shaped(target)
    if src.crs != tgt.crs:
        tgt = tgt.to_crs(src.crs)
    if src.crs is not None and src.crs.is_geographic:
        src, tgt = src.to_crs(28992), tgt.to_crs(28992)
    dropped = len(source) - len(src), len(target) - len(tgt)
    if any(dropped):
        notes.append(f"areas without a shape left out: {dropped[0]} source, {dropped[1]} target")
    src = src.reset_index(drop=True)
    tgt = tgt.reset_index(drop=True)
    # repair what generalisation broke, or the overlay raises on invalid rings
    src["geometry"] = src.geometry.make_valid()
    tgt["geometry"] = tgt.geometry.make_valid()
    rows, cols = tgt.sindex.query(src.geometry, predicate="intersects")
    pieces = shapely.intersection(src.geometry.to_numpy()[rows], tgt.geometry.to_numpy()[cols])
    table = pd.DataFrame({"from_code": src["code"].to_numpy()[rows],
                          "to_code": tgt["code"].to_numpy()[cols],
                          "size": shapely.area(pieces).astype("float64")})
    table = table[table["size"] > 0]
    share = table["size"] / table.groupby("from_code")["size"].transform("sum")
    slivers = share < min_share
    if slivers.any():
        notes.append(f"{int(slivers.sum())} slivers under {min_share:.0%} of their source "
                     "dropped (borders generalised differently)")
    table = table[~slivers].assign(weight=1.0)
    table["weight"] = table["size"] / table.groupby("from_code")["size"].transform("sum")
    covered = table.groupby("from_code")["size"].sum()
    src_area = pd.Series(src.geometry.area.to_numpy(), index=src["code"])
    coverage = covered / src_area.reindex(covered.index)
    low = coverage[coverage < 0.9]
    if len(low):
        notes.append(f"{len(low)} source areas lie less than 90% within the target areas "
                     f"(for example {', '.join(low.index[:5])}); their totals are allocated "
                     "to the part that overlaps")
    unmatched = set(src["code"]) - set(table["from_code"])
    if unmatched:
        notes.append(f"{len(unmatched)} source areas overlap no target area")
    names = dict(zip(tgt["code"], tgt["name"], strict=True)) if "name" in tgt else {}
    water: frozenset[str] = frozenset()
    if "name" in src:
        is_water = src["name"].fillna("").astype(str).str.strip().str.lower().isin(WATER_NAMES)
        water = frozenset(src.loc[is_water.to_numpy(), "code"].astype(str))
    from_vintage = from_vintage if from_vintage is not None else int(src["vintage"].iloc[0])
    to_vintage = to_vintage if to_vintage is not None else int(tgt["vintage"].iloc[0])
    table["weight"] = table["weight"].astype(float)
    return Crosswalk(table[CROSSWALK_COLUMNS].reset_index(drop=True), int(from_vintage),
                     int(to_vintage), level, "area", names, notes, water)


@dataclass
class HarmoniseResult:
    """The converted figures (``result``, ready for :meth:`Store.ingest`) and a report.

    ``report``: per indicator x period the sources, targets computed, estimated,
    suppressed, ``incomplete`` (targets left without a figure because sources covering
    more than ``max_missing`` of them have none), ``partial`` (targets estimated from
    the rest), ``uninhabited`` (sources without residents and without a figure, left
    out), and for counts ``total_from``/``total_to``. ``missing``: one row per target
    and source without a figure (:data:`MISSING_COLUMNS`): the share of the target that
    source covers, the share all its missing sources cover, and whether the target was
    estimated from the rest.
    """

    result: ReadResult
    crosswalk: Crosswalk
    report: pd.DataFrame          # per indicator x period: targets computed, estimated, ...
    notes: list[str] = field(default_factory=list)
    missing: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MISSING_COLUMNS))

    @property
    def observations(self) -> pd.DataFrame:
        return self.result.observations


def _uninhabited(water: frozenset[str], P: pd.Series | None) -> set[str]:
    """Sources without residents: population 0, or water by their boundaries and no
    population figure (module Assumptions)."""
    if P is None:
        return set(water)
    return set(P.index[P.to_numpy() == 0]) | (set(water) - set(P.index))


def _populations(pop: pd.DataFrame | None, year: int) -> pd.Series | None:
    """Each source's population in ``year``, else in the nearest period."""
    if pop is None or pop.empty:
        return None
    pp = pop.assign(gap=(pop["year"] - year).abs()).sort_values("gap")
    return pp.drop_duplicates("area_code").set_index("area_code")["value"]


def _cover(links: pd.DataFrame) -> np.ndarray:
    """The share of its target each link covers, in residents, else area, else weight
    (module Assumptions); uninhabited links cover nothing."""
    inhabited = ~links["empty"]
    residents = (links["weight"] * links["P"]).where(inhabited)
    size = links["size"].where(inhabited)
    by = links["to_code"]
    all_residents = (residents.notna() | ~inhabited).groupby(by).transform("all")
    all_size = (size.notna() | ~inhabited).groupby(by).transform("all")
    measure = pd.Series(np.where(all_residents, residents,
                                 np.where(all_size, size, links["weight"])), index=links.index)
    measure = measure.where(inhabited, 0.0).fillna(0.0)
    total = measure.groupby(by).transform("sum")
    return (measure / total.where(total > 0)).fillna(0.0).to_numpy()


def _weights(links: pd.DataFrame, kind: str, population_known: bool) -> pd.Series:
    """a_ij of the module Notes: weights of the sources of one target."""
    if kind == "count":
        return links["weight"] * 1.0
    if population_known:
        a = links["weight"] * links["P"]
        return a.fillna(links["size"].fillna(links["weight"]))
    if links["size"].notna().all():
        return links["size"] * 1.0
    return links["weight"] * 1.0


def _convert(group: pd.DataFrame, cw: pd.DataFrame, kind: str, P: pd.Series | None,
             water: frozenset[str], max_missing: float):
    """One indicator and period: the targets' values and statuses, and the per-target
    figures the report needs."""
    g = group.drop_duplicates("area_code").set_index("area_code")
    links = cw.merge(g[["value", "status"]], left_on="from_code", right_index=True,
                     how="left")
    links["P"] = links["from_code"].map(P) if P is not None else np.nan
    links["usable"] = links["status"].isin(USABLE) & links["value"].notna()
    # a source without residents and without a usable figure contributes nothing
    links["empty"] = links["from_code"].isin(_uninhabited(water, P)) & ~links["usable"]
    links.loc[links["empty"], "P"] = 0.0
    links["suppressed"] = (links["status"] == "suppressed") & ~links["empty"]
    links["missing"] = ~links["usable"] & ~links["suppressed"] & ~links["empty"]
    links["a"] = np.where(links["usable"], _weights(links, kind, P is not None), 0.0)
    links["piece"] = np.where(links["usable"], links["a"] * links["value"], 0.0)
    links["observed"] = links["status"] == "observed"
    per = links.groupby("to_code").agg(
        n_usable=("usable", "sum"), n_suppressed=("suppressed", "sum"),
        n_missing=("missing", "sum"), piece=("piece", "sum"), a=("a", "sum"),
        observed=("observed", "all"))
    per["status"] = np.where(per["observed"], "observed", "estimated")
    links["cover"] = _cover(links)
    per["missing_share"] = links["cover"].where(links["missing"], 0.0).groupby(
        links["to_code"]).sum().reindex(per.index)
    suppressed = per["n_suppressed"] > 0
    partial = ~suppressed & (per["n_missing"] > 0) & (per["n_usable"] > 0) & (
        per["missing_share"] <= max_missing)
    complete = ~suppressed & (per["n_missing"] == 0) & (per["n_usable"] > 0)
    value = per["piece"] if kind == "count" else per["piece"] / per["a"].where(per["a"] > 0)
    per["value"] = np.where(suppressed, np.nan, value)
    per["out_status"] = np.where(suppressed, "suppressed", "estimated")
    per["complete"], per["partial"] = complete, partial
    kept = per[complete | partial | suppressed]
    return links, per, kept


def harmonise(observations: pd.DataFrame, crosswalk: Crosswalk, catalog: Catalog, *,
              population: str | None = "inwoners", keep_exact: bool = True,
              kinds: dict[str, str] | None = None,
              max_missing: float = MAX_MISSING) -> HarmoniseResult:
    """Convert figures of ``crosswalk.from_vintage`` to ``crosswalk.to_vintage``.

    Parameters
    ----------
    observations
        Long figures (the store's layout) of the from vintage; other vintages are ignored.
    population
        The indicator whose figures weigh sources when averaging rates (module Notes)
        and tell which sources have no residents; None to weigh by the crosswalk's sizes
        or weights only.
    keep_exact
        Keep the status of figures carried over one-to-one (default); False marks every
        converted figure ``estimated``.
    kinds
        ``kind`` for indicator ids outside the catalog (default for those: ``mean``).
    max_missing
        The share of a target that sources without a figure may cover for the target to
        be estimated from the rest (module Assumptions; 0 = every source must have one).
    """
    if not 0 <= max_missing < 1:
        raise WijkkompasError(f"max_missing is a share from 0 up to 1, not {max_missing}")
    cw = crosswalk.table
    obs = observations[observations["vintage"].astype(int) == crosswalk.from_vintage].copy()
    obs["area_code"] = obs["area_code"].astype(str)
    notes = list(crosswalk.notes)
    sources = set(cw["from_code"])
    outside = sorted(set(obs["area_code"]) - sources)
    if outside:
        notes.append(f"{len(outside)} areas with figures are not in the crosswalk and are not "
                     f"converted (for example {', '.join(outside[:5])})")
    obs = obs[obs["area_code"].isin(sources)]
    # an overlay is never exact (generalised borders); a table's one-to-one row is a recode
    exact = cw[crosswalk.one_to_one.to_numpy()] if crosswalk.method == "table" else cw.iloc[0:0]
    exact_pairs = set(zip(exact["from_code"], exact["to_code"], strict=True))
    pop = None
    if population:
        p = obs[(obs["indicator"] == population) & obs["status"].isin(USABLE)]
        pop = p[["area_code", "period", "year", "value"]]
    frames, report, missing = [], [], []
    for (indicator, period), group in obs.groupby(["indicator", "period"], sort=True):
        kind = (catalog[indicator].kind if indicator in catalog
                else (kinds or {}).get(indicator, "mean"))
        year = int(group["year"].iloc[0])
        P = _populations(pop, year)
        links, per, kept = _convert(group, cw, kind, P, crosswalk.uninhabited, max_missing)
        if kind != "count" and P is not None and indicator != population and (
                links["usable"] & links["P"].isna()).any():
            notes.append(f"{indicator} {period}: some sources without {population}; "
                         "weighed by the piece's size")
        out = pd.DataFrame({"area_code": kept.index, "value": kept["value"].to_numpy(),
                            "status": kept["out_status"].to_numpy()})
        if keep_exact:
            single = links[links["usable"]].groupby("to_code")["from_code"].first()
            is_exact = np.asarray([(single.get(c), c) in exact_pairs for c in out["area_code"]],
                                  dtype=bool) & kept["complete"].to_numpy()
            keep = is_exact & (out["status"] != "suppressed").to_numpy()
            out.loc[keep, "status"] = kept["status"].to_numpy()[keep]
        frames.append(out.assign(vintage=crosswalk.to_vintage, period=period, year=year,
                                 indicator=indicator))
        gone = links[links["missing"]]
        if len(gone):
            missing.append(pd.DataFrame({
                "indicator": indicator, "period": period, "to_code": gone["to_code"],
                "from_code": gone["from_code"],
                "share": gone["cover"].to_numpy(),
                "target_share": gone["to_code"].map(per["missing_share"]),
                "estimated": gone["to_code"].map(per["partial"]).astype(bool)}))
        report.append(dict(indicator=indicator, period=period, kind=kind,
                           sources=int(group["area_code"].nunique()), targets=len(out),
                           estimated=int((out["status"] == "estimated").sum()),
                           suppressed=int((out["status"] == "suppressed").sum()),
                           incomplete=int(len(per) - len(kept)),
                           partial=int(per["partial"].sum()),
                           uninhabited=int(links.loc[links["empty"], "from_code"].nunique()),
                           total_from=float(group.loc[group["status"].isin(USABLE), "value"]
                                            .sum()) if kind == "count" else np.nan,
                           total_to=float(out["value"].sum()) if kind == "count" else np.nan))
    missing_frame = (pd.concat(missing, ignore_index=True) if missing
                     else pd.DataFrame(columns=MISSING_COLUMNS))
    empty = max((r["uninhabited"] for r in report), default=0)
    if empty:
        notes.append(f"up to {empty} source areas without residents (population 0, or water "
                     "by their boundaries) and without a figure left out: they never block "
                     "a target")
    partial = sum(r["partial"] for r in report)
    if partial:
        notes.append(f"{partial} targets estimated from their other sources: sources without "
                     f"a figure cover at most {max_missing:.0%} of them (see .missing)")
    return HarmoniseResult(_result(frames, crosswalk), crosswalk, pd.DataFrame(report),
                           notes, missing_frame)


def _result(frames: list[pd.DataFrame], crosswalk: Crosswalk) -> ReadResult:
    """The converted figures as a ReadResult with the target areas."""
    source_id = f"harmonised-{crosswalk.from_vintage}-{crosswalk.to_vintage}"
    if frames:
        result_obs = pd.concat(frames, ignore_index=True)
    else:
        result_obs = pd.DataFrame(columns=OBS_COLUMNS)
    result_obs["source"] = source_id
    result_obs = result_obs[OBS_COLUMNS].reset_index(drop=True)
    result_obs["vintage"] = result_obs["vintage"].astype("int16")
    result_obs["year"] = result_obs["year"].astype("int16")
    result_obs["value"] = result_obs["value"].astype("float64")
    from ..geo.codes import gemeente_of, level_of, wijk_of
    codes = sorted(set(result_obs["area_code"]))
    areas = pd.DataFrame({"code": codes, "vintage": np.int16(crosswalk.to_vintage),
                          "name": [crosswalk.names.get(c, "") for c in codes],
                          "level": [level_of(c) or crosswalk.level for c in codes],
                          "wijk_code": [wijk_of(c) for c in codes],
                          "gemeente_code": [gemeente_of(c) for c in codes]})[AREA_COLUMNS]
    info = SourceInfo(id=source_id,
                      title=f"Figures of the {crosswalk.from_vintage} boundaries converted to "
                            f"the {crosswalk.to_vintage} boundaries ({crosswalk.method} "
                            "crosswalk)",
                      publisher="wijkkompas (computed)", file=f"<{source_id}>", format="harmonised")
    return ReadResult(info, result_obs, areas)


def harmonise_store(store, catalog: Catalog, *, level: str, from_vintage: int,
                    to_vintage: int, crosswalk: Crosswalk | None = None,
                    indicators=None, periods=None, min_share: float = 0.01,
                    population: str | None = "inwoners",
                    skip_existing: bool = True,
                    max_missing: float = MAX_MISSING) -> HarmoniseResult:
    """Convert a store's figures of one level from one vintage to another.

    Without ``crosswalk`` the stored boundaries of both vintages are overlaid
    (:func:`crosswalk_from_boundaries`). With ``skip_existing`` figures the store already
    has for the target vintage (same area, period and indicator) are left out: a
    published figure beats an estimate. Ingest the result with
    ``store.ingest([result.result])``.
    """
    if crosswalk is None:
        crosswalk = crosswalk_from_boundaries(
            store.boundaries(level, from_vintage), store.boundaries(level, to_vintage),
            from_vintage=from_vintage, to_vintage=to_vintage, min_share=min_share, level=level)
    obs = store.observations(level=level, vintage=from_vintage, indicators=indicators,
                             periods=[str(p) for p in periods] if periods else None)
    if population and indicators and population not in indicators:
        extra = store.observations(level=level, vintage=from_vintage, indicators=[population])
        obs = pd.concat([obs, extra], ignore_index=True).drop_duplicates(
            ["area_code", "period", "indicator"])
    if obs.empty:
        raise WijkkompasError(f"no {level} figures on the {from_vintage} boundaries")
    result = harmonise(obs, crosswalk, catalog, population=population,
                       max_missing=max_missing)
    if indicators and population and population not in indicators:
        o = result.result.observations
        result.result.observations = o[o["indicator"] != population].reset_index(drop=True)
    if skip_existing and store.exists:
        have = store.observations(vintage=int(to_vintage), with_names=False)[
            ["area_code", "period", "indicator"]]
        o = result.result.observations
        key = pd.MultiIndex.from_frame(o[["area_code", "period", "indicator"]])
        dup = key.isin(pd.MultiIndex.from_frame(have)) if len(have) else np.zeros(len(o), bool)
        if dup.any():
            result.notes.append(f"{int(dup.sum())} figures already published on the "
                                f"{to_vintage} boundaries kept; their estimates left out")
        result.result.observations = o[~dup].reset_index(drop=True)
    return result
