"""Values for one choropleth: an indicator, a domain score or the composite, per level.

The answer is small JSON (codes and values, class breaks, legend text) that the page
joins onto boundary layers fetched separately (:meth:`WebData.layer`), so that the heavy
geometry is downloaded once per level and vintage and cached by the browser.

Assumptions
-----------
- By default (``classification="national"``) the classes come from the whole reference
  group of what is shown, never from the areas on screen: for an indicator every area of
  the level with a figure in that period (one boundary vintage), for a score the
  yardstick's reference group (the areas scored on the full yardstick, or all areas with
  the score when none is). They are groups of national tenths (:func:`~wijkkompas.
  analysis.classes.deciles`, the engine's own classes: 10 % highest, 10-20 %, 20-40 %,
  40-60 %, 20-40 % lowest, 20 % lowest; mirrored for higher-is-better indicators so the
  darkest class is always the least favourable tenth), so a buurt in the national top
  tenth is dark on every map it appears on. The legend says them in words
  ("10 % hoogste van Nederland") with the national values beside them. A band that holds
  no reference value (ties) is merged into the next one; no class is empty or has two
  equal bounds.
- ``quantiles``, ``fisher_jenks`` and ``equal_interval`` (:mod:`mapclassify`) are
  relative to the areas shown (within one gemeente or wijk: the contrasts within it);
  the legend says so. Classes without an area shown are dropped.
- The periods offered and shown are those with figures for the areas on screen
  (:meth:`WebData.area_periods`): a wijk map of one gemeente offers only the periods in
  which its wijken have figures.
- For a period with figures on several boundary vintages (a source republished on new
  codes) the vintage with the most figures is shown; the others are not mixed in.
- Darker is always less favourable when the indicator has a direction (the palette is
  flipped for higher-is-better indicators), darker is higher for neutral ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..analysis.classes import deciles
from ..geo.codes import COUNTRY, GRID_LEVELS
from ..geo.grid import SIZE_M, lonlat_bounds
from ..schemes import GRID_SCHEME
from .errors import BadRequest, NotFound
from .i18n import N_, fmt_list, fmt_number, gettext, plural, translations
from .state import (
    CLASSIFICATION_NAMES,
    CLASSIFICATIONS,
    MAP_LEVELS,
    TILE_CELLS,
    WebData,
    score_label,
)

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
# national classes: groups of national tenths (deciles 1..10), light to dark; darker is
# higher, or lower for higher-is-better indicators (the least favourable tenth darkest)
BANDS_UP = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 9), (10, 10))
BANDS_DOWN = ((1, 1), (2, 2), (3, 4), (5, 6), (7, 8), (9, 10))


class NoData(NotFound):
    """No figure of an indicator or score for the areas on screen, in any period."""


def breaks(values: np.ndarray, classification: str, k: int) -> list[float]:
    """Upper bounds of the classes (mapclassify), fewer when there are few distinct values."""
    import mapclassify

    values = values[np.isfinite(values)]
    distinct = np.unique(values)
    if len(distinct) == 0:
        return []
    if len(distinct) <= k:
        return [float(v) for v in distinct]
    if classification == "national":
        raise BadRequest("national classes come from national_breaks")
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
    # no empty class: keep a break only when some value falls in its class
    counts = np.bincount(np.searchsorted(np.asarray(out), values, side="left"),
                         minlength=len(out))
    kept = [b for b, n in zip(out, counts, strict=True) if n]
    return kept


def national_breaks(reference: np.ndarray, direction: str
                    ) -> tuple[list[float], list[tuple[int, int]], list[tuple[float, float]]]:
    """Upper bounds (ascending) of the national classes, the national tenths each class
    holds (first and last decile) and the range of reference values in it.

    ``reference`` is the whole reference group's values. The bands are :data:`BANDS_UP`
    (or :data:`BANDS_DOWN` for higher-is-better figures) of the deciles of
    :func:`~wijkkompas.analysis.classes.deciles` (ties take the higher tenth); a band
    without a reference value (all of its tenth tied with a higher one) joins the next.
    """
    ref = reference[np.isfinite(reference)]
    if len(np.unique(ref)) < 2:
        return [], [], []
    tenth = deciles(ref)
    cuts: list[float] = []
    held: list[tuple[int, int]] = []
    ranges: list[tuple[float, float]] = []
    start = None
    for lo, hi in (BANDS_DOWN if direction == "higher_is_better" else BANDS_UP):
        inside = ref[(tenth >= lo) & (tenth <= hi)]
        if not len(inside):
            start = lo if start is None else start
            continue
        held.append((lo if start is None else start, hi))
        start = None
        cuts.append(float(inside.max()))
        ranges.append((float(inside.min()), float(inside.max())))
    return cuts, held, ranges


def band_words(lo: int, hi: int, language: str, score: bool) -> str:
    """National tenths ``lo``..``hi`` (1 = lowest) in words: "10 % hoogste van
    Nederland", "20-40 % laagste", "rond het midden (40-60 %)"."""
    a, b = (lo - 1) * 10, hi * 10
    high = gettext(language, N_("most vulnerable") if score else N_("highest"))
    low = gettext(language, N_("least vulnerable") if score else N_("lowest"))
    if a == 0 and b == 100:
        return gettext(language, N_("all areas"))
    if b == 100 or a == 0:
        return gettext(language, N_("{words} {share} % of the Netherlands")).format(
            share=100 - a if b == 100 else b, words=high if b == 100 else low)
    if a < 50 < b:
        return gettext(language, N_("around the middle ({a}–{b} %)")).format(a=a, b=b)
    if a >= 50:
        return gettext(language, N_("{words} {a}–{b} %")).format(a=100 - b, b=100 - a, words=high)
    return gettext(language, N_("{words} {a}–{b} %")).format(a=a, b=b, words=low)


def map_values(data: WebData, *, level: str, indicator: str, period: str | None = None,
               within: str | None = None, classification: str = "national", k: int = 5,
               language: str = "nl") -> dict:
    """Everything one choropleth needs except the geometry (see the module docstring);
    kept per question, since the map page asks the same few ones all the time.

    Raises :class:`NoData` (a :class:`NotFound`) when the areas on screen have no figure
    of ``indicator`` in any period, :class:`NotFound` when they have none in ``period``."""
    question = (level, indicator, period, within, classification, k, language)
    return data.misc.get_or(("map",) + question, lambda: _map_values(data, *question))


def shown_period(data: WebData, level: str, indicator: str, period: str | None,
                 within: str | None) -> tuple[str | None, list[str]]:
    """The period a map of the areas on screen shows for ``period`` (None: the default),
    and the periods it could show: ``period`` when it has figures there, else the latest
    period that has (None when no period has)."""
    periods = data.area_periods(indicator, level, within)
    if not periods:
        return None, periods
    if period in periods:
        return period, periods
    if period is None and _is_score(indicator):
        default = data.default_score_period(level)
        if default in periods:
            return default, periods
    if period is None:
        # the default: the latest period with at least half the figures of the best
        # covered one (a national map of the one gemeente of a municipal panel is no map)
        counts = data.area_counts(indicator, level, within)
        best = max(counts.values(), default=0)
        full = [p for p in periods if counts.get(p, 0) * 2 >= best]
        return (full or periods)[-1], periods
    return periods[-1], periods


def _map_values(data: WebData, level: str, indicator: str, period: str | None,
                within: str | None, classification: str, k: int, language: str) -> dict:
    _check_question(level, classification, k)
    data.check_indicator(indicator)
    within = _within_code(data, within)
    chosen, periods = shown_period(data, level, indicator, period, within)
    if chosen is None:
        raise NoData(f"no figures for {indicator} at level {level}"
                     + (f" within {within}" if within else "") + " in any period")
    if period is not None and str(period) != chosen:
        raise NotFound(f"no figures for {indicator} at level {level} in period {period}"
                       + (f" within {within}" if within else "")
                       + f"; periods with figures: {', '.join(periods)}")
    period = chosen
    requested, composite = indicator, None
    if _is_score(indicator):
        composite = _composite_words(data, level, period, language, within)
        if indicator == "vulnerability" and (composite["statement"] or composite["empty"]):
            # no area (on screen) has a composite: show a domain, never an empty map
            indicator = composite["domain"] or indicator
        shown = _score_values(data, level, indicator, period, within, language)
    else:
        shown = _indicator_values(data, level, indicator, period, within, language)

    frame = shown.frame.drop_duplicates("code")
    values = frame["value"].to_numpy(dtype=float)
    national = classification == "national"
    held: list[tuple[int, int]] = []
    ranges: list[tuple[float, float]] = []
    reference = shown.national
    if national and reference is not None and len(np.unique(
            reference[np.isfinite(reference)])) >= 2:
        cuts, held, ranges = national_breaks(reference, shown.direction)
        if cuts and np.isfinite(values).any():
            cuts[-1] = max(cuts[-1], float(np.nanmax(values)))
    else:
        national = False  # no reference group to speak of: the areas shown
        cuts = breaks(values, "quantiles" if classification == "national" else classification,
                      k)
    colours = _colours(len(cuts), shown.direction)
    matched = data.match_boundaries(level, shown.vintage, frame["code"])
    layers = _layers(data, level, shown.vintage, matched)
    legend = _legend(data, shown, level, period, within, classification, len(cuts), layers,
                     n_matched=sum(len(v) for v in matched.values()), n_shown=len(frame),
                     language=language, national=national)
    without: dict[str, str] = {}
    if composite is not None:
        legend["composite"] = composite["notice"]
        if requested != indicator:
            legend["shows"] = gettext(language, N_(
                "The map therefore shows the domain score {domain}.")).format(
                domain=shown.label.lower())
        elif indicator == "vulnerability":
            on_map = set(frame["code"])  # once: 420,000 cells at a grid level
            without = {c: r for c, r in composite["reasons"].items() if c in on_map}
            if without:
                legend["no_composite"] = translations(language).ngettext(
                    "{count} area without a composite score (grey)",
                    "{count} areas without a composite score (grey)", len(without)).format(
                    count=fmt_number(len(without), language, 0))
    classes = (_national_classes(held, ranges, colours, language, _is_score(indicator))
               if national else _classes(values, cuts, colours, language))
    # the map draws CBS's withheld figures in their own colour: the legend names it then
    legend["suppressed"]["shown"] = bool((frame["status"] == "suppressed").any())
    return {
        "level": level, "indicator": indicator, "requested_indicator": requested,
        "statement": composite["statement"] if composite else None,
        "without_composite": without, "label": shown.label, "period": period,
        "periods": periods, "vintage": shown.vintage, "within": within,
        "classification": classification if national or classification != "national"
        else "quantiles", "k": k, "breaks": cuts,
        "classes": classes,
        "layers": layers, "values": _coded_values(frame, values, cuts), "legend": legend,
        "reference_values": shown.reference_values,
        "child_level": {"gemeente": "wijk", "wijk": "buurt"}.get(level),
        # a grid map is fitted to its cells before any tile of them is fetched
        "bounds": lonlat_bounds(frame["code"].to_numpy()) if level in GRID_LEVELS else None,
    }


def unscored(data: WebData, level: str, language: str) -> str | None:
    """Why the app's scheme has no score at ``level`` in any period, in words (None when
    it has one): none of its indicators has figures at the level (the default scheme at
    a grid level: CBS publishes none of its figures per cell), or no period has figures
    enough for a domain score; at a grid level, which scheme scores cells."""
    if data.score_periods(level):
        return None
    scheme = data.scheme
    inputs = set(scheme.raw_indicators()) - {scheme.population}
    a = data.availability()
    present = set(a.loc[a["level"] == level, "indicator"])
    areas = plural(level, language).lower()
    if inputs & present:
        text = gettext(language, N_(
            "The scheme '{scheme}' gives the {areas} no score: no year has figures enough "
            "for a domain score.")).format(scheme=scheme.name, areas=areas)
    else:
        text = gettext(language, N_(
            "The scheme '{scheme}' gives the {areas} no score: none of its indicators has "
            "figures for them.")).format(scheme=scheme.name, areas=areas)
    if level in GRID_LEVELS and scheme.name != GRID_SCHEME:
        text += " " + gettext(language, N_(
            "Grid cells are scored on the scheme '{grid}' (wijkkompas build --scheme {grid}, "
            "wijkkompas serve --scheme {grid}).")).format(grid=GRID_SCHEME)
    return text


def no_data(data: WebData, *, level: str, indicator: str, within: str | None,
            language: str) -> dict:
    """What the map page shows instead of a map when the areas on screen have no figure
    of ``indicator``: the words (for a score at a level the scheme cannot score, why:
    :func:`unscored`), and enough of a map answer for the form and crumbs."""
    within = _within_code(data, within)
    label = (score_label(indicator, language) if _is_score(indicator)
             else data.catalog[indicator].label(language))
    areas = plural(level, language).lower()
    where = data.name_of(within) if within else gettext(language, N_("The Netherlands"))
    message = (_is_score(indicator) and unscored(data, level, language)) or gettext(
        language, N_("No data: there are no figures of {indicator} for the {areas} in "
                     "{area}, in any year. Choose another indicator or level.")).format(
        indicator=label, areas=areas, area=where)
    return {"level": level, "indicator": indicator, "requested_indicator": indicator,
            "label": label, "period": None, "periods": [], "within": within,
            "classification": "national", "k": 5, "classes": [], "values": {},
            "no_data": message, "statement": None, "without_composite": {},
            "child_level": None,
            "legend": {"within": within, "within_name": data.name_of(within) if within
                       else None}}


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
    # the whole reference group's values (national classes) and what it is, in words
    national: np.ndarray | None = None
    group: str = ""
    # a score's: the years of the figures it rests on (its peiljaar's tolerance window)
    figure_years: list[str] = field(default_factory=list)


def _figure_years(result, table: pd.DataFrame, indicator: str) -> list[str]:
    """The years of the figures the score ``indicator`` of the areas of ``table`` with a
    value rests on: the indicators that entered (of its domain; all for the composite)."""
    from ..analysis.engine import parse_indicator_years

    ids = result.entered()
    if indicator.startswith("domain_"):
        domain = result.scheme.domains.get(indicator.removeprefix("domain_"))
        ids &= set(domain.indicators) if domain is not None else set()
    years = {year for text in table.loc[table[indicator].notna(), "indicator_years"].unique()
             for ident, year in parse_indicator_years(text).items() if ident in ids}
    return sorted(years, key=lambda y: (len(y), y))


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


def _composite_words(data: WebData, level: str, period: str, language: str,
                     within: str | None = None) -> dict:
    """The score's statement (why no area has a composite), its notice in the page's
    language, the domain a map shows instead (the one most areas on screen have), whether
    no area on screen has a composite, and per area without a composite the reason."""
    from .views import area_reason, composite_notice

    result = data.scores(level, period)
    table = _on_screen(result.table, within)
    # the domain most areas of the level have (the same on every map of the level), or
    # when the areas on screen lack it, the one most of them have
    counts = {d: int(result.table[f"domain_{d}"].notna().sum()) for d in data.scheme.domains}
    here = {d: int(table[f"domain_{d}"].notna().sum()) for d in data.scheme.domains}
    best = max(counts, key=lambda d: counts[d]) if counts else None
    if best is not None and not here[best]:
        best = max(here, key=lambda d: here[d])
        counts = here
    lacking = table[table["vulnerability"].isna()]
    reasons = {str(r["code"]): area_reason(data, r, language) or ""
               for r in lacking[["code", "composite_status", "missing_domains"]]
               .to_dict("records")} if not result.statement else {}
    return {"statement": result.statement,
            "notice": composite_notice(data, result, language),
            "domain": f"domain_{best}" if best and counts[best] else None,
            "empty": not table["vulnerability"].notna().any(),
            "reasons": reasons}


def _on_screen(table: pd.DataFrame, within: str | None) -> pd.DataFrame:
    if not within:
        return table
    return table[(table["gemeente_code"] == within) | (table["wijk_code"] == within)]


def score_reference(table: pd.DataFrame, column: str) -> np.ndarray:
    """Which rows of a score table form the reference group of ``column``: the areas
    scored on the full yardstick (the engine standardises against them), or, when none
    has this score, every area with it (domain scores without a composite)."""
    has = table[column].notna().to_numpy()
    scored = (table["composite_status"] == "scored").to_numpy() & has
    return scored if scored.any() else has


def score_positions(data: WebData, level: str, period: str, column: str) -> dict[str, float]:
    """Per area code its position (0..100: the share of its level's reference group with a
    lower score, :func:`~wijkkompas.analysis.standardise.percentile_rank`) in ``column``
    (``vulnerability`` or ``domain_<id>``) of the level's score for ``period``: every score
    placed among the areas of its own level (cached)."""
    def make():
        from ..analysis.standardise import percentile_rank

        table = data.scores(level, period).table
        values = table[column].to_numpy(dtype=float)
        p = percentile_rank(values, reference=score_reference(table, column))
        return {str(c): round(float(x) * 100, 1)
                for c, x in zip(table["code"], p, strict=True) if np.isfinite(x)}
    return data.misc.get_or(("positions", level, str(period), column), make)


def _score_values(data: WebData, level: str, indicator: str, period: str,
                  within: str | None, language: str) -> _Shown:
    result = data.scores(level, period)
    table = _on_screen(result.table, within)
    frame = pd.DataFrame({"code": table["code"], "value": table[indicator],
                          "status": "observed"})
    reference = gettext(language, N_(
        "Higher = more vulnerable. 0 is the average of all areas of this level in the "
        "Netherlands (z-score).")) if result.method == "zscore" \
        else gettext(language, N_(
            "score method {method}, against all {level} areas of the Netherlands")).format(
            method=result.method, level=level)
    mask = score_reference(result.table, indicator)
    national = result.table[indicator].to_numpy(dtype=float)[mask]
    scored = bool((result.table["composite_status"] == "scored").any())
    group = gettext(language, N_(
        "the {n} {areas} of the Netherlands with a composite score in {period} (the "
        "yardstick's reference group)") if scored else N_(
        "all {n} {areas} of the Netherlands with this score in {period}")).format(
        n=fmt_number(int(mask.sum()), language, 0), areas=_areas(level, language),
        period=period)
    return _Shown(frame, int(result.vintage), score_label(indicator, language),
                  "z" if result.method == "zscore" else result.method, "higher_is_worse",
                  reference, national=national, group=group,
                  figure_years=_figure_years(result, table, indicator))


def _areas(level: str, language: str) -> str:
    return plural(level, language).lower()


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
    if within:
        everywhere = data.store.observations(indicators=[indicator], level=level,
                                             periods=[period], vintage=vintage)
    else:
        everywhere = obs
    everywhere = everywhere[everywhere["status"].isin(["observed", "estimated"])]
    national = everywhere.drop_duplicates("area_code")["value"].to_numpy(dtype=float)
    group = gettext(language, N_("all {n} {areas} of the Netherlands with a figure in {period}")).format(
        n=fmt_number(int(np.isfinite(national).sum()), language, 0),
        areas=_areas(level, language), period=period)
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
            name = data.name_of(code) if code != COUNTRY else gettext(language, N_("The Netherlands"))
            parts.append(f"{name} {fmt_number(value, language)}"
                         f"{' ' + unit if unit and unit != '%' else unit} ({period})")
    reference = ", ".join(parts) if parts else gettext(language, N_(
        "no reference value published"))
    return _Shown(frame, vintage, meta.label(language), unit, meta.direction, reference,
                  reference_values, national=national, group=group)


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
    if level in GRID_LEVELS:  # fetched by tiles of the grid (``?bbox=``), never whole
        for layer in layers:
            layer["tile_m"] = SIZE_M[level] * TILE_CELLS
    return layers


def _range_text(lower: float, upper: float, language: str) -> str:
    if lower == upper:
        return fmt_number(lower, language, None)
    return f"{fmt_number(lower, language, None)} – {fmt_number(upper, language, None)}"


def _classes(values: np.ndarray, cuts: list[float], colours: list[str],
             language: str) -> list[dict]:
    """Classes over the areas shown, each labelled with the lowest and highest value in
    it (one number when they are equal)."""
    classes = []
    finite = values[np.isfinite(values)]
    index = np.searchsorted(np.asarray(cuts), finite, side="left") if cuts else finite
    for i, upper in enumerate(cuts):
        inside = finite[index == i]
        lower, top = ((float(inside.min()), float(inside.max())) if len(inside)
                      else (upper, upper))
        text = _range_text(lower, top, language)
        classes.append({"lower": lower, "upper": upper, "colour": colours[i],
                        "label": text, "range": text})
    return classes


def _national_classes(held: list[tuple[int, int]], ranges: list[tuple[float, float]],
                      colours: list[str], language: str, score: bool) -> list[dict]:
    """National classes: in words first ("10 % hoogste van Nederland"), the national
    values they hold beside them."""
    return [{"lower": lower, "upper": upper, "colour": colour,
             "label": band_words(lo, hi, language, score),
             "range": _range_text(lower, upper, language), "tenths": [lo, hi]}
            for (lo, hi), (lower, upper), colour in zip(held, ranges, colours, strict=True)]


def _legend(data: WebData, shown: _Shown, level: str, period: str, within: str | None,
            classification: str, n_classes: int, layers: list[dict], *, n_matched: int,
            n_shown: int, language: str, national: bool = False) -> dict:
    vintage = shown.vintage
    level_plural = plural(level, language)
    boundary_text = ", ".join(f"{layer['vintage']} ({fmt_number(layer['n'], language, 0)})"
                              for layer in layers)
    # f-strings hide their calls from extraction: the messages first
    boundaries = gettext(language, N_("Boundaries"))
    figures_on = gettext(language, N_("figures on boundaries of"))
    matched_note = gettext(language, N_(
        "codes matched to the nearest boundary vintage with the same code"))
    on_map = gettext(language, N_("on the map"))
    return {
        "title": shown.label,
        "unit": shown.unit,
        "period": period,
        "figure_vintage": vintage,
        "figure_years": shown.figure_years,
        "figures_of": (gettext(language, N_(
            "On figures of {years}: each indicator's latest up to the reference year, "
            "within the tolerance.")).format(years=fmt_list(shown.figure_years, language))
            if shown.figure_years and shown.figure_years != [str(period)] else None),
        "reference": shown.reference,
        "method": (gettext(language, N_(
            "National classes: against {group}; they stay the same when drilling down")).format(
            group=shown.group) if national else
                   gettext(language, CLASSIFICATION_NAMES[
                       classification if classification != "national" else "quantiles"])
                   + ", " + gettext(language, N_(
                       "{n} classes over the areas shown (not national)")).format(n=n_classes)),
        "national": national,
        "group": shown.group,
        "boundaries": (f"{boundaries}: {level_plural.lower()} {boundary_text}; "
                       f"{figures_on} {vintage}"
                       + ("" if all(layer["vintage"] == vintage for layer in layers) else
                          f" ({matched_note})")),
        "coverage": (f"{fmt_number(n_matched, language, 0)} / "
                     f"{fmt_number(n_shown, language, 0)} {on_map}"),
        "direction": gettext(language, N_("darker = higher") if shown.direction == "neutral"
                             else N_("darker = less favourable")),
        "within": within, "within_name": data.name_of(within) if within else None,
        "no_data": {"colour": NO_DATA, "label": gettext(language, N_("no figure"))},
        "suppressed": {"colour": SUPPRESSED,
                       "label": gettext(language, N_("suppressed (CBS)"))},
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
