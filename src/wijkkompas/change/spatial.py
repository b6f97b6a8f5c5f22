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

**Through esda's public API.** :func:`local_moran` is one ``esda.Moran_Local(y, w,
permutations=..., seed=..., n_jobs=...)`` run: Is, z and quadrants are esda's, and so
are the pseudo p-values, with one repair. Without kept simulations esda returns p_sim
as float32, so p = 50/1000 comes back as 0.0500000007 and ``p <= 0.05`` fails: on the
2025 wijk composite of the bundled data 12 of 3,078 wijken at p = 0.05 exactly were
labelled ``ns`` where esda's own float64 p_sim gives HH, LL or LH. Since p = (k + 1)/(R
+ 1) and float32 keeps 24 bits, rint(p (R + 1)) is k + 1 exactly for R + 1 < 2^23; we
divide again in float64, which is bit for bit esda's p_sim with
``keep_simulations=True`` (tested) without holding the n x R simulations in memory.

Significance is ``p_sim <= alpha``. esda's ``get_cluster_labels`` uses ``p_sim <
alpha`` instead, and the two differ exactly for the areas at p = alpha. We keep ``<=``:
a pseudo p-value (k + 1)/(R + 1) has P(p <= alpha) = alpha under the null (at most
alpha with ties) when alpha (R + 1) is an integer (0.05 x 1000 = 50), so ``<=`` is the
test of size alpha, while ``<`` is a test of size alpha - 1/(R + 1) (0.049), stricter
than asked.

**Many tests at once.** Each area is its own test: of 346 gemeenten without any
clustering about 17 pass p <= 0.05 by chance. Beside ``cluster`` (each test at alpha, as
GeoDa's and esda's cluster maps show it) ``cluster_fdr`` keeps a cluster only where it
passes the false discovery rate at alpha over all areas of the run (Benjamini-Hochberg:
``significant_fdr`` is p <= ``esda.fdr(p, alpha)``, the cut-off of Castro and Singer
2006, as GeoDa's "False Discovery Rate" option; esda returns the Bonferroni bound
alpha/n where no area passes). The profile says which clusters do not survive it.

**Parallel: esda's n_jobs.** ``executor="process"`` passes ``workers`` (default all
cores) to esda's ``n_jobs``: esda draws one permutation table from the seed and splits
the areas into chunks over a joblib (loky) pool, so the result is identical whatever
the number of workers (tested). ``"serial"`` is ``n_jobs=1``. A
``dask.distributed.Client`` runs the whole computation as one task on the cluster: esda
forces joblib's loky backend inside, so joblib's Dask backend cannot spread its chunks
over the cluster. Region tasks cannot be built on esda's public API (its chunk kernel,
``esda.crand.compute_chunk``, is not public), so ``method="regions"`` is our own
conditional permutation in numpy (:mod:`~wijkkompas.change.lisa`): one task per region
plus halo (a gemeente; a block of grid cells) on a ``dask.distributed`` cluster, in this
process for ``"serial"``, identical whatever the regions and workers; Is, z, lag and
quadrants are esda's, p-values another Monte-Carlo estimate of the same p (issue 20).
esda compiles its kernel with
numba at first use in every process, pool workers included (about 15 s each):
**compute hot spots in a batch step and store them** (:func:`hotspots` writes a Parquet
file next to the store's DuckDB file), never per web request.

Storage: ``<store>/change/hotspots-<level>-<vintage>-<period>-<indicator>.parquet``, one
file per run, written whole or not at all, with the store's data version in its metadata
(:func:`read_hotspots` leaves out the files of older data), readable with
:func:`read_hotspots` or DuckDB's ``read_parquet``. Parquet,
not a table in ``wijkkompas.duckdb``: the DuckDB file is written only by ingest (one
atomic writer, rebuildable from sources), while spatial results are derived, can be
recomputed at any time and must not hold the store's write lock for a minute.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..cluster import unknown_executor
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
    stored = store.boundary_vintages(level, codes)
    if stored.empty:
        raise WijkkompasError(f"no {level} boundaries in the store")
    if vintage is None:
        hits = dict(zip(stored["vintage"].astype(int), stored["n"].astype(int), strict=True))
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


def local_moran(values: pd.Series, w, *, permutations: int = PERMUTATIONS, seed: int = SEED,
                alpha: float = 0.05, executor: str | object = "process",
                workers: int | None = None, method: str = "esda",
                regions: Sequence | None = None) -> pd.DataFrame:
    """Local Moran clusters (LISA) of ``values`` (indexed by code) on weights ``w``, by
    ``esda.Moran_Local`` or by region (see the module Notes for the statistic and its
    inference).

    Parameters
    ----------
    executor
        ``"process"`` (esda's own joblib pool of ``workers`` processes, default all
        cores), ``"serial"`` (this process), or a ``dask.distributed.Client`` (the whole
        run as one task on the cluster with ``n_jobs=workers``, default 1; joblib starts
        no processes inside a daemonic Dask worker, the default, and runs serially
        there with a warning unless ``distributed.worker.daemon`` is False).
    method
        ``"esda"`` (``esda.Moran_Local``), or ``"regions"``: our own conditional
        permutation (:mod:`~wijkkompas.change.lisa`), one task per region plus halo on
        the Client, on a cluster of ``workers`` processes for ``"process"``
        (:func:`wijkkompas.cluster.connect`: ``WIJKKOMPAS_DASK_SCHEDULER`` or a
        LocalCluster), or in this process for ``"serial"``; the same result whatever
        the executor, regions and number of workers. Is, z, lag and quadrants equal
        esda's; p-values are another Monte-Carlo estimate of the same p.
    regions
        With ``"regions"``: a label per area of ``w.id_order`` (e.g. its gemeente), one
        task each; default blocks of consecutive areas, four per worker.

    Returns
    -------
    DataFrame: code, value, lag (neighbours' mean), z, Is, quadrant (HH/LH/LL/HL),
    p_sim (float64), significant (``p_sim <= alpha``), cluster (the quadrant where
    significant, else ``ns``), significant_fdr (``p_sim <= esda.fdr(p_sim, alpha)``) and
    cluster_fdr (the quadrant where that, else ``ns``). The same whatever the executor and
    number of workers.
    """
    from esda import fdr
    from libpysal.weights import lag_spatial

    ids = list(w.id_order)
    y = values.reindex(ids).to_numpy(dtype=float)
    if np.isnan(y).any():
        raise WijkkompasError("local_moran needs a value for every area of the weights: "
                              "subset the weights first (weights_for does)")
    if not 1 <= permutations < 2 ** 23 - 1:
        raise WijkkompasError("permutations must be 1 to 8,388,606: beyond that a "
                              "float32 pseudo p-value no longer identifies its count")
    if method == "regions":
        z, Is, q, p = _by_region(y, w, permutations, seed, executor, workers, regions)
    elif method != "esda":
        raise WijkkompasError(f"unknown method {method!r}: 'esda' or 'regions'")
    elif executor == "serial":
        z, Is, q, p = _moran_local(y, w, permutations, seed, 1)
    elif executor == "process":
        z, Is, q, p = _moran_local(y, w, permutations, seed, workers or -1)
    elif hasattr(executor, "submit"):  # dask.distributed
        z, Is, q, p = executor.submit(_moran_local, y, w, permutations, seed, workers or 1,
                                   pure=True).result()
    else:
        raise unknown_executor(executor)
    w.transform = "r"  # a Dask task transformed a copy; the lag is the neighbours' mean
    quadrant = np.array([QUADRANTS[int(x)] for x in q], dtype=object)
    significant = p <= alpha
    discovered = p <= fdr(p, alpha) if len(p) else significant
    return pd.DataFrame({"code": ids, "value": y, "lag": lag_spatial(w, y),
                         "z": z, "Is": Is, "quadrant": quadrant,
                         "p_sim": p, "significant": significant,
                         "cluster": np.where(significant, quadrant, "ns"),
                         "significant_fdr": discovered,
                         "cluster_fdr": np.where(discovered, quadrant, "ns")})


def _by_region(y: np.ndarray, w, permutations: int, seed: int, executor, workers,
               regions) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(z, Is, q, p) of :func:`wijkkompas.change.lisa.moran_by_region` on ``executor``."""
    from ..cluster import executing, regions_of, worker_count
    from .lisa import moran_by_region

    w.transform = "r"
    W = w.sparse
    with executing(executor, workers) as client:
        parts = 1 if client is None else 4 * worker_count(client)
        return moran_by_region(y, W, permutations=permutations, seed=seed,
                               regions=regions_of(regions, y.size, parts), client=client)


def _moran_local(y: np.ndarray, w, permutations: int, seed: int, n_jobs: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(z, Is, q, p_sim as float64) of ``esda.Moran_Local``; pure, so a Dask task too."""
    from esda.moran import Moran_Local

    with warnings.catch_warnings():
        # esda warns that its default alternative will change; the Notes document
        # "directed", the default of the esda versions this module is tested with
        warnings.filterwarnings("ignore", "The alternative hypothesis",
                                DeprecationWarning)
        # esda's parallel path calls numpy's deprecated row_stack: not the user's to act on
        warnings.filterwarnings("ignore", "`row_stack` alias", DeprecationWarning)
        m = Moran_Local(y, w, transformation="r", permutations=permutations, seed=seed,
                        n_jobs=n_jobs, keep_simulations=False)
    # without kept simulations esda returns p = (k + 1)/(R + 1) rounded to float32
    # (0.05 -> 0.0500000007): recover the count k and divide again in float64, which is
    # bit for bit esda's p_sim with keep_simulations=True
    count = np.rint(np.asarray(m.p_sim, dtype=np.float64) * (permutations + 1.0))
    return (np.asarray(m.z, dtype=np.float64), np.asarray(m.Is, dtype=np.float64),
            np.asarray(m.q), count / (permutations + 1.0))


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
             write: bool = True, method: str = "esda") -> HotspotResult:
    """Hot and cold spots of the composite vulnerability (default) or one indicator.

    The composite comes from :func:`wijkkompas.analysis.engine.score` (higher = more
    vulnerable, so HH = a cluster of vulnerable areas); an indicator is taken as stored,
    oriented so that higher = worse. Writes the table to :func:`hotspot_path` when
    ``write``. ``method="regions"`` runs :func:`local_moran` by region: one task per
    gemeente for buurten and wijken, blocks of areas for other levels (grid cells).
    """
    from ..geo.codes import gemeente_of

    notes: list[str] = []
    if indicator is None:
        from ..analysis.engine import score
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
        from ..geo.codes import wijk_of
        up = within.upper()
        inside = store.codes_within(up, level)  # grid cells: placed by overlay at ingest
        frame = frame[[c in inside or c == up or gemeente_of(c) == up or wijk_of(c) == up
                       for c in frame["code"]]]
    sw = weights_for(store, level, frame["code"])
    notes += sw.notes
    values = frame.set_index("code")["value"]
    gemeenten = [gemeente_of(c) for c in sw.codes] if level in ("buurt", "wijk") else None
    table = local_moran(values, sw.w, permutations=permutations, seed=seed, alpha=alpha,
                        executor=executor, workers=workers, method=method,
                        regions=gemeenten)
    table.insert(1, "name", frame.set_index("code")["name"].reindex(table["code"]).to_numpy())
    moran = global_moran(values, sw.w, permutations=permutations, seed=seed)
    table = table.assign(level=level, vintage=vintage, period=str(period), variable=variable,
                         boundary_vintage=sw.boundary_vintage)
    # the columns added later come last: the stored and printed order stays as it was
    later = ["significant_fdr", "cluster_fdr"]
    table = table[[c for c in table.columns if c not in later] + later]
    path = None
    if write:
        path = hotspot_path(store, level, vintage, str(period), variable)
        _write_stamped(table, path, store)
    return HotspotResult(table=table, moran=moran, level=level, vintage=int(vintage),
                         period=str(period), variable=variable,
                         boundary_vintage=sw.boundary_vintage, path=path, notes=notes)


DATA_VERSION_KEY = b"wijkkompas.data_version"


def _write_stamped(table: pd.DataFrame, path: Path, store) -> None:
    """Write ``table`` to ``path`` whole or not at all (a temporary file renamed into
    place), with the store's data version in the file's metadata: hot spots of older
    data are never read as current (:func:`read_hotspots`)."""
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..analysis.results import data_version

    arrow = pa.Table.from_pandas(table, preserve_index=False)
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                           DATA_VERSION_KEY: data_version(store).encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(arrow, temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def read_hotspots(store, *, level: str | None = None, variable: str | None = None
                  ) -> pd.DataFrame:
    """All stored hot-spot tables of the store's current data (optionally of one level
    and variable), stacked; ``attrs["stale"]`` lists the files computed on other data
    (left out: run ``wijkkompas hotspots`` again)."""
    import pyarrow.parquet as pq

    from ..analysis.results import data_version

    folder = Path(store.directory) / "change"
    files = sorted(folder.glob("hotspots-*.parquet")) if folder.is_dir() else []
    current = data_version(store).encode()
    stale = [f for f in files
             if (pq.read_schema(f).metadata or {}).get(DATA_VERSION_KEY) != current]
    frames = [pd.read_parquet(f) for f in files if f not in stale]
    if not frames:
        out = pd.DataFrame()
        out.attrs["stale"] = [f.name for f in stale]
        return out
    out = pd.concat(frames, ignore_index=True)
    if level:
        out = out[out["level"] == level]
    if variable:
        out = out[out["variable"] == variable]
    out = out.reset_index(drop=True)
    out.attrs["stale"] = [f.name for f in stale]
    return out
