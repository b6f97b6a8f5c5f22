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
- A target is computed only when **every** source contributing to it has a usable
  figure: a sum or average over part of the sources would be biased. When a contributing
  source is suppressed the target is suppressed too (a figure derived from a suppressed
  group is suppressed); when it simply has no figure, the target gets none.

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


@dataclass
class Crosswalk:
    """Links between two boundary vintages.

    ``table``: from_code, to_code, weight (share of the source in the target, summing to
    1 per source), size (the piece's absolute size: m2 for overlays, the table's size
    column, or NaN). ``names``: target code -> name when known.
    """

    table: pd.DataFrame
    from_vintage: int
    to_vintage: int
    level: str | None = None
    method: str = "table"
    names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

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
    table = table.groupby(["from_code", "to_code"], as_index=False).agg(
        weight=("weight", "sum"), size=("size", "sum"))
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

    Uses tobler's area table (the sparse matrix of intersected areas that
    ``tobler.area_weighted.area_interpolate`` builds); see the module Notes.
    """
    from tobler.area_weighted.area_interpolate import _area_tables_binning

    notes: list[str] = []
    import shapely

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
    areas = _area_tables_binning(src, tgt, "auto").tocoo()
    table = pd.DataFrame({"from_code": src["code"].to_numpy()[areas.row],
                          "to_code": tgt["code"].to_numpy()[areas.col],
                          "size": areas.data.astype("float64")})
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
    from_vintage = from_vintage if from_vintage is not None else int(src["vintage"].iloc[0])
    to_vintage = to_vintage if to_vintage is not None else int(tgt["vintage"].iloc[0])
    table["weight"] = table["weight"].astype(float)
    return Crosswalk(table[CROSSWALK_COLUMNS].reset_index(drop=True), int(from_vintage),
                     int(to_vintage), level, "area", names, notes)


@dataclass
class HarmoniseResult:
    """The converted figures (``result``, ready for :meth:`Store.ingest`) and a report."""

    result: ReadResult
    crosswalk: Crosswalk
    report: pd.DataFrame          # per indicator x period: targets computed, estimated, ...
    notes: list[str] = field(default_factory=list)

    @property
    def observations(self) -> pd.DataFrame:
        return self.result.observations


def harmonise(observations: pd.DataFrame, crosswalk: Crosswalk, catalog: Catalog, *,
              population: str | None = "inwoners", keep_exact: bool = True,
              kinds: dict[str, str] | None = None) -> HarmoniseResult:
    """Convert figures of ``crosswalk.from_vintage`` to ``crosswalk.to_vintage``.

    Parameters
    ----------
    observations
        Long figures (the store's layout) of the from vintage; other vintages are ignored.
    population
        The indicator whose figures weigh sources when averaging rates (module Notes);
        None to weigh by the crosswalk's sizes or weights only.
    keep_exact
        Keep the status of figures carried over one-to-one (default); False marks every
        converted figure ``estimated``.
    kinds
        ``kind`` for indicator ids outside the catalog (default for those: ``mean``).
    """
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
    frames, report = [], []
    # every source of a target, for the "all sources present" rule
    n_sources = cw.groupby("to_code")["from_code"].size()
    for (indicator, period), group in obs.groupby(["indicator", "period"], sort=True):
        kind = (catalog[indicator].kind if indicator in catalog
                else (kinds or {}).get(indicator, "mean"))
        year = int(group["year"].iloc[0])
        g = group.drop_duplicates("area_code").set_index("area_code")
        links = cw.merge(g[["value", "status"]], left_on="from_code", right_index=True,
                         how="left")
        links["usable"] = links["status"].isin(USABLE) & links["value"].notna()
        links["suppressed"] = links["status"] == "suppressed"
        if kind == "count":
            links["a"] = links["weight"]
            links["piece"] = links["weight"] * links["value"]
        else:
            a = links["weight"] * 1.0
            if pop is not None and len(pop):
                # the population of the same period, else the nearest period
                pp = pop.assign(gap=(pop["year"] - year).abs()).sort_values("gap")
                pp = pp.drop_duplicates("area_code").set_index("area_code")["value"]
                P = links["from_code"].map(pp)
                a = np.where(P.notna(), links["weight"] * P, np.nan)
                if np.isnan(a).any():
                    a = np.where(np.isnan(a), links["size"].fillna(links["weight"]), a)
                    if indicator != population:
                        notes.append(f"{indicator} {period}: some sources without "
                                     f"{population}; weighed by the piece's size")
            elif links["size"].notna().all():
                a = links["size"]
            links["a"] = a
            links["piece"] = links["a"] * links["value"]
        per = links.groupby("to_code").agg(
            n_usable=("usable", "sum"), n_suppressed=("suppressed", "sum"),
            piece=("piece", "sum"), a=("a", "sum"),
            status=("status", lambda s: "observed" if (s == "observed").all() else
                    ("estimated" if s.isin(USABLE).all() else "x")))
        complete = per["n_usable"] == n_sources.reindex(per.index)
        suppressed = ~complete & (per["n_suppressed"] > 0)
        value = per["piece"] if kind == "count" else per["piece"] / per["a"].where(per["a"] > 0)
        out = pd.DataFrame({"area_code": per.index, "value": value.to_numpy(),
                            "status": "estimated"})
        out.loc[suppressed.to_numpy(), ["value", "status"]] = [np.nan, "suppressed"]
        out = out[(complete | suppressed).to_numpy()]
        if keep_exact:
            single = links[links["usable"]].groupby("to_code")["from_code"].first()
            is_exact = [(single.get(c), c) in exact_pairs for c in out["area_code"]]
            src_status = per["status"].reindex(out["area_code"]).to_numpy()
            keep = np.asarray(is_exact) & (out["status"] != "suppressed").to_numpy()
            out.loc[keep, "status"] = np.where(src_status[keep] == "observed", "observed",
                                               "estimated")
        out = out.assign(vintage=crosswalk.to_vintage, period=period, year=year,
                         indicator=indicator)
        frames.append(out)
        report.append(dict(indicator=indicator, period=period, kind=kind,
                           sources=int(g.index.isin(sources).sum()), targets=len(out),
                           estimated=int((out["status"] == "estimated").sum()),
                           suppressed=int((out["status"] == "suppressed").sum()),
                           incomplete=int((~complete & ~suppressed).sum()),
                           total_from=float(group.loc[group["status"].isin(USABLE), "value"]
                                            .sum()) if kind == "count" else np.nan,
                           total_to=float(out["value"].sum()) if kind == "count" else np.nan))
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
    return HarmoniseResult(ReadResult(info, result_obs, areas), crosswalk,
                           pd.DataFrame(report), notes)


def harmonise_store(store, catalog: Catalog, *, level: str, from_vintage: int,
                    to_vintage: int, crosswalk: Crosswalk | None = None,
                    indicators=None, periods=None, min_share: float = 0.01,
                    population: str | None = "inwoners",
                    skip_existing: bool = True) -> HarmoniseResult:
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
    result = harmonise(obs, crosswalk, catalog, population=population)
    if indicators and population and population not in indicators:
        o = result.result.observations
        result.result.observations = o[o["indicator"] != population].reset_index(drop=True)
    if skip_existing and store.exists:
        have = store.query("SELECT area_code, period, indicator FROM observations "
                           "WHERE vintage = ?", [int(to_vintage)])
        o = result.result.observations
        key = pd.MultiIndex.from_frame(o[["area_code", "period", "indicator"]])
        dup = key.isin(pd.MultiIndex.from_frame(have)) if len(have) else np.zeros(len(o), bool)
        if dup.any():
            result.notes.append(f"{int(dup.sum())} figures already published on the "
                                f"{to_vintage} boundaries kept; their estimates left out")
        result.result.observations = o[~dup].reset_index(drop=True)
    return result
