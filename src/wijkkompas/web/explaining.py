"""What drives an area's composite, for the profile page and ``/api/areas/{code}``.

:func:`area_explain` turns :func:`~wijkkompas.analysis.explain.explain_result` of the
:class:`~wijkkompas.analysis.engine.ScoreResult` the page already has
(``WebData.scores``, stored or computed: the same object) into JSON-safe data: a sentence
in words first, then per domain and indicator the figure's year, value, reference,
standardised value, weight and contribution, exactly the numbers ``wijkkompas explain``
prints.

Assumptions: an area without a composite gets no contributions to a composite (they do
not exist) and no ranking; its domain scores are explained within their domain only
(standardised value x weight within the domain), and only where they add up to the domain
score (methods whose domain score is the weighted mean). The reference of an indicator
scaled by rank (``scaling: normal_scores``) is no value in the indicator's units, so it is
left blank and said so.
"""
from __future__ import annotations

import math

import pandas as pd

from ..analysis.explain import explain_result
from ..catalog import DOMAINS
from .i18n import N_, fmt_list, fmt_number, gettext, plural, translations

TOP = 3


def _clean(value):
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _lower_first(label: str) -> str:
    """A label inside a sentence: ``Moeite met rondkomen`` -> ``moeite met rondkomen``,
    acronyms (``WOZ-waarde``) kept."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _unit(data, ident: str) -> str:
    meta = data.catalog.indicators.get(ident)
    if meta is not None:
        return meta.unit or ""
    spec = data.scheme.indicators.get(ident)
    derived = getattr(spec, "derived", None)
    return getattr(derived, "unit", "") or ""


def _label(data, ident: str, language: str) -> str:
    meta = data.catalog.indicators.get(ident)
    if meta is not None:
        return meta.label(language)
    spec = data.scheme.indicators.get(ident)
    derived = getattr(spec, "derived", None)
    if derived is not None:
        return derived.label(language)
    return spec.label if spec is not None else ident


_ROW_COLUMNS = ["domain", "indicator", "scaling", "standardised", "indicator_weight", "year",
                "period", "value", "status", "reference", "domain_weight", "contribution",
                "reason", "coverage", "population"]

# analysis.explain.REASONS and DOMAIN_REASONS in the page's language
_REASONS = {
    "suppressed": N_("Not counted: suppressed by its source."),
    "unreliable": N_("Not counted: {population} residents, fewer than the {minimum} this "
                     "figure needs to be reliable."),
    "no_figure": N_("Not counted: no figure of {first}-{year}."),
    "coverage": N_("Not counted in any area's score of {period}: a figure for {share} of "
                   "the {areas}, fewer than the {minimum} a comparable score needs."),
}
_DOMAIN_REASON = N_("No domain score: {counted} of its indicators count; it needs {minimum}.")


def _reason(data, result, r, language: str) -> str | None:
    """Why an indicator's line does not count, in words (None when it counts)."""
    if not isinstance(r.reason, str):
        return None
    spec = data.scheme.indicators[r.indicator]
    unreliable = r.reason == "unreliable"
    return gettext(language, _REASONS[r.reason]).format(
        population=fmt_number(r.population, language, 0) if unreliable else "",
        minimum=(fmt_number(spec.min_population, language, 0) if unreliable
                 else fmt_number(100 * data.scheme.min_coverage, language, 0) + "%"),
        first=result.year - spec.tolerance, year=result.year, period=result.period,
        share=fmt_number(100 * r.coverage, language, 1) + "%",
        areas=plural(result.level, language).lower())


def area_explain(data, area: dict, scores, language: str = "nl") -> dict | None:
    """The profile's "what drives this score" block, or None when the area has no scores.

    ``scores`` is :func:`~wijkkompas.web.views.domain_scores` for the same page (its
    period, position among the level and reason); the breakdown is read from
    ``data.scores(level, period)``, so it is the one the page's other numbers come from.
    """
    if not scores or not scores.get("available"):
        return None
    result = data.scores(scores["level"], scores["period"])
    e = explain_result(result, area["code"], data.catalog, top=TOP)
    composite = e.row["vulnerability"] is not None and not pd.isna(e.row["vulnerability"])
    add_up = e.indicators_add_up
    ranked_scaling = False
    domains = []
    # the columns used, in one pass: itertuples takes every column of each frame apart
    # (the breakdown has thirty), a filtered copy per domain each time
    by_domain: dict[str, list] = {}
    for r in e.indicators[_ROW_COLUMNS].itertuples(index=False):
        by_domain.setdefault(r.domain, []).append(r)
    for d in e.domains[e.domains["in_scheme"]].itertuples():
        rows = []
        for r in by_domain.get(d.domain, []):
            by_rank = r.scaling != "linear"
            ranked_scaling |= by_rank and pd.notna(r.standardised)
            within = (r.standardised * r.indicator_weight
                      if pd.notna(r.standardised) and pd.notna(r.indicator_weight) else None)
            rows.append({
                "indicator": r.indicator, "label": _label(data, r.indicator, language),
                "unit": _unit(data, r.indicator), "year": _clean(r.year),
                "period": _clean(r.period), "value": _clean(r.value),
                "status": _clean(r.status),
                "reference": None if by_rank else _clean(r.reference), "by_rank": by_rank,
                "standardised": _clean(r.standardised),
                "weight": _clean(r.indicator_weight),
                "domain_weight": _clean(r.domain_weight),
                # within the domain: s x w; to the composite: s x w x W
                "within": _clean(within) if add_up else None,
                "contribution": _clean(r.contribution) if composite else None,
                "reason": _clean(r.reason), "note": _reason(data, result, r, language)})
        domains.append({
            "domain": d.domain, "label": DOMAINS[d.domain][language],
            "score": _clean(d.score), "weight": _clean(d.effective_weight) if composite else None,
            "contribution": _clean(d.contribution) if composite else None,
            "flagged": bool(d.flagged), "indicators": rows, "reason": _clean(d.reason),
            "note": (gettext(language, _DOMAIN_REASON).format(
                counted=d.counted, minimum=d.min_indicators)
                if isinstance(d.reason, str) else None)})
    out = {
        "period": result.period, "method": result.method, "level": result.level,
        "composite": composite, "indicators_add_up": add_up,
        "domains_add_up": e.domains_add_up,
        "reference_kind": _reference_kind(result.method, language),
        "by_rank": ranked_scaling,
        "vulnerability": _clean(e.row["vulnerability"]) if composite else None,
        "total_weight": (_clean(e.domains["effective_weight"].sum(min_count=1))
                         if composite else None),
        "domains": domains,
    }
    out["sentence"] = (_composite_sentence(data, area, scores, out, language) if composite
                       else _domain_sentence(area, scores, out, language))
    return out


def _reference_kind(method: str, language: str) -> str | None:
    if method in ("zscore", "imd"):
        return gettext(language, N_("national mean"))
    if method == "index":
        return gettext(language, N_("national mean in the base year"))
    if method == "robust_z":
        return gettext(language, N_("national median"))
    return None  # percentile: ranks, no reference value


def _drivers(out: dict, key: str, sign: int, language: str) -> list[str]:
    lines = [r for d in out["domains"] for r in d["indicators"]
             if r[key] is not None and r[key] * sign > 0]
    lines.sort(key=lambda r: -abs(r[key]))
    return [f"{_short(r['label'])} ({signed(r[key], language, 2)})" for r in lines[:TOP]]


def signed(value, language: str = "nl", digits: int = 2) -> str:
    """``+0,35`` / ``-0,17``: a contribution with its sign (blank when missing)."""
    text = fmt_number(value, language, digits)
    return "+" + text if text and value > 0 and text.strip("0,.") else text


def _short(label: str) -> str:
    """A label inside a sentence: first letter small, a closing remark in parentheses
    (``... (empirisch Bayes, naar de wijk)``) left to the table."""
    if label.endswith(")") and " (" in label:
        label = label[:label.rindex(" (")]
    return _lower_first(label)


def _composite_sentence(data, area: dict, scores: dict, out: dict, language: str) -> str:
    """``De samengestelde kwetsbaarheid van X (1,33) is hoger dan 98 % van de gemeenten,
    vooral door a (0,35), b (0,26) en c (0,26).`` with the strongest counterweights after."""
    position = scores.get("vulnerability_position")
    areas = scores.get("level_areas") or out["level"]
    name = area.get("name") or area["code"]
    value = fmt_number(out["vulnerability"], language, 2)
    head = gettext(language, N_("The composite vulnerability of {name} ({value})")).format(
        name=name, value=value)
    if position is None:
        sign = 1 if out["vulnerability"] >= 0 else -1
    elif position >= 50:
        head += " is " + gettext(language, N_("higher than {share} % of the {areas}")).format(
            share=fmt_number(position, language, 0), areas=areas)
        sign = 1
    else:
        head += " is " + gettext(language, N_("lower than {share} % of the {areas}")).format(
            share=fmt_number(100 - position, language, 0), areas=areas)
        sign = -1
    main = _drivers(out, "contribution", sign, language)
    because = N_("mostly because of {drivers}") if sign > 0 else N_(
        "mostly because of favourable figures for {drivers}")
    sentence = head + ((", " + gettext(language, because).format(
        drivers=fmt_list(main, language))) if main else "") + "."
    against = _drivers(out, "contribution", -sign, language)
    if against:
        sentence += " " + translations(language).ngettext(
            "Against that: {drivers}.", "Against that: {drivers}.", len(against)).format(
            drivers=fmt_list(against[:2], language))
    return sentence


def _domain_sentence(area: dict, scores: dict, out: dict, language: str) -> str:
    """Why there is no composite, and that the domain scores are shown apart."""
    reason = scores.get("reason") or ""
    # "geen samengestelde score: X ontbreekt" -> "X ontbreekt"
    reason = reason.split(": ", 1)[1] if ": " in reason else reason
    name = area.get("name") or area["code"]
    text = (gettext(language, N_("No composite score for {name} in {period}")).format(
        name=name, period=out["period"]) + (f": {reason}" if reason else "") + ".")
    if out["indicators_add_up"] and any(d["score"] is not None for d in out["domains"]):
        text += " " + gettext(language, N_(
            "Below are therefore the domain scores only, each with what drives it; they are "
            "not added up to a ranking."))
    return text
