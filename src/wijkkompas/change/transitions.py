"""Transitions between classes over periods: Markov chains, spatial Markov, rank mobility.

The engine is PySAL ``giddy``: :class:`giddy.markov.Markov`,
:class:`giddy.markov.Spatial_Markov` and :func:`giddy.mobility.markov_mobility`;
Kendall's tau comes from scipy (equal to :class:`giddy.rank.Tau`, much faster). This
module shapes wijkkompas panels for it and returns tables.

Assumptions
-----------
- A transition is a move of one area between two *consecutive* periods of the panel
  (2012 -> 2016, 2016 -> 2020), pooled over all consecutive pairs (time-homogeneous
  chain). Areas missing a class in any period are left out (giddy needs a complete
  panel), and counted.
- Classes are relative (deciles of the period's ranking), so the chain describes
  *positional* mobility, not absolute improvement.

Notes
-----
- Transition probabilities p_ij = n_ij / sum_j n_ij (maximum likelihood).
- Steady state pi: pi P = pi, sum pi = 1 (the long-run share of areas per class).
- Sojourn time of class i: 1 / (1 - p_ii) periods (expected stay; infinite when p_ii = 1).
- Mobility (giddy.mobility.markov_mobility): **Shorrocks/Prais** (k - trace P)/(k - 1);
  **determinant** 1 - |det P|; **Bartholomew** B1 = k/(k-1) sum_i pi_i (1 - p_ii) (the
  steady-state-weighted chance of leaving one's class) and B2 = 1/(k-1) sum_i pi_i
  sum_j p_ij |i - j| (the expected distance moved); **L2** = 1 - |lambda_2|.
- Spatial Markov (Rey 2001): the transition matrix conditioned on the class of the
  neighbours' mean (spatial lag, row-standardised Queen contiguity); continuous values
  are cut at pooled quantiles (``fixed=True``). Chi-square tests of homogeneity (Q, LR)
  test whether the neighbours' class matters.
- Kendall's tau-b (scipy.stats.kendalltau; the same value as giddy.rank.Tau) between the
  values of two periods: 1 = the ranking is unchanged, 0 = unrelated, -1 = reversed;
  tau-b handles ties.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import WijkkompasError


@dataclass
class MarkovResult:
    """A Markov chain of classes, as tables labelled with the classes."""

    classes: list
    transitions: pd.DataFrame       # counts, rows = from, columns = to
    probabilities: pd.DataFrame
    steady_state: pd.Series
    sojourn: pd.Series              # expected periods in a class
    mobility: dict
    n_areas: int
    n_dropped: int = 0
    periods: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def mobility_indices(p: np.ndarray) -> dict:
    """Shorrocks/Prais, determinant, Bartholomew B1/B2 and L2 of a transition matrix.

    B1 and B2 weigh the classes by the chain's steady state pi (module Notes), passed to
    giddy as ``ini``; NaN when the chain has no unique steady state (reducible). giddy's
    default ``ini`` is the uniform 1/k, under which B1 = (k - trace P)/(k - 1) is
    Shorrocks' index again: this function used to call it without ``ini`` and reported
    Shorrocks twice (0.5985 for both on the bundled wijk health panel, where the
    steady-state B1 is 0.5973) while these Notes promised the steady-state weights
    (found comparing with giddy in tests/test_against_giddy.py).
    """
    from giddy.ergodic import steady_state
    from giddy.mobility import markov_mobility

    p = np.asarray(p, dtype=float)
    out = {"shorrocks": float(markov_mobility(p, measure="P"))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, code in (("determinant", "D"), ("l2", "L2")):
            out[name] = float(markov_mobility(p, measure=code))
        try:
            pi = np.asarray(steady_state(p, fill_empty_classes=True), dtype=float)
        except Exception:
            pi = np.full((2, len(p)), np.nan)
        for name, code in (("bartholomew_1", "B1"), ("bartholomew_2", "B2")):
            # several recurrent classes: several steady states, no unique weights
            out[name] = (float(markov_mobility(p, measure=code, ini=pi)) if pi.ndim == 1
                         else float("nan"))
    return out


def markov(panel, classes=None) -> MarkovResult:
    """Markov chain of a class panel (areas x periods; DataFrame or array).

    ``classes``: the class labels in order (least to most vulnerable); default the
    sorted labels present. Rows with a missing class are dropped and counted.
    """
    from giddy.markov import Markov

    frame = pd.DataFrame(panel)
    complete = frame.dropna()
    dropped = len(frame) - len(complete)
    if classes is None:
        classes = sorted(pd.unique(complete.to_numpy().ravel()))
    classes = list(classes)
    index = {c: i for i, c in enumerate(classes)}
    ids = complete.apply(lambda col: col.map(index)).to_numpy()
    if np.isnan(ids.astype(float)).any():
        raise WijkkompasError("the panel has classes outside the given class list")
    if ids.shape[1] < 2 or len(ids) == 0:
        raise WijkkompasError("a Markov chain needs at least two periods with classes")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = Markov(ids.astype(int), classes=np.arange(len(classes)), fill_empty_classes=True,
                   summary=False)
    p = np.asarray(m.p, dtype=float)
    label = [str(c) for c in classes]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ss = np.asarray(m.steady_state, dtype=float)
        steady = pd.Series(ss if ss.ndim == 1 else ss.mean(axis=0), index=label)
    except Exception:
        steady = pd.Series(np.nan, index=label)
    with np.errstate(divide="ignore"):
        sojourn = pd.Series(1.0 / (1.0 - np.diag(p)), index=label)
    notes = []
    if dropped:
        notes.append(f"{dropped} areas without a class in every period left out")
    return MarkovResult(classes=classes,
                        transitions=pd.DataFrame(m.transitions, index=label, columns=label),
                        probabilities=pd.DataFrame(p, index=label, columns=label),
                        steady_state=steady, sojourn=sojourn, mobility=mobility_indices(p),
                        n_areas=len(complete), n_dropped=dropped,
                        periods=[str(c) for c in frame.columns], notes=notes)


def rank_mobility(values: pd.DataFrame) -> pd.DataFrame:
    """Kendall's tau between every pair of consecutive periods (and first-last).

    ``values``: areas x periods of a continuous measure (vulnerability, an indicator).
    """
    from scipy.stats import kendalltau

    cols = list(values.columns)
    pairs = list(zip(cols[:-1], cols[1:], strict=True))
    if len(cols) > 2:
        pairs.append((cols[0], cols[-1]))
    rows = []
    for a, b in pairs:
        both = values[[a, b]].dropna()
        if len(both) < 3:
            continue
        # scipy's tau-b (C, O(n log n)) gives giddy.rank.Tau's value (tested); giddy's
        # pure-Python merge sort takes seconds for 14,000 buurten
        t = kendalltau(both[a].to_numpy(), both[b].to_numpy(), variant="b")
        rows.append(dict(from_period=str(a), to_period=str(b), n=len(both),
                         tau=float(t.statistic), p_value=float(t.pvalue)))
    return pd.DataFrame(rows)


@dataclass
class SpatialMarkovResult:
    k: int
    m: int
    probabilities: dict            # neighbours' class -> DataFrame k x k
    transitions: dict
    steady_states: pd.DataFrame    # rows = neighbours' class
    homogeneity: dict              # Q and LR chi-square tests
    n_areas: int
    notes: list[str] = field(default_factory=list)


def spatial_markov(values: pd.DataFrame, w, *, k: int = 5, m: int | None = None
                   ) -> SpatialMarkovResult:
    """Spatial Markov (giddy) of a continuous panel (areas x periods) on weights ``w``.

    Areas are matched to ``w.id_order``; areas missing a value in any period, or without
    a shape, are left out (and the weights subset accordingly).
    """
    from giddy.markov import Spatial_Markov
    from libpysal.weights import w_subset

    m = m or k
    frame = values.dropna()
    keep = [c for c in w.id_order if c in frame.index]
    notes = []
    if len(keep) < len(frame):
        notes.append(f"{len(frame) - len(keep)} areas without a place in the weights left out")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws = w_subset(w, keep, silence_warnings=True)
        if ws.islands:
            keep = [c for c in keep if c not in set(ws.islands)]
            ws = w_subset(w, keep, silence_warnings=True)
            notes.append("areas whose neighbours all lack values left out")
        ws.transform = "r"
        y = frame.loc[ws.id_order].to_numpy(dtype=float)
        sm = Spatial_Markov(y, ws, k=k, m=m, fixed=True)
    labels = [f"Q{i + 1}" for i in range(k)]
    probs = {f"buren Q{j + 1}": pd.DataFrame(sm.P[j], index=labels, columns=labels)
             for j in range(m)}
    trans = {f"buren Q{j + 1}": pd.DataFrame(sm.T[j], index=labels, columns=labels)
             for j in range(m)}
    steady = pd.DataFrame([np.asarray(s, dtype=float).reshape(-1)[:k] for s in sm.S],
                          index=list(probs), columns=labels)
    homogeneity = {"Q": float(sm.Q), "Q_p": float(sm.Q_p_value), "LR": float(sm.LR),
                   "LR_p": float(sm.LR_p_value), "dof": int(sm.dof_hom)}
    return SpatialMarkovResult(k=k, m=m, probabilities=probs, transitions=trans,
                               steady_states=steady, homogeneity=homogeneity,
                               n_areas=len(keep), notes=notes)


@dataclass
class TransitionResult:
    markov: MarkovResult
    tau: pd.DataFrame
    spatial: SpatialMarkovResult | None
    panel: object                  # the ScorePanel
    notes: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Per class: areas at the start, staying, steady state, sojourn time."""
        mk = self.markov
        return pd.DataFrame({"class": [str(c) for c in mk.classes],
                             "stay_probability": np.diag(mk.probabilities.to_numpy()),
                             "steady_state": mk.steady_state.to_numpy(),
                             "sojourn_periods": mk.sojourn.to_numpy(),
                             "transitions_from": mk.transitions.sum(axis=1).to_numpy()})


def transitions(store, catalog, scheme=None, *, level: str = "buurt", periods=None,
                vintage: int | None = None, within: str | None = None, spatial: bool = False,
                k_spatial: int = 5, panel=None) -> TransitionResult:
    """Class transitions of every area of a level over the periods of one vintage.

    Classes are the scheme's (deciles by default); ``spatial`` adds a spatial Markov of
    the composite in ``k_spatial`` pooled quantiles, conditioned on the neighbours'.
    """
    from ..analysis.classes import order_of
    from .panel import score_panel

    panel = panel or score_panel(store, catalog, scheme, level=level, periods=periods,
                                 vintage=vintage, within=within)
    classes = order_of(panel.class_system)
    # periods on another yardstick have no composite in the panel: not a transition
    wide = panel.wide("class").dropna(axis=1, how="all")
    left = [p for p in panel.periods if p not in wide.columns]
    if wide.shape[1] < 2:
        have = (f"only in {', '.join(map(str, wide.columns))}" if wide.shape[1]
                else "in none")
        raise WijkkompasError(
            f"no transitions: composites on one yardstick exist {have} of the "
            f"periods {', '.join(panel.periods)} at level {panel.level} (wijkkompas score "
            f"--period P says why a period has none); a scheme on one yardstick over time: "
            f"--scheme gezondheidsmonitor")
    if panel.class_system == "deciles":
        wide = wide.apply(pd.to_numeric, errors="coerce")
        classes = [float(c) for c in classes]
    mk = markov(wide, classes=classes)
    mk.classes = order_of(panel.class_system)
    for frame in (mk.transitions, mk.probabilities):
        frame.index = frame.columns = [str(c) for c in mk.classes]
    mk.steady_state.index = mk.sojourn.index = [str(c) for c in mk.classes]
    vulnerability = panel.wide("vulnerability")[list(wide.columns)]
    tau = rank_mobility(vulnerability)
    sp = None
    notes = list(panel.notes) + mk.notes
    if left:
        notes.append(f"periods without a comparable composite left out of the transitions: "
                     f"{', '.join(left)}")
    if spatial:
        from .spatial import weights_for
        values = vulnerability
        sw = weights_for(store, level, values.dropna().index)
        notes += sw.notes
        sp = spatial_markov(values, sw.w, k=k_spatial)
        notes += sp.notes
    return TransitionResult(markov=mk, tau=tau, spatial=sp, panel=panel, notes=notes)
