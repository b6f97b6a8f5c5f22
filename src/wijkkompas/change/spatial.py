"""Spatial structure: contiguity, global Moran's I, local clusters (hot and cold spots) and
the spatial lag ("how are its neighbours doing").

Assumptions
-----------
- Neighbours share a border or a corner (Queen contiguity, libpysal) on the stored
  boundaries of the level. Figures and boundaries are matched **by code**: the bundled
  national buurt boundaries are those of 2014 (coarse) while buurt figures use the 2020
  or 2024 codes, so only buurten whose code did not change are placed; the others are
  reported (``unmatched``), never guessed. Wijk figures of 2024 match the 2024 wijk
  boundaries; gemeente boundaries exist per year.
- Areas without neighbours (islands, or areas whose neighbours have no figure) get no
  local statistic and are reported.
- Weights are row-standardised: the spatial lag is the plain mean of the neighbours.

Notes
-----
Global Moran's I = (n / S0) (z' W z) / (z' z) with z the deviations from the mean
(esda.Moran, 999 permutations). Local Moran (Anselin 1995, esda.Moran_Local):
I_i = (n - 1) z_i sum_j w_ij z_j / sum_k z_k^2 with z standardised; inference by
conditional permutation (the neighbours of i are drawn at random from the other n - 1
areas), pseudo p = (extremes + 1)/(permutations + 1), one-sided in the direction
observed (esda's "directed"). Quadrants: 1 HH (hot spot: high, among high), 2 LH,
3 LL (cold spot), 4 HL; a cluster is reported when p <= ``alpha`` (0.05).

**Region + halo, computed in parallel.** The local statistic of area i needs only z_i,
its neighbours' z (the *halo* across a region's border) and, for the permutations, the
national distribution of z. So the areas are cut into regions (gemeenten); a task gets
one region's areas, their neighbours' values and the national z, and calls esda's own
chunk kernel (:func:`esda.crand.compute_chunk`) with one permutation table drawn once
from the seed. Results equal a single national ``esda.Moran_Local`` run with the same
seed, whatever the number of workers. Tasks run in a ``concurrent.futures`` process
pool by default, serially on request, or on a Dask cluster (``pip install
wijkkompas[dask]``; pass a ``distributed.Client``). esda compiles its kernel with numba
at first use in every process (about 15 s): **compute hot spots in a batch step and
store them** (:func:`hotspots` writes a Parquet file next to the store's DuckDB file),
never per web request.

Storage: ``<store>/change/hotspots-<level>-<vintage>-<period>-<indicator>.parquet``, one
file per run, readable with :func:`read_hotspots` or DuckDB's ``read_parquet``. Parquet,
not a table in ``wijkkompas.duckdb``: the DuckDB file is written only by ingest (one
atomic writer, rebuildable from sources), while spatial results are derived, can be
recomputed at any time and must not hold the store's write lock for a minute.
"""
from __future__ import annotations

import os
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import WijkkompasError

if TYPE_CHECKING:
    from libpysal.weights import W

SEED = 12345
PERMUTATIONS = 999
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
CLUSTER_WORDS = {"HH": ("hot spot", "hot spot"), "LL": ("cold spot", "cold spot"),
                 "HL": ("uitschieter hoog tussen laag", "high outlier among low"),
                 "LH": ("uitschieter laag tussen hoog", "low outlier among high")}


@dataclass
class SpatialWeights:
    """Queen contiguity of the areas that have both a figure and a shape."""

    w: W                           # ids = codes, row-standardised
    codes: list[str]               # in the order of w.id_order
    boundary_vintage: int | None
    unmatched: list[str] = field(default_factory=list)   # figures without a shape
    islands: list[str] = field(default_factory=list)
    geometry: object = None        # GeoDataFrame of the matched areas (code, name, geometry)
    notes: list[str] = field(default_factory=list)


def contiguity(gdf, *, id_column: str = "code") -> W:
    """Queen contiguity weights (libpysal) of a GeoDataFrame, ids from ``id_column``."""
    from libpysal.weights import Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands are reported by the caller
        w = Queen.from_dataframe(gdf, ids=gdf[id_column].tolist(), use_index=False,
                                 silence_warnings=True)
    return w


def weights_for(store, level: str, codes, *, vintage: int | None = None) -> SpatialWeights:
    """Contiguity of ``codes`` on the stored boundaries of ``level``.

    The boundary vintage is ``vintage`` when given, else the stored vintage that places
    the most of the codes (ties: the newest).
    """
    from libpysal.weights import w_subset

    codes = pd.Index(pd.unique(pd.Series(list(codes), dtype=object)))
    stored = store.query("SELECT vintage, list(code) AS codes FROM boundaries WHERE level = ? "
                         "GROUP BY vintage", [level])
    if stored.empty:
        raise WijkkompasError(f"no {level} boundaries in the store")
    if vintage is None:
        hits = {int(r.vintage): len(codes.intersection(pd.Index(list(r.codes))))
                for r in stored.itertuples()}
        vintage = max(hits, key=lambda v: (hits[v], v))
    gdf = store.boundaries(level, vintage)
    geoms = gdf.geometry.to_numpy()
    import shapely
    gdf = gdf[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    gdf = gdf[gdf["code"].isin(codes)].reset_index(drop=True)
    notes = []
    unmatched = sorted(set(codes) - set(gdf["code"]))
    if unmatched:
        notes.append(f"{len(unmatched)} of {len(codes)} areas have no shape on the {vintage} "
                     f"{level} boundaries (codes changed, or no shape in the source) and "
                     "are left out of the spatial statistics")
    if gdf.empty:
        raise WijkkompasError(f"none of the areas has a shape on the {vintage} {level} "
                              "boundaries")
    w = contiguity(gdf)
    islands = list(w.islands)
    if islands:
        keep = [i for i in w.id_order if i not in set(islands)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = w_subset(w, keep, silence_warnings=True)
        notes.append(f"{len(islands)} areas without neighbours among the areas with "
                     "figures are left out")
        gdf = gdf[gdf["code"].isin(keep)].reset_index(drop=True)
    w.transform = "r"
    gdf = gdf.set_index("code").loc[w.id_order].reset_index()
    return SpatialWeights(w=w, codes=list(w.id_order), boundary_vintage=int(vintage),
                          unmatched=unmatched, islands=islands, geometry=gdf, notes=notes)


def spatial_lag(values: pd.Series, w) -> pd.Series:
    """Mean of each area's neighbours (row-standardised lag), indexed like ``w.id_order``."""
    from libpysal.weights import lag_spatial

    y = values.reindex(w.id_order).to_numpy(dtype=float)
    old = w.transform
    w.transform = "r"
    lag = lag_spatial(w, y)
    w.transform = old
    return pd.Series(lag, index=w.id_order)


def global_moran(values: pd.Series, w, *, permutations: int = PERMUTATIONS,
                 seed: int = SEED) -> dict:
    """Global Moran's I (esda) with permutation inference; see the module Notes."""
    from esda.moran import Moran

    y = values.reindex(w.id_order).to_numpy(dtype=float)
    np.random.seed(seed)  # esda.Moran permutes with numpy's global generator
    m = Moran(y, w, transformation="r", permutations=permutations)
    return {"I": float(m.I), "EI": float(m.EI), "z_norm": float(m.z_norm),
            "p_norm": float(m.p_norm), "p_sim": float(m.p_sim), "n": int(m.n),
            "permutations": permutations, "seed": seed}


def _region_task(focal: np.ndarray, z: np.ndarray, cardinalities: np.ndarray,
                 weights: np.ndarray, neighbours: np.ndarray, permuted_ids: np.ndarray,
                 scaling: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local Moran of one region: focal positions, their halo (neighbour positions and
    weights, flattened in focal order) and the national z. Pure: same input, same output.

    Returns (focal, Is, p_sim).
    """
    from esda.crand import compute_chunk
    from esda.moran import _moran_local_crand

    lag = np.zeros(len(focal))
    starts = np.concatenate([[0], np.cumsum(cardinalities)[:-1]])
    np.add.reduceat(weights * z[neighbours], starts, out=lag) if len(weights) else None
    observed = scaling * z[focal] * lag
    p = np.empty(len(focal))
    # compute_chunk walks its chunk in order from chunk_start: run one call per focal area
    # so that the region's areas need not be contiguous in the national order
    offset = 0
    for j, i in enumerate(focal):
        k = int(cardinalities[j])
        sims, _ = compute_chunk(int(i), z[i:i + 1], z, observed[j:j + 1],
                                cardinalities[j:j + 1], np.zeros(1),
                                weights[offset:offset + k], permuted_ids, scaling, False,
                                _moran_local_crand, 0.0, "directed")
        p[j] = sims[0]
        offset += k
    return focal, observed, p


def local_moran(values: pd.Series, w, *, permutations: int = PERMUTATIONS, seed: int = SEED,
                alpha: float = 0.05, regions: pd.Series | None = None,
                executor: str | object = "process", workers: int | None = None
                ) -> pd.DataFrame:
    """Local Moran clusters (LISA) of ``values`` (indexed by code) on weights ``w``.

    Parameters
    ----------
    regions
        Region of every code (default: the gemeente read from the code); one task each.
    executor
        ``"process"`` (a ``concurrent.futures`` process pool, default), ``"serial"``, or a
        ``dask.distributed.Client``.

    Returns
    -------
    DataFrame: code, value, lag (neighbours' mean), z, Is, quadrant (HH/LH/LL/HL),
    p_sim, significant, cluster (HH/LL/HL/LH or ``ns``).
    """
    from esda.crand import vec_permutations
    from libpysal.weights import lag_spatial

    ids = list(w.id_order)
    y = values.reindex(ids).to_numpy(dtype=float)
    if np.isnan(y).any():
        raise WijkkompasError("local_moran needs a value for every area of the weights: "
                              "subset the weights first (weights_for does)")
    n = len(y)
    z = (y - y.mean()) / y.std()
    w.transform = "r"
    sparse = w.sparse.tocsr()
    sparse.setdiag(0)
    sparse.eliminate_zeros()
    card = np.diff(sparse.indptr)
    scaling = (n - 1) / (z * z).sum()
    permuted = vec_permutations(int(card.max()), n, permutations, seed)
    if regions is None:
        from ..geo.codes import gemeente_of
        regions = pd.Series([gemeente_of(c) or c[:6] for c in ids], index=ids)
    region_of = regions.reindex(ids).fillna("?").to_numpy()
    tasks = []
    for region in pd.unique(region_of):
        focal = np.flatnonzero(region_of == region)
        rows = [slice(sparse.indptr[i], sparse.indptr[i + 1]) for i in focal]
        neighbours = np.concatenate([sparse.indices[r] for r in rows]).astype(np.int64)
        weights = np.concatenate([sparse.data[r] for r in rows]).astype(float)
        tasks.append((focal, z, card[focal], weights, neighbours, permuted, scaling))
    Is = np.full(n, np.nan)
    p = np.full(n, np.nan)
    for focal, obs, ps in _run(tasks, executor, workers):
        Is[focal] = obs
        p[focal] = ps
    lag = lag_spatial(w, y)
    zl = lag_spatial(w, z)
    quadrant = np.where(z > 0, np.where(zl > 0, 1, 4), np.where(zl > 0, 2, 3))
    significant = p <= alpha
    q = np.array([QUADRANTS[int(x)] for x in quadrant], dtype=object)
    return pd.DataFrame({"code": ids, "value": y, "lag": lag, "z": z, "Is": Is,
                         "quadrant": q, "p_sim": p, "significant": significant,
                         "cluster": np.where(significant, q, "ns")})


def _run(tasks, executor, workers):
    if executor == "serial" or len(tasks) == 1:
        return [_region_task(*t) for t in tasks]
    if executor == "process":
        import multiprocessing

        workers = workers or min(len(tasks), os.cpu_count() or 1)
        # few large tasks: batch regions so each worker starts (and compiles) once
        batches = [tasks[i::workers] for i in range(workers)]
        context = None
        if "fork" in multiprocessing.get_all_start_methods():
            # compile esda's numba kernel once here; forked workers inherit it instead of
            # each spending ~15 s of CPU compiling it again
            _region_task(*_tiny_task())
            context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            out = []
            for part in pool.map(_batch, batches):
                out.extend(part)
            return out
    if hasattr(executor, "submit") and hasattr(executor, "gather"):  # dask.distributed
        futures = [executor.submit(_region_task, *t, pure=True) for t in tasks]
        return executor.gather(futures)
    raise WijkkompasError(f"unknown executor {executor!r}: 'process', 'serial' or a "
                          "dask.distributed Client")


def _tiny_task():
    from esda.crand import vec_permutations

    z = np.linspace(-1.0, 1.0, 5)
    return (np.array([0]), z, np.array([2]), np.array([0.5, 0.5]), np.array([1, 2]),
            vec_permutations(2, 5, 9, 1), 1.0)


def _batch(tasks):
    return [_region_task(*t) for t in tasks]


# -- batch step: hot spots of a score or an indicator, stored next to the store ------------

@dataclass
class HotspotResult:
    table: pd.DataFrame            # code, name, value, lag, Is, quadrant, p_sim, cluster
    moran: dict
    level: str
    vintage: int
    period: str
    variable: str
    boundary_vintage: int | None
    path: Path | None = None
    notes: list[str] = field(default_factory=list)


def hotspot_path(store, level: str, vintage: int, period: str, variable: str) -> Path:
    return Path(store.directory) / "change" / f"hotspots-{level}-{vintage}-{period}-{variable}.parquet"


def hotspots(store, catalog, scheme=None, *, level: str = "buurt", period=None,
             indicator: str | None = None, vintage: int | None = None,
             within: str | None = None, permutations: int = PERMUTATIONS, seed: int = SEED,
             alpha: float = 0.05, executor="process", workers: int | None = None,
             write: bool = True) -> HotspotResult:
    """Hot and cold spots of the composite vulnerability (default) or one indicator.

    The composite comes from :func:`wijkkompas.analysis.scores.score` (higher = more
    vulnerable, so HH = a cluster of vulnerable areas); an indicator is taken as stored,
    oriented so that higher = worse. Writes the table to :func:`hotspot_path` when
    ``write``.
    """
    notes: list[str] = []
    if indicator is None:
        from ..analysis.scores import score
        from ..schemes import load_scheme
        scheme = scheme or load_scheme(None, catalog)
        result = score(store, catalog, scheme, level=level, period=period, vintage=vintage)
        frame = result.table[["code", "name", "vulnerability"]].rename(
            columns={"vulnerability": "value"})
        period, vintage, variable = str(result.period), int(result.vintage), "vulnerability"
    else:
        obs = store.observations(indicators=[indicator], level=level, vintage=vintage,
                                 periods=[str(period)] if period else None)
        obs = obs[obs["status"].isin(("observed", "estimated")) & obs["value"].notna()]
        if obs.empty:
            raise WijkkompasError(f"no figures of {indicator} at level {level}")
        if vintage is None:
            vintage = int(obs["vintage"].max())
        obs = obs[obs["vintage"] == vintage]
        if period is None:
            period = obs.sort_values("year")["period"].iloc[-1]
        obs = obs[obs["period"] == str(period)]
        frame = obs[["area_code", "name", "value"]].rename(columns={"area_code": "code"})
        if catalog is not None and indicator in catalog and \
                catalog[indicator].direction == "higher_is_better":
            frame["value"] = -frame["value"]
            notes.append(f"{indicator} is higher-is-better: its sign is turned so that HH "
                         "is a cluster of unfavourable values")
        variable = indicator
    frame = frame.dropna(subset=["value"])
    if within:
        from ..geo.codes import gemeente_of, wijk_of
        up = within.upper()
        frame = frame[[c == up or gemeente_of(c) == up or wijk_of(c) == up
                       for c in frame["code"]]]
    sw = weights_for(store, level, frame["code"])
    notes += sw.notes
    values = frame.set_index("code")["value"]
    table = local_moran(values, sw.w, permutations=permutations, seed=seed, alpha=alpha,
                        executor=executor, workers=workers)
    table.insert(1, "name", frame.set_index("code")["name"].reindex(table["code"]).to_numpy())
    moran = global_moran(values, sw.w, permutations=permutations, seed=seed)
    table = table.assign(level=level, vintage=vintage, period=str(period), variable=variable,
                         boundary_vintage=sw.boundary_vintage)
    path = None
    if write:
        path = hotspot_path(store, level, vintage, str(period), variable)
        path.parent.mkdir(parents=True, exist_ok=True)
        table.to_parquet(path, index=False)
    return HotspotResult(table=table, moran=moran, level=level, vintage=int(vintage),
                         period=str(period), variable=variable,
                         boundary_vintage=sw.boundary_vintage, path=path, notes=notes)


def read_hotspots(store, *, level: str | None = None, variable: str | None = None
                  ) -> pd.DataFrame:
    """All stored hot-spot tables (optionally of one level and variable), stacked."""
    folder = Path(store.directory) / "change"
    files = sorted(folder.glob("hotspots-*.parquet")) if folder.is_dir() else []
    frames = [pd.read_parquet(f) for f in files]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    if level:
        out = out[out["level"] == level]
    if variable:
        out = out[out["variable"] == variable]
    return out.reset_index(drop=True)
