"""Reliability: small populations make unstable figures; mark, exclude or shrink them.

Two tools:

- :func:`below_minimum` - the catalog gives each indicator a ``min_population``; an area
  with fewer residents has an unreliable figure, which is left out of the score (never
  set to zero) and counted in the score's audit columns.
- :func:`marshall_shrinkage` - empirical Bayes shrinkage of rates with known
  denominators (Marshall 1991), global (toward the overall rate) or local (toward the
  rate of each area's parent group, e.g. the buurten of one wijk). A buurt with 40
  residents and 30 registered crimes has a raw rate of 750 per 1,000 that says more
  about chance (or a shopping street) than about the buurt; the shrunk rate moves it
  most of the way to its wijk's rate, while a buurt of 5,000 residents barely moves.

Suppressed stays suppressed: a count that CBS suppressed is NaN here, gives a NaN
rate and takes no part in the prior; shrinkage never fills it in.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["below_minimum", "marshall_shrinkage", "Shrinkage"]


def below_minimum(population, minimum: float) -> np.ndarray:
    """True where the population is known and below ``minimum`` (the value is unreliable).

    Unknown population (NaN) gives False: the check cannot be made, and the caller counts
    such values as unchecked rather than pretending they were checked. ``minimum`` 0 or
    None never excludes.
    """
    pop = np.asarray(population, dtype="float64").reshape(-1)
    if not minimum:
        return np.zeros(pop.size, dtype=bool)
    return ~np.isnan(pop) & (pop < float(minimum))


@dataclass
class Shrinkage:
    """The result of :func:`marshall_shrinkage`, aligned with the input."""

    rate: np.ndarray          # shrunk rate per unit of the denominator (NaN where undefined)
    raw: np.ndarray           # observed rate y / n
    prior_mean: np.ndarray    # m (global) or m_g of the area's group
    prior_variance: np.ndarray  # A (or A_g): between-area variance of the true rates
    weight: np.ndarray        # w_i = A / (A + m / n_i): the weight of the area's own rate

    def frame(self, per: float = 1.0) -> pd.DataFrame:
        return pd.DataFrame({"raw": self.raw * per, "shrunk": self.rate * per,
                             "prior": self.prior_mean * per, "weight": self.weight})


def _moments(y: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Marshall's moment estimates (m, A) over areas with a count and a population > 0."""
    total = n.sum()
    if total <= 0 or y.size == 0:
        return np.nan, np.nan
    m = y.sum() / total
    r = y / n
    s2 = float(np.sum(n * (r - m) ** 2) / total)
    a = s2 - m / (total / y.size)
    return float(m), max(float(a), 0.0)


def marshall_shrinkage(counts, population, *, groups=None, min_group_size: int = 3
                       ) -> Shrinkage:
    """Empirical Bayes (Poisson-Gamma moment) shrinkage of rates, after Marshall (1991).

    Parameters
    ----------
    counts : array_like
        Event counts y_i (registered crimes). NaN = suppressed or unknown: stays NaN.
    population : array_like
        Denominators n_i (residents). n_i <= 0 or NaN gives a NaN rate.
    groups : array_like, optional
        A group label per area (the parent wijk or gemeente code) for *local* shrinkage:
        each area is shrunk toward its group's rate with the group's between-area
        variance. None shrinks every area toward the overall rate (*global*).
    min_group_size : int
        A group with fewer usable areas than this has no usable variance estimate of
        its own; its areas take the *global* variance A with the group's own mean rate
        m_g (so a wijk of one buurt keeps that buurt's rate: it is its own parent).

    Returns
    -------
    Shrinkage
        Shrunk and raw rates per unit of ``population`` (multiply by 1,000 for a rate per
        1,000), the prior mean and variance and each area's weight.

    Notes
    -----
    Model: :math:`y_i \\sim \\mathrm{Poisson}(n_i \\theta_i)` with true rates
    :math:`\\theta_i` drawn from a distribution with mean m and variance A (a Gamma
    distribution gives the Poisson-Gamma model). Marshall's moment estimators over the
    usable areas (k of them) are

    .. math:: m = \\sum y_i / \\sum n_i, \\qquad
              s^2 = \\sum n_i (r_i - m)^2 / \\sum n_i, \\qquad
              A = \\max(0,\\; s^2 - m / \\bar{n})

    with :math:`r_i = y_i / n_i` and :math:`\\bar{n} = \\sum n_i / k`. The shrunk rate is

    .. math:: \\hat\\theta_i = m + w_i (r_i - m), \\qquad w_i = A / (A + m / n_i)

    so w_i -> 1 for large populations (the area's own rate) and -> 0 for tiny ones (the
    prior mean). Local shrinkage uses m_g and A_g computed over the areas of each group.
    The estimate is a convex combination of the raw rate and the prior mean; with equal
    populations within a group the group's mean rate is unchanged.

    Marshall, R. J. (1991). Mapping disease and mortality rates using empirical Bayes
    estimators. Journal of the Royal Statistical Society C 40(2), 283-294.
    """
    y = np.asarray(counts, dtype="float64").reshape(-1)
    n = np.asarray(population, dtype="float64").reshape(-1)
    if y.shape != n.shape:
        raise ValueError("counts and population must have the same length")
    usable = ~np.isnan(y) & ~np.isnan(n) & (n > 0) & (y >= 0)
    raw = np.full(y.size, np.nan)
    raw[usable] = y[usable] / n[usable]
    m_all, a_all = _moments(y[usable], n[usable])
    prior_mean = np.full(y.size, m_all)
    prior_var = np.full(y.size, a_all)
    if groups is not None:
        labels = pd.Series(np.asarray(groups, dtype=object).reshape(-1))
        if len(labels) != y.size:
            raise ValueError("groups must have the same length as counts")
        frame = pd.DataFrame({"g": labels, "y": np.where(usable, y, 0.0),
                              "n": np.where(usable, n, 0.0), "u": usable.astype(int)})
        frame["r"] = np.where(usable, raw, 0.0)
        sums = frame.groupby("g", dropna=False)[["y", "n", "u"]].transform("sum")
        m_g = np.where(sums["n"] > 0, sums["y"] / sums["n"].where(sums["n"] > 0), np.nan)
        frame["dev"] = np.where(usable, n * (np.nan_to_num(raw) - m_g) ** 2, 0.0)
        s2 = frame.groupby("g", dropna=False)["dev"].transform("sum") / sums["n"].where(
            sums["n"] > 0)
        a_g = (s2 - m_g / (sums["n"] / sums["u"].where(sums["u"] > 0))).clip(lower=0)
        enough = (sums["u"] >= min_group_size).to_numpy()
        prior_mean = np.where(np.isnan(m_g), m_all, m_g)
        prior_var = np.where(enough, a_g.to_numpy(), a_all)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(usable, prior_var / (prior_var + prior_mean / n), np.nan)
        # A = 0 and m = 0 (no events anywhere in the group): nothing to shrink toward but 0
        weight = np.where(usable & (prior_var == 0) & (prior_mean == 0), 0.0, weight)
    rate = np.where(usable, prior_mean + weight * (raw - prior_mean), np.nan)
    return Shrinkage(rate=rate, raw=raw, prior_mean=np.where(usable, prior_mean, np.nan),
                     prior_variance=np.where(usable, prior_var, np.nan), weight=weight)
