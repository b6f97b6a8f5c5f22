"""Turn the pages' data into Vega-Lite specs with :mod:`wijkkompas.charts`.

One chart definition serves the web page and the PDF reports: the functions live in
``wijkkompas/charts.py`` (section "Web application charts"); this module only picks the
rows and the texts (legend names the reference areas and years).
"""
from __future__ import annotations

from .. import charts
from .i18n import N_, gettext, level_name, plural


def _spec(chart: charts.alt.TopLevelMixin | dict) -> dict:
    """The chart's Vega-Lite spec with the web pages' fonts and sizes, merged into the
    chart's own config (so that a legend placed at the bottom stays there). The charts
    take their element's width (``width: "container"``; charts.js fits titles and
    legends to it and redraws them for print). Not validated against the Vega-Lite
    schema on every request (about a tenth of a profile page's time went there): the
    definitions are fixed, and the tests validate what each page draws."""
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    config = spec.setdefault("config", {})
    for key, value in {
            "font": "Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif",
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#1e1e1e",
                     "titleColor": "#1e1e1e"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 320,
                       "orient": "bottom", "titleColor": "#1e1e1e",
                       "labelColor": "#1e1e1e"},
            "title": {"fontSize": 15, "subtitleFontSize": 12, "subtitleColor": "#404040"},
            "view": {"stroke": None},
            # no ARIA texts of Vega's own (English: "X-axis titled ..."): the chart is
            # described by its spec's description, in the page's language, and its table
            "aria": False}.items():
        config[key] = {**config[key], **value} if isinstance(value, dict) and isinstance(
            config.get(key), dict) else value
    return spec


def _trend_words(label: str, areas: list[str], language: str) -> dict[str, str]:
    year = gettext(language, N_("Year"))
    return {"year_axis": year.lower(), "year": year,
            "area": gettext(language, N_("Area")), "value": gettext(language, N_("Value")),
            "description": gettext(language, N_(
                "{indicator}: line chart per year of {areas}.")).format(
                indicator=label, areas=", ".join(areas))}


def trend_spec(s: dict | None, language: str) -> dict | None:
    if not s or not s["rows"]:
        return None
    years = sorted({r["year"] for r in s["rows"]})
    areas = list(dict.fromkeys(r["area"] for r in s["rows"]))
    note = gettext(language, N_("Reference: {areas} ({first}–{last})")).format(
        areas=", ".join(areas[1:]), first=years[0], last=years[-1]) if len(areas) > 1 else ""
    return _spec(charts.web_trend_chart(s["rows"], _trend_words(s["label"], areas, language),
                                        title=s["label"], unit=s["unit"],
                                        reference_note=note))


def domain_spec(p: dict, language: str) -> dict | None:
    """The area's domain scores and its gemeente's, each as its position among the areas
    of its own level in the Netherlands (a gemeente's z-score is ranked among gemeenten and
    is never drawn on the scale of wijken)."""
    sc = p.get("scores")
    if not sc or not sc.get("available"):
        return None
    gm = next((x["name"] for x in p["area"]["parents"] if x["level"] == "gemeente"), None)
    own = gettext(language, N_("among the {areas}")).format(areas=sc["level_areas"])
    among_gm = gettext(language, N_("among the {areas}")).format(
        areas=plural("gemeente", language).lower())
    name = f"{p['area']['name']} ({own})"
    rows = []
    for d in sc["domains"]:
        rows.append({"domain": d["label"], "area": name, "value": d["position"]})
        if gm and d["gemeente_position"] is not None:
            rows.append({"domain": d["label"],
                         "area": f"{level_name('gemeente', language)} {gm} ({among_gm})",
                         "value": d["gemeente_position"]})
    gm_note = N_(", the municipality against all municipalities")
    note = gettext(language, N_(
        "Reference year {period}. Each area against the areas of its own level: {name} "
        "against all {areas}{gm}. 50 % = the middle (dashed line).")).format(
        period=sc["period"], name=p["area"]["name"], areas=sc["level_areas"],
        gm=gettext(language, gm_note) if gm and sc["compare_gemeente"] else "")
    words = {"axis": gettext(language, N_(
                 "position among the areas of the same level (% with a lower score)")),
             "domain": gettext(language, N_("Domain")), "area": gettext(language, N_("Area")),
             "value": gettext(language, N_("Value")),
             "description": gettext(language, N_("Dot chart of the domain scores: {areas}."))
             .format(areas=", ".join(dict.fromkeys(r["area"] for r in rows)))}
    return _spec(charts.web_domain_chart(rows, words,
                                         title=gettext(language, N_("Domain scores")),
                                         reference_note=note, scale="position"))


def compare_spec(c: dict, language: str) -> dict | None:
    t = c.get("trend")
    if not t or not t["rows"]:
        return None
    years = sorted({r["year"] for r in t["rows"]})
    areas = list(dict.fromkeys(r["area"] for r in t["rows"]))
    note = gettext(language, N_("{first}–{last}; each area's own figures")).format(
        first=years[0], last=years[-1])
    return _spec(charts.web_trend_chart(t["rows"], _trend_words(t["label"], areas, language),
                                        title=t["label"], unit=t["unit"],
                                        reference_note=note))


def goal_charts(summary: dict, language: str) -> dict:
    """Per goal (by id) the trajectory chart the progress report draws (plan area,
    reference group, planned path, targets by status) and the same figures as rows."""
    out = {}
    for g in summary["goals"]:
        goal = {**g, "area_label": summary["area"]["name"]}
        targets = {t["year"]: t["target_value"] for t in [*g["milestones"], g["end_target"]]}
        reference = (g.get("reference") or {}).get("values") or {}
        years = sorted({*map(int, g["series"]), *targets})
        rows = [{"year": y, "value": g["series"].get(y), "reference": reference.get(y),
                 "target": targets.get(y)} for y in years]
        spec = _spec(charts.goal_chart(goal, language=language, width="container",
                                       height=180))
        spec["description"] = gettext(language, N_(
            "{goal}: {indicator} per year in the plan area, its reference group, the planned "
            "path and the targets.")).format(goal=g["title"], indicator=g["indicator_label"])
        out[g["goal"]] = {"spec": spec, "rows": rows}
    return out
