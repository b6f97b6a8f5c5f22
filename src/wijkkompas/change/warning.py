"""Early warning (vroegsignalering): areas that still score acceptably but are sliding.

Assumptions
-----------
- "Acceptable" = the area's class in the latest period of the score panel is below the
  vulnerable classes (``worst_from``; default decile 9, i.e. not among the most
  vulnerable fifth). Areas already vulnerable are the regular programme's business.
- Signals are read from trends on one boundary vintage (:mod:`.trends`), in the
  direction of the catalog ("declining" always means getting worse).

Notes
-----
An acceptable area is listed when at least one signal holds:

1. **decline**: the composite's trend is *declining* (significant and above the noise,
   see :func:`~wijkkompas.change.trends.trends`), or one of the scheme's indicators is
   declining **and** worsened faster than ``percentile`` (0.9) of the areas of the
   level (``change_percentile``);
2. **acceleration**: the composite or an indicator got worse in the last step, faster
   than ``percentile`` of the areas, and faster than in the step before (the slope of
   the last step exceeds that of the previous one in the worsening direction);
3. **neighbours** (with ``spatial=True``): the mean change of the composite among the
   area's neighbours (spatial lag, Queen contiguity) is among the worst
   1 - ``percentile`` of all areas: problems may be crossing the border (the
   "waterbed effect").

``priority`` = number of signals + the largest ``change_percentile`` among the area's
declining measures (so between 0 and 4); the list is sorted by it. Reasons are phrased
in Dutch and English from the figures, e.g. "moeite met rondkomen steeg van 12,0%
(2012) naar 17,5% (2020), sneller dan 95% van de buurten".
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ..analysis.classes import order_of
from ._common import LEVEL_PLURAL, fmt_number, label_of, percentile_rank, unit_of

WARNING_COLUMNS = ["code", "name", "level", "vintage", "period", "class", "vulnerability",
                   "signals", "decline", "acceleration", "neighbours", "priority",
                   "reasons_nl", "reasons_en"]


# (value, language, digits, unit) -> text: the CLI's plain format, or a web page's locale
NumberFormat = Callable[[float, str, int, str], str]


@dataclass(frozen=True)
class Reason:
    """One reason an area is listed (see the module Notes), as data: :func:`phrase` puts
    it in words in a language with a number format, so that the CLI keeps its own texts
    and a web page shows the figures in its locale."""
    kind: str                          # "decline", "acceleration" or "neighbours"
    indicator: str = ""
    first_value: float = float("nan")
    last_value: float = float("nan")
    first_year: object = None
    last_year: object = None
    percent: int = 90                  # faster than this % of the areas of the level
    digits: int = 1
    unit: str = ""


@dataclass
class WarningResult:
    table: pd.DataFrame             # WARNING_COLUMNS, most urgent first
    trends: object                  # TrendResult of indicators and scores (None: no list)
    panel: object
    notes: list[str] = field(default_factory=list)
    # the periods with a composite on the scheme's yardstick; fewer than two: no list, as
    # nothing can have declined (the notes say so)
    composite_periods: list[str] = field(default_factory=list)
    # per listed area its reasons as data (the table's reasons_nl/_en are their words)
    details: dict[str, list[Reason]] = field(default_factory=dict)
    level: str = ""
    catalog: object = None

    def reasons(self, code: str, language: str = "nl",
                number: NumberFormat | None = None) -> list[str]:
        """The area's reasons in ``language``; with ``number`` its figures in that
        format, else as in the table."""
        if number is not None:
            return [phrase(r, self.catalog, self.level, language, number)
                    for r in self.details.get(code, [])]
        row = self.table[self.table["code"] == code]
        if row.empty:
            return []
        return [r for r in row.iloc[0][f"reasons_{language}"].split(" | ") if r]


def phrase(reason: Reason, catalog, level: str, language: str,
           number: NumberFormat = fmt_number) -> str:
    """A reason in words: "moeite met rondkomen steeg van 12,0% (2012) naar 17,5% (2020),
    sneller dan 95% van de buurten"."""
    plural = LEVEL_PLURAL[language].get(level, level)
    if reason.kind == "neighbours":
        return (f"de buren gingen er sterker op achteruit dan bij 90% van de {plural}"
                if language == "nl" else
                f"its neighbours declined more than those of 90% of {plural}")
    label = label_of(reason.indicator, catalog, language)
    label = label[0].lower() + label[1:]
    if reason.kind == "acceleration":
        if language == "nl":
            return (f"{label}: de verslechtering versnelt tot {reason.last_year} (sneller "
                    f"dan {reason.percent}% van de {plural} in de laatste stap)")
        return (f"{label}: the decline is accelerating up to {reason.last_year} (faster "
                f"than {reason.percent}% of {plural} in the last step)")
    a = number(reason.first_value, language, reason.digits, reason.unit)
    b = number(reason.last_value, language, reason.digits, reason.unit)
    up = reason.last_value > reason.first_value
    if language == "nl":
        verb = "steeg" if up else "daalde"
        return (f"{label} {verb} van {a} ({reason.first_year}) naar {b} "
                f"({reason.last_year}), sneller dan {reason.percent}% van de {plural}")
    verb = "rose" if up else "fell"
    return (f"{label} {verb} from {a} ({reason.first_year}) to {b} "
            f"({reason.last_year}), faster than {reason.percent}% of {plural}")


def _decline(row, catalog) -> Reason:
    unit = unit_of(row.indicator, catalog)
    digits = 0 if unit in ("aantal", "euro", "x 1000 euro") and abs(row.last_value) > 100 \
        else (2 if row.indicator == "vulnerability" or row.indicator.startswith("domain_")
              else 1)
    return Reason("decline", row.indicator, row.first_value, row.last_value, row.first_year,
                  row.last_year, int(np.floor(100 * row.change_percentile)), digits, unit)


def _last_steps(frame: pd.DataFrame, sign: pd.Series) -> pd.DataFrame:
    """Worsening per year in the last and the previous step of every series."""
    last = frame.sort_values("year").groupby(["area_code", "indicator"]).tail(3).copy()
    last["pos"] = last.groupby(["area_code", "indicator"]).cumcount(ascending=False)
    wide = last.pivot_table(index=["area_code", "indicator"], columns="pos",
                            values=["year", "value"], aggfunc="first")
    wide = wide.dropna()
    if wide.empty or not {0, 1, 2} <= set(wide["year"].columns):  # two steps need 3 years
        return pd.DataFrame(columns=["area_code", "indicator", "last_step", "previous_step"])
    y, v = wide["year"], wide["value"]
    s = wide.index.get_level_values("indicator").map(sign).to_numpy(dtype=float)
    out = pd.DataFrame({"last_step": s * (v[0] - v[1]) / (y[0] - y[1]),
                        "previous_step": s * (v[1] - v[2]) / (y[1] - y[2])})
    return out.reset_index()


def early_warning(store, catalog, scheme=None, *, level: str = "buurt", periods=None,
                  vintage: int | None = None, within: str | None = None,
                  worst_from: int | None = None, percentile: float = 0.9,
                  alpha: float = 0.05, spatial: bool = False, panel=None) -> WarningResult:
    """Rank the acceptable areas that show a decline (see the module Notes for the rules)."""
    from ..schemes import load_scheme
    from ._common import direction_of, sign_of
    from .panel import score_panel
    from .trends import class_rank, trends

    scheme = scheme or load_scheme(None, catalog)
    panel = panel or score_panel(store, catalog, scheme, level=level, periods=periods,
                                 vintage=vintage, within=within)
    notes = list(panel.notes)
    scored = panel.table.dropna(subset=["vulnerability"])["period"]
    composite_periods = [p for p in panel.periods if (scored == p).any()]
    if len(composite_periods) < 2:
        notes.append(f"no early warning: the composite exists in {len(composite_periods)} "
                     f"period(s) on this scheme's yardstick "
                     f"({', '.join(composite_periods) or 'none'}); a decline needs two")
        return WarningResult(table=pd.DataFrame(columns=WARNING_COLUMNS), trends=None,
                             panel=panel, notes=notes, composite_periods=composite_periods)
    last_period = composite_periods[-1]  # the classes of the latest composite
    latest = panel.table[panel.table["period"] == last_period].set_index("code")
    k = 10 if panel.class_system == "deciles" else len(order_of(panel.class_system))
    worst_from = worst_from or (9 if panel.class_system == "deciles" else k - 1)
    cls = pd.Series(class_rank(latest["class"], panel.class_system), index=latest.index)
    acceptable = cls[cls < worst_from].index
    # trends of the scheme's indicators (as stored) and of the scores
    raw = [i for i in scheme.raw_indicators() if i in catalog]
    obs = store.observations(indicators=raw, level=level, vintage=panel.vintage,
                             periods=panel.periods, within=within)
    obs = obs[obs["indicator"] != scheme.population] if scheme.population else obs
    long = pd.concat([obs, panel.long(["vulnerability"])], ignore_index=True)
    tr = trends(long, catalog, vintage=panel.vintage, alpha=alpha)
    t = tr.table
    t = t[t["area_code"].isin(acceptable)]
    is_score = t["indicator"] == "vulnerability"
    decline = t[(t["trend"] == "declining") & (is_score | (t["change_percentile"] >= percentile))]
    # acceleration: last step worse than the step before, and fast
    sign = pd.Series({i: sign_of(direction_of(i, catalog)) for i in long["indicator"].unique()})
    usable = long[long["status"].isin(("observed", "estimated")) & long["value"].notna()]
    steps = _last_steps(usable[usable["area_code"].isin(acceptable)]
                        if len(acceptable) < len(latest) else usable, sign)
    all_steps = _last_steps(usable, sign) if len(acceptable) < len(latest) else steps
    all_steps["last_pct"] = all_steps.groupby("indicator")["last_step"].transform(
        lambda s: pd.Series(percentile_rank(s.to_numpy()), index=s.index))
    acc = all_steps[all_steps["area_code"].isin(acceptable)
                    & (all_steps["last_step"] > 0) & (all_steps["last_step"]
                                                      > all_steps["previous_step"])
                    & (all_steps["last_pct"] >= percentile)]
    neighbours = pd.Series(False, index=acceptable)
    if spatial:
        from .spatial import spatial_lag, weights_for
        change = (panel.wide("vulnerability").iloc[:, -1]
                  - panel.wide("vulnerability").iloc[:, 0]).dropna()
        sw = weights_for(store, level, change.index)
        notes += sw.notes
        lag = spatial_lag(change, sw.w)
        lag_pct = pd.Series(percentile_rank(lag.to_numpy()), index=lag.index)
        neighbours = (lag_pct.reindex(acceptable) >= percentile).fillna(False)
    rows = []
    details: dict[str, list[Reason]] = {}
    flagged = set(decline["area_code"]) | set(acc["area_code"]) | set(
        neighbours[neighbours].index)
    acc = acc.merge(t[["area_code", "indicator", "last_year"]], on=["area_code", "indicator"])
    # plain records grouped once: per-area pandas calls are slow for thousands of areas
    by_decline: dict[str, list] = {}
    for rec in decline.sort_values("change_percentile", ascending=False).to_dict("records"):
        by_decline.setdefault(rec["area_code"], []).append(SimpleNamespace(**rec))
    by_acc: dict[str, list] = {}
    for rec in acc.to_dict("records"):
        by_acc.setdefault(rec["area_code"], []).append(SimpleNamespace(**rec))
    for code in flagged:
        d = by_decline.get(code, [])
        a = by_acc.get(code, [])
        nb = bool(neighbours.get(code, False))
        why = [_decline(r, catalog) for r in d]
        why += [Reason("acceleration", r.indicator, last_year=int(r.last_year),
                       percent=int(100 * r.last_pct)) for r in a]
        why += [Reason("neighbours")] if nb else []
        details[code] = why
        reasons = {lang: [phrase(r, catalog, level, lang) for r in why] for lang in ("nl", "en")}
        signals = int(len(d) > 0) + int(len(a) > 0) + int(nb)
        pct = max([0.0] + [r.change_percentile for r in d if np.isfinite(r.change_percentile)]
                  + [r.last_pct for r in a])
        rows.append(dict(code=code, name=latest.at[code, "name"], level=level,
                         vintage=panel.vintage, period=last_period,
                         **{"class": latest.at[code, "class"]},
                         vulnerability=latest.at[code, "vulnerability"], signals=signals,
                         decline=len(d) > 0, acceleration=len(a) > 0, neighbours=nb,
                         priority=signals + pct, reasons_nl=" | ".join(reasons["nl"]),
                         reasons_en=" | ".join(reasons["en"])))
    table = pd.DataFrame(rows, columns=WARNING_COLUMNS)
    table = table.sort_values(["priority", "vulnerability"], ascending=False).reset_index(
        drop=True)
    notes.append(f"{len(acceptable)} of {int(latest['class'].notna().sum())} areas with a "
                 f"class are acceptable (class below {worst_from} in {last_period}); "
                 f"{len(table)} of them show a signal")
    return WarningResult(table=table, trends=tr, panel=panel, notes=notes + tr.notes,
                         composite_periods=composite_periods, details=details, level=level,
                         catalog=catalog)
