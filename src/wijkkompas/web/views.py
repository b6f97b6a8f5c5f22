"""What each page shows, as plain data: the JSON API returns it, the templates render it.

Every function takes the app's :class:`~wijkkompas.web.state.WebData` and returns dicts
and lists of JSON-safe values (NaN becomes None), so that the page and the API always show
the same figures. Assumptions are stated per function.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..catalog import DOMAINS
from ..errors import WijkkompasError
from ..geo.codes import COUNTRY, GRID_LEVELS, level_of
from ..profile import area_profile
from . import charts_glue
from .errors import BadRequest, Busy, NotFound
from .i18n import N_, fmt_number, fmt_value, gettext, plural, translations
from .mapdata import score_positions, unscored
from .shared import SharedAnswers
from .state import MAP_LEVELS, PDF_WAIT, WebData

# the catalog's DIRECTIONS and PERSPECTIVES in words
DIRECTION_NAMES = {"higher_is_better": N_("higher is better"),
                   "higher_is_worse": N_("higher is worse"), "neutral": N_("neutral")}
PERSPECTIVE_NAMES = {"objective": N_("objective (registration)"),
                     "subjective": N_("subjective (residents' answers)")}
# change/spatial.py's local Moran clusters (and its quadrants) in words
CLUSTER_NAMES = {"HH": N_("hot spot: high among high neighbours"),
                 "LL": N_("cold spot: low among low neighbours"),
                 "HL": N_("high among low neighbours (outlier)"),
                 "LH": N_("low among high neighbours (outlier)"),
                 "ns": N_("no significant cluster")}

RANK_SORTS = ("rank", "name", "vulnerability", "flags", "population")
# a saved plan's report is rendered ahead once its version stood this long (seconds)
REPORT_AFTER_SAVE_S = 10.0
ANSWERS_DIR = "answers"  # under the store: the answers the workers share


def clean(value):
    """JSON-safe scalar: NaN/NA -> None, numpy -> Python."""
    if value is None:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    return [{k: clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def postcode(data: WebData, text: str):
    """The areas of a postcode (:func:`wijkkompas.geo.postcodes.postcode_areas` on the
    newest boundaries), once per postcode: the search and ``/api/postcodes`` share it."""
    from ..geo.postcodes import parse_postcode, postcode_areas

    def make():
        with data.store.reading():
            return postcode_areas(data.store, text)
    return data.misc.get_or(("postcode", parse_postcode(text) or text), make)


# -- area profile ---------------------------------------------------------------------

def area_summary(data: WebData, code: str) -> dict:
    """An area's code, name, level and vintage and the areas it lies in (``parents``,
    the country first); a grid cell's wijk and gemeente are those it was placed in at
    ingest, its buurt the one of that wijk holding its centre (``buurt_code``)."""
    area = data.area(code)
    out = {k: clean(area[k]) for k in ("code", "name", "level", "vintage", "wijk_code",
                                        "gemeente_code")}
    if out["level"] in GRID_LEVELS:
        out["buurt_code"] = data.cell_buurt(out["code"], out["wijk_code"])
    parents = [{"code": COUNTRY, "name": "Nederland", "level": "land"}]
    for key, level in (("gemeente_code", "gemeente"), ("wijk_code", "wijk"),
                       ("buurt_code", "buurt")):
        c = out.get(key)
        if c and c != out["code"]:
            parents.append({"code": c, "name": data.name_of(c), "level": level})
    out["parents"] = parents if out["code"] != COUNTRY else []
    return out


def score_row(data: WebData, level: str, code: str, period: str | None):
    try:
        result = data.scores(level, period)
    except (NotFound, BadRequest, WijkkompasError):
        return None, None
    return result.row_of(code), result


def _areas_word(level: str, language: str) -> str:
    """``wijken``/``districts``: the level's plural, in running text."""
    return plural(level, language).lower()


def _domain_label(domain: str, language: str) -> str:
    return DOMAINS.get(domain, {}).get(language, domain)


def _figure_label(data: WebData, ident: str, language: str) -> str:
    """A score's (``vulnerability``, ``domain_...``) or an indicator's label."""
    from .state import score_label

    if ident == "vulnerability" or ident.startswith("domain_"):
        return score_label(ident, language)
    return _indicator_label(data, ident, language)


def _indicator_label(data: WebData, ident: str, language: str) -> str:
    meta = data.catalog.indicators.get(ident)
    if meta is not None:
        return meta.label(language)
    spec = data.scheme.indicators.get(ident)
    if spec is not None and spec.derived is not None:
        return spec.derived.label(language)
    return spec.label if spec is not None else ident


def _split(text) -> list[str]:
    return [x for x in str(text or "").split(",") if x]


def area_reason(data: WebData, row, language: str) -> str | None:
    """Why one area has no composite, in words (None when it has one)."""
    status = row.get("composite_status") if hasattr(row, "get") else None
    if status in (None, "scored") or (isinstance(status, float) and math.isnan(status)):
        return None
    minimum = fmt_number(data.scheme.rank_min_population, language, 0)
    if status == "missing_domains":
        names = [_domain_label(d, language) for d in _split(row.get("missing_domains"))]
        return gettext(language, N_("no composite: {domains} missing")).format(
            domains=", ".join(names) or "?")
    if status == "below_min_population":
        return gettext(language, N_("no composite: fewer than {min} residents")).format(
            min=minimum)
    return gettext(language, N_("no composite: population unknown")).format(min=minimum)


def _named(data: WebData, text: str | None, language: str) -> str | None:
    """``text`` with the domain and indicator ids it names replaced by their labels."""
    if not text:
        return text

    def label(match: re.Match) -> str:
        ident = match.group(0)
        if ident in DOMAINS:
            return _domain_label(ident, language)
        if ident in data.catalog:
            return data.catalog[ident].label(language)
        return ident
    return re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", label, text)


def composite_notice(data: WebData, result, language: str) -> dict | None:
    """What the pages say when a level and period have no composite (``result.statement``)
    or some areas lack one: a lead sentence and the reasons in the page's language, built
    from the per-area ``composite_status``/``missing_domains`` the statement rests on, with
    the engine's own statement as detail. None when every area has a composite. Once per
    level, period, method and language (a grid level has some 420,000 cells to count)."""
    return data.misc.get_or(
        ("composite-notice", result.level, result.period, result.method, language),
        lambda: _composite_notice(data, result, language))


def _composite_notice(data: WebData, result, language: str) -> dict | None:
    table = result.table
    n = len(table)
    status = table["composite_status"].astype(str)
    scored = int((status == "scored").sum())
    if n == 0 or scored == n:
        return None
    areas = _areas_word(result.level, language)
    yardstick = list(data.scheme.yardstick)
    count = {d: 0 for d in yardstick}
    for text in table["missing_domains"]:
        for d in _split(text):
            count[d] = count.get(d, 0) + 1
    minimum = fmt_number(data.scheme.rank_min_population, language, 0)
    reasons = [gettext(language, N_(
        "{domain} is missing for {count} of the {n} {areas}")).format(
        domain=_domain_label(d, language), count=fmt_number(c, language, 0),
        n=fmt_number(n, language, 0), areas=areas) for d, c in count.items() if c]
    small = int((status == "below_min_population").sum())
    if small:
        reasons.append(translations(language).ngettext(
            "{count} has fewer than {min} residents", "{count} have fewer than {min} residents",
            small).format(count=fmt_number(small, language, 0), min=minimum))
    unknown = int((status == "population_unknown").sum())
    if unknown:
        reasons.append(translations(language).ngettext(
            "{count} has no known population", "{count} have no known population",
            unknown).format(count=fmt_number(unknown, language, 0)))
    coverage = result.coverage
    left = sorted(set(coverage.loc[~coverage["entered"].astype(bool), "indicator"])) \
        if len(coverage) else []
    left_text = (gettext(language, N_(
        "Left out because they have a figure for too few areas (fewer than {share}): "
        "{indicators}.")).format(
        share=f"{data.scheme.min_coverage:.0%}",
        indicators=", ".join(_indicator_label(data, i, language) for i in left))
        if left else None)
    domains = ", ".join(_domain_label(d, language) for d in yardstick)
    if scored == 0:
        lead = gettext(language, N_(
            "No composite score for the {areas} in {period}: no area has all {k} domains of "
            "the yardstick ({domains}).")).format(
            areas=areas, period=result.period, k=len(yardstick), domains=domains)
        tail = gettext(language, N_("The domain scores are shown below, without a ranking."))
    else:
        lead = translations(language).ngettext(
            "{scored} of the {n} {areas} has a composite score (all {k} domains and at least"
            " {min} residents); the other {rest} do not, and have no rank:",
            "{scored} of the {n} {areas} have a composite score (all {k} domains and at least"
            " {min} residents); the other {rest} do not, and have no rank:", scored).format(
            scored=fmt_number(scored, language, 0), n=fmt_number(n, language, 0),
            areas=areas, k=len(yardstick), min=minimum,
            rest=fmt_number(n - scored, language, 0))
        tail = None
    return {"kind": "none" if scored == 0 else "partial", "lead": lead, "reasons": reasons,
            "left_out": left_text, "tail": tail, "n_scored": scored, "n_areas": n,
            # the engine speaks English: its statement only on English pages, the
            # reasons above say the same in the page's language
            "detail": _named(data, result.statement, language) if language == "en" else None}


def indicator_years(data: WebData, text, language: str) -> list[dict]:
    """``indicator period; ...`` (the engine's ``indicator_years``) as rows with labels and
    domains: every figure in a score keeps its own year."""
    from ..analysis.engine import parse_indicator_years

    out = []
    for ident, period in parse_indicator_years(text).items():
        spec = data.scheme.indicators.get(ident)
        domain = getattr(spec, "domain", None)
        out.append({"indicator": ident, "label": _indicator_label(data, ident, language),
                    "period": period, "domain": domain,
                    "domain_label": _domain_label(domain, language) if domain else ""})
    return out


def domain_scores(data: WebData, area: dict, period: str | None, language: str) -> dict | None:
    """The area's composite and domain scores with its gemeente's beside them.

    Assumption: the country's reference is the mean of all areas of the level (0 for
    z-scores), because every score is standardised against the whole country.
    """
    level = area["level"]
    if level not in MAP_LEVELS:
        return None
    row, result = score_row(data, level, area["code"], period)
    if result is None:
        reason = unscored(data, level, language)
        return {"available": False, "level": level, "message": reason} if reason else None
    periods = data.score_periods(level)
    base = {"period": result.period, "periods": periods, "method": result.method,
            "vintage": int(result.vintage), "level": level, "notes": list(result.notes)}
    if row is None:
        base["available"] = False
        base["message"] = gettext(language, N_(
            "{code} is not among the {level} scores of {period} ({vintage} boundaries)")).format(
            code=area["code"], level=level, period=result.period, vintage=result.vintage)
        return base
    gm_row = None
    # a grid cell's score is on its own scheme, measured among cells: no gemeente beside it
    compare = level not in ("gemeente", *GRID_LEVELS)
    if area.get("gemeente_code") and compare:
        gm_row, _ = score_row(data, "gemeente", area["gemeente_code"], result.period)
    flagged = set((row["flagged_domains"] or "").split(",")) - {""}
    # only the figures that are in the score: the explain block says why the others are not
    entered = result.entered(row)
    years = [y for y in indicator_years(data, row["indicator_years"], language)
             if y["indicator"] in entered]
    domains = []

    def position(lvl: str, code: str | None, column: str) -> float | None:
        # each score among the areas of its own level: a gemeente among the gemeenten
        if not code:
            return None
        return score_positions(data, lvl, result.period, column).get(code)

    gm_code = area.get("gemeente_code") if gm_row is not None else None
    for d in data.scheme.domains:
        domains.append({
            "domain": d, "label": DOMAINS[d][language],
            "years": [y for y in years if y["domain"] == d],
            "value": clean(row[f"domain_{d}"]),
            "gemeente_value": clean(gm_row[f"domain_{d}"]) if gm_row is not None else None,
            "country_value": 0.0 if result.method == "zscore" else None,
            "position": position(level, area["code"], f"domain_{d}"),
            "gemeente_position": position("gemeente", gm_code, f"domain_{d}"),
            "flagged": d in flagged,
            "percentile_flag": data.scheme.flag_threshold})
    absent = [DOMAINS[d][language] for d in DOMAINS if d not in data.scheme.domains
              and d != "context"]
    base.update({
        "available": True, "compare_gemeente": compare,
        "vulnerability": clean(row["vulnerability"]),
        "vulnerability_position": position(level, area["code"], "vulnerability"),
        "level_areas": _areas_word(level, language),
        "scale": gettext(language, N_(
            "z-score among the {areas} of the Netherlands ({period})")).format(
            areas=_areas_word(level, language), period=result.period),
        "gemeente_vulnerability": clean(gm_row["vulnerability"]) if gm_row is not None else None,
        "rank_national": clean(row["rank_national"]),
        "n_national": int(result.table["vulnerability"].notna().sum()),
        "percentile_national": clean(row["percentile_national"]),
        "rank_gemeente": clean(row["rank_gemeente"]),
        "class": clean(row["class"]), "flags": clean(row["flags"]),
        "flagged_domains": [DOMAINS[d][language] for d in sorted(flagged) if d in DOMAINS],
        "n_domains": clean(row["n_domains"]), "population": clean(row["population"]),
        "domains": domains, "absent_domains": absent,
        "composite_status": clean(row["composite_status"]),
        "missing_domains": _split(row["missing_domains"]),
        "reason": area_reason(data, row, language),
        "indicator_years": years,
        "statement": result.statement,
        # the level's scores (WebData.scores): one notice for every profile of the level
        "notice": composite_notice(data, result, language) if result.statement else None,
    })
    return base


def profile(data: WebData, code: str, language: str = "nl", period: str | None = None) -> dict:
    """An area's whole profile page as data (cached per area, language and period)."""
    key = ("profile", code.upper(), language, period)

    def make():
        with data.store.reading():
            return _profile(data, code, language, period)
    return data.profiles.get_or(key, make)


def _profile(data: WebData, code: str, language: str, period: str | None) -> dict:
    """The profile page's data (:func:`profile`), on one store connection."""
    area = area_summary(data, code)
    found, figures = area_profile(data.store, data.catalog, area["code"], language=language,
                                  found=data.area(area["code"]),
                                  latest=data.area_figures(area["code"], area["level"]),
                                  references=data.reference_values)
    figures = figures.copy()
    figures["domain_label"] = [DOMAINS.get(d, {}).get(language, d) for d in figures["domain"]]
    # the Bron column names the source by its title, not by its id in the store
    titles = data.misc.get_or(("source-titles",), lambda: {
        r["id"]: r["title"] for r in records(data.store.sources()) if r.get("title")})
    figures["source_title"] = [titles.get(x, x) for x in figures["source"]]
    population = figures.loc[figures["indicator"] == "inwoners", "value"]
    area["population"] = clean(population.iloc[0]) if len(population) else None
    out = {"area": area, "figures": records(figures),
           "scores": domain_scores(data, area, period, language)}
    # what drives the composite (web/explaining.py), from the same ScoreResult
    from .explaining import area_explain
    out["explain"] = area_explain(data, area, out["scores"], language)
    level = area["level"]
    if level in MAP_LEVELS:
        neighbours = data.neighbours(area["code"], level, int(area["vintage"]))
        out["neighbours"] = [{"code": c, "name": data.name_of(c)} for c in neighbours]
    else:
        out["neighbours"] = []
    out["change"] = change_signals(data, area, language)
    out["trend_indicators"] = trend_indicators(data, area["code"], language)
    return out


def profile_page(data: WebData, code: str, language: str = "nl", period: str | None = None,
                 indicator: str | None = None) -> dict:
    """Everything the profile page (``/gebied/{code}``) renders: :func:`profile`, the
    trend of ``indicator`` (:func:`series`; by default the first of
    :data:`DEFAULT_TRENDS` the area has over several years) and the charts. ``{"moved":
    code}`` alone when ``code`` is another spelling of an area's code (the page moves
    there). NotFound for a period without scores or an indicator without a trend.
    On one store connection for the whole page (opening one costs more than most of the
    page's queries)."""
    with data.store.reading():
        return _profile_page(data, code, language, period, indicator)


def _profile_page(data: WebData, code: str, language: str, period: str | None,
                  indicator: str | None) -> dict:
    area = data.area(code)
    if area["code"] != code:
        return {"moved": area["code"]}
    if period is not None and area["level"] in MAP_LEVELS \
            and period not in data.score_periods(area["level"]):
        raise NotFound(f"no scores for period {period}; periods with scores: "
                       + ", ".join(data.score_periods(area["level"])))
    p = profile(data, code, language, period)
    trend_ids = [t["id"] for t in p["trend_indicators"]]
    if indicator is not None and indicator not in trend_ids:
        data.check_indicator(indicator)
        raise NotFound(f"{code} has no figures for {indicator} over several years")
    chosen = indicator or next((i for i in DEFAULT_TRENDS if i in trend_ids),
                               trend_ids[0] if trend_ids else None)
    s = series(data, code, chosen, language) if chosen else None
    groups: dict[str, list] = {}
    for f in p["figures"]:
        groups.setdefault(f["domain_label"], []).append(f)
    return {"p": p, "groups": groups, "s": s, "chosen": chosen,
            "chart": charts_glue.trend_spec(s, language) if s else None,
            "domain_chart": charts_glue.domain_spec(p, language), "code": code,
            "area_name": p["area"]["name"], "perspective_names": PERSPECTIVE_NAMES}


# the trend a profile shows first, the first of these the area has over several years
DEFAULT_TRENDS = ("ervaren_gezondheid_goed", "moeite_met_rondkomen", "inwoners")


def trend_indicators(data: WebData, code: str, language: str) -> list[dict]:
    """Indicators with figures for at least two years for this area."""
    obs = data.store.years_per_indicator(code, at_least=2)
    out = []
    for row in obs.itertuples():
        meta = data.catalog.indicators.get(row.indicator)
        out.append({"id": row.indicator, "label": meta.label(language) if meta else row.indicator,
                    "years": int(row.years),
                    "domain": meta.domain if meta else "context"})
    order = {d: i for i, d in enumerate(DOMAINS)}
    return sorted(out, key=lambda r: (order.get(r["domain"], 99), r["label"].lower()))


def _yearly(obs: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """One figure per area and whole year (observed or estimated; of several boundary
    vintages the newest), and whether the figures were all of months or quarters."""
    from ..periods import whole_years

    obs = obs[obs["status"].isin(["observed", "estimated"])]
    annual = whole_years(obs)
    sub_annual = bool(len(obs)) and not annual.any()
    obs = obs[annual].sort_values(["area_code", "year", "vintage"]).drop_duplicates(
        ["area_code", "year"], keep="last")
    return obs, sub_annual


def series(data: WebData, code: str, indicator: str, language: str = "nl") -> dict:
    """An indicator over the years for an area, its gemeente and the country.

    Assumption: one value per area and year, of a whole year (a month's or a quarter's
    figure, ``2021-03``, ``2021Q1``, is no value of the year: a count 12 or 4 times too
    small; such figures are left out, and ``sub_annual`` says so where they are all there
    is); when a year has figures on several boundary vintages, the newest vintage is shown
    (and named in the rows).
    """
    area = area_summary(data, code)
    data.check_indicator(indicator)
    codes = [c for c in dict.fromkeys([area["code"], area.get("gemeente_code"), COUNTRY]) if c]
    obs, sub_annual = _yearly(data.store.observations(codes=codes, indicators=[indicator],
                                                      with_names=False))
    # the area first, then its gemeente, then the country: charts colour the first series
    obs = obs.assign(_o=obs["area_code"].map({c: i for i, c in enumerate(codes)})) \
             .sort_values(["_o", "year"])
    meta = data.catalog[indicator]
    names = {c: (gettext(language, N_("The Netherlands")) if c == COUNTRY else data.name_of(c))
             for c in codes}
    rows = [{"code": r.area_code, "area": names.get(r.area_code, r.area_code),
             "year": int(r.year), "period": r.period, "vintage": int(r.vintage),
             "value": clean(r.value), "status": r.status} for r in obs.itertuples()]
    return {"area": area, "indicator": indicator, "label": meta.label(language),
            "unit": meta.unit, "direction": meta.direction, "rows": rows,
            "source": meta.source, "sub_annual": sub_annual}


# -- change (issue 4) -------------------------------------------------------------------

def change_signals(data: WebData, area: dict, language: str) -> dict:
    """Early-warning reasons, the area's path through the classes, hot-spot membership and
    peers from :mod:`wijkkompas.change`; where one cannot be had, its reason
    (``warning_error``, ``peers_error``)."""
    from ..change.peers import peers
    from ..change.spatial import read_hotspots

    out: dict = {"warning": [], "path": [], "hotspots": [], "peers": None}
    level = area["level"]
    if level not in MAP_LEVELS:
        return out
    try:
        result = warning_result(data, level)
        out["warning"] = result.reasons(area["code"], language, reason_number)
        panel = result.panel.table
        mine = panel[panel["code"] == area["code"]].sort_values("period")
        out["path"] = [{"period": str(r["period"]), "class": clean(r["class"]),
                        "vulnerability": clean(r["vulnerability"])}
                       for r in mine.to_dict("records")]
        out["path_vintage"] = int(result.panel.vintage)
    except WijkkompasError as exc:
        out["warning_error"] = str(exc)
    spots = data.misc.get_or(("hotspots", level), lambda: read_hotspots(data.store, level=level))
    if len(spots) and "code" in spots:
        mine = spots[spots["code"] == area["code"]]
        out["hotspots"] = [
            {**r, "label": _figure_label(data, r["variable"], language),
             "words": gettext(language, CLUSTER_NAMES.get(r["cluster"] or "ns",
                                                          CLUSTER_NAMES["ns"])),
             # a cluster of one test at alpha that the false discovery rate over all
             # areas does not keep (None: stored before the rate was computed)
             "not_after_fdr": (r.get("cluster") not in (None, "ns")
                               and isinstance(r.get("significant_fdr"), (bool, np.bool_))
                               and not r["significant_fdr"])}
            for r in records(mine.drop(columns=[c for c in ("geometry",) if c in mine]))]
    try:
        # the early-warning panel and the level's figures (cached per level) save
        # scoring every period and reading the figures again for every profile
        panel = warning_result(data, level).panel
        result = peers(data.store, data.catalog, area["code"], scheme=data.scheme,
                       level=level, panel=panel, tables=level_peer_tables(data, level),
                       found=data.area(area["code"]))
        out["peers"] = records(result.peers.head(10))
        out["peers_base"] = (result.base_period, result.later_period)
    except (WijkkompasError, TypeError, ValueError, KeyError) as exc:
        out["peers_error"] = str(exc)
    return out


def level_peer_tables(data: WebData, level: str):
    """The tables the peers of a level's areas are found on (made once per level)."""
    from ..change.peers import peer_figures, peer_indicators, peer_tables

    vintage = warning_result(data, level).panel.vintage
    indicators = peer_indicators(data.scheme, data.catalog)
    return data.misc.get_or(("peer-tables", level, vintage), lambda: peer_tables(
        peer_figures(data.store, indicators, level, vintage), indicators, level=level))


def warning_scheme(data: WebData, name: str | None):
    """The scheme of the early warning: the app's own (``None``), or a bundled one by name
    (:data:`~wijkkompas.schemes.BUNDLED`, such as ``gezondheidsmonitor``, the yardstick
    that is one measure over several editions)."""
    from ..schemes import BUNDLED, load_scheme

    if not name:
        return data.scheme
    if name not in BUNDLED:
        raise BadRequest(f"maatstaf must be one of {', '.join(BUNDLED)}")
    return data.misc.get_or(("scheme", name), lambda: load_scheme(name, data.catalog))


def warning_result(data: WebData, level: str, scheme: str | None = None):
    """The :class:`~wijkkompas.change.warning.WarningResult` of a level (cached)."""
    from ..change.warning import early_warning

    chosen = warning_scheme(data, scheme)
    return data.misc.get_or(("warning", level, scheme or ""), lambda: early_warning(
        data.store, data.catalog, chosen, level=level))


WARNING_PAGE = 50  # rows per page of the early-warning list


def reason_number(value: float, language: str, digits: int, unit: str) -> str:
    """A figure of an early-warning reason in the page's locale (the change package's own
    format is the CLI's); "-" for none, as there."""
    return fmt_value(value, "%" if unit == "%" else "", language, digits) or "-"


def warning_table(data: WebData, level: str, language: str = "nl",
                  within: str | None = None, page: int | None = None,
                  scheme: str | None = None) -> dict:
    """The early-warning list of a level, most urgent first, optionally in one gemeente;
    ``page`` (from 1) gives :data:`WARNING_PAGE` rows of it (``total`` counts them all),
    ``None`` every row; ``scheme`` as :func:`warning_scheme`. At a level the app's scheme
    cannot score, ``unscored`` says why (:func:`~wijkkompas.web.mapdata.unscored`) and
    there are no rows."""
    if level not in MAP_LEVELS:
        raise BadRequest(f"level must be one of {', '.join(MAP_LEVELS)}")
    if page is not None and page < 1:
        raise BadRequest("page must be 1 or more")
    reason = None if scheme else unscored(data, level, language)
    if reason:
        return {"unscored": reason, "rows": [], "total": 0, "scheme": "",
                "composite_periods": [], "periods": []}
    result = warning_result(data, level, scheme)
    frame = result.table.copy()
    if within:
        w = within.strip().upper()
        if level in GRID_LEVELS:  # the cells placed in the gemeente or wijk at ingest
            keep = frame["code"].isin(data.store.codes_within(w, level)).to_numpy(bool)
        else:
            from ..geo.codes import gemeente_of, wijk_of
            keep = np.array([w in (gemeente_of(c), wijk_of(c), c) for c in frame["code"]],
                            dtype=bool)
        frame = frame[keep]  # an array: an empty list would select no columns
    total = len(frame)
    pages = max(1, math.ceil(total / WARNING_PAGE))
    if page is not None:
        frame = frame.iloc[(page - 1) * WARNING_PAGE: page * WARNING_PAGE]
    frame["reasons"] = [result.reasons(code, language, reason_number) for code in frame["code"]]
    frame = frame.drop(columns=["reasons_nl", "reasons_en"])
    return {"rows": records(frame), "columns": list(frame.columns), "total": total,
            "page": page or 1, "pages": pages if page is not None else 1,
            "first": ((page or 1) - 1) * WARNING_PAGE + 1,
            "notes": list(result.notes),
            "composite_periods": list(result.composite_periods),
            "scheme": scheme or "", "scheme_name": warning_scheme(data, scheme).name,
            "period": (result.composite_periods or [str(result.panel.periods[-1])])[-1],
            "periods": [str(p) for p in result.panel.periods],
            "vintage": int(result.panel.vintage)}


# -- rankings -------------------------------------------------------------------------

def _ranked_within(result, code: str) -> pd.DataFrame:
    """The rows of ``result.table`` in the gemeente or wijk ``code`` (a gemeente itself
    at gemeente level); NotFound when the level has none there."""
    table = result.table
    column = "wijk_code" if level_of(code) == "wijk" else "gemeente_code"
    found = table[table["code"] == code] if result.level == "gemeente" else \
        table[table[column] == code]
    if found.empty and code not in set(table[column]) and code not in set(table["code"]):
        raise NotFound(f"no {result.level} scores within {code} for {result.period}")
    return found


def rankings(data: WebData, *, level: str = "wijk", period: str | None = None,
             gemeente: str | None = None, domain: str | None = None, q: str | None = None,
             sort: str = "rank", order: str = "asc", page: int = 1, per_page: int = 50,
             method: str | None = None, language: str = "nl") -> dict:
    """Score table filtered and sorted for the rankings page.

    ``domain`` sorts by that domain's score (most vulnerable first) and shows it; ``q``
    matches name or code; ``rank`` is the national rank of the level; ``gemeente`` keeps
    the areas of a gemeente, or of a wijk (a wijk code: its buurten, or the grid cells
    placed in it at ingest). Paged: a grid level has some 420,000 cells. At a level the
    scheme cannot score, ``unscored`` says why (:func:`~wijkkompas.web.mapdata.unscored`)
    and there are no rows.
    """
    if level not in MAP_LEVELS:
        raise BadRequest(f"level must be one of {', '.join(MAP_LEVELS)}")
    reason = unscored(data, level, language)
    if reason:
        return {"level": level, "unscored": reason, "period": None, "periods": [],
                "gemeente": gemeente, "domain": domain, "q": q or "", "rows": [],
                "domains": [{"id": d, "label": DOMAINS[d][language]}
                            for d in data.scheme.domains]}
    if domain and domain not in data.scheme.domains:
        raise NotFound(f"unknown domain {domain!r}; the scheme has "
                       + ", ".join(data.scheme.domains))
    if sort not in RANK_SORTS and not (sort.startswith("domain_")
                                       and sort[7:] in data.scheme.domains):
        raise BadRequest(f"sort must be one of {', '.join(RANK_SORTS)} or domain_<id>")
    if order not in ("asc", "desc"):
        raise BadRequest("order must be asc or desc")
    if page < 1 or not 1 <= per_page <= 500:
        raise BadRequest("page must be 1 or more and per_page between 1 and 500")
    if period is not None and period not in data.score_periods(level):
        raise NotFound(f"no scores at level {level} for period {period}; periods with "
                       f"scores: {', '.join(data.score_periods(level))}")
    result = data.scores(level, period, method)
    table = result.table
    if gemeente:
        gemeente = gemeente.strip().upper()
        table = _ranked_within(result, gemeente)
    if q:
        text = q.strip()
        table = table[table["code"].str.upper().str.startswith(text.upper())
                      | table["name"].str.contains(text, case=False, regex=False, na=False)]
    notice = composite_notice(data, result, language)
    if domain and sort == "rank":
        sort, order = f"domain_{domain}", "desc"
    elif sort == "rank" and result.statement:
        # no composite, so no ranks: domain scores listed by name, never as a ranking
        sort = "name"
    key = {"rank": "rank_national"}.get(sort, sort)
    table = table.sort_values(key, ascending=order == "asc", na_position="last",
                              kind="stable")
    total = len(table)
    shown = table.iloc[(page - 1) * per_page: page * per_page]
    rows = []
    for r in shown.to_dict("records"):
        rows.append({
            "code": r["code"], "name": r["name"], "rank": clean(r["rank_national"]),
            "vulnerability": clean(r["vulnerability"]), "class": clean(r["class"]),
            "flags": clean(r["flags"]),
            "flagged_domains": [DOMAINS[d][language] for d in (r["flagged_domains"] or "").split(",")
                                if d in DOMAINS],
            "population": clean(r["population"]),
            "gemeente_code": r["gemeente_code"], "gemeente": data.name_of(r["gemeente_code"]),
            "domains": {d: clean(r[f"domain_{d}"]) for d in data.scheme.domains},
            "composite_status": r["composite_status"],
            "missing_domains": _split(r["missing_domains"]),
            "reason": area_reason(data, r, language)})
    return {"level": level, "period": result.period, "periods": data.score_periods(level),
            "vintage": int(result.vintage), "method": result.method, "gemeente": gemeente,
            "gemeente_name": data.name_of(gemeente) if gemeente else None,
            "domain": domain, "q": q or "", "sort": sort, "order": order, "page": page,
            "per_page": per_page, "total": total, "pages": max(1, math.ceil(total / per_page)),
            "rows": rows, "n_national": int(result.table["vulnerability"].notna().sum()),
            "statement": result.statement, "notice": notice,
            "composite_periods": data.composite_periods(level),
            "domains": [{"id": d, "label": DOMAINS[d][language]} for d in data.scheme.domains],
            "notes": list(result.notes)}


# -- compare --------------------------------------------------------------------------

def compare(data: WebData, codes: list[str], language: str = "nl",
            indicator: str | None = None) -> dict:
    """Two to five areas side by side: latest figures, domain scores, one indicator's trend.

    Assumption: the latest figure per area may come from different periods (a source
    updates levels at different times); every cell carries its own period.
    """
    codes = [c for c in dict.fromkeys(c.strip() for c in codes if c and c.strip())]
    if len(codes) > 5:
        raise BadRequest("compare at most five areas")
    areas = [area_summary(data, c) for c in codes]
    profiles = [profile(data, a["code"], language) for a in areas]
    table: dict[str, dict] = {}
    for i, p in enumerate(profiles):
        for f in p["figures"]:
            row = table.setdefault(f["indicator"], {
                "indicator": f["indicator"], "label": f["label"], "unit": f["unit"],
                "domain": f["domain"], "domain_label": f["domain_label"],
                "cells": [None] * len(areas)})
            row["cells"][i] = {"value": f["value"], "period": f["period"],
                               "status": f["status"], "reliable": f["reliable"]}
    order = {d: i for i, d in enumerate(DOMAINS)}
    rows = sorted(table.values(), key=lambda r: (order.get(r["domain"], 99), r["label"].lower()))
    common = [r["indicator"] for r in rows if all(c is not None and c["value"] is not None
                                                  for c in r["cells"])]
    trend = None
    if areas:
        if indicator is None:
            multi = [t["id"] for t in profiles[0]["trend_indicators"] if t["id"] in common]
            indicator = multi[0] if multi else (common[0] if common else None)
        if indicator is not None:
            data.check_indicator(indicator)
            meta = data.catalog.indicators.get(indicator)
            obs, _ = _yearly(data.store.observations(
                codes=[a["code"] for a in areas], indicators=[indicator], with_names=False))
            order = {a["code"]: i for i, a in enumerate(areas)}
            obs = obs.assign(_o=obs["area_code"].map(order)).sort_values(["_o", "year"])
            names = {a["code"]: a["name"] for a in areas}
            trend = {"indicator": indicator, "label": meta.label(language) if meta else indicator,
                     "unit": meta.unit if meta else "",
                     "rows": [{"code": r.area_code, "area": names.get(r.area_code, r.area_code),
                               "year": int(r.year), "period": r.period,
                               "vintage": int(r.vintage), "value": clean(r.value)}
                              for r in obs.itertuples()]}
    return {"areas": areas, "scores": [p["scores"] for p in profiles], "rows": rows,
            "trend": trend, "indicator": indicator,
            "indicators": [{"id": r["indicator"], "label": r["label"]} for r in rows]}


# -- about ----------------------------------------------------------------------------

def about(data: WebData, language: str = "nl") -> dict:
    def make():
        sources = records(data.store.sources())
        overview = {r["source"]: r for r in records(data.store.overview())}
        for s in sources:
            s.update({k: overview.get(s["id"], {}).get(k) for k in
                      ("figures", "areas", "first_year", "last_year", "vintages", "suppressed")})
        summary = {r["indicator"]: r for r in records(data.store.indicator_summary())}
        indicators = []
        for ind in data.catalog:
            s = summary.get(ind.id, {})
            indicators.append({
                "id": ind.id, "label": ind.label(language), "unit": ind.unit,
                "definition": ind.describe(language), "source": ind.source,
                "domain": ind.domain,
                "domain_label": DOMAINS.get(ind.domain, {}).get(language, ind.domain),
                "direction": ind.direction, "perspective": ind.perspective,
                "min_population": ind.min_population, "figures": s.get("figures") or 0,
                "first_year": s.get("first_year"), "last_year": s.get("last_year"),
                "levels": s.get("levels")})
        order = {d: i for i, d in enumerate(DOMAINS)}
        indicators.sort(key=lambda r: (order.get(r["domain"], 99), r["label"].lower()))
        bounds = data.boundary_index()
        boundaries = [{"level": lvl, "vintage": v, "areas": len(c)}
                      for lvl, vs in sorted(bounds.items()) for v, c in sorted(vs.items())]
        return {"sources": sources, "indicators": indicators, "boundaries": boundaries,
                "scheme": {"name": data.scheme.name, "method": data.scheme.method,
                           "description": data.scheme.description,
                           "domains": [{"id": d, "label": DOMAINS[d][language]}
                                       for d in data.scheme.domains]}}
    return data.misc.get_or(("about", language), make)


# -- plans (issue 6; written by editors since issue 7: save_plan, web/editing.py) --------

def plan_store(data: WebData):
    """The plans database next to the store (or ``$WIJKKOMPAS_PLANS_DB``), opened once."""
    from ..plans import PlanStore

    return data.service("plans", lambda: PlanStore(store_dir=data.store.directory,
                                                   catalog=data.catalog))


def plan_states(data: WebData, plan_ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Plans' current version and visibility (:meth:`~wijkkompas.plans.PlanStore.states`)."""
    return plan_store(data).states(plan_ids)


def shared_answers(data: WebData) -> SharedAnswers:
    """The answers this server's workers share (:mod:`~wijkkompas.web.shared`): under
    ``<store>/answers/``, named by the plans database and the wijkkompas version, so
    that another server on the same store, or another release, never reads them."""
    from .. import __version__

    def make() -> SharedAnswers:
        basis = "\x00".join([__version__, plan_store(data).url])
        digest = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]
        return SharedAnswers(Path(data.store.directory) / ANSWERS_DIR / digest)
    return data.service("shared-answers", make)


def plans_list(data: WebData) -> list[dict]:
    return [{k: clean(v) if not hasattr(v, "isoformat") else v.isoformat()
             for k, v in row.items()} for row in plan_store(data).list()]


def plan_record(data: WebData, plan_id: str, version: int | None = None) -> dict:
    """A plan's current document and its versions, cached per version; unknown plans
    raise NotFound. ``version``: the current one when the route read it already (with
    the visitor's access, :func:`~wijkkompas.web.auth.require_plan`), else read here.
    Without the progress summary: that takes about a second per new version, and the
    API's plan document (what editors read before every change) does not show it."""
    from ..errors import PlanError

    plans = plan_store(data)
    # one light query per request; the document is read and validated once per version
    if version is None:
        version = plans.current_version(plan_id)
    if version is None:
        raise NotFound(f"no plan with id {plan_id!r}")

    def make() -> dict:
        try:
            plan, versions = plans.record(plan_id, version)
        except PlanError as exc:
            raise NotFound(str(exc)) from None
        return {"plan": plan.to_dict(), "object": plan,
                "versions": [{"version": v.version, "author": v.author,
                              "created_at": v.created_at.isoformat(), "message": v.message}
                             for v in versions]}

    return data.plan_cache.get_or(("plan", plan_id, version), make)


def plan_figures(data: WebData, plan):
    """The plan's figures (:class:`~wijkkompas.plans.PlanFigures`), kept per
    :func:`~wijkkompas.plans.figures.figures_key`: they outlive the versions that leave
    them as they are (most edits), for saving and for the plan page alike."""
    from ..plans import PlanFigures
    from ..plans.figures import figures_key

    return data.plan_cache.get_or(("plan-figures", plan.id, figures_key(plan)),
                                  lambda: PlanFigures(plan, data.store, data.catalog))


def plan_detail(data: WebData, plan_id: str, version: int | None = None) -> dict:
    """:func:`plan_record` with the progress summary (:func:`wijkkompas.plans.plan_summary`)
    and the version both show (read before the plan), cached per version; the figures
    it is computed from are cached per :func:`~wijkkompas.plans.figures.figures_key`."""
    from ..plans import plan_summary

    record = plan_record(data, plan_id, version)
    plan = record["object"]
    summary = data.plan_cache.get_or(("plan-summary", plan_id, plan.version), lambda: (
        plan_summary(plan, data.store, data.catalog, plan_figures(data, plan))))
    return {"plan": record["plan"], "summary": summary, "versions": record["versions"],
            "version": plan.version}


def plan_charts(data: WebData, plan_id: str, summary: dict, language: str) -> dict:
    """The plan page's chart per goal (:func:`charts_glue.goal_charts`), cached by what the
    charts show rather than by version: a version that leaves the goals' figures as they
    are (most edits) draws no charts again. Each spec is kept as the page shows it (JSON,
    escaped for its attribute), not written again at every render."""
    from markupsafe import escape

    from . import charts_glue
    from .deps import to_json

    def drawn() -> dict:
        return {goal: {**chart, "spec": escape(to_json(chart["spec"]))}
                for goal, chart in charts_glue.goal_charts(summary, language).items()}

    shown = json.dumps([summary["goals"], summary["area"]["name"]], sort_keys=True,
                       default=str)
    return data.plan_cache.get_or(
        ("plan-charts", plan_id, hashlib.sha256(shown.encode()).hexdigest(), language),
        drawn)


def check_document(data: WebData, document: dict) -> None:
    """Validate a plan document as a save would (PlanError when it is not valid), without
    saving it."""
    from ..plans import Plan, check_plan

    plan = Plan.from_dict(document, file=document.get("id"), catalog=data.catalog)
    check_plan(plan, data.store, data.catalog, plan_figures(data, plan))


def save_plan(data: WebData, document: dict, author: str, *, create: bool,
              message: str = "", current: int | None = None) -> dict:
    """Save a plan document from the browser or the API (see
    :func:`wijkkompas.plans.save_document`, and there ``current``); a new plan starts
    private with its author as editor. Returns the plan's id and new version."""
    from ..plans import save_document

    extra = {"visibility": "private", "owner": author} if create else {}
    saved = save_document(document, plan_store(data), data.store, data.catalog,
                          author=author, message=message or ("aangemaakt in de webapp"
                                                             if create else ""),
                          create_only=create, figures=lambda plan: plan_figures(data, plan),
                          current=current, **extra)
    render_report_after_save(data, saved.id)
    return {"id": saved.id, "version": saved.version}


def plan_pdf(data: WebData, plan_id: str) -> bytes:
    """The progress report as PDF: rendered once per plan version and state of the data
    (kept in ``data.pdf_cache`` and as a file in the store,
    :func:`wijkkompas.reports.kept_pdf_path`, so that another worker or a restarted
    server serves it without rendering), at most ``WIJKKOMPAS_PDF_CONCURRENCY`` at once
    (default 2); :class:`~wijkkompas.web.errors.Busy` when no turn comes within
    ``PDF_WAIT`` seconds."""
    from ..reports import html_to_pdf, keep_pdf, kept_pdf_path

    plan = plan_record(data, plan_id)["object"]
    path = kept_pdf_path(data.store, plan_store(data), plan_id, plan.version)

    def make() -> bytes:
        try:
            return path.read_bytes()
        except OSError:
            pass  # not rendered yet
        if not data.pdf_slots.acquire(timeout=PDF_WAIT):
            raise Busy("the reports are being made for others; try again in a minute")
        try:
            pdf = html_to_pdf(plan_report(data, plan_id))
        finally:
            data.pdf_slots.release()
        keep_pdf(path, pdf)
        return pdf
    return data.pdf_cache.get_or(("plan-pdf", plan_id, plan.version), make)


def restore_plan(data: WebData, plan_id: str, version: int, author: str) -> None:
    """Make an earlier version of a plan its current one (saved as a new version)."""
    plan_store(data).restore(plan_id, version, author=author)
    render_report_after_save(data, plan_id)


def render_reports_ahead(data: WebData, plan_ids: list[str] | None = None) -> None:
    """Queue the PDF reports not kept yet (of ``plan_ids``, default every plan) on
    ``data.ahead``, so that a plan's first request finds its report rendered (issue 18:
    a report within 3 s; rendering takes 5-15 s). Nothing when the app renders on
    request only (``data.ahead`` is None: an app not made by ``serve``). A report
    another process is rendering is left to it (:func:`wijkkompas.reports.rendering`)."""
    if data.ahead is None:
        return
    ids = plan_ids if plan_ids is not None else [row["id"] for row in plan_store(data).list()]
    for plan_id in ids:
        data.ahead.submit(_render_ahead, data, plan_id)


def render_report_after_save(data: WebData, plan_id: str) -> None:
    """Render a saved plan's report once its version has stood
    :data:`REPORT_AFTER_SAVE_S` seconds (:meth:`Ahead.submit_after`): a plan saved again
    meanwhile gets one report, of the version that stood. Every save queued a render of
    5-15 s of CPU beside the requests, most of them for versions replaced seconds later
    (the load test's editors save all the time); the report asked for within those
    seconds is rendered on request."""
    if data.ahead is not None:
        data.ahead.submit_after(("report", plan_id), REPORT_AFTER_SAVE_S, _render_ahead,
                                data, plan_id)


def _render_ahead(data: WebData, plan_id: str) -> None:
    """Render the current version's report unless it is kept or another process renders
    it, in a low-priority process of its own
    (:func:`wijkkompas.reports.ahead.render_apart`): in this worker's thread the render
    held the interpreter against the requests."""
    from ..reports import kept_pdf_path, rendering
    from ..reports.ahead import render_apart

    plan = plan_record(data, plan_id)["object"]
    plans = plan_store(data)
    path = kept_pdf_path(data.store, plans, plan_id, plan.version)
    if path.is_file():
        return
    ahead = data.ahead
    with rendering(path) as mine:
        if mine:
            render_apart(data.store.directory, plans.url, plan_id, plan.version,
                         stopped=lambda: ahead is not None and ahead.stopping)


def plan_report(data: WebData, plan_id: str) -> str:
    """The full progress report (the PDF's HTML), from the reports' own templates."""
    from ..reports import render_plan_report

    plan = plan_record(data, plan_id)["object"]
    return data.plan_cache.get_or(("plan-report", plan_id, plan.version),
                            lambda: render_plan_report(plan, data.store, data.catalog))
