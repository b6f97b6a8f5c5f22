"""Local Moran by region plus halo: our own conditional permutation, so that a cluster can
compute hot spots of hundreds of thousands of grid cells region by region (issue 20).

Why not esda
------------
:mod:`~wijkkompas.change.spatial` computes hot spots with ``esda.Moran_Local``, whose
joblib pool or one Dask task is the whole run. Splitting that run into region tasks needs
the function that computes the permutations of a chunk of areas; in esda (2.8) that is
``esda.crand.compute_chunk`` fed by ``esda.crand.vec_permutations``, and neither is esda's
public API: ``esda.crand.__all__`` is ``["crand"]`` only, ``esda/__init__.py`` does not
import the module, esda's API reference (``docs/source/api.rst``) lists no part of it,
and its only users are ``Moran_Local`` and the other local statistics inside esda (esda's
own ``tests/test_crand.py`` tests ``vec_permutations`` as an internal function). Even
``crand`` expects a numba-compiled statistic function from esda's private
``_moran_local_crand``. So the conditional permutation is implemented here with numpy, as
a documented method, and the single-process run is this module too: the two are
identical by construction (tested), and checked against esda (tested; see below).

Method (Anselin 1995)
---------------------
With z = (y - mean(y)) / sd(y) (sd with ddof 0), row-standardised weights w_ij (no self
weights) and m2 = sum_k z_k^2:

    lag_i = sum_j w_ij z_j,    I_i = (n - 1) z_i lag_i / m2

quadrant 1 HH (z_i > 0, lag_i > 0), 2 LH, 3 LL, 4 HL, exactly as ``esda.Moran_Local``
(the same floating-point operations in the same order, so Is, z, lag and quadrants are
bit for bit esda's; tested). Inference by **conditional permutation**: area i keeps its
own value z_i and its K_i weights, and its neighbours' values are drawn without
replacement from the other n - 1 areas. One table P of R x max K_i positions in
0..n-2 is drawn from the seed (numpy's ``default_rng(seed)``, each row
``choice(n - 1, max K, replace=False)``), and for area i replicate r takes the positions
P[r, 0..K_i - 1], each position p >= i moved to p + 1 (so that i never draws itself):

    I_i^(r) = (n - 1) z_i (sum_k w_ik z_{P[r,k] + [P[r,k] >= i]}) / m2

The pseudo p-value is esda's "directed": with c_i = #{r: I_i^(r) >= I_i} and
c_i' = min(c_i, R - c_i),

    p_i = (c_i' + 1) / (R + 1)

one-sided in the direction observed, as :mod:`~wijkkompas.change.spatial` documents.

Region plus halo, and what each task needs
------------------------------------------
A region (a gemeente, or a block of grid cells) is a set of rows of W. Its task gets the
region's rows of W (their columns name the region's areas and its **halo**: the areas
outside it that border it, whose values the observed lag needs) and two global arrays,
sent to every worker once (``Client.scatter(..., broadcast=True)``): z, because every
simulated lag draws from all n - 1 other areas, and the permutation table P, so that an
area's draws do not depend on the region it is computed in. z and m2 are computed once on
the client (pass one: the global mean, sd and m2); each task then computes its areas'
lag, I, quadrant and count c (pass two). Every number of an area is computed by
element-wise operations in a fixed order (its neighbours in W's order, the replicates in
P's order), never by a reduction whose grouping depends on the block, so the result is
the same whatever the regions and the number of workers.

Who is right, where we differ from esda
---------------------------------------
Is, z, lag and quadrants are equal to esda's. The p-values are not esda's numbers: the
permutation table comes from another generator (esda draws it inside numba, whose stream
numpy cannot reproduce), so each p_i is another Monte-Carlo estimate of the same
conditional-permutation p-value. Both are right; neither is more exact. The test compares
them per area within Monte-Carlo error: for R = 999 the count c_i is binomial, so the
difference of two independent estimates has sd sqrt(2 p (1 - p) / R); with p the mean
of the two (at least 1/(R + 1)) every area must lie within 5 sd (on 14,000 areas a
larger difference has probability below 10^-3 under a correct implementation), the
standardised differences must spread no wider than that (sd below 1.2) and their mean
lie within 1: not 5 / sqrt(n), because one table serves every area of a run, so the
areas' estimates move together (between two of our own runs with other seeds the mean
moved by up to 0.35), and 95 % of the cluster labels must agree. One difference is ours on purpose: a
simulated I_i^(r) is computed with the same operations as the observed I_i (esda's kernel
multiplies by (n - 1)/m2 afterwards and is compiled with fastmath), so a replicate that
draws exactly the observed neighbour values counts as ``>=`` here, as the formula says.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..cluster import regions_of

__all__ = ["Standardised", "standardise", "region_moran", "regions_of", "region_rows",
           "moran_by_region", "BLOCK_VALUES"]

#: values of a simulation block: R x areas at a time (999 x 65 float64 = 0.5 MB, within a
#: core's cache: larger blocks were slower)
BLOCK_VALUES = 1 << 16


@dataclass(frozen=True)
class Standardised:
    """Pass one, on the client: the global arrays every region task needs."""

    z: np.ndarray          # (n,) standardised values, esda's z
    m2: float              # sum of z^2
    table: np.ndarray      # (R, max K) permutation table, positions in 0..n-2


def standardise(y: np.ndarray, max_neighbours: int, permutations: int,
                seed: int) -> Standardised:
    """z = (y - mean) / sd (ddof 0, esda's operations), m2 = sum z^2, and the
    permutation table P drawn from ``seed`` (see the module Notes)."""
    z = y - y.mean()
    with np.errstate(all="ignore"):  # a constant y gives NaN z, as in esda
        z /= y.std()
    rng = np.random.default_rng(seed)
    n = z.size
    width = max(int(max_neighbours), 1)
    table = np.empty((permutations, width), dtype=np.int64)
    for r in range(permutations):
        table[r] = rng.choice(n - 1, size=width, replace=False)
    return Standardised(z=z, m2=float((z * z).sum()), table=table)


def region_moran(rows: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
                 weights: np.ndarray, z: np.ndarray, table: np.ndarray, m2: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pass two for one region: (I, quadrant, count c') of the areas at global
    positions ``rows``, from the region's rows of W in CSR form (``indptr`` local,
    ``indices`` global positions: the region and its halo). Pure: a Dask task."""
    # a Dask worker unpickles arrays unaligned, and numpy's gathers from an unaligned
    # array take a slow path (3.6 times slower at 100,000 cells): aligned copies, O(n)
    rows, indptr, indices, weights, z, table = (
        np.require(a, requirements="A") for a in (rows, indptr, indices, weights, z, table))
    n = z.size
    # areas by number of neighbours, most first: the areas with a k-th neighbour are
    # then a leading slice (the order changes no number)
    order = np.argsort(-np.diff(indptr), kind="stable")
    cardinality = np.diff(indptr)[order]
    start = indptr[:-1][order]
    own = rows[order]
    lag = np.zeros(own.size)
    for k in range(int(cardinality.max(initial=0))):
        m = int(np.count_nonzero(cardinality > k))
        slot = start[:m] + k
        lag[:m] += weights[slot] * z[indices[slot]]
    zi = z[own]
    Is = (n - 1) * zi * lag / m2
    quadrant = np.where(zi > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))
    count = _counts(own, start, cardinality, weights, z, table, (n - 1) * zi, Is, m2)
    back = np.empty_like(order)
    back[order] = np.arange(order.size)
    return Is[back], quadrant[back], count[back]


def _counts(own: np.ndarray, start: np.ndarray, cardinality: np.ndarray,
            weights: np.ndarray, z: np.ndarray, table: np.ndarray, scaled: np.ndarray,
            Is: np.ndarray, m2: float) -> np.ndarray:
    """c' per area: the replicates' lags added neighbour by neighbour in W's order
    (0 + w_i0 v_i0 + w_i1 v_i1 + ..., as the observed lag and scipy's CSR product), then
    I^(r) = ((n - 1) z_i) lag^(r) / m2, all element-wise, so an area's count does not
    depend on the other areas of its block. Blocks of R x areas values in buffers made
    once: a Dask worker's allocator (``MALLOC_TRIM_THRESHOLD_`` set by the nanny) would
    map and clear fresh pages for every array of this size, 3 times slower."""
    R = table.shape[0]
    step = max(1, BLOCK_VALUES // R)
    drawn = np.empty(R * step, dtype=np.int64)
    skip = np.empty(R * step, dtype=bool)
    value = np.empty(R * step)
    simulated = np.empty((R, step))
    count = np.empty(own.size, dtype=np.int64)
    for a in range(0, own.size, step):
        block = own[a:a + step]
        sums = simulated[:, :block.size]
        sums[...] = 0.0
        for k in range(int(cardinality[a:a + step].max(initial=0))):
            m = int(np.count_nonzero(cardinality[a:a + step] > k))
            column = table[:, k, None]                    # (R, 1) positions in 0..n-2
            ids, past, v = (x[:R * m].reshape(R, m) for x in (drawn, skip, value))
            np.greater_equal(column, block[:m], out=past)  # the area itself is skipped
            np.add(column, past, out=ids)
            np.take(z, ids, out=v, mode="clip")
            np.multiply(v, weights[start[a:a + m] + k], out=v)
            np.add(sums[:, :m], v, out=sums[:, :m])
        np.multiply(sums, scaled[a:a + step], out=sums)
        np.divide(sums, m2, out=sums)
        larger = np.count_nonzero(sums >= Is[a:a + step], axis=0)
        count[a:a + block.size] = np.minimum(larger, R - larger)
    return count


def region_rows(W: sparse.csr_matrix, rows: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(rows, indptr, indices, weights) of a region: its rows of W, neighbours in W's
    order, columns still global positions (the halo included)."""
    part = W[rows]
    return rows, part.indptr, part.indices, part.data


def moran_by_region(y: np.ndarray, W: sparse.csr_matrix, *, permutations: int, seed: int,
                    regions: list[np.ndarray], client=None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(z, I, quadrant, p) of every area: pass one here, pass two per region, in this
    process (``client`` None) or as one task per region on a ``dask.distributed.Client``
    with z and P scattered to every worker once."""
    W = sparse.csr_matrix(W, copy=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sparse.SparseEfficiencyWarning)
        W.setdiag(0)  # conditional permutation keeps i out of its own neighbours, as esda
    W.eliminate_zeros()
    pass_one = standardise(y, int(np.diff(W.indptr).max(initial=0)), permutations, seed)
    n = y.size
    Is = np.empty(n)
    quadrant, count = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    parts = [region_rows(W, rows) for rows in regions]
    if client is None:
        results = [region_moran(*part, pass_one.z, pass_one.table, pass_one.m2)
                   for part in parts]
    else:
        z, table = client.scatter([pass_one.z, pass_one.table], broadcast=True)
        futures = [client.submit(region_moran, *part, z, table, pass_one.m2, pure=False)
                   for part in parts]
        results = client.gather(futures)
    for (rows, *_), (i_, q_, c_) in zip(parts, results, strict=True):
        Is[rows], quadrant[rows], count[rows] = i_, q_, c_
    return pass_one.z, Is, quadrant, (count + 1.0) / (permutations + 1.0)
