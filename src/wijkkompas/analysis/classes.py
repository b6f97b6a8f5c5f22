"""Classes: cutting a vulnerability score into the classes users know.

All functions take scores in **vulnerability orientation** (higher = more vulnerable)
and return NaN/None where the score is NaN: a missing score has no class.

- :func:`deciles` - decile 10 = the most vulnerable tenth (percentile rank >= 0.9, the
  SVI flag threshold), decile 1 = the least vulnerable tenth.
- :func:`leefbaarometer_class` - the Leefbaarometer's nine classes in its own words.
  The Leefbaarometer score is a prediction of residents' judgements and cannot be
  recomputed here; what is borrowed is its nine-point scale. A vulnerability z-score is
  mapped onto it as *stanines* ("standard nine", Canfield 1951; Angoff 1971): nine bands
  of half a standard deviation, centred on the mean, cut at z = +-0.25, +-0.75, +-1.25,
  +-1.75. Under normality they hold 4, 7, 12, 17, 20, 17, 12, 7 and 4% of the areas.
  The highest stanine (z >= 1.75, most vulnerable) is *zeer onvoldoende*, the lowest
  (z < -1.75) *uitstekend*. The cut points are fixed by the stanine principle, not fitted
  to any area: a vulnerability class is relative to the reference group, while a
  Leefbaarometer class is absolute, so "onvoldoende" here means "among the most
  vulnerable of the reference group", not the Leefbaarometer's verdict.
- :func:`pbl_class` - PBL regional profile: five z-classes cut at -1.5, -0.5, 0.5, 1.5.
- :func:`wijkprofiel_band` - Wijkprofiel Rotterdam bands on the favourable index
  (100 = base-year average, higher = better): < 70 clearly unfavourable, 70-90 below
  average, 90-110 around average, >= 110 favourable.

Every interval includes its lower edge and excludes its upper edge (``[a, b)``), on the
scale the instrument itself uses: z = 1.5 is in the top PBL class, a favourable index of
exactly 90 is "around average" and 70 is "below average".
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .standardise import percentile_rank

LEEFBAAROMETER_LABELS = (  # worst to best, as the Leefbaarometer lists them
    "zeer onvoldoende", "ruim onvoldoende", "onvoldoende", "zwak", "voldoende",
    "ruim voldoende", "goed", "zeer goed", "uitstekend")
STANINE_CUTS = (-1.75, -1.25, -0.75, -0.25, 0.25, 0.75, 1.25, 1.75)
PBL_CUTS = (-1.5, -0.5, 0.5, 1.5)
PBL_LABELS = (  # in vulnerability orientation: "ver boven gemiddeld" = far more vulnerable
    "ver onder gemiddeld", "onder gemiddeld", "rond gemiddeld", "boven gemiddeld",
    "ver boven gemiddeld")
WIJKPROFIEL_CUTS = (70.0, 90.0, 110.0)
WIJKPROFIEL_LABELS = (  # on the favourable index, low to high
    "duidelijk ongunstiger dan gemiddeld", "ongunstiger dan gemiddeld", "rond gemiddeld",
    "gunstiger dan gemiddeld")
CLASS_SYSTEMS = ("deciles", "leefbaarometer", "pbl", "wijkprofiel")


def _cut(values, cuts, labels) -> np.ndarray:
    x = np.asarray(values, dtype="float64").reshape(-1)
    index = np.digitize(x, cuts, right=False)  # cuts[i-1] <= x < cuts[i]
    out = np.array([labels[i] for i in index], dtype=object)
    out[np.isnan(x)] = None
    return out


def deciles(values, *, reference=None) -> np.ndarray:
    """Decile of each score: 1 (least vulnerable tenth) .. 10 (most vulnerable tenth).

    Notes
    -----
    decile = min(10, floor(10 P) + 1) with P the SVI percentile rank
    (:func:`~wijkkompas.analysis.standardise.percentile_rank`, ties take the higher
    rank), so decile 10 holds exactly the areas with P >= 0.9, the areas the SVI flags.
    Returns floats with NaN for missing scores (cast to a nullable integer for display).
    """
    return decile_of(percentile_rank(values, reference=reference))


def decile_of(p) -> np.ndarray:
    """The decile of SVI percentile ranks ``p`` (see :func:`deciles`); NaN stays NaN."""
    p = np.asarray(p, dtype="float64")
    return np.where(np.isnan(p), np.nan, np.minimum(10, np.floor(10 * p) + 1))


def stanine(z) -> np.ndarray:
    """Stanine 1..9 of a z-score (cuts at +-0.25, +-0.75, +-1.25, +-1.75); NaN stays NaN."""
    x = np.asarray(z, dtype="float64").reshape(-1)
    out = np.digitize(x, STANINE_CUTS, right=False).astype("float64") + 1
    out[np.isnan(x)] = np.nan
    return out


def leefbaarometer_class(z) -> np.ndarray:
    """Leefbaarometer class words for vulnerability z-scores (stanine 9 = zeer onvoldoende).

    See the module docstring for the mapping and why it is principled rather than tuned.
    """
    return _cut(z, STANINE_CUTS, LEEFBAAROMETER_LABELS[::-1])


def pbl_class(z) -> np.ndarray:
    """PBL z-class of vulnerability z-scores: cuts -1.5, -0.5, 0.5, 1.5 (lower edge in)."""
    return _cut(z, PBL_CUTS, PBL_LABELS)


def favourable_index(vulnerability_index):
    """Mirror a vulnerability index (above 100 = worse) to the Wijkprofiel's reading
    (above 100 = better): ``200 - V``."""
    return 200.0 - np.asarray(vulnerability_index, dtype="float64")


def wijkprofiel_band(favourable) -> np.ndarray:
    """Wijkprofiel band of a *favourable* index (100 = base-year mean, higher = better).

    < 70 duidelijk ongunstiger, [70, 90) ongunstiger, [90, 110) rond gemiddeld,
    >= 110 gunstiger dan gemiddeld.
    """
    return _cut(favourable, WIJKPROFIEL_CUTS, WIJKPROFIEL_LABELS)


def order_of(system: str) -> list:
    """The class labels of a system, least to most vulnerable (for legends and sorting)."""
    if system == "deciles":
        return list(range(1, 11))
    if system == "leefbaarometer":
        return list(LEEFBAAROMETER_LABELS[::-1])
    if system == "pbl":
        return list(PBL_LABELS)
    if system == "wijkprofiel":
        return list(WIJKPROFIEL_LABELS[::-1])
    raise ValueError(f"unknown class system {system!r}: choose {', '.join(CLASS_SYSTEMS)}")


def as_series(values, index=None, system: str = "deciles") -> pd.Series:
    """Classes as a pandas Series: nullable integers for deciles, strings otherwise."""
    if system == "deciles":
        return pd.Series(pd.array(np.asarray(values, dtype="float64"), dtype="Int64")
                         if len(values) else pd.array([], dtype="Int64"), index=index)
    return pd.Series(values, index=index, dtype="object")
