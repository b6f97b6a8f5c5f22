"""Standardisation: putting indicators on one scale so they can be combined.

Every function here is pure: it takes arrays and returns an array of the same length.
The conventions are the same everywhere:

- **Orientation first.** The functions expect *oriented* values, in which a higher
  value means *more vulnerable*. :func:`orient` does that from the catalog's
  ``direction``: ``higher_is_worse`` is kept, ``higher_is_better`` is negated,
  ``neutral`` cannot be oriented and raises. So **a higher standardised value always
  means more vulnerable**, for every method in this module.
- **Missing stays missing.** NaN in gives NaN out, never 0; NaN values are left out of
  the reference statistics (mean, sd, median, ranks, N).
- **Reference group.** ``reference`` is a boolean mask (or integer positions) that
  selects the areas the statistics are taken from; None means all areas given. Areas
  outside the reference group are standardised against it too. Which areas form the
  group (all areas of the level in the country, the areas of one gemeente, or a set
  chosen by the user) is decided by the caller (:mod:`wijkkompas.analysis.engine`).
- **Weights.** ``weights`` (usually residents) weight the reference statistics of the
  z-score and of the reference-year index. Unweighted (the default) treats every area
  as one observation, so the reference is *the average area*, as the PBL regional
  profile compares regions; population-weighted makes the reference *the average
  resident*, so that the weighted mean of the z-scores is 0 and a large city does not
  count as much as a hamlet in its own reference only by accident of the division.
  Areas with a missing or non-positive weight are left out of a weighted reference.

The registry :data:`METHODS` maps the method names a scheme or the CLI uses to the
transforms, with the reference statistics each one reports for auditing.

**Fitted once, applied anywhere.** Every transform here is two steps: :func:`fit` takes
the reference group's values (and weights) and keeps what the transform needs of them, a
:class:`Reference` (mean and sd; median and spread; or, for the rank-based transforms, the
sorted reference values themselves), and :func:`apply` turns any values into standardised
ones with it, element by element. The one-call functions (:func:`zscore`,
:func:`percentile_rank`, ...) are ``apply(fit(values[reference]), values)``; the engine
fits on the client and applies per region of areas on a cluster
(:mod:`~wijkkompas.analysis.engine`): the same operations on the same reference arrays,
so the same numbers to the bit whatever the regions.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "orient", "zscore", "robust_z", "percentile_rank", "imd_rank", "imd_exponential",
    "reference_index", "METHODS", "Method", "standardise", "reference_statistics",
    "IMD_CONSTANT", "MAD_SCALE", "normal_scores", "Reference", "fit", "apply", "TRANSFORMS",
]

# 1 / Phi^-1(3/4): makes the median absolute deviation of a normal sample estimate its sd.
MAD_SCALE = 1.4826
# The IMD exponential transform's constant: the most deprived 10% end up spread over
# most of the 0..100 scale (Noble et al. 2019, English Indices of Deprivation technical
# report, section 3.8).
IMD_CONSTANT = 23.0


def _array(values) -> np.ndarray:
    return np.asarray(values, dtype="float64").reshape(-1)


def _mask(reference, n: int) -> np.ndarray:
    """A boolean mask of length n from None, a boolean array or integer positions."""
    if reference is None:
        return np.ones(n, dtype=bool)
    reference = np.asarray(reference)
    if reference.dtype == bool:
        if reference.shape != (n,):
            raise ValueError(f"reference mask has length {reference.size}, values {n}")
        return reference
    mask = np.zeros(n, dtype=bool)
    mask[reference.astype(int)] = True
    return mask


def orient(values, direction: str) -> np.ndarray:
    """Orient values so that higher means more vulnerable.

    Parameters
    ----------
    values : array_like
        Indicator values as published.
    direction : {"higher_is_worse", "higher_is_better"}
        The catalog's direction of the indicator.

    Returns
    -------
    numpy.ndarray
        ``values`` for ``higher_is_worse``, ``-values`` for ``higher_is_better``; NaN
        stays NaN.

    Raises
    ------
    ValueError
        For ``neutral`` (or anything else): a neutral indicator (a share of owner-occupied
        homes, a density) has no better or worse side and cannot enter a vulnerability
        score.
    """
    x = _array(values)
    if direction == "higher_is_worse":
        return x
    if direction == "higher_is_better":
        return -x
    raise ValueError(f"direction {direction!r} cannot be oriented: only higher_is_worse and "
                     "higher_is_better indicators can enter a vulnerability score")


def _weighted_mean_sd(x: np.ndarray, w: np.ndarray | None) -> tuple[float, float, int]:
    ok = ~np.isnan(x)
    if w is not None:
        ok &= np.isfinite(w) & (w > 0)
    n = int(ok.sum())
    if n == 0:
        return np.nan, np.nan, 0
    if w is None:
        return float(np.mean(x[ok])), float(np.std(x[ok])), n
    mean = float(np.average(x[ok], weights=w[ok]))
    sd = float(np.sqrt(np.average((x[ok] - mean) ** 2, weights=w[ok])))
    return mean, sd, n


@dataclass(frozen=True)
class Reference:
    """What a transform keeps of its reference group (:func:`fit`), enough to standardise
    any value against it (:func:`apply`): a location and a scale, or the sorted
    reference values for the rank-based transforms; ``statistics`` is what a score
    reports of it for audits (mean/sd, median/MAD, N)."""

    transform: str                      # a key of TRANSFORMS
    statistics: dict = field(default_factory=dict)
    location: float = np.nan            # mean (zscore, index) or median (robust_z)
    scale: float = np.nan               # sd (zscore, index) or spread (robust_z)
    sorted: np.ndarray | None = None    # the non-missing reference values, ascending


def _fit_zscore(ref: np.ndarray, w: np.ndarray | None) -> Reference:
    mean, sd, n = _weighted_mean_sd(ref, w)
    return Reference("zscore", {"mean": mean, "sd": sd, "n": n, "weighted": w is not None},
                     location=mean, scale=sd)


def _apply_zscore(fitted: Reference, x: np.ndarray) -> np.ndarray:
    if not fitted.scale > 0:
        # no spread: the indicator says nothing about differences between areas
        return np.full(x.size, np.nan)
    return (x - fitted.location) / fitted.scale


def zscore(values, *, reference=None, weights=None) -> np.ndarray:
    """z-score against a reference group: higher = more vulnerable (on oriented values).

    Parameters
    ----------
    values : array_like
        Oriented indicator values (see :func:`orient`).
    reference : array_like of bool or int, optional
        The areas the mean and sd are taken from; all by default.
    weights : array_like, optional
        Weights for the reference statistics (residents); unweighted by default.

    Returns
    -------
    numpy.ndarray
        The z-scores; NaN where the value is NaN, and everywhere when the reference
        group has no spread (sd = 0) or no values.

    Notes
    -----
    .. math:: z_i = (x_i - \\bar{x}_R) / s_R

    with, over the non-missing members of the reference group R (weights
    :math:`w_j = 1` when unweighted),

    .. math:: \\bar{x}_R = \\sum_j w_j x_j / \\sum_j w_j, \\quad
              s_R = \\sqrt{\\sum_j w_j (x_j - \\bar{x}_R)^2 / \\sum_j w_j}

    The sd divides by the total weight (ddof = 0): the reference group is the whole
    population of areas, not a sample of it. This is the PBL regional-profile scale.
    """
    return _one_call("zscore", values, reference, weights)[0]


def _fit_robust(ref: np.ndarray, w: np.ndarray | None) -> Reference:
    if w is not None:
        raise ValueError("robust_z takes no weights: a weighted median and MAD are not "
                         "supported; use zscore for a population-weighted reference")
    ref = ref[~np.isnan(ref)]
    if ref.size == 0:
        return Reference("robust_z", {"median": np.nan, "mad": np.nan, "n": 0})
    # scipy.stats is imported where it is used: it costs about a second at start-up, and
    # a command that reads stored scores (wijkkompas score) standardises nothing
    from scipy import stats

    median = float(np.median(ref))
    # MAD scaled by 1/Phi^-1(3/4) = 1.4826 to estimate the sd of a normal distribution
    mad = float(stats.median_abs_deviation(ref, scale=1.0)) * MAD_SCALE
    spread, basis = mad, "mad"
    if not mad > 0:
        # More than half the areas share one value (counts with many zeros): the MAD is
        # 0. Fall back on the mean absolute deviation from the median scaled by
        # sqrt(pi/2) = 1.2533, the usual fallback for the modified z-score (IBM SPSS,
        # Iglewicz and Hoaglin 1993).
        spread = float(np.mean(np.abs(ref - median))) * np.sqrt(np.pi / 2)
        basis = "meanad"
    return Reference("robust_z", {"median": median, "mad": mad, "spread": spread,
                                  "spread_basis": basis, "n": int(ref.size)},
                     location=median, scale=spread)


def _apply_robust(fitted: Reference, x: np.ndarray) -> np.ndarray:
    if not fitted.scale > 0:
        return np.full(x.size, np.nan)
    with np.errstate(over="ignore"):  # a tiny spread: huge robust z, not an error
        return (x - fitted.location) / fitted.scale


def robust_z(values, *, reference=None) -> np.ndarray:
    """Robust z-score from the median and the scaled MAD: higher = more vulnerable.

    Parameters
    ----------
    values : array_like
        Oriented indicator values (see :func:`orient`).
    reference : array_like of bool or int, optional
        The areas the median and MAD are taken from; all by default.

    Returns
    -------
    numpy.ndarray
        Robust z-scores; NaN where the value is NaN.

    Notes
    -----
    .. math:: z_i = (x_i - \\mathrm{med}_R) / (1.4826 \\cdot \\mathrm{MAD}_R), \\quad
              \\mathrm{MAD}_R = \\mathrm{med}_R |x_j - \\mathrm{med}_R|

    1.4826 = 1/Phi^-1(3/4) makes the denominator estimate the sd of normal data, so the
    scale matches :func:`zscore` while a few extreme areas (a business park with a
    crime rate in the thousands per 1,000 residents) do not compress everyone else.
    When the MAD is 0 the mean absolute deviation from the median times
    sqrt(pi/2) = 1.2533 is used instead; when that is 0 too the result is NaN.
    Unweighted only.
    """
    return _one_call("robust_z", values, reference)[0]


def normal_scores(values, *, reference=None) -> np.ndarray:
    """Rank-based normal scores (Blom): Phi^-1((r - 3/8) / (N + 1/4)).

    r is the value's rank among the N reference values (ties share their average rank;
    a value outside the reference gets the rank it would have, halfway between its
    neighbours: r = #{ref < x} + (#{ref == x} + 1) / 2). The result keeps the order of
    the values and has the spread of a standard normal sample whatever their
    distribution, so an extreme value counts as the top of the ranking, not as its
    distance from the rest: for heavy-tailed rates per resident (registered crime where
    few live and many visit). The English Indices of Deprivation put skewed indicators
    on a normal scale by rank before combining them for the same reason (Noble et al.
    2019, technical report). On reference values this equals
    ``scipy.stats.norm.ppf((scipy.stats.rankdata(x) - 3/8) / (N + 1/4))``. NaN stays NaN;
    with fewer than 2 reference values the result is NaN.
    """
    return _one_call("normal_scores", values, reference)[0]


def _apply_normal(fitted: Reference, x: np.ndarray) -> np.ndarray:
    from scipy import stats  # at first use, as in _fit_robust

    ref = fitted.sorted
    assert ref is not None
    n = ref.size
    out = np.full(x.size, np.nan)
    if n >= 2:
        ok = ~np.isnan(x)
        below = np.searchsorted(ref, x[ok], side="left")
        upto = np.searchsorted(ref, x[ok], side="right")
        rank = below + (upto - below + 1) / 2
        out[ok] = stats.norm.ppf((rank - 0.375) / (n + 0.25))
    return out


def _fit_sorted(transform: str, counted: bool) -> Callable[[np.ndarray, np.ndarray | None],
                                                            Reference]:
    """The fit of a rank-based transform: the reference group's non-missing values sorted
    (reporting their number N when ``counted``)."""
    def fit_(ref: np.ndarray, w: np.ndarray | None) -> Reference:
        ref = np.sort(ref[~np.isnan(ref)])
        return Reference(transform, {"n": int(ref.size)} if counted else {}, sorted=ref)
    return fit_


def _apply_percentile(fitted: Reference, x: np.ndarray) -> np.ndarray:
    ref = fitted.sorted
    assert ref is not None
    n = ref.size
    out = np.full(x.size, np.nan)
    if n >= 2:
        ok = ~np.isnan(x)
        # rank with ties taking the highest rank = how many reference values are <= x
        rank = np.searchsorted(ref, x[ok], side="right")
        out[ok] = np.clip((rank - 1) / (n - 1), 0.0, 1.0)
    return out


def percentile_rank(values, *, reference=None) -> np.ndarray:
    """CDC/ATSDR SVI percentile rank: 0 = least, 1 = most vulnerable (on oriented values).

    Parameters
    ----------
    values : array_like
        Oriented indicator values (see :func:`orient`).
    reference : array_like of bool or int, optional
        The areas ranked against; all by default.

    Returns
    -------
    numpy.ndarray
        Percentile ranks in [0, 1]; NaN where the value is NaN, and everywhere when the
        reference group has fewer than two values (the rank is undefined).

    Notes
    -----
    .. math:: P_i = (\\mathrm{rank}_i - 1) / (N - 1)

    where N is the number of non-missing reference values and the rank is ascending
    with ties taking the *highest* rank (values 10, 20, 20, 40 give ranks 1, 3, 3, 4
    and percentile ranks 0, 0.667, 0.667, 1.0), as the SVI documentation prescribes.
    For an area outside the reference group the rank is the number of reference values
    at or below its value, and the result is clipped to [0, 1].
    """
    return _one_call("percentile", values, reference)[0]


def imd_rank(values, *, reference=None) -> np.ndarray:
    """IMD rank: 1 = most deprived (highest oriented value) of the reference group.

    Ties take the most deprived rank (the smallest number): rank = 1 + the number of
    reference values strictly above the value. NaN stays NaN.
    """
    x = _array(values)
    ref = x[_mask(reference, x.size)]
    ref = np.sort(ref[~np.isnan(ref)])
    out = np.full(x.size, np.nan)
    ok = ~np.isnan(x)
    out[ok] = 1 + ref.size - np.searchsorted(ref, x[ok], side="right")
    return out


def _apply_imd(fitted: Reference, x: np.ndarray) -> np.ndarray:
    ref = fitted.sorted
    assert ref is not None
    n = ref.size
    if n == 0:
        return np.full(x.size, np.nan)
    rank = np.full(x.size, np.nan)  # imd_rank against the sorted reference
    ok = ~np.isnan(x)
    rank[ok] = 1 + n - np.searchsorted(ref, x[ok], side="right")
    r = (n - rank + 1) / n
    return -IMD_CONSTANT * np.log(1 - r * (1 - np.exp(-100 / IMD_CONSTANT)))


def imd_exponential(values, *, reference=None) -> np.ndarray:
    """English IMD rank-exponential transform: 0..100, higher = more deprived.

    Parameters
    ----------
    values : array_like
        Oriented values (see :func:`orient`), usually domain scores.
    reference : array_like of bool or int, optional
        The areas ranked against; all by default.

    Returns
    -------
    numpy.ndarray
        Transformed values in (0, 100]; NaN where the value is NaN.

    Notes
    -----
    With rank 1 = most deprived (:func:`imd_rank`) and N non-missing reference values,

    .. math:: R = (N - \\mathrm{rank} + 1) / N, \\quad
              X = -23 \\ln(1 - R (1 - e^{-100/23}))

    For N = 5 and ranks 1..5: 100.0, 35.857, 20.633, 11.552, 5.058. The transform
    stretches the deprived end so that a very bad domain is not cancelled by good ones
    when domains are summed (Noble et al. 2019). Ranks are relative: never average
    them; average the transformed values with weights.
    """
    return _one_call("imd_exponential", values, reference)[0]


def _fit_index(base: np.ndarray, bw: np.ndarray | None, points_per_sd: float = 10.0
               ) -> Reference:
    mean, sd, n = _weighted_mean_sd(base, bw)
    return Reference("index", {"mean": mean, "sd": sd, "n": n, "weighted": bw is not None,
                               "points_per_sd": points_per_sd}, location=mean, scale=sd)


def _apply_index(fitted: Reference, x: np.ndarray) -> np.ndarray:
    if not fitted.scale > 0:
        return np.full(x.size, np.nan)
    return 100 + fitted.statistics["points_per_sd"] * (x - fitted.location) / fitted.scale


def reference_index(values, base, *, base_weights=None, points_per_sd: float = 10.0
                    ) -> np.ndarray:
    """Reference-year index after the Wijkprofiel Rotterdam: 100 = the base-year mean.

    Parameters
    ----------
    values : array_like
        Oriented values (see :func:`orient`) in the period scored.
    base : array_like
        Oriented values of the reference group in the base year (the Wijkprofiel takes
        all Rotterdam wijken in 2014).
    base_weights : array_like, optional
        Weights (residents) for the base mean and sd; unweighted by default.
    points_per_sd : float
        Index points per standard deviation of the base year; 10.

    Returns
    -------
    numpy.ndarray
        The index in *vulnerability* orientation: 100 = the reference group's mean in the
        base year, **above 100 = more vulnerable**. NaN where the value is NaN.

    Notes
    -----
    .. math:: V_i = 100 + 10 \\cdot (x_i - \\bar{x}_{R,b}) / s_{R,b}

    with the mean and sd (ddof = 0) of the reference group R in the base year b. The
    published Wijkprofiel states that 100 is the Rotterdam average of 2014 and gives the
    bands (see :func:`wijkkompas.analysis.classes.wijkprofiel_band`); the scale of 10
    points per base-year standard deviation is this project's assumption (the bands at
    70, 90 and 110 then sit at 3 and 1 sd). Because the base is fixed, later periods
    show change: a wijk that improves moves toward and past 100 even when every area
    improves. The Wijkprofiel prints the favourable orientation (higher = better);
    that is :math:`200 - V` (:func:`wijkkompas.analysis.classes.favourable_index`).
    """
    bw = None if base_weights is None else _array(base_weights)
    return apply(fit("index", base, weights=bw, points_per_sd=points_per_sd), values)


#: transform name -> (fit from the reference group's values and weights, apply)
TRANSFORMS: dict[str, tuple[Callable[[np.ndarray, np.ndarray | None], Reference],
                            Callable[[Reference, np.ndarray], np.ndarray]]] = {
    "zscore": (_fit_zscore, _apply_zscore),
    "robust_z": (_fit_robust, _apply_robust),
    "percentile": (_fit_sorted("percentile", True), _apply_percentile),
    "normal_scores": (_fit_sorted("normal_scores", False), _apply_normal),
    "imd_exponential": (_fit_sorted("imd_exponential", True), _apply_imd),
    "index": (_fit_index, _apply_index),
}


def fit(transform: str, values, *, weights=None, points_per_sd: float = 10.0) -> Reference:
    """What ``transform`` (a key of :data:`TRANSFORMS`) needs of a reference group:
    ``values`` are the group's values (NaN left out), ``weights`` theirs (``zscore`` and
    ``index`` only); ``points_per_sd`` for ``index``. See each one-call function for the
    formula."""
    x = _array(values)
    w = None if weights is None else _array(weights)
    if transform == "index":
        return _fit_index(x, w, points_per_sd)
    return TRANSFORMS[transform][0](x, w)


def apply(fitted: Reference, values) -> np.ndarray:
    """``values`` standardised against the reference group ``fitted`` describes: element
    by element (an area's result depends on its own value and the reference only)."""
    return TRANSFORMS[fitted.transform][1](fitted, _array(values))


def _one_call(transform: str, values, reference=None, weights=None
              ) -> tuple[np.ndarray, dict]:
    """``apply(fit(values[reference]), values)`` and the reference statistics."""
    x = _array(values)
    mask = _mask(reference, x.size)
    fitted = fit(transform, x[mask], weights=None if weights is None else
                 _array(weights)[mask])
    return apply(fitted, x), fitted.statistics


@dataclass(frozen=True)
class Method:
    """A standardisation method as schemes and the CLI name it."""

    name: str
    transform: str          # the indicators' transform, a key of TRANSFORMS
    weighted: bool          # takes population weights
    description: str
    # how domain scores are made from the mean of standardised indicators:
    # "mean" (kept), "percentile" (ranked again, SVI) or "imd" (rank-exponential)
    domain_transform: str = "mean"


METHODS: dict[str, Method] = {
    "zscore": Method("zscore", "zscore", True,
                     "z-score against the reference group (PBL)"),
    "robust_z": Method("robust_z", "robust_z", False,
                       "robust z: median and MAD x 1.4826 of the reference group"),
    "percentile": Method("percentile", "percentile", False,
                         "SVI percentile rank (rank - 1)/(N - 1), ties take the higher rank; "
                         "domain and overall sums ranked again", "percentile"),
    "imd": Method("imd", "zscore", True,
                  "IMD: indicators as z-scores, domain scores ranked and transformed "
                  "exponentially (0..100), weighted sum", "imd"),
    "index": Method("index", "index", True,
                    "reference-year index: 100 = reference group mean in the base period, "
                    "10 points per base sd (Wijkprofiel)"),
}


def standardise(method: str, values, *, reference=None, weights=None, base=None,
                base_weights=None) -> tuple[np.ndarray, dict]:
    """Standardise oriented values with a named method; return ``(values, statistics)``.

    ``statistics`` are the reference values used (mean/sd, median/MAD, N), for audits.
    ``base`` and ``base_weights`` are for the ``index`` method only (the base period's
    oriented values of the reference group).
    """
    try:
        spec = METHODS[method]
    except KeyError:
        raise ValueError(f"unknown method {method!r}: choose {', '.join(METHODS)}") from None
    weights = weights if spec.weighted else None
    if method == "index" and base is not None:
        fitted = fit("index", base, weights=base_weights)
        return apply(fitted, values), fitted.statistics
    return _one_call(spec.transform, values, reference, weights)


def reference_statistics(method: str, values, *, reference=None, weights=None) -> dict:
    """Only the reference statistics :func:`standardise` would use."""
    return standardise(method, values, reference=reference, weights=weights)[1]
