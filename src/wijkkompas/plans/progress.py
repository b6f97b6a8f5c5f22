"""Progress of a plan: per goal and milestone the current value and the trajectory.

Method (stated in every result as ``method``)
---------------------------------------------
Let ``b`` be the baseline value in year ``y0`` (the plan area's value from the store,
see :mod:`wijkkompas.plans.figures`, or the value written in the plan), ``T`` the target
value in year ``Y`` and ``L`` the latest year with a figure after ``y0``.

1. **Target value** ``T`` from the way the target is written:
   ``value``: T = value; ``change_pct``: T = b (1 + p/100);
   ``close_gap``: T = b + p/100 (r - b), with r the reference group's value in the
   baseline year (a fixed target); ``way``: T = b + p/100 (T_end - b).
2. The **desired direction** is the sign of ``T - b`` (a target below the baseline asks
   for a decrease), so a goal reads correctly whatever the indicator's direction. When
   ``T = b`` (hold the line) the indicator's catalog direction decides.
3. A target whose year has passed (``Y <= L``, with ``L`` the newest year of any of
   the plan's goals) is **gehaald** (met) when the value in
   year ``Y`` is at the target or on the desired side of it, else **niet gehaald**; no
   figure for year ``Y`` (a register that stopped) makes it *niet meetbaar*.
4. A target in the future (``Y > L``) is judged against the **linear path** from
   ``(y0, b)`` to ``(Y, T)``: the share of the way covered, ``f = (v_L - b)/(T - b)``,
   is compared with the share of time passed, ``p = (L - y0)/(Y - y0)``. Within
   ``TOLERANCE`` (0.10, i.e. ten percent of the planned change) it is **op koers**
   (on track), above **voor** (ahead), below **achter** (behind).
5. **Niet meetbaar** (not measurable): no baseline, no figures after the baseline, or
   no reference value for a ``close_gap`` target.

The plan summary counts milestones whose year has passed ("21 van 31 tussendoelen
gehaald", as the NPRZ midterm review counted) and the state of the end targets.
A straight line is the simplest honest yardstick; real change is rarely linear (a
recession, a new register), so "achter" is a signal to look, not a verdict.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import pandas as pd

from ..catalog import Catalog
from ..store import Store
from .figures import GroupSeries, IndicatorInfo, PlanFigures, indicator_info
from .model import Goal, Plan, Target

TOLERANCE = 0.10
STATUS = {
    "gehaald": {"nl": "gehaald", "en": "met"},
    "niet_gehaald": {"nl": "niet gehaald", "en": "missed"},
    "op_koers": {"nl": "op koers", "en": "on track"},
    "voor": {"nl": "voor op schema", "en": "ahead"},
    "achter": {"nl": "achter op schema", "en": "behind"},
    "niet_meetbaar": {"nl": "niet meetbaar", "en": "not measurable"},
}
METHOD = ("lineair pad van nulmeting naar doel, vergeleken met het laatste cijfer; "
          f"marge {int(TOLERANCE * 100)}% van de beoogde verandering")


@dataclass
class TargetProgress:
    goal_id: str
    kind: str                   # "tussendoel" (milestone) or "einddoel" (end target)
    year: int
    written_as: str             # the target as written, in words
    target_value: float | None
    value: float | None         # the figure for ``year`` (due) or the latest (pending)
    value_year: int | None
    expected_value: float | None    # on the linear path at value_year
    share_of_way: float | None      # (v - b) / (T - b)
    status: str
    reason: str = ""
    due: bool = False   # the target year has passed: the plan's latest figures reach it

    def to_dict(self) -> dict:
        out = dict(vars(self))  # plain values only: asdict's deep copy costs a summary ms
        out["status_label"] = STATUS[self.status]["nl"]
        return out


@dataclass
class GoalProgress:
    goal: Goal
    indicator: IndicatorInfo
    baseline_year: int
    baseline_value: float | None
    baseline_source: str
    series: GroupSeries | None
    reference: GroupSeries | None
    latest_year: int | None
    latest_value: float | None
    end: TargetProgress
    milestones: list[TargetProgress]
    notes: list[str] = field(default_factory=list)
    method: str = METHOD

    @property
    def status(self) -> str:
        return self.end.status

    def to_dict(self) -> dict:
        return {
            "goal": self.goal.id, "title": self.goal.title, "pillar": self.goal.pillar,
            "indicator": self.indicator.id, "indicator_label": self.indicator.label,
            "unit": self.indicator.unit, "direction": self.indicator.direction,
            "baseline": {"year": self.baseline_year, "value": self.baseline_value,
                         "source": self.baseline_source},
            "latest": {"year": self.latest_year, "value": self.latest_value},
            "end_target": self.end.to_dict(),
            "milestones": [m.to_dict() for m in self.milestones],
            "series": _series_dict(self.series),
            "reference": ({"name": self.reference.name, "label": self.reference.label,
                           "values": _series_dict(self.reference)} if self.reference else None),
            "aggregation": self.series.method if self.series else None,
            "notes": self.notes, "method": self.method,
        }


@dataclass
class PlanProgress:
    plan: Plan
    goals: list[GoalProgress]
    notes: list[str]
    as_of: int | None                # the latest year with any figure

    @property
    def milestones(self) -> list[TargetProgress]:
        return [m for g in self.goals for m in g.milestones]

    def counts(self) -> dict:
        due = [m for m in self.milestones if m.due]
        return {
            "milestones": len(self.milestones),
            "milestones_due": len(due),
            "milestones_met": sum(m.status == "gehaald" for m in due),
            "milestones_missed": sum(m.status == "niet_gehaald" for m in due),
            "milestones_not_measurable": sum(m.status == "niet_meetbaar" for m in due),
            "milestones_pending": len(self.milestones) - len(due),
            "end_targets": {s: sum(g.end.status == s for g in self.goals) for s in STATUS
                            if any(g.end.status == s for g in self.goals)},
        }

    def headline_short(self, language: str = "nl") -> str:
        c = self.counts()
        measured = c["milestones_met"] + c["milestones_missed"]
        return (f"{c['milestones_met']} of {measured} interim targets met" if language == "en"
                else f"{c['milestones_met']} van {measured} tussendoelen gehaald")

    def headline(self, language: str = "nl") -> str:
        """``21 van 31 tussendoelen gehaald`` (of the milestones whose year has passed)."""
        c = self.counts()
        measured = c["milestones_met"] + c["milestones_missed"]
        if language == "en":
            text = f"{c['milestones_met']} of {measured} interim targets met"
        else:
            text = f"{c['milestones_met']} van {measured} tussendoelen gehaald"
        extra = []
        if c["milestones_not_measurable"]:
            extra.append(f"{c['milestones_not_measurable']} niet meetbaar" if language == "nl"
                         else f"{c['milestones_not_measurable']} not measurable")
        if c["milestones_pending"]:
            extra.append(f"{c['milestones_pending']} nog niet aan de beurt" if language == "nl"
                         else f"{c['milestones_pending']} not yet due")
        return text + (f" ({'; '.join(extra)})" if extra else "")

    def to_dict(self) -> dict:
        return {"plan": self.plan.id, "title": self.plan.title, "as_of": self.as_of,
                "headline": self.headline(), "headline_short": self.headline_short(),
                "counts": self.counts(), "method": METHOD,
                "goals": [g.to_dict() for g in self.goals], "notes": self.notes}


def _series_dict(series: GroupSeries | None) -> dict:
    if series is None:
        return {}
    return {int(y): float(v) for y, v in series.values.items()}


# -- computing -------------------------------------------------------------------------

def target_value(target: Target, baseline: float | None, figures: PlanFigures, goal: Goal,
                 baseline_year: int, end_value: float | None = None) -> tuple[float | None, str]:
    """The target as a number (formula 1 of the module docstring) and why it is None."""
    if target.kind == "value":
        return target.amount, ""
    if baseline is None:
        return None, "geen nulmeting"
    if target.kind == "change_pct":
        return baseline * (1 + target.amount / 100), ""
    if target.kind == "close_gap":
        assert target.reference is not None  # the plan model requires one for close_gap
        reference = figures.reference_series(target.reference, goal.indicator)
        r = reference.at(baseline_year) if reference is not None else None
        if r is None:
            return None, (f"geen cijfer van {figures.plan.reference_label(target.reference)} "
                          f"in {baseline_year}")
        return baseline + target.amount / 100 * (r - baseline), ""
    if end_value is None:
        return None, "einddoel niet te berekenen"
    return baseline + target.amount / 100 * (end_value - baseline), ""


def _judge(goal_id: str, kind: str, target: Target, t_value: float | None, why: str,
           baseline: float | None, y0: int, series: GroupSeries | None, direction: str,
           unit: str, as_of: int | None) -> TargetProgress:
    written = target.describe(unit)
    values = series.values if series is not None else pd.Series(dtype=float)
    after = values[values.index > y0]
    latest_year = int(after.index.max()) if len(after) else None
    as_of = as_of if as_of is not None else latest_year
    due = as_of is not None and target.year <= as_of

    def result(status, value=None, year=None, expected=None, share=None, reason=""):
        return TargetProgress(goal_id, kind, target.year, written, t_value, value, year,
                              expected, share, status, reason, due)

    if baseline is None:
        return result("niet_meetbaar", reason="geen nulmeting")
    if t_value is None:
        return result("niet_meetbaar", reason=why)
    if latest_year is None:
        return result("niet_meetbaar", reason=f"geen cijfers na de nulmeting ({y0})")
    gap = t_value - baseline
    # desired direction: +1 up, -1 down (formula 2)
    sign = (1.0 if gap > 0 else -1.0) if gap != 0 else (
        -1.0 if direction == "higher_is_worse" else 1.0 if direction == "higher_is_better" else 0.0)
    if due:
        if target.year not in values.index or pd.isna(values[target.year]):
            return result("niet_meetbaar", float(after[latest_year]), latest_year,
                          reason=f"geen cijfer voor {target.year} (laatste: {latest_year})")
        v = float(values[target.year])
        share = (v - baseline) / gap if gap else None
        met = sign * (v - t_value) >= -1e-9 if sign else abs(v - t_value) <= 1e-9
        return result("gehaald" if met else "niet_gehaald", v, target.year, t_value, share)
    v = float(after[latest_year])
    passed = (latest_year - y0) / (target.year - y0)
    expected = baseline + gap * passed
    if gap == 0:
        # hold the line: judged by the indicator's direction with a 10% band of the baseline
        band = TOLERANCE * abs(baseline) if baseline else TOLERANCE
        diff = sign * (v - baseline) if sign else -abs(v - baseline)
        status = "voor" if diff > band else "achter" if diff < -band else "op_koers"
        return result(status, v, latest_year, expected, None)
    share = (v - baseline) / gap
    status = ("voor" if share > passed + TOLERANCE else
              "achter" if share < passed - TOLERANCE else "op_koers")
    return result(status, v, latest_year, expected, share)


def goal_progress(goal: Goal, figures: PlanFigures, catalog: Catalog, *,
                  key: str = "goals", as_of: int | None = None) -> GoalProgress:
    """Progress of one goal; ``as_of`` is the plan's newest year with figures (targets up
    to that year are judged on their own year's figure, later ones on the path)."""
    plan = figures.plan
    info = indicator_info(plan, goal.indicator, catalog)
    y0 = int(goal.baseline.period[:4])
    series = figures.plan_series(goal.indicator, key=f"{key}.indicator")
    notes = list(series.notes) if series is not None else []
    baseline: float | None
    if goal.baseline.value is not None:
        baseline, source = goal.baseline.value, "vastgelegd in het plan"
        measured = series.at(y0) if series is not None else None
        if measured is not None and abs(measured - baseline) > 1e-6 * max(1, abs(baseline)):
            notes.append(f"nulmeting in het plan ({baseline:g}) wijkt af van het cijfer in de "
                         f"store ({measured:.3g}) voor {y0}")
    else:
        baseline = series.at(y0) if series is not None else None
        source = series.method if baseline is not None else "geen cijfer"
    if info.direction == "neutral":
        notes.append("indicator zonder richting (neutraal): de gewenste richting volgt uit het doel")
    reference_name = goal.reference or (goal.target.reference if goal.target.kind == "close_gap"
                                        else None) or "gemeente"
    reference = figures.reference_series(reference_name, goal.indicator)
    end_value, why = target_value(goal.target, baseline, figures, goal, y0)
    if end_value is not None and baseline is not None and info.direction != "neutral":
        wrong = (end_value - baseline) * (1 if info.direction == "higher_is_better" else -1) < 0
        if wrong:
            notes.append("let op: het doel vraagt een verandering in de ongunstige richting "
                         "van de indicator")
    end = _judge(goal.id, "einddoel", goal.target, end_value, why, baseline, y0, series,
                 info.direction, info.unit, as_of)
    milestones = []
    for m in sorted(goal.milestones, key=lambda t: t.year):
        value, why_m = target_value(m, baseline, figures, goal, y0, end_value)
        milestones.append(_judge(goal.id, "tussendoel", m, value, why_m, baseline, y0, series,
                                 info.direction, info.unit, as_of))
    values = series.values if series is not None else pd.Series(dtype=float)
    later = values[values.index > y0]
    latest_year = int(later.index.max()) if len(later) else None
    return GoalProgress(goal, info, y0, baseline, source, series, reference, latest_year,
                        float(later[latest_year]) if latest_year else None, end, milestones,
                        notes)


def progress(plan: Plan, store: Store, catalog: Catalog,
             figures: PlanFigures | None = None) -> PlanProgress:
    """Progress of every goal of a plan (see the module docstring for the method)."""
    figures = figures or PlanFigures(plan, store, catalog)
    figures.check_area()
    # a target is due once the plan's newest figures (any goal) reach its year: a goal
    # whose register stopped earlier is then "niet meetbaar", not judged on old figures
    years = []
    for i, g in enumerate(plan.goals):
        values = figures.plan_series(g.indicator, key=f"goals[{i}].indicator").values
        later = values[values.index > int(g.baseline.period[:4])]
        if len(later):
            years.append(int(later.index.max()))
    as_of = max(years) if years else None
    # a goal's progress follows from the figures, the goal as written (its repr holds
    # every field) and the catalog the figures were read with: the versions of a plan
    # that leave them as they are share it
    goals = [figures.derived(("goal_progress", repr(g), i, as_of), partial(
        goal_progress, g, figures, figures.catalog, key=f"goals[{i}]", as_of=as_of))
        for i, g in enumerate(plan.goals)]
    return PlanProgress(plan, goals, list(dict.fromkeys(figures.notes)), as_of)


def plan_summary(plan: Plan, store: Store, catalog: Catalog,
                 figures: PlanFigures | None = None) -> dict:
    """A JSON-ready summary of a plan and its progress, for an HTTP route or a page
    (``figures``: already read, see :func:`~wijkkompas.plans.figures.figures_key`)."""
    result = progress(plan, store, catalog, figures)
    budget: dict[str, float] = {}
    for m in plan.measures:
        budget[m.pillar] = budget.get(m.pillar, 0.0) + m.total_budget
    out = result.to_dict()
    out.update({
        "area": {"name": plan.area.name, "codes": plan.area.codes, "vintage": plan.area.vintage,
                 "level": plan.area.level, "gemeente": plan.area.gemeente},
        "horizon": {"start": plan.start, "end": plan.end}, "version": plan.version,
        "pillars": [{"id": p.id, "label": p.label,
                     "goals": [g.id for g in plan.goals if g.pillar == p.id],
                     "measures": [m.id for m in plan.measures if m.pillar == p.id],
                     "budget": budget.get(p.id, 0.0)} for p in plan.pillars],
        "budget_total": sum(budget.values()),
    })
    return out
