"""Values for one choropleth: an indicator, a domain score or the composite, per level.

The answer is small JSON (codes and values, class breaks, legend text) that the page
joins onto boundary layers fetched separately (:meth:`WebData.layer`), so that the heavy
geometry is downloaded once per level and vintage and cached by the browser.

Assumptions
-----------
- Class breaks come from :mod:`mapclassify` over the areas shown (national, or within
  one gemeente or wijk): a map of one gemeente shows contrasts within it. The legend
  says so, and names the period, the method and the reference area.
- For a period with figures on several boundary vintages (a source republished on new
  codes) the vintage with the most figures is shown; the others are not mixed in.
- Darker is always less favourable when the indicator has a direction (the palette is
  flipped for higher-is-better indicators), darker is higher for neutral ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..geo.codes import COUNTRY
from .i18n import fmt_number, translate
from .state import CLASSIFICATIONS, MAP_LEVELS, BadRequest, NotFound, WebData, score_label

# ColorBrewer "Blues" (sequential, colour-blind safe), light to dark, per number of classes
PALETTES = {
    3: ["#deebf7", "#9ecae1", "#3182bd"],
    4: ["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"],
    5: ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
    6: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"],
    7: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"],
}
NO_DATA = "#d9d9d9"
SUPPRESSED = "#fdd0a2"


def breaks(values: np.ndarray, classification: str, k: int) -> list[float]:
    """Upper bounds of the classes (mapclassify), fewer when there are few distinct values."""
    import mapclassify

    values = values[np.isfinite(values)]
    distinct = np.unique(values)
    if len(distinct) == 0:
        return []
    if len(distinct) <= k:
        return [float(v) for v in distinct]
    if classification == "quantiles":
        bins = mapclassify.Quantiles(values, k=k).bins
    elif classification == "fisher_jenks":
        # exact Fisher-Jenks is quadratic in n: sample on national buurt maps
        if len(values) > 3000:
            bins = mapclassify.FisherJenksSampled(values, k=k, pct=0.2,
                                                  truncate=False).bins
        else:
            bins = mapclassify.FisherJenks(values, k=k).bins
    elif classification == "equal_interval":
        bins = mapclassify.EqualInterval(values, k=k).bins
    else:
        raise BadRequest(f"classification must be one of {', '.join(CLASSIFICATIONS)}")
    out = sorted({float(b) for b in bins})
    out[-1] = max(out[-1], float(values.max()))
    return out


def map_values(data: WebData, *, level: str, indicator: str, period: str | None = None,
               within: str | None = None, classification: str = "quantiles", k: int = 5,
               language: str = "nl") -> dict:
    """Everything one choropleth needs except the geometry (see the module docstring);
    kept per question, since the map page asks the same few ones all the time."""
    question = (level, indicator, period, within, classification, k, language)
    return data.misc.get_or(("map",) + question, lambda: _map_values(data, *question))


def _map_values(data: WebData, level: str, indicator: str, period: str | None,
                within: str | None, classification: str, k: int, language: str) -> dict:
    _check_question(level, classification, k)
    data.check_indicator(indicator)
    within = _within_code(data, within)
    periods = data.indicator_periods(indicator, level)
    period = _period_shown(data, level, indicator, period, periods)
    requested, composite = indicator, None
    if _is_score(indicator):
        composite = _composite_words(data, level, period, language)
        if indicator == "vulnerability" and composite["statement"]:
            # no area has a composite: show a domain, never an empty composite map
            indicator = composite["domain"] or indicator
        shown = _score_values(data, level, indicator, period, within, language)
    else:
        shown = _indicator_values(data, level, indicator, period, within, language)

    frame = shown.frame.drop_duplicates("code")
    values = frame["value"].to_numpy(dtype=float)
    cuts = breaks(values, classification, k)
    colours = _colours(len(cuts), shown.direction)
    matched = data.match_boundaries(level, shown.vintage, frame["code"])
    layers = _layers(data, level, shown.vintage, matched)
    legend = _legend(data, shown, level, period, within, classification, len(cuts), layers,
                     n_matched=sum(len(v) for v in matched.values()), n_shown=len(frame),
                     language=language)
    without: dict[str, str] = {}
    if composite is not None:
        legend["composite"] = composite["notice"]
        if requested != indicator:
            legend["shows"] = translate("map_shows_domain", language).format(
                domain=shown.label.lower())
        elif indicator == "vulnerability":
            without = {c: r for c, r in composite["reasons"].items() if c in set(frame["code"])}
            if without:
                legend["no_composite"] = translate("map_no_composite_areas", language).format(
                    count=fmt_number(len(without), language, 0))
    return {
        "level": level, "indicator": indicator, "requested_indicator": requested,
        "statement": composite["statement"] if composite else None,
        "without_composite": without, "label": shown.label, "period": period,
        "periods": periods, "vintage": shown.vintage, "within": within,
        "classification": classification, "k": k, "breaks": cuts,
        "classes": _classes(values, cuts, colours, language),
        "layers": layers, "values": _coded_values(frame, values, cuts), "legend": legend,
        "reference_values": shown.reference_values,
        "child_level": {"gemeente": "wijk", "wijk": "buurt"}.get(level),
    }


@dataclass
class _Shown:
    """The figures one map shows, and what the legend says about them."""

    frame: pd.DataFrame  # code, value, status
    vintage: int
    label: str
    unit: str | None
    direction: str
    reference: str
    reference_values: dict[str, float | None] = field(default_factory=dict)


def _is_score(indicator: str) -> bool:
    return indicator == "vulnerability" or indicator.startswith("domain_")


def _check_question(level: str, classification: str, k: int) -> None:
    if level not in MAP_LEVELS:
        raise BadRequest(f"level must be one of {', '.join(MAP_LEVELS)}")
    if classification not in CLASSIFICATIONS:
        raise BadRequest(f"classification must be one of {', '.join(CLASSIFICATIONS)}")
    if not 3 <= k <= 7:
        raise BadRequest("k (number of classes) must be between 3 and 7")


def _within_code(data: WebData, within: str | None) -> str | None:
    within = within.strip().upper() if within else None
    if not within:
        return within
    area = data.area(within)
    if area["level"] not in ("gemeente", "wijk"):
        raise BadRequest(f"within must be a gemeente or wijk code, not a {area['level']}")
    return area["code"]


def _period_shown(data: WebData, level: str, indicator: str, period: str | None,
                  periods: list[str]) -> str:
    if not periods:
        raise NotFound(f"no figures for {indicator} at level {level}")
    if period is None:
        period = data.default_score_period(level) if _is_score(indicator) else periods[-1]
    period = str(period)
    if period not in periods:
        raise NotFound(f"no figures for {indicator} at level {level} in period {period}; "
                       f"periods with figures: {', '.join(periods)}")
    return period


def _composite_words(data: WebData, level: str, period: str, language: str) -> dict:
    """The score's statement (why no area has a composite), its notice in the page's
    language, the domain a map shows instead (the one most areas have), and per area
    without a composite the reason."""
    from .views import area_reason, composite_notice

    result = data.scores(level, period)
    table = result.table
    counts = {d: int(table[f"domain_{d}"].notna().sum()) for d in data.scheme.domains}
    best = max(counts, key=lambda d: counts[d]) if counts else None
    lacking = table[table["vulnerability"].isna()]
    reasons = {str(r["code"]): area_reason(data, r, language) or ""
               for r in lacking[["code", "composite_status", "missing_domains"]]
               .to_dict("records")} if not result.statement else {}
    return {"statement": result.statement,
            "notice": composite_notice(data, result, language),
            "domain": f"domain_{best}" if best and counts[best] else None,
            "reasons": reasons}


def _score_values(data: WebData, level: str, indicator: str, period: str,
                  within: str | None, language: str) -> _Shown:
    result = data.scores(level, period)
    table = result.table
    if within:
        table = table[(table["gemeente_code"] == within) | (table["wijk_code"] == within)]
    frame = pd.DataFrame({"code": table["code"], "value": table[indicator],
                          "status": "observed"})
    reference = translate("higher_more_vulnerable", language) if result.method == "zscore" \
        else (f"score method {result.method}, against all {level} areas of the Netherlands"
              if language == "en" else
              f"scoremethode {result.method}, ten opzichte van alle gebieden van dit niveau")
    return _Shown(frame, int(result.vintage), score_label(indicator, language),
                  "z" if result.method == "zscore" else result.method, "higher_is_worse",
                  reference)


def _indicator_values(data: WebData, level: str, indicator: str, period: str,
                      within: str | None, language: str) -> _Shown:
    obs = data.store.observations(indicators=[indicator], level=level, periods=[period],
                                  within=within)
    obs = obs[obs["status"] != "missing"]
    if obs.empty:
        raise NotFound(f"no figures for {indicator} at level {level} in period {period}"
                       + (f" within {within}" if within else ""))
    counts = obs.groupby("vintage")["value"].count()
    vintage = int(counts.idxmax())
    obs = obs[obs["vintage"] == vintage]
    frame = pd.DataFrame({"code": obs["area_code"], "value": obs["value"],
                          "status": obs["status"]})
    meta = data.catalog[indicator]
    unit = meta.unit
    refs = data.store.observations(codes=[c for c in (COUNTRY, within) if c],
                                   indicators=[indicator], periods=[period])
    refs = refs[refs["vintage"] == vintage] if (refs["vintage"] == vintage).any() else refs
    reference_values: dict[str, float | None] = {}
    for row in refs.itertuples():
        reference_values[row.area_code] = (None if pd.isna(row.value)
                                           else float(row.value))
    parts = []
    for code in (COUNTRY, within):
        value = reference_values.get(code) if code else None
        if code and value is not None:
            name = data.name_of(code) if code != COUNTRY else translate("land", language)
            parts.append(f"{name} {fmt_number(value, language)}"
                         f"{' ' + unit if unit and unit != '%' else unit} ({period})")
    reference = ", ".join(parts) if parts else (
        "geen referentiewaarde gepubliceerd" if language == "nl"
        else "no reference value published")
    return _Shown(frame, vintage, meta.label(language), unit, meta.direction, reference,
                  reference_values)


def _colours(n_classes: int, direction: str) -> list[str]:
    # darker is less favourable: flipped for higher-is-better indicators
    colours = PALETTES.get(max(3, n_classes), PALETTES[5])[:max(n_classes, 1)]
    if n_classes and n_classes < 3:
        colours = PALETTES[3][-n_classes:]
    if direction == "higher_is_better":
        colours = list(reversed(colours))
    return colours


def _layers(data: WebData, level: str, vintage: int, matched: dict[int, list]) -> list[dict]:
    """The boundary layers to draw: the vintage most codes match first, then the others;
    with no match, the stored vintage nearest to the figures' (drawn empty)."""
    primary = max(matched, key=lambda v: len(matched[v])) if matched else None
    if primary is None:
        available = sorted(data.boundary_index().get(level, {}))
        primary = min(available, key=lambda v: abs(v - vintage)) if available else None
    layers = [{"vintage": v, "url": f"/api/geometry/{level}/{v}.geojson",
               "n": len(matched.get(v, [])), "primary": v == primary}
              for v in sorted(matched, key=lambda v: (v != primary, v))]
    if primary is not None and primary not in matched:
        layers.insert(0, {"vintage": primary, "url": f"/api/geometry/{level}/{primary}.geojson",
                          "n": 0, "primary": True})
    return layers


def _classes(values: np.ndarray, cuts: list[float], colours: list[str],
             language: str) -> list[dict]:
    classes = []
    low = float(np.nanmin(values)) if np.isfinite(values).any() else None
    for i, upper in enumerate(cuts):
        lower = low if i == 0 else cuts[i - 1]
        classes.append({"lower": lower, "upper": upper, "colour": colours[i],
                        "label": (f"{fmt_number(lower, language, None)} – "
                                  f"{fmt_number(upper, language, None)}")})
    return classes


def _legend(data: WebData, shown: _Shown, level: str, period: str, within: str | None,
            classification: str, n_classes: int, layers: list[dict], *, n_matched: int,
            n_shown: int, language: str) -> dict:
    vintage = shown.vintage
    level_plural = translate({"gemeente": "gemeenten", "wijk": "wijken"}.get(level, "buurten"),
                             language)
    boundary_text = ", ".join(f"{layer['vintage']} ({fmt_number(layer['n'], language, 0)})"
                              for layer in layers)
    return {
        "title": shown.label,
        "unit": shown.unit,
        "period": period,
        "figure_vintage": vintage,
        "reference": shown.reference,
        "method": translate(classification, language) + (
            f", {n_classes} " + ("klassen over de getoonde gebieden" if language == "nl"
                                 else "classes over the areas shown")),
        "boundaries": (f"{translate('boundaries', language)}: {level_plural.lower()} "
                       f"{boundary_text}; {translate('figures_on', language)} {vintage}"
                       + ("" if all(layer["vintage"] == vintage for layer in layers) else
                          (" (codes gekoppeld aan de dichtstbijzijnde indeling met dezelfde code)"
                           if language == "nl" else
                           " (codes matched to the nearest boundary vintage with the same code)"))),
        "coverage": (f"{fmt_number(n_matched, language, 0)} / "
                     f"{fmt_number(n_shown, language, 0)} {translate('matched', language)}"),
        "direction": translate("darker_higher" if shown.direction == "neutral"
                               else "darker_worse", language),
        "within": within, "within_name": data.name_of(within) if within else None,
        "no_data": {"colour": NO_DATA, "label": translate("no_value", language)},
        "suppressed": {"colour": SUPPRESSED, "label": translate("suppressed", language)},
    }


def _coded_values(frame: pd.DataFrame, values: np.ndarray, cuts: list[float]) -> dict:
    """code -> [value, class]; without a value the class is -1, or -2 when suppressed."""
    class_of = np.searchsorted(np.asarray(cuts), values, side="left") if cuts else values
    out_values: dict[str, list[float | int | None]] = {}
    for code, value, status, cls in zip(frame["code"], values, frame["status"], class_of,
                                        strict=True):
        if np.isfinite(value):
            out_values[code] = [round(float(value), 4), int(cls)]
        else:
            out_values[code] = [None, -1 if status != "suppressed" else -2]
    return out_values
