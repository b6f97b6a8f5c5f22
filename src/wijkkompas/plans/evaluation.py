"""Evaluation: the plan area against similar areas, difference-in-differences per goal.

**An indication, not proof of effect.** The comparison areas were not chosen at random,
other programmes run there too, and people move in and out (a renewed wijk may improve
partly because its poorest residents moved elsewhere: the waterbed effect). Read the
result as "did the plan area do better than areas that looked like it at the start?".

Comparison group (peers)
------------------------
Chosen once, at the baseline year ``y0`` of the goals, among areas of the plan's level
and vintage that are not in the plan area (nor carry a plan area's figures under
another code, see :mod:`.figures`). Similarity is the Euclidean distance over the goal
indicators, each standardised with the mean and standard deviation over the candidate
areas in ``y0``:

    d_j = sqrt( sum_k ((x_jk - x_plan,k) / s_k)^2 / K )

The ``n_peers`` nearest with a value for every indicator form the group; the search is
:func:`wijkkompas.change.peers.nearest` (the same distance) with the plan area's
aggregate added as one more row. The mean and standard deviation are those of the
candidate areas (the plan area itself does not shift them).

Difference-in-differences
-------------------------
For each goal indicator with figures in ``y0`` and a later year ``y1`` (the latest year
in which the plan area and at least three peers have a figure):

    DiD = (x_plan(y1) - x_plan(y0)) - mean_j (x_j(y1) - x_j(y0))

Uncertainty band (90%): the plan area is one area; the question is whether its change is
unusual among areas like it. The band is DiD +- t(0.95, n-1) * SE with

    SE = sd_j(delta_j) * sqrt(1 + 1/n)

(the standard error of a new observation's difference from the mean of n, i.e. a
prediction interval: the spread of the peers' own changes plus the uncertainty of their
mean). A bootstrap over comparison areas (resampling peers with replacement, 2,000
draws, fixed seed) gives the uncertainty of the counterfactual mean alone
(``bootstrap_low``/``bootstrap_high``); it is narrower and shown for reference. The
**placebo rank** is the share of peers whose own change, compared with the other peers,
was at least as favourable as the plan area's.

The verdict, oriented by the goal's desired direction: *gunstiger* (the whole band on
the favourable side), *ongunstiger* (the whole band on the other side), else *geen
duidelijk verschil*. A pre-period check (``pre_did``: the same DiD over the years before
``y0``, when figures exist) shows whether the areas moved alike before the plan; a large
pre-period difference weakens the comparison.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..catalog import Catalog
from ..store import Store
from .figures import PlanFigures, _duplicates, indicator_info
from .model import Plan

CAVEAT = ("Indicatie, geen bewijs van effect: de vergelijkingsgebieden lijken bij de start op "
          "het plangebied, maar verschillen kunnen ook komen door verhuizingen, andere "
          "programma's of toeval.")
LEVEL = 0.90
BOOTSTRAP = 2000


@dataclass
class GoalEffect:
    goal_id: str
    indicator: str
    label: str
    unit: str
    desired: float                  # +1 up is good, -1 down is good
    pre_year: int | None
    post_year: int | None
    plan_change: float | None
    peer_change: float | None
    did: float | None
    se: float | None
    low: float | None
    high: float | None
    bootstrap_low: float | None
    bootstrap_high: float | None
    placebo_rank: float | None
    n_peers: int
    pre_did: float | None = None
    plan_baseline: float | None = None   # the plan area's value in the pre year
    verdict: str = "niet te bepalen"
    reason: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Evaluation:
    plan_id: str
    baseline_year: int
    peers: list[str]
    peer_names: dict[str, str]
    method: str
    effects: list[GoalEffect]
    notes: list[str] = field(default_factory=list)
    caveat: str = CAVEAT

    def to_dict(self) -> dict:
        return {"plan": self.plan_id, "baseline_year": self.baseline_year,
                "peers": [{"code": c, "name": self.peer_names.get(c, "")} for c in self.peers],
                "method": self.method, "caveat": self.caveat, "notes": self.notes,
                "effects": [e.to_dict() for e in self.effects]}


def find_peers(figures: PlanFigures, indicators: list[str], year: int, *,
               n: int = 10) -> tuple[list[str], str, list[str]]:
    """The ``n`` areas most similar to the plan area in ``year`` (module docstring).

    Returns (codes, method description, notes).
    """
    plan = figures.plan
    notes: list[str] = []
    profile, columns = {}, {}
    for indicator in indicators:
        wide = figures.area_values(indicator)
        if year not in wide.index:
            continue
        plan_value = figures.plan_series(indicator).at(year)
        if plan_value is None:
            continue
        row = wide.loc[year]
        # drop areas that repeat a plan area's figures under another code
        others = [c for c in wide.columns if c not in plan.area.codes]
        for _, twin in _duplicates(wide, list(plan.area.codes), others):
            row = row.drop(twin, errors="ignore")
        profile[indicator] = plan_value
        columns[indicator] = row.drop([c for c in plan.area.codes if c in row.index])
    if not columns:
        return [], "geen indicatoren met cijfers in het basisjaar", notes
    table = pd.DataFrame(columns).dropna()
    level_codes = figures.store.areas(level=plan.area.level, vintage=plan.area.vintage)["code"]
    table = table[table.index.isin(set(level_codes))]
    spread = table.std(ddof=0).replace(0, np.nan)
    z = (table - table.mean()) / spread
    target = (pd.Series(profile) - table.mean()) / spread
    from ..change.peers import nearest  # the area peers' search: the same distance

    table_z = pd.concat([z, target.to_frame("@plan").T])
    chosen = list(nearest(table_z, "@plan", n, candidates=z.index).index)
    method = (f"de {len(chosen)} {plan.area.level}en die in {year} het meest op het plangebied "
              f"leken (euclidische afstand over {len(columns)} gestandaardiseerde "
              "doelindicatoren)")
    return chosen, method, notes


def evaluate(plan: Plan, store: Store, catalog: Catalog, *, n_peers: int = 10,
             seed: int = 20240601, figures: PlanFigures | None = None) -> Evaluation:
    """Difference-in-differences of every goal indicator against the peer group."""
    figures = figures or PlanFigures(plan, store, catalog)
    figures.check_area()
    catalog_goals = [g for g in plan.goals if plan.plan_indicator(g.indicator) is None]
    years = sorted({int(g.baseline.period[:4]) for g in catalog_goals}) or [plan.start]
    year = years[0]
    notes = []
    if len(years) > 1:
        notes.append(f"doelen hebben verschillende basisjaren; vergelijkingsgroep gekozen in {year}")
    indicators = list(dict.fromkeys(g.indicator for g in catalog_goals))
    peers, method, peer_notes = find_peers(figures, indicators, year, n=n_peers)
    notes += peer_notes
    names = {}
    if peers:
        found = store.named(peers, plan.area.vintage)
        names = dict(zip(found["code"], found["name"], strict=True))
    rng = np.random.default_rng(seed)
    effects = []
    for goal in plan.goals:
        info = indicator_info(plan, goal.indicator, catalog)
        effects.append(_effect(goal, info, figures, peers, rng))
    return Evaluation(plan.id, year, peers, names, method, effects, notes)


def _effect(goal, info, figures: PlanFigures, peers: list[str], rng) -> GoalEffect:
    y0 = int(goal.baseline.period[:4])
    sign = {"higher_is_better": 1.0, "higher_is_worse": -1.0}.get(info.direction, 0.0)
    empty = dict(goal_id=goal.id, indicator=info.id, label=info.label, unit=info.unit,
                 desired=sign, pre_year=y0, post_year=None, plan_change=None,
                 peer_change=None, did=None, se=None, low=None, high=None,
                 bootstrap_low=None, bootstrap_high=None, placebo_rank=None, n_peers=0)
    if figures.plan.plan_indicator(goal.indicator) is not None:
        return GoalEffect(**empty, reason="eigen indicator van het plan: geen cijfers voor "
                                          "vergelijkingsgebieden")
    if not peers:
        return GoalEffect(**empty, reason="geen vergelijkingsgebieden")
    plan_values = figures.plan_series(goal.indicator).values
    wide = figures.area_values(goal.indicator, peers)
    if y0 not in plan_values.index or y0 not in wide.index:
        return GoalEffect(**empty, reason=f"geen cijfers in het basisjaar {y0}")
    candidates = [y for y in plan_values.index if y > y0 and y in wide.index
                  and wide.loc[y].notna().sum() >= 3]
    if not candidates:
        return GoalEffect(**empty, reason="geen cijfers na het basisjaar")
    y1 = max(candidates)
    deltas = (wide.loc[y1] - wide.loc[y0]).dropna()
    n = len(deltas)
    if n < 3:
        return GoalEffect(**empty, reason="minder dan drie vergelijkingsgebieden met cijfers")
    plan_change = float(plan_values[y1] - plan_values[y0])
    peer_change = float(deltas.mean())
    did = plan_change - peer_change
    se = float(deltas.std(ddof=1) * np.sqrt(1 + 1 / n))
    t = stats.t.ppf(0.5 + LEVEL / 2, n - 1)
    low, high = did - t * se, did + t * se
    draws = rng.choice(deltas.to_numpy(), size=(BOOTSTRAP, n), replace=True).mean(axis=1)
    boot = plan_change - draws
    b_low, b_high = np.quantile(boot, [(1 - LEVEL) / 2, 0.5 + LEVEL / 2])
    # placebo: each peer's change against the mean of the other peers, oriented
    others = (deltas.sum() - deltas) / (n - 1)
    placebo = (deltas - others) * sign
    placebo_rank = float((placebo >= did * sign).mean()) if sign else None
    # oriented so that positive is favourable: the band (low, high) becomes
    # (low, high) * sign, whose smaller end decides
    oriented = sorted((low * sign, high * sign))
    if sign == 0:
        verdict = "niet te bepalen (indicator zonder richting)"
    elif oriented[0] > 0:
        verdict = "gunstiger dan vergelijkbare gebieden"
    elif oriented[1] < 0:
        verdict = "ongunstiger dan vergelijkbare gebieden"
    else:
        verdict = "geen duidelijk verschil"
    pre = [y for y in plan_values.index if y < y0 and y in wide.index
           and wide.loc[y].notna().sum() >= 3]
    pre_did = None
    if pre:
        yp = min(y for y in pre if y >= y0 - 4) if any(y >= y0 - 4 for y in pre) else max(pre)
        pre_deltas = (wide.loc[y0] - wide.loc[yp]).dropna()
        if len(pre_deltas) >= 3:
            pre_did = float(plan_values[y0] - plan_values[yp] - pre_deltas.mean())
    return GoalEffect(goal.id, info.id, info.label, info.unit, sign, y0, int(y1), plan_change,
                      peer_change, did, se, float(low), float(high), float(b_low),
                      float(b_high), placebo_rank, n, pre_did, float(plan_values[y0]), verdict)
