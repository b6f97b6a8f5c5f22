"""Why an area scores as it does: :func:`explain` and :class:`ExplainResult`.

The breakdown of one area's composite into its domains and indicators, with each
figure's year, the reference value and the contribution c = s x w x W (see
:mod:`~wijkkompas.analysis.engine` for the steps that produce them), and for every figure
that does not count, why (:data:`REASONS`): a line with a value and no standardised value
is never left for the reader to guess at.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..catalog import DOMAINS, Catalog
from ..errors import WijkkompasError
from ..periods import parse_period
from ..schemes import SCORE_DOMAINS, Scheme
from .engine import ScoreResult, score_frame
from .inputs import SCORABLE_LEVELS, Inputs, load_inputs
from .standardise import METHODS

# Why an indicator's line has no standardised value, in the order they are checked: the
# figure's own status first (the engine's step 1 and 4), then the coverage rule (step 5)
REASONS = {
    "suppressed": "suppressed by its source",
    "unreliable": "{population} residents, fewer than the {minimum} this figure needs: "
                  "left out as unreliable",
    "no_figure": "no figure of {first}-{year}",
    "coverage": "left out of every {level}'s score of {period}: it has a figure for "
                "{share} of the {level} areas this score could rank, fewer than the "
                "{minimum} a comparable score needs",
}
# why a domain of the scheme has no score (step 7)
DOMAIN_REASONS = {
    "too_few_indicators": "{counted} of its indicators count; it needs {minimum}",
}


@dataclass
class ExplainResult:
    """Why an area scores as it does.

    ``indicators``: per indicator (grouped by domain in :data:`SCORE_DOMAINS` order, the
    largest contribution first within a domain) the value, its period and ``year``,
    status, the reference statistics (mean/sd or median/MAD or N, on the oriented values),
    ``reference`` (the reference value in the indicator's own units, see
    :func:`_reference_values`), the standardised value s, the effective indicator weight
    w within its domain, the domain weight W within the composite and the contribution
    c = s x w x W; ``domain_score`` D and ``domain_contribution`` D x W of its domain,
    and the area's ``vulnerability``.
    For the linear methods (zscore, robust_z, index) the contributions of a domain add
    up to D x W and those of all indicators to the vulnerability.
    ``reason`` says why a line has no standardised value (a key of :data:`REASONS`; None
    when it counts) and ``coverage`` the share of the reference group's rankable areas
    that have a figure of the indicator (the coverage rule's count).
    ``domains``: per domain its score, scheme weight, ``effective_weight`` W (renormalised
    over the area's scored domains), ``contribution`` D x W, flag, ``counted`` (its
    indicators that count), ``min_indicators`` and ``reason`` (a key of
    :data:`DOMAIN_REASONS`; None when it has a score or is not in the scheme).
    ``drivers``: the indicators that push the score up most, largest first.
    """

    area: pd.Series
    row: pd.Series
    indicators: pd.DataFrame
    domains: pd.DataFrame
    drivers: list[str]
    result: ScoreResult

    def summary(self) -> str:
        r = self.row
        name = f" {r['name']}" if r["name"] else ""
        flagged = (f"{r['flags']} flagged domain(s)"
                   f"{': ' + r['flagged_domains'] if r['flags'] else ''}")
        if pd.notna(r["vulnerability"]):
            lines = [f"{r['code']}{name} ({r['level']}), period {r['period']}: "
                     f"vulnerability {r['vulnerability']:.3g}, rank {r['rank_national']} of "
                     f"the {self.result.level} level, class {r['class']}, {flagged}."]
        else:
            lines = [f"{r['code']}{name} ({r['level']}), period {r['period']}: no composite "
                     f"vulnerability, so no rank and no class: {self.no_composite()}; "
                     f"{flagged}."]
        if self.drivers:
            lines.append("Pushes the score up most: " + "; ".join(self.drivers) + ".")
        return "\n".join(lines)

    def no_composite(self) -> str:
        """Why the area has no composite, in words (its ``composite_status``)."""
        r = self.row
        status = r["composite_status"]
        if status == "below_min_population":
            return (f"{r['population']:,.0f} residents, fewer than the "
                    f"{self.result.scheme.rank_min_population:,} a ranked composite needs")
        if status == "population_unknown":
            return "its population is not known"
        missing = [d for d in str(r["missing_domains"] or "").split(",") if d]
        return (f"missing the yardstick's domain(s) {', '.join(missing)}" if missing
                else "not scored")

    def not_counted(self) -> list[tuple[str, str]]:
        """(label, why) of every line that does not count: its indicators first (in the
        table's order), then domains without a score; empty when everything counts."""
        out = [(line.label, self.reason_text(line))
               for line in self.indicators.itertuples() if isinstance(line.reason, str)]
        for d in self.domains.itertuples():
            if isinstance(d.reason, str):
                out.append((DOMAINS[d.domain]["nl"], DOMAIN_REASONS[d.reason].format(
                    counted=d.counted, minimum=d.min_indicators)))
        return out

    def reason_text(self, line) -> str:
        """Why one line of :attr:`indicators` does not count, in words (:data:`REASONS`)."""
        result = self.result
        spec = result.scheme.indicators[line.indicator]
        return REASONS[line.reason].format(
            population=f"{line.population:,.0f}", minimum=(
                f"{spec.min_population:,}" if line.reason == "unreliable"
                else f"{result.scheme.min_coverage:.0%}"),
            first=result.year - spec.tolerance, year=result.year, level=result.level,
            period=result.period, share=f"{line.coverage:.1%}")

    @property
    def indicators_add_up(self) -> bool:
        """Whether D = sum of s x w over a domain's indicators (no rank or exponential
        transform of the domain scores)."""
        return METHODS[self.result.method].domain_transform == "mean"

    @property
    def domains_add_up(self) -> bool:
        """Whether the vulnerability = sum of D x W (the composite is not ranked again)."""
        return METHODS[self.result.method].domain_transform != "percentile"

    def formula(self) -> str:
        """How the lines of :meth:`table` add up, for this method, in words."""
        parts = ["contribution = standardised x weight x domain weight"]
        if self.indicators_add_up:
            parts.append("domain score = sum of standardised x weight")
        else:
            parts.append(f"domain score: the sum of standardised x weight, transformed "
                         f"({METHODS[self.result.method].domain_transform}) by method "
                         f"{self.result.method}")
        if self.domains_add_up:
            parts.append("vulnerability = sum of domain score x domain weight")
        else:
            parts.append(f"vulnerability: the sum of domain score x domain weight, ranked "
                         f"again by method {self.result.method}")
        return "; ".join(parts)

    def table(self) -> pd.DataFrame:
        """The whole breakdown in reading order, one row per line of ``wijkkompas explain``.

        ``row`` says what a line is: ``indicator`` (label, year, value, status,
        ``reference``, ``standardised`` s, ``weight`` w within its domain and
        ``contribution`` s x w x W), then after a domain's indicators a ``domain`` line
        (its score D under ``standardised``, its effective weight W and D x W), and last
        the ``composite`` line (the sum of the weights W and the vulnerability under
        ``contribution``). Domains outside the scheme are left out.
        """
        ind = self.indicators
        lines = []
        for d in self.domains[self.domains["in_scheme"]].itertuples():
            part = ind[ind["domain"] == d.domain]
            lines.append(pd.DataFrame({
                "row": "indicator", "domain": d.domain, "indicator": part["indicator"],
                "label": part["label"], "year": part["year"], "value": part["value"],
                "status": part["status"], "reference": part["reference"],
                "standardised": part["standardised"], "weight": part["indicator_weight"],
                "contribution": part["contribution"]}))
            lines.append(pd.DataFrame([{
                "row": "domain", "domain": d.domain, "indicator": f"domain_{d.domain}",
                "label": DOMAINS[d.domain]["nl"], "status": "scored" if pd.notna(d.score) else "missing",
                "standardised": d.score, "weight": d.effective_weight,
                "contribution": d.contribution}]))
        scored = pd.notna(self.row["vulnerability"])
        lines.append(pd.DataFrame([{
            "row": "composite", "indicator": "vulnerability",
            "label": "vulnerability (composite)",
            "status": "scored" if scored else "missing",
            "weight": self.domains["effective_weight"].sum(min_count=1),
            "contribution": self.row["vulnerability"]}]))
        table = pd.concat(lines, ignore_index=True)
        table["year"] = table["year"].astype("Int64")
        return table


def explain(store, catalog: Catalog, scheme: Scheme, area: str, *, period=None,
            method: str | None = None, top: int = 3) -> ExplainResult:
    """Explain one area's score: its figures, references, weights and contributions.

    The area (a code or a name, :meth:`Store.resolve_area`) is scored at its own level
    against the scheme's reference group; the vintage is the area's own when it has
    figures for the period.
    """
    found = store.resolve_area(area)
    level = found["level"]
    if level not in SCORABLE_LEVELS:
        raise WijkkompasError(f"{found['code']} is a {level}: explain a buurt, wijk, gemeente or grid cell")
    inputs = Inputs(*load_inputs(store, scheme), population=scheme.population)
    result = score_frame(inputs, None, catalog, scheme, level=level, period=period,
                         method=method)
    if not (result.table["code"] == found["code"]).any():
        # the area is on other boundaries than the period's main vintage
        obs = inputs.obs
        mine = obs[(obs["area_code"] == found["code"]) & (obs["period"] == result.period)]
        if len(mine):
            result = score_frame(inputs, None, catalog, scheme, level=level,
                                 period=result.period, method=method,
                                 vintage=int(mine["vintage"].max()))
    return explain_result(result, found["code"], catalog, top=top, area=found)


def explain_result(result: ScoreResult, code: str, catalog: Catalog | None = None, *,
                   top: int = 3, area: pd.Series | None = None) -> ExplainResult:
    """Build an :class:`ExplainResult` for one area from a :class:`ScoreResult`."""
    row = result.row_of(code)
    if row is None:
        raise WijkkompasError(f"{code} is not among the {result.level} areas scored for "
                              f"period {result.period} ({result.vintage} boundaries)")
    every, positions = detailed(result)
    mine = every.iloc[positions.get(code, [])]
    # the area's effective domain weight: every scored domain has an indicator carrying it
    weight = mine.groupby("domain")["domain_weight"].max()
    domains = pd.DataFrame({
        "domain": list(SCORE_DOMAINS),
        "score": [row[f"domain_{d}"] for d in SCORE_DOMAINS],
        "weight": [result.scheme.domains[d].weight if d in result.scheme.domains else np.nan
                   for d in SCORE_DOMAINS],
        "effective_weight": [weight.get(d, np.nan) for d in SCORE_DOMAINS],
        "flagged": [d in (row["flagged_domains"] or "").split(",") for d in SCORE_DOMAINS],
        "in_scheme": [d in result.scheme.domains for d in SCORE_DOMAINS]})
    domains["contribution"] = domains["score"] * domains["effective_weight"]
    mine["reason"], mine["coverage"] = _reasons(mine, result.coverage)
    counted = mine[mine["standardised"].notna()].groupby("domain").size()
    domains["counted"] = [int(counted.get(d, 0)) for d in SCORE_DOMAINS]
    domains["min_indicators"] = [
        result.scheme.domains[d].min_indicators if d in result.scheme.domains else pd.NA
        for d in SCORE_DOMAINS]
    domains["reason"] = [
        "too_few_indicators" if inside and pd.isna(score) and n < needed else None
        for inside, score, n, needed in zip(domains["in_scheme"], domains["score"],
                                            domains["counted"], domains["min_indicators"],
                                            strict=True)]
    by_domain = domains.set_index("domain")
    mine["domain_score"] = mine["domain"].map(by_domain["score"]).astype("float64")
    mine["domain_contribution"] = mine["domain"].map(by_domain["contribution"]).astype("float64")
    mine["vulnerability"] = row["vulnerability"]
    order = {d: j for j, d in enumerate(SCORE_DOMAINS)}
    mine = (mine.assign(_order=mine["domain"].map(order))
                .sort_values(["_order", "contribution"], ascending=[True, False],
                             na_position="last", kind="stable")
                .drop(columns="_order"))
    pushing = (mine[mine["contribution"] > 0]
               .sort_values("contribution", ascending=False, kind="stable").head(top))
    drivers = [f"{r.label} ({r.indicator}, {r.domain}): value {r.value:.4g}, standardised "
               f"{r.standardised:+.2f}, contribution {r.contribution:+.3f}"
               for r in pushing[["label", "indicator", "domain", "value", "standardised",
                                 "contribution"]].itertuples()]
    if area is None:
        area = row[["code", "name", "level"]]
    return ExplainResult(area=area, row=row, indicators=mine.reset_index(drop=True),
                         domains=domains, drivers=drivers, result=result)


def _reasons(mine: pd.DataFrame, coverage: pd.DataFrame) -> tuple[list, list]:
    """Per line of an area's details: why it does not count (a key of :data:`REASONS`,
    None when its standardised value exists) and its indicator's coverage share in its
    reference group."""
    share = {(c.indicator, c.group): (float(c.share), bool(c.entered))
             for c in coverage.itertuples()}
    reasons: list[str | None] = []
    shares: list[float] = []
    for status, value, standardised, indicator, group in zip(
            mine["status"], mine["value"], mine["standardised"], mine["indicator"],
            mine["group"], strict=True):
        covered, entered = share.get((indicator, group), (np.nan, True))
        shares.append(covered)
        if pd.notna(standardised):
            reasons.append(None)
        elif status in ("suppressed", "unreliable"):
            reasons.append(status)
        elif pd.isna(value):
            reasons.append("no_figure")
        else:
            reasons.append(None if entered else "coverage")
    return reasons, shares


def detailed(result: ScoreResult) -> tuple[pd.DataFrame, dict]:
    """The details of every area of ``result`` with their reference statistics (by
    indicator and reference group), label, year, direction, scaling and reference value,
    and each area's row positions: made once per result (``result.derived``), as each
    row's additions depend on that row alone and a page explains one area of thousands."""
    kept = result.derived.get("explain")
    if kept is not None:
        return kept
    every = result.details
    stats = result.statistics
    if len(stats):
        # scaling is a property of the scheme's indicator, added last (CSV contract)
        ind = stats[stats["stage"] == "indicator"].drop(columns=["stage", "scaling"],
                                                          errors="ignore")
        every = every.merge(ind.rename(columns={"method": "reference_method"}),
                            on=["indicator", "group"], how="left")
    else:
        every = every.reset_index(drop=True)
    specs = result.scheme.indicators
    indicators = every["indicator"].to_numpy(dtype=object)
    every["label"] = [specs[i].label for i in indicators]
    periods = every["period"].dropna().unique()  # parsed once each
    years = pd.Series([parse_period(p)[1] for p in periods], index=periods, dtype="Int64")
    every["year"] = pd.array(every["period"].map(years), dtype="Int64")
    every["direction"] = [specs[i].direction for i in indicators]
    every["scaling"] = [specs[i].scaling for i in indicators]
    every["reference"] = _reference_values(every)
    kept = result.derived["explain"] = (every, every.groupby("code", sort=False).indices)
    return kept


def _reference_values(mine: pd.DataFrame) -> pd.Series:
    """The reference value in each indicator's own units: the reference group's mean
    (zscore, imd; index: in the base period) or median (robust_z) of the oriented values,
    oriented back (x -1 for ``higher_is_better``, :func:`~.standardise.orient`). NaN for
    the percentile method, which compares with ranks, not with a value, and for an
    indicator scaled by rank (``scaling: normal_scores``), whose reference statistics are
    those of its normal scores, not of its own units."""
    centre = pd.Series(np.nan, index=mine.index)
    for column in ("mean", "median"):
        if column in mine.columns:
            centre = centre.fillna(mine[column].astype("float64"))
    centre = centre.where(mine["scaling"] == "linear")
    return centre * np.where(mine["direction"] == "higher_is_better", -1.0, 1.0)
