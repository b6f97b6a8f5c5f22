"""Vega-Lite chart definitions (altair), one definition for the web page and the PDF.

Every function takes plain data (dicts and lists, as the ``to_dict()`` of the plan
results give them, so an HTTP route can pass JSON straight in) and returns an
``altair`` chart, whose ``chart.to_dict()`` is the Vega-Lite spec for the browser; the
two charts of the area pages (section "Web application charts") return that spec
itself. :func:`to_svg` renders either offline with ``vl-convert`` for reports.

Rules the charts keep (from the domain notes): every legend names its reference area
and year; the colours of statuses are the same everywhere (:data:`STATUS_COLORS`);
Dutch labels first (``language="en"`` for English).
"""
from __future__ import annotations

import contextlib
from typing import TypeVar

import altair as alt
import pandas as pd

FONT = "Liberation Sans, DejaVu Sans, Arial, sans-serif"
PLAN_COLOR = "#b0413e"
REFERENCE_COLOR = "#7a7a7a"
PATH_COLOR = "#2b6cb0"
STATUS_COLORS = {
    "gehaald": "#2f855a", "voor": "#2f855a", "op_koers": "#68a063",
    "niet_gehaald": "#c05621", "achter": "#c05621", "niet_meetbaar": "#a0aec0",
}
STATUS_LABELS = {
    "nl": {"gehaald": "gehaald", "niet_gehaald": "niet gehaald", "op_koers": "op koers",
           "voor": "voor op schema", "achter": "achter op schema",
           "niet_meetbaar": "niet meetbaar"},
    "en": {"gehaald": "met", "niet_gehaald": "missed", "op_koers": "on track",
           "voor": "ahead", "achter": "behind", "niet_meetbaar": "not measurable"},
}
WORDS = {
    "nl": {"year": "jaar", "plan_path": "beoogd pad", "target": "doel", "value": "waarde",
           "targets": "doelen (tussendoel, einddoel)",
           "did": "verschil in verandering t.o.v. vergelijkingsgroep",
           "band": "90%-band", "status": "status", "count": "aantal", "series": "reeks",
           "kind": "soort", "tussendoel": "tussendoel", "einddoel": "einddoel"},
    "en": {"year": "year", "plan_path": "planned path", "target": "target", "value": "value",
           "targets": "targets (milestone, end)",
           "did": "difference in change vs comparison group", "band": "90% band",
           "status": "status", "count": "number", "series": "series", "kind": "kind",
           "tussendoel": "milestone", "einddoel": "end target"},
}


_Chart = TypeVar("_Chart", bound=alt.TopLevelMixin)


def _config(chart: _Chart) -> _Chart:
    # one configure call: each configure_* call deep-copies the chart with its data
    return chart.configure(
        font=FONT,
        axis=alt.AxisConfig(labelFontSize=10, titleFontSize=10, gridColor="#e5e5e5"),
        legend=alt.LegendConfig(labelFontSize=10, titleFontSize=10, orient="bottom",
                                direction="horizontal", labelLimit=320),
        title=alt.TitleConfig(fontSize=12, anchor="start"),
        view=alt.ViewConfig(stroke=None))


def goal_chart(goal: dict, *, language: str = "nl", width: int | str = 300,
               height: int = 150) -> alt.LayerChart | alt.FacetChart:
    """A goal's trajectory: the plan area's values, the reference group, the planned
    linear path from baseline to end target, and the targets coloured by status; the
    legend names all four (the path as a dashed line, the targets as diamonds).

    ``goal`` is :meth:`wijkkompas.plans.GoalProgress.to_dict` (keys ``series``,
    ``reference``, ``baseline``, ``end_target``, ``milestones``, ``unit``, ...).
    ``width="container"`` (the web page) takes the width of the chart's element.
    """
    words = WORDS[language]
    series = goal.get("series") or {}
    years = [int(y) for y in series]
    first_year = min(years) if years else int(goal["baseline"]["year"])
    last_year = max(years) if years else int(goal["baseline"]["year"])
    area = goal.get("area_label") or ("plangebied" if language == "nl" else "plan area")
    rows = [{"jaar": int(y), "waarde": v, "reeks": area} for y, v in series.items()]
    ref = goal.get("reference")
    if ref and ref.get("values"):
        label = f"{ref['label']} ({min(ref['values'])}-{max(ref['values'])})"
        rows += [{"jaar": int(y), "waarde": v, "reeks": label}
                 for y, v in ref["values"].items()]
        ref_label = label
    else:
        ref_label = None
    lines = pd.DataFrame(rows, columns=["jaar", "waarde", "reeks"])
    base, end = goal["baseline"], goal["end_target"]
    has_path = base.get("value") is not None and end.get("target_value") is not None
    # one legend for the lines: colour and dash of the same field (the path dashed)
    domain = [area] + ([ref_label] if ref_label else []) + (
        [words["plan_path"]] if has_path else [])
    colors = [PLAN_COLOR] + ([REFERENCE_COLOR] if ref_label else []) + (
        [PATH_COLOR] if has_path else [])
    dashes = [[1, 0]] * (1 + bool(ref_label)) + ([[5, 4]] if has_path else [])
    span = max(int(end["year"]), last_year) - min(first_year, int(base["year"]))
    # years as whole numbers, never colliding: about one label per 55 px, at most one a year
    x = alt.X("jaar:Q", title=None, axis=alt.Axis(
                  format="d", tickMinStep=1, labelOverlap=True, labelSeparation=6,
                  tickCount=alt.ExprRef(f"min({max(span, 1)}, max(2, floor(width / 55)))")),
              scale=alt.Scale(domain=[min(first_year, int(base["year"])),
                                      max(int(end["year"]), last_year)]))
    y_title = goal.get("unit") or None   # the indicator's name stands beside the chart
    y = alt.Y("waarde:Q", title=y_title, scale=alt.Scale(zero=False))
    color = alt.Color("reeks:N", title=None, scale=alt.Scale(domain=domain, range=colors),
                      legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2))
    dash = alt.StrokeDash("reeks:N", title=None,
                          scale=alt.Scale(domain=domain, range=dashes))
    layers = [alt.Chart(lines).mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2)
              .encode(x=x, y=y, color=color, strokeDash=dash,
                      tooltip=[alt.Tooltip("reeks:N", title=words["series"]),
                               alt.Tooltip("jaar:Q", title=words["year"]),
                               alt.Tooltip("waarde:Q", title=words["value"], format=".2f")])]
    if has_path:
        path = pd.DataFrame([{"jaar": base["year"], "waarde": base["value"],
                              "reeks": words["plan_path"]},
                             {"jaar": end["year"], "waarde": end["target_value"],
                              "reeks": words["plan_path"]}])
        layers.append(alt.Chart(path).mark_line(strokeWidth=1.5).encode(
            x=x, y=y, color=color, strokeDash=dash))
    targets = [t for t in [*goal.get("milestones", []), end]
               if t.get("target_value") is not None]
    if targets:
        points = pd.DataFrame([{"jaar": t["year"], "waarde": t["target_value"],
                                "status": STATUS_LABELS[language][t["status"]],
                                "soort": words.get(t["kind"], t["kind"])} for t in targets])
        statuses = [s for s in STATUS_LABELS[language] if s in {t["status"] for t in targets}]
        layers.append(alt.Chart(points).mark_point(shape="diamond", size=70, filled=True,
                                                   stroke="white", strokeWidth=0.8)
                      .encode(x=x, y=y,
                              fill=alt.Fill("status:N", title=words["targets"],
                                            legend=alt.Legend(symbolType="diamond"),
                                            scale=alt.Scale(
                                                domain=[STATUS_LABELS[language][s] for s in statuses],
                                                range=[STATUS_COLORS[s] for s in statuses])),
                              tooltip=[alt.Tooltip("soort:N", title=words["kind"]),
                                       alt.Tooltip("jaar:Q", title=words["year"]),
                                       alt.Tooltip("status:N", title=words["status"]),
                                       alt.Tooltip("waarde:Q", title=words["value"],
                                                   format=".2f")]))
    chart = alt.layer(*layers).properties(width=width, height=height)
    return _config(chart)


def did_chart(evaluation: dict, *, language: str = "nl", width: int = 380
              ) -> alt.LayerChart | alt.FacetChart:
    """Difference-in-differences per goal with its 90% band, as a percentage of the plan
    area's baseline value (so that indicators of different size share one axis), oriented
    so that right is favourable (the sign follows each indicator's direction).

    ``evaluation`` is :meth:`wijkkompas.plans.Evaluation.to_dict`.
    """
    rows = []
    for e in evaluation["effects"]:
        if e.get("did") is None or not e.get("desired") or not e.get("plan_baseline"):
            continue
        s = e["desired"] * 100 / abs(e["plan_baseline"])
        low, high = sorted((e["low"] * s, e["high"] * s))
        rows.append({"doel": e["label"], "effect": e["did"] * s, "laag": low, "hoog": high,
                     "oordeel": e["verdict"]})
    frame = pd.DataFrame(rows, columns=["doel", "effect", "laag", "hoog", "oordeel"])
    y = alt.Y("doel:N", title=None, sort=None, axis=alt.Axis(labelLimit=230))
    x_title = ("verschil in verandering t.o.v. vergelijkingsgroep, % van de nulmeting "
               "(rechts = gunstiger)" if language == "nl" else
               "difference in change vs comparison group, % of baseline (right = favourable)")
    band = alt.Chart(frame).mark_rule(strokeWidth=3, color="#9bb4d0").encode(
        x=alt.X("laag:Q", title=x_title), x2="hoog:Q", y=y)
    dot = alt.Chart(frame).mark_point(filled=True, size=55, color=PATH_COLOR, opacity=1).encode(
        x="effect:Q", y=y, tooltip=["doel:N", "oordeel:N", alt.Tooltip("effect:Q", format=".1f")])
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#444").encode(x="x:Q")
    return _config(alt.layer(band, zero, dot).properties(width=width,
                                                         height=20 * max(len(frame), 1)))


def status_chart(counts: list[dict], *, language: str = "nl", width: int = 300) -> alt.Chart:
    """Milestones per pillar by status (stacked bars). ``counts``: dicts with ``pijler``,
    ``status`` (a key of :data:`STATUS_COLORS`) and ``aantal``."""
    frame = pd.DataFrame(counts, columns=["pijler", "status", "aantal"])
    frame["label"] = frame["status"].map(STATUS_LABELS[language])
    statuses = [s for s in STATUS_LABELS[language] if s in set(frame["status"])]
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("pijler:N", title=None, sort=None),
        x=alt.X("sum(aantal):Q", title=WORDS[language]["count"],
                axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("label:N", title=None, scale=alt.Scale(
            domain=[STATUS_LABELS[language][s] for s in statuses],
            range=[STATUS_COLORS[s] for s in statuses])),
        order=alt.Order("status:N"),
        tooltip=["pijler:N", "label:N", "aantal:Q"])
    return _config(chart.properties(width=width, height=24 * max(frame["pijler"].nunique(), 1)))


def trend_chart(series: list[dict], *, title: str = "", unit: str = "",
                width: int = 260, height: int = 120) -> alt.Chart:
    """Small multiple of yearly values: ``series`` rows ``{reeks, jaar, waarde}``; the
    first ``reeks`` is drawn in the plan colour, the others grey (name the reference area
    and year in ``reeks``)."""
    frame = pd.DataFrame(series, columns=["reeks", "jaar", "waarde"])
    names = list(dict.fromkeys(frame["reeks"]))
    palette = [PLAN_COLOR, REFERENCE_COLOR, "#b7b7b7", "#d0d0d0"]
    chart = alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=12)).encode(
        x=alt.X("jaar:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y("waarde:Q", title=unit or None, scale=alt.Scale(zero=False)),
        color=alt.Color("reeks:N", title=None, sort=names,
                        scale=alt.Scale(domain=names, range=palette[:len(names)])),
        tooltip=["reeks:N", "jaar:Q", alt.Tooltip("waarde:Q", format=".2f")])
    return _config(chart.properties(width=width, height=height, title=title))


def profile_chart(rows: list[dict], *, language: str = "nl", width: int = 430) -> alt.Chart:
    """An area's figures beside its gemeente and the country, one row per indicator,
    each scaled to the largest of the three (so different units share one axis).

    ``rows``: ``{label, value, gemeente_value, country_value, period}`` as in
    :func:`wijkkompas.area_profile`.
    """
    long = []
    for r in rows:
        values = [v for v in (r.get("value"), r.get("gemeente_value"), r.get("country_value"))
                  if v is not None and pd.notna(v)]
        top = max((abs(v) for v in values), default=0) or 1
        label = f"{r['label']} ({r.get('period', '')})"
        for who, key in (("gebied", "value"), ("gemeente", "gemeente_value"),
                         ("Nederland", "country_value")):
            v = r.get(key)
            if v is not None and pd.notna(v):
                long.append({"indicator": label, "wie": who, "relatief": v / top, "waarde": v})
    frame = pd.DataFrame(long, columns=["indicator", "wie", "relatief", "waarde"])
    chart = alt.Chart(frame).mark_point(filled=True, size=45).encode(
        y=alt.Y("indicator:N", title=None, sort=None, axis=alt.Axis(labelLimit=300)),
        x=alt.X("relatief:Q", title="t.o.v. de hoogste van de drie" if language == "nl"
                else "relative to the highest of the three", axis=alt.Axis(format="%")),
        color=alt.Color("wie:N", title=None, scale=alt.Scale(
            domain=["gebied", "gemeente", "Nederland"],
            range=[PLAN_COLOR, REFERENCE_COLOR, "#c8c8c8"])),
        tooltip=["indicator:N", "wie:N", alt.Tooltip("waarde:Q", format=".2f")])
    return _config(chart.properties(width=width, height=16 * max(frame["indicator"].nunique(), 1)))


def to_svg(chart: alt.TopLevelMixin | dict) -> str:
    """Render a chart (or a Vega-Lite spec) to SVG offline with vl-convert."""
    import vl_convert as vlc

    # validated where the charts are tested (tests/test_plans_progress.py): here it cost a
    # third of a report's time
    spec = chart.to_dict(validate=False) if hasattr(chart, "to_dict") else chart
    svg = vlc.vegalite_to_svg(spec)
    # the XML declaration is not allowed inside HTML
    return svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg


# -- Web application charts ------------------------------------------------------------
# Used by wijkkompas.web.charts_glue (trend and domain charts on area pages). The web
# layer adds its own config (fonts, sizes) to the spec, so these stay unconfigured, and
# gives every text in the page's language (its gettext catalogues), so these hold none.
# Written as Vega-Lite dictionaries rather than built with altair: a profile page draws
# two, and altair's objects (and their checks against the schema) took a fifth of an
# uncached page's time; tests/test_charts_web.py validates them against the Vega-Lite
# schema altair ships and renders them with vl-convert.


def _plain(value):
    """A JSON value: numpy scalars as Python, NaN as null."""
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and value != value else value


def _inline(name: str, rows: list[dict], fields: tuple[str, ...]) -> tuple[dict, list]:
    """The ``data`` of a view that reads dataset ``name``, and the dataset's values (the
    spec's top-level ``datasets``, which charts.js reads for the chart's table)."""
    return {"name": name}, [{f: _plain(r.get(f)) for f in fields} for r in rows]


def _titled(title: str, note: str) -> str | dict:
    return {"text": title, "subtitle": note} if note else title


def _area_colour(names: list[str], palette: list[str]) -> dict:
    """The colour channel of the charts' areas: the first in the plan colour, in the
    order given, legend at the bottom."""
    return {"field": "area", "type": "nominal", "title": None, "sort": names,
            "legend": {"orient": "bottom"},
            "scale": {"domain": names, "range": (palette * 3)[:max(len(names), 1)]}}


def _web_spec(body: dict, datasets: dict, *, description: str, height: int,
              title: str | dict) -> dict:
    return {"config": {"view": {"continuousWidth": 300, "continuousHeight": 300}}, **body,
            "description": description, "height": height, "title": title,
            "width": "container", "$schema": alt.SCHEMA_URL, "datasets": datasets}


def web_trend_chart(rows: list[dict], words: dict[str, str], *, title: str = "",
                    unit: str = "", reference_note: str = "") -> dict:
    """Yearly values of one indicator for an area and its references (a Vega-Lite spec).

    ``rows``: ``{area, year, value}`` (more keys are ignored); the first area is drawn in
    the plan colour, the references in greys. ``reference_note`` is the subtitle that
    names the reference areas and years. ``words``: ``year_axis`` (the axis title),
    ``area``, ``year`` and ``value`` (the tooltip's titles) and ``description`` (the
    chart's ARIA label).
    """
    data, values = _inline("trend", rows, ("area", "year", "value"))
    names = list(dict.fromkeys(v["area"] for v in values))
    years = []
    for v in values:
        with contextlib.suppress(TypeError, ValueError):  # a row without a year
            years.append(int(v["year"]))
    span = max(years) - min(years) if years else 1
    palette = [PLAN_COLOR, REFERENCE_COLOR, "#b7b7b7", "#4a5568", "#d0d0d0"]
    body = {"data": data, "mark": {"type": "line", "point": True}, "encoding": {
        "color": _area_colour(names, palette),
        "tooltip": [{"field": "area", "title": words["area"], "type": "nominal"},
                    {"field": "year", "format": "d", "title": words["year"],
                     "type": "quantitative"},
                    {"field": "value", "format": ",.2f", "title": words["value"],
                     "type": "quantitative"}],
        "x": {"field": "year", "type": "quantitative", "title": words["year_axis"],
              "axis": {"format": "d", "labelOverlap": True, "labelSeparation": 6,
                       "tickMinStep": 1, "tickCount": {
                           "expr": f"min({max(span, 1)}, max(2, floor(width / 55)))"}}},
        "y": {"field": "value", "type": "quantitative", "title": unit or None,
              "scale": {"zero": False}}}}
    return _web_spec(body, {"trend": values}, description=words["description"],
                     height=260, title=_titled(title, reference_note))


def web_domain_chart(rows: list[dict], words: dict[str, str], *, title: str = "",
                     reference_note: str = "", scale: str = "score") -> dict:
    """Domain scores of an area (and its gemeente) as points on a common scale, with a
    dashed line at 0 (the national average of the level): a Vega-Lite spec. ``rows``:
    ``{domain, area, value}``. With ``scale="position"`` the values are positions 0..100
    (the share of the area's own level with a lower score), the axis runs from 0 to 100
    and the line is at 50: areas of different levels can share that axis, their z-scores
    cannot. ``words``: ``axis`` (the value axis's title), ``domain``, ``area`` and
    ``value`` (the tooltip's titles) and ``description`` (the chart's ARIA label)."""
    position = scale == "position"
    data, values = _inline("domains", rows, ("domain", "area", "value"))
    names = list(dict.fromkeys(v["area"] for v in values))
    x: dict = {"field": "value", "type": "quantitative", "title": words["axis"]}
    if position:
        x["scale"] = {"domain": [0, 100]}
    points = {"data": data, "mark": {"type": "point", "filled": True, "size": 90},
              "encoding": {
                  "color": _area_colour(names, [PLAN_COLOR, REFERENCE_COLOR, "#b7b7b7",
                                                "#4a5568"]),
                  "tooltip": [{"field": "domain", "title": words["domain"], "type": "nominal"},
                              {"field": "area", "title": words["area"], "type": "nominal"},
                              {"field": "value", "format": ".0f" if position else ".2f",
                               "title": words["value"], "type": "quantitative"}],
                  "x": x,
                  "y": {"field": "domain", "type": "nominal", "title": None, "sort": None,
                        "axis": {"labelLimit": 260}}}}
    zero = {"data": {"name": "middle"}, "mark": {"type": "rule", "color": "#444",
                                                 "strokeDash": [4, 4]},
            "encoding": {"x": {"field": "x", "type": "quantitative"}}}
    domains = len({v["domain"] for v in values})
    return _web_spec({"layer": [zero, points]},
                     {"middle": [{"x": 50 if position else 0}], "domains": values},
                     description=words["description"], height=34 * max(domains, 1),
                     title=_titled(title, reference_note))
