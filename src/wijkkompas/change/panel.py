"""Score panels: the composite, domain scores and classes of every area over several periods.

:func:`score_panel` runs :func:`wijkkompas.analysis.engine.score_frame` once per period,
**on one boundary vintage** (codes of different vintages are different areas), and
stacks the tables. The change modules (trends, transitions, early warning, peers) read
composites and classes from it.

Notes
-----
Scores are standardised per period against that period's reference group (z-scores,
percentiles, ...), so a change in composite is a change in *relative position*: an area
whose figures all improve as much as everyone else's keeps its score.

**One yardstick.** A composite compares with another period's only when both rest on the
same measure: the same domains and, in each, the same indicators entered
(:attr:`~wijkkompas.analysis.engine.ScoreResult.measure`). The panel takes the measure of
its latest period with composites as its yardstick; in periods on another measure the
composite, rank and class are left empty (so no change, trend or transition is computed
across them), and a domain score is left empty where that domain's indicators differ.
The panel's ``notes`` say which periods and why (``regie_eigen_leven`` starts in 2016 and
housing nuisance in 2020 in the bundled health table: different measures). Where no
period has composites, each domain score is compared only on the indicators its domain
has in the latest period (:func:`one_yardstick`).

**One observation once.** A peiljaar takes each indicator's latest figure of the years
Y-k..Y, so two periods can rest on the very same figures (the bundled wijken: the
Kerncijfers 2022 are 2024's figures too). Such a repeat is no observed change and is left
out of the panel with a note (:func:`same_figures`), so that no trend, transition or
warning counts it as "stable".
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import WijkkompasError


@dataclass
class ScorePanel:
    """One row per area and period: code, name, level, vintage, period, year,
    vulnerability, class, rank, percentile_national, flags, domain_* (see scores)."""

    table: pd.DataFrame
    level: str
    vintage: int
    periods: list[str]
    class_system: str
    domains: dict[str, list[str]]
    results: dict = field(default_factory=dict, repr=False)  # period -> ScoreResult
    measures: dict[str, tuple] = field(default_factory=dict)  # period -> measure scored
    notes: list[str] = field(default_factory=list)

    def wide(self, column: str = "class") -> pd.DataFrame:
        """Areas x periods of one column (``class``, ``vulnerability``, ``domain_...``)."""
        out = self.table.pivot(index="code", columns="period", values=column)
        return out.reindex(columns=self.periods)

    def long(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The panel in the store's long layout (indicator = vulnerability / domain_...),
        so that :func:`wijkkompas.change.trends.trends` can read it."""
        columns = columns or ["vulnerability"] + [c for c in self.table.columns
                                                  if c.startswith("domain_")]
        frame = self.table.melt(id_vars=["code", "name", "level", "vintage", "period", "year"],
                                value_vars=columns, var_name="indicator", value_name="value")
        frame = frame.rename(columns={"code": "area_code"})
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
        frame["status"] = frame["value"].notna().map({True: "observed", False: "missing"})
        frame["source"] = "score"
        return frame.dropna(subset=["value"]).reset_index(drop=True)


def score_panel(data, catalog, scheme=None, *, level: str = "buurt", periods=None,
                vintage: int | None = None, within: str | None = None,
                method: str | None = None) -> ScorePanel:
    """Score every period of one vintage and stack the results.

    Parameters
    ----------
    data
        A :class:`~wijkkompas.store.Store`, or an :class:`~wijkkompas.analysis.inputs.Inputs`.
    scheme
        A :class:`~wijkkompas.schemes.Scheme`; None loads the default scheme.
    periods
        Periods to score; default every period of the vintage with the scheme's figures.
    vintage
        Boundary vintage; default the vintage with the most periods of the scheme's
        indicators at this level (then the most figures).

    The default panel of a store (no periods, vintage, within or other method given) is
    read from the results ``wijkkompas build`` stored for the store's current data
    (:func:`wijkkompas.analysis.results.stored_panel`), the same panel as scored here.
    """
    from ..analysis.engine import score_frame
    from ..analysis.inputs import Inputs, load_inputs
    from ..schemes import load_scheme

    scheme = scheme or load_scheme(None, catalog)
    default = periods is None and vintage is None and within is None and \
        method in (None, scheme.method)
    if default and not isinstance(data, Inputs):
        from ..analysis.results import stored_panel

        built = stored_panel(data, catalog, scheme, level)
        if built is not None:
            return stack(built.results, built.failed, scheme, level=level,
                         vintage=built.vintage, periods=built.periods)
    inputs = (data if isinstance(data, Inputs)
              else Inputs(*load_inputs(data, scheme), population=scheme.population))
    vintage, periods = panel_choice(inputs, scheme, level, vintage, periods)
    results, failed = {}, {}
    for period in periods:
        try:
            results[period] = score_frame(inputs, None, catalog, scheme, level=level,
                                          period=period, within=within, method=method,
                                          vintage=vintage)
        except WijkkompasError as exc:
            failed[period] = str(exc)
    return stack(results, failed, scheme, level=level, vintage=vintage, periods=periods)


def panel_choice(inputs, scheme, level: str, vintage: int | None = None,
                 periods=None) -> tuple[int, list[str]]:
    """The vintage and periods of a level's panel: given, or by default the vintage of
    :func:`_panel_vintage` and every period in which it has figures of at least two of
    the scheme's indicators (of one, where no period has two)."""
    obs = inputs.obs[inputs.obs["_level"] == level]
    if obs.empty:
        raise WijkkompasError(f"no figures of the scheme's indicators for level {level!r}")
    if vintage is None:
        vintage = _panel_vintage(obs, scheme)
    if periods is None:
        v = obs[obs["vintage"] == vintage]
        per = v.groupby("period")["indicator"].nunique()
        periods = sorted(per[per >= min(2, per.max())].index, key=lambda p: (len(p), p))
    return int(vintage), [str(p) for p in periods]


def stack(results: dict, failed: dict[str, str], scheme, *, level: str, vintage: int,
          periods: list[str]) -> ScorePanel:
    """The panel of the ``results`` of ``periods`` (period -> ScoreResult; ``failed``:
    period -> why it could not be scored), on one yardstick (:func:`one_yardstick`)."""
    tables, domains, notes = [], {}, []
    for period in periods:
        if period in failed:
            notes.append(f"{period}: not scored ({failed[period]})")
            continue
        result = results[period]
        domains[period] = list(result.domains)
        table = result.table.copy()
        table["year"] = int(str(period)[:4])
        tables.append(table)
    if not tables:
        raise WijkkompasError(f"no period could be scored at level {level} on the "
                              f"{vintage} boundaries")
    table = pd.concat(tables, ignore_index=True)
    table["period"] = table["period"].astype(str)
    scored = {p: results[p] for p in periods if p not in failed}
    measures = {p: r.measure for p, r in scored.items()}
    entered = {p: _entered(r, scheme) for p, r in scored.items()}
    notes += one_yardstick(table, measures, {p: r.statement for p, r in scored.items()},
                           entered)
    notes += same_figures(table, scheme, entered)
    notes.append("scores are standardised per period: a change in score is a change in "
                 "position relative to the reference group, not in absolute level")
    return ScorePanel(table=table, level=level, vintage=int(vintage),
                      periods=[p for p in periods if p in scored],
                      class_system=scheme.classes, domains=domains, results=scored,
                      measures=measures, notes=notes)


def _panel_vintage(obs: pd.DataFrame, scheme) -> int:
    """The vintage with the most area-periods on the whole yardstick: per period the
    number of areas with a figure in its *least* covered domain, summed over periods
    (a vintage where one domain reaches few areas, or only in one period, loses)."""
    domain_of = {(s.derived.numerator if s.derived else s.id): s.domain
                 for s in scheme.indicators.values()}
    rows = obs[obs["indicator"].isin(list(domain_of))]
    if rows.empty:  # only the population, say: nothing to score on any vintage
        raise WijkkompasError(f"no figures of the scheme's scored indicators at level "
                              f"{obs['_level'].iloc[0]!r}")
    rows = rows.assign(domain=rows["indicator"].map(domain_of))
    areas = rows.groupby(["vintage", "period", "domain"])["area_code"].nunique()
    wide = areas.unstack("domain").reindex(columns=scheme.yardstick).fillna(0)
    score = wide.min(axis=1).groupby(level="vintage").sum()
    return int(score.sort_values(ascending=False, kind="stable").index[0])


COMPOSITE_COLUMNS = ("vulnerability", "class", "rank", "rank_national", "percentile_national",
                     "rank_gemeente", "percentile_gemeente", "flags", "flagged_domains")


def _entered(result, scheme) -> tuple | None:
    """Per domain of the yardstick the indicators that entered ``result`` (the coverage
    rule passed in a reference group), as a measure; None when the result has no
    coverage counts to tell."""
    if not len(result.coverage):
        return None
    ids = result.entered()
    return tuple((d, tuple(i for i in scheme.domains[d].indicators if i in ids))
                 for d in scheme.yardstick)


def _latest(periods) -> str:
    return max(periods, key=lambda p: (len(p), p))


def one_yardstick(table: pd.DataFrame, measures: dict[str, tuple],
                  statements: dict[str, str | None],
                  entered: dict[str, tuple | None] | None = None) -> list[str]:
    """Blank (in place) what does not compare with the panel's yardstick; the reasons.

    The yardstick is the measure of the latest period with composites. Other periods
    keep their composites only on that same measure, and each domain score only where
    the domain's indicators are the same; a period without composites keeps no domain
    score either (they are standardised against another reference group). Where no
    period has composites, every period's domain scores are against all areas with a
    figure, and a domain score is kept only where the domain's ``entered`` indicators
    (:func:`_entered`) are those of the latest period: a domain of crime alone in one
    year and of crime and another figure in the next is two measures.
    """
    from ..analysis.yardstick import comparable, describe

    notes = [f"{p}: no composite ({text})" for p, text in statements.items() if text]
    scored = [p for p in measures if not statements.get(p)]
    if not scored:
        notes.append("no period has composites: no change in composite is computed")
        known = {p: m for p, m in (entered or {}).items() if m is not None}
        if known:
            reference_period = _latest(known)
            _same_domains(table, known, reference_period, notes)
        return notes
    reference_period = _latest(scored)
    reference = measures[reference_period]
    for period, measure in measures.items():
        rows = (table["period"] == period).to_numpy()
        if statements.get(period) or not comparable(measure, reference):
            table.loc[rows, [c for c in COMPOSITE_COLUMNS if c in table]] = None
            if not statements.get(period):
                notes.append(f"{period}: composite not compared: its yardstick "
                             f"({describe(measure)}) differs from {reference_period}'s "
                             f"({describe(reference)})")
        if statements.get(period):  # domain scores against another reference group
            table.loc[rows, [f"domain_{d}" for d, _ in reference]] = None
    _same_domains(table, {p: m for p, m in measures.items() if not statements.get(p)},
                  reference_period, notes)
    return notes


def _same_domains(table: pd.DataFrame, measures: dict[str, tuple], reference_period: str,
                  notes: list[str]) -> None:
    """Blank each period's domain scores whose indicators differ from the reference
    period's (in place), with a note where there were any."""
    by_domain = dict(measures[reference_period])
    for period, measure in measures.items():
        rows = (table["period"] == period).to_numpy()
        for domain, ids in measure:
            column = f"domain_{domain}"
            if domain in by_domain and ids != by_domain[domain] and \
                    table.loc[rows, column].notna().any():
                table.loc[rows, column] = None
                notes.append(f"{period}: domain {domain} not compared: its indicators "
                             f"({', '.join(ids) or 'none'}) differ from {reference_period}'s "
                             f"({', '.join(by_domain[domain]) or 'none'})")


def same_figures(table: pd.DataFrame, scheme, entered: dict[str, tuple | None]) -> list[str]:
    """Blank (in place) a score that repeats the area's previous one; the reasons.

    With a period tolerance (a peiljaar takes each indicator's latest figure of the
    years Y-k..Y) two periods can rest on the very same figures: the Kerncijfers 2022
    stand in for 2024 too. A change between them is no observed change (its value is
    zero, or moves only because other areas have newer figures), so a domain score is
    left out of the panel where every figure it rests on (each entered indicator of the
    domain with its year, from ``indicator_years``) is the one of the area's previous
    period with that domain score; a composite where every figure of every domain is.
    The first period of an area is always kept; a score left out is never the one the
    next period is compared with.
    """
    from ..analysis.engine import parse_indicator_years

    if "indicator_years" not in table.columns or table.empty:
        return []
    columns = {d: f"domain_{d}" for d in scheme.yardstick if f"domain_{d}" in table.columns}
    keys: dict[tuple, tuple[str, ...]] = {}

    def figures(text, period) -> tuple[str, ...]:
        """Per domain, then for the whole, the entered figures with their years."""
        if (text, period) not in keys:
            years = parse_indicator_years(text)
            ids = dict(entered.get(period) or ())
            per = [";".join(f"{i} {years[i]}" for i in ids.get(d, ()) if i in years)
                   for d in columns]
            keys[(text, period)] = (*per, "|".join(per) if any(per) else "")
        return keys[(text, period)]

    order = table.assign(_p=table["period"].str.len()).sort_values(
        ["code", "_p", "period"], kind="stable").index
    ordered = table.loc[order]
    found = pd.DataFrame([figures(t, p) for t, p in zip(
        ordered["indicator_years"], ordered["period"], strict=True)],
        index=order, columns=[*columns, "_composite"])
    counts: dict[tuple, int] = {}
    for domain, column in [*columns.items(), (None, "vulnerability")]:
        if column not in table.columns:
            continue
        key = found["_composite" if domain is None else domain]
        with_score = ordered[column].notna() & (key != "")
        code, key = ordered.loc[with_score, "code"], key[with_score]
        # the previous row with a score either was kept or repeats the one kept before
        repeat = (code == code.shift()) & (key == key.shift())
        rows = repeat.index[repeat.to_numpy()]
        if not len(rows):
            continue
        targets = [c for c in COMPOSITE_COLUMNS if c in table] if domain is None else [column]
        for period, n in table.loc[rows, "period"].value_counts().items():
            counts[(period, domain)] = int(n)
        table.loc[rows, targets] = None
    return [f"{period}: {'composite' if domain is None else 'domain ' + domain} of "
            f"{n:,} area(s) not compared: it rests on the same figures as the area's previous "
            f"period (no newer figure within the period tolerance)"
            for (period, domain), n in sorted(counts.items(), key=lambda kv: (
                len(kv[0][0]), kv[0][0], kv[0][1] is None, kv[0][1] or ""))]
