"""The map page (``/``): a choropleth per level, indicator or score, and period.

Without JavaScript the page is a form and a table of the same figures; with it, Leaflet
draws the boundary layers (no tile server: the boundaries are the map) and HTMX swaps the
form, legend and table when an option changes.
"""
from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request

from ..answers import SHARED
from ..deps import DataDep, LangDep, is_htmx, render
from ..errors import NotFound
from ..i18n import N_, gettext, plural
from ..mapdata import map_values, no_data, shown_period
from ..state import CLASSIFICATION_NAMES, CLASSIFICATIONS, WebData

router = APIRouter(include_in_schema=False)
TABLE_ROWS = 60


@router.get("/", dependencies=SHARED)
def map_page(request: Request, data: DataDep, lang: LangDep,
             level: Literal["gemeente", "wijk", "buurt", "vierkant500",
                            "vierkant100"] = "gemeente",
             indicator: str = "vulnerability",
             period: Annotated[str | None, Query(pattern=r"^\d{4}[A-Z0-9]*$")] = None,
             within: Annotated[str | None, Query(max_length=12)] = None,
             classification: Literal["national", "quantiles", "fisher_jenks",
                                     "equal_interval"] = "national",
             k: Annotated[int, Query(ge=3, le=7)] = 5):
    """The map of what exists for the areas on screen: a period without figures there
    falls back to the latest one with figures (and the page says so); an indicator
    without any figure there gives the page (or the HTMX fragment) with "geen gegevens"
    and no map, never a 404 that leaves the previous map standing."""
    within = within or None
    if within and level == "gemeente":
        within = None  # a gemeente map of one gemeente is one polygon: show them all
    data.check_indicator(indicator)
    if is_htmx(request):
        if within and level == "wijk" and not within.upper().startswith("GM"):
            within = "GM" + within[2:6]
    elif period is not None and period not in data.indicator_periods(indicator, level):
        # a typed period that no area of the level has: the 404 says which there are
        raise NotFound(f"no figures for {indicator} at level {level} in period {period}; "
                       "periods with figures: "
                       + ", ".join(data.indicator_periods(indicator, level)))
    if within:
        within = str(data.area(within)["code"])
    shown, _ = shown_period(data, level, indicator, period, within)
    notice = None
    if shown is None:
        m = no_data(data, level=level, indicator=indicator, within=within, language=lang)
        values_url = ""
    else:
        m = map_values(data, level=level, indicator=indicator, period=shown, within=within,
                       classification=classification, k=k, language=lang)
        if period is not None and period != shown:
            notice = gettext(lang, N_(
                "There are no figures of {indicator} for the {areas} in {area} in {requested}. "
                "The map shows {shown}, the latest year with figures.")).format(
                requested=period, indicator=m["label"], shown=shown,
                areas=plural(level, lang).lower(),
                area=m["legend"]["within_name"] or gettext(lang, N_("The Netherlands")))
    params = {"level": level, "indicator": m["requested_indicator"],
              "classification": classification, "k": k, "lang": lang}
    if m["period"]:
        params["period"] = m["period"]
    if m["within"]:
        params["within"] = m["within"]
    if shown is not None:
        values_url = "/api/map?" + urlencode(params)
    rows = table_rows(data, m)
    context = {"m": m, "values_url": values_url, "rows": rows[:TABLE_ROWS],
               "n_rows": len(rows), "levels": data.levels(), "period_notice": notice,
               "indicator_groups": data.map_indicators(level, lang, within),
               "classifications": CLASSIFICATIONS,
               "classification_names": CLASSIFICATION_NAMES, "crumbs": crumbs(data, m),
               "title_area": m["legend"]["within_name"]}
    if is_htmx(request):
        response = render(request, "_map_panel.html", context, language=lang)
        # the address bar names what is on screen (the period shown, not the one asked)
        page = {k: v for k, v in params.items() if not (k == "classification"
                                                         and v == "national")}
        page.pop("lang", None)
        response.headers["HX-Push-Url"] = "/?" + urlencode(page)
        return response
    return render(request, "map.html", context, language=lang)


def table_rows(data: WebData, m: dict) -> list[dict]:
    """The map's figures as rows, least favourable first (the map's darkest classes)."""
    index = data.areas_index()
    rows = []
    for code, (value, cls) in m["values"].items():  # empty without data
        name = index.at[code, "name"] if code in index.index else code
        rows.append({"code": code, "name": name, "value": value, "class": cls})
    reverse = data.catalog.indicators.get(m["indicator"])
    higher_better = reverse is not None and reverse.direction == "higher_is_better"
    rows.sort(key=lambda r: (r["value"] is None,
                             (r["value"] if higher_better else -r["value"])
                             if r["value"] is not None else 0))
    return rows


def crumbs(data: WebData, m: dict) -> list[dict]:
    """Breadcrumbs up the hierarchy from the map's ``within``."""
    out = [{"label": "Nederland", "level": "gemeente", "within": None}]
    w = m["within"]
    if w:
        area = data.area(w)
        if area["level"] == "wijk" and area["gemeente_code"]:
            out.append({"label": data.name_of(area["gemeente_code"]), "level": "wijk",
                        "within": area["gemeente_code"]})
        out.append({"label": area["name"], "level": m["level"], "within": w})
    return out
