"""Reports as HTML and PDF: a progress report per plan, a profile report per area.

Templates live in ``reports/templates`` (Jinja2): ``report_base.html`` with the CSS,
the pages ``plan_report.html`` and ``area_report.html``, and partials (``_goal.html``,
``_plan_summary.html``, ``_evaluation.html``, ``_measures.html``, ``_partners.html``,
``_method.html``, ``_status.html``) that each take one documented context variable, so
that the web app can include them in its own pages (add :func:`template_loader` to its
Jinja loader). Charts are Vega-Lite specs from :mod:`wijkkompas.charts`, rendered to SVG
with vl-convert; the map is SVG from the store's display geometry
(:mod:`wijkkompas.reports.maps`). PDF is WeasyPrint rendering the same HTML.
"""
from __future__ import annotations

import contextlib
from datetime import date
from importlib import resources
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import charts
from ..catalog import DOMAINS, Catalog
from ..errors import WijkkompasError
from ..store import Store

TEMPLATES = Path(str(resources.files("wijkkompas.reports") / "templates"))


def template_loader() -> FileSystemLoader:
    return FileSystemLoader(str(TEMPLATES))


def nl_number(value, digits: int | None = None, signed: bool = False) -> str:
    """Dutch number format (1.234,5); digits by size when not given; '–' for missing."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    value = float(value)
    if digits is None:
        digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 1 else 2
    text = f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def euro(value) -> str:
    if value is None:
        return "–"
    if abs(value) >= 1e6:
        return f"€ {nl_number(value / 1e6, 1)} mln"
    return f"€ {nl_number(value, 0)}"


def environment() -> Environment:
    env = Environment(loader=template_loader(), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["nl"] = nl_number
    env.filters["euro"] = euro
    return env


def _css() -> str:
    return (TEMPLATES / "report.css").read_text("utf-8")


# -- plan report -----------------------------------------------------------------------

def plan_report_context(plan, store: Store, catalog: Catalog, *, evaluation: bool = True,
                        charts_as_svg: bool = True) -> dict:
    """Everything the plan report's templates need (plain dicts; JSON-ready but the SVGs)."""
    from ..plans.evaluation import evaluate
    from ..plans.figures import PlanFigures
    from ..plans.progress import METHOD, STATUS, progress
    from .maps import area_map_svg

    figures = PlanFigures(plan, store, catalog)
    result = progress(plan, store, catalog, figures=figures)
    doc = plan.to_dict()
    goals = []
    for g in result.goals:
        d = g.to_dict()
        d["area_label"] = plan.area.name
        if charts_as_svg:
            d["chart_svg"] = charts.to_svg(charts.goal_chart(d))
        goals.append(d)
    pillars = [{"id": p.id, "label": p.label, "description": p.description,
                "goals": [d for d in goals if d["pillar"] == p.id]} for p in plan.pillars]
    counts = []
    for p in plan.pillars:
        for d in goals:
            if d["pillar"] != p.id:
                continue
            for m in d["milestones"]:
                status = m["status"] if m["due"] else "nog_niet"
                if status != "nog_niet":
                    counts.append({"pijler": p.label, "status": status, "aantal": 1})
    summary = result.to_dict()
    status_svg = charts.to_svg(charts.status_chart(counts)) if counts and charts_as_svg else None
    map_svg, caption = area_map_svg(store, plan.area.codes, vintage=plan.area.vintage,
                                    level=plan.area.level if plan.area.level != "gemengd"
                                    else None, title=plan.area.name)
    ev = None
    did_svg = None
    if evaluation and any(plan.plan_indicator(g.indicator) is None for g in plan.goals):
        ev = evaluate(plan, store, catalog, figures=figures).to_dict()
        if charts_as_svg and any(e["did"] is not None for e in ev["effects"]):
            did_svg = charts.to_svg(charts.did_chart(ev))
    budget_years = sorted({y for m in plan.measures for y in m.budget})
    sources: list[dict] = []
    for g in result.goals:
        if g.indicator.id not in {s["indicator"] for s in sources}:
            sources.append({"indicator": g.indicator.id, "label": g.indicator.label,
                            "source": g.indicator.source})
    notes = list(dict.fromkeys(result.notes + [n for g in result.goals for n in g.notes]))
    measures = doc["measures"]
    for m, obj in zip(measures, plan.measures, strict=True):
        m["total_budget"] = obj.total_budget
    return {
        "title": plan.title, "lang": "nl", "css": _css(), "plan": doc,
        "meta": {"generated": date.today().isoformat(), "version": plan.version,
                 "as_of": result.as_of},
        "summary": summary, "status_svg": status_svg, "status_labels":
            {k: v["nl"] for k, v in STATUS.items()},
        "map_svg": map_svg, "map_caption": caption, "pillars": pillars,
        "evaluation": ev, "did_svg": did_svg, "measures": measures,
        "partners": doc["partners"], "participation": doc["participation"],
        "partners_by_id": {p["id"]: p for p in doc["partners"]},
        "pillars_by_id": {p["id"]: p for p in doc["pillars"]},
        "budget_years": budget_years,
        "budget_total": sum(m.total_budget for m in plan.measures),
        "method": {
            "progress": METHOD[0].upper() + METHOD[1:] + ". Een tussendoel waarvan het jaar "
                        "voorbij is, is gehaald als het cijfer van dat jaar op of voorbij het "
                        "doel ligt; zonder cijfer voor dat jaar is het niet meetbaar. Een "
                        "rechte lijn is een eenvoudige maatstaf: 'achter' is een signaal om "
                        "te kijken, geen oordeel.",
            "aggregation": "De waarde van het plangebied is het naar inwonertal gewogen "
                           "gemiddelde van de wijken (aandeel van alle inwoners samen); "
                           "alleen jaren met cijfers voor alle wijken tellen.",
            "targets": "Doelen zijn geschreven als absolute waarde, als procentuele "
                       "verandering t.o.v. de nulmeting, als deel van de achterstand op een "
                       "referentie (gemeten in het jaar van de nulmeting) of als deel van de "
                       "weg naar het einddoel, zoals het NPRZ zijn doelen formuleert.",
        },
        "notes": notes, "sources": sources,
    }


def render_plan_report(plan, store: Store, catalog: Catalog, *, evaluation: bool = True) -> str:
    """The progress report of a plan as one self-contained HTML page (Dutch)."""
    with store.reading():  # one connection for the report's 20-odd queries, not one each
        context = plan_report_context(plan, store, catalog, evaluation=evaluation)
    return environment().get_template("plan_report.html").render(**context)


# -- area report -----------------------------------------------------------------------

TREND_INDICATORS = ("bijstand_pct", "laag_inkomen_inwoners_pct", "schuldsanering_pct",
                    "jeugdhulp_pct", "ggz_pct", "wanbetalers_zorgverzekering_pct")


def area_report_context(store: Store, catalog: Catalog, area: str) -> dict:
    """Context of the area profile report: figures per domain, trends, map."""
    from ..profile import area_profile
    from .maps import _short, area_map_svg

    found, figures = area_profile(store, catalog, area)
    found = {k: (None if pd.isna(v) else v) for k, v in found.to_dict().items()}
    found["short_name"] = _short(found.get("name") or found["code"])
    rows = figures.to_dict("records")
    domains = []
    for domain, part in figures.groupby("domain", sort=False):
        domains.append({"id": domain, "label": DOMAINS.get(domain, {"nl": domain})["nl"],
                        "rows": part.to_dict("records")})
    trends = []
    code, gemeente = found["code"], found.get("gemeente_code")
    if found["level"] in ("wijk", "buurt", "gemeente"):
        wanted = [i for i in TREND_INDICATORS if i in catalog]
        obs = store.observations(codes=[c for c in (code, gemeente) if c], indicators=wanted)
        obs = obs[obs["status"].isin(["observed", "estimated"])
                  & obs["period"].astype(str).str.fullmatch(r"\d{4}")]
        for indicator in wanted:
            part = obs[obs["indicator"] == indicator].sort_values("vintage") \
                .drop_duplicates(["area_code", "year"], keep="last")
            if part[part["area_code"] == code]["year"].nunique() < 3:
                continue
            years = f"{part['year'].min()}-{part['year'].max()}"
            names = {code: found["short_name"], gemeente: f"gemeente {gemeente} ({years})"}
            series = [{"reeks": names.get(r.area_code, r.area_code), "jaar": int(r.year),
                       "waarde": float(r.value)} for r in part.itertuples()]
            series.sort(key=lambda r: r["reeks"] != found["short_name"])
            trends.append(charts.to_svg(charts.trend_chart(
                series, title=catalog[indicator].label_nl, unit=catalog[indicator].unit)))
    map_svg, caption = (area_map_svg(store, [code], vintage=int(found["vintage"]),
                                     level=found["level"], title=found.get("name") or code)
                        if found["level"] in ("wijk", "buurt") else (None, ""))
    sources = sorted({f"{r['label']}: {catalog[r['indicator']].source}"
                      if r["indicator"] in catalog else r["source"] for r in rows})
    return {"title": found.get("name") or code, "lang": "nl", "css": _css(), "area": found,
            "meta": {"generated": date.today().isoformat()}, "domains": domains,
            "trends": trends, "map_svg": map_svg, "map_caption": caption,
            "sources": sources}


def render_area_report(store: Store, catalog: Catalog, area: str) -> str:
    """The profile report of one area as a self-contained HTML page (Dutch)."""
    with store.reading():
        context = area_report_context(store, catalog, area)
    return environment().get_template("area_report.html").render(**context)


# -- output ----------------------------------------------------------------------------

def write_report(html: str, path: Path | str) -> Path:
    """Write HTML (``.html``) or PDF (``.pdf``, WeasyPrint) by the file name."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        path.write_text(html, "utf-8")
    elif suffix == ".pdf":
        path.write_bytes(html_to_pdf(html))
    else:
        raise WijkkompasError(f"{path}: write a report to .html or .pdf")
    return path


def html_to_pdf(html: str) -> bytes:
    """A report's HTML as PDF (WeasyPrint)."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango missing: see .ci/setup-weasyprint.sh
        raise WijkkompasError(f"cannot make PDF: WeasyPrint needs the Pango library "
                              f"({exc})") from exc
    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


# -- reports kept in the store -----------------------------------------------------------

REPORTS_DIR = "reports"


def kept_pdf_path(store: Store, plans, plan_id: str, version: int) -> Path:
    """Where the PDF report of a plan version is kept: ``<store>/reports/``, named by
    everything it depends on (the plan's version in its database, the store's data
    version and the wijkkompas version), so that a kept report is never stale."""
    import hashlib

    from .. import __version__
    from ..analysis.results import data_version

    basis = "\x00".join([__version__, data_version(store), plans.url])
    digest = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]
    return Path(store.directory) / REPORTS_DIR / f"{plan_id}-v{version}-{digest}.pdf"


def keep_pdf(path: Path, pdf: bytes) -> None:
    """Keep a rendered report at ``path`` (written whole: a temporary file renamed into
    place) and remove the plan's earlier ones; one that cannot be written is not kept."""
    import os

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(pdf)
        os.replace(temporary, path)
    except OSError:
        return
    plan_id = path.name.rsplit("-v", 1)[0]
    for old in path.parent.glob(f"{plan_id}-v*.pdf"):
        if old != path and old.name.rsplit("-v", 1)[0] == plan_id:
            old.unlink(missing_ok=True)


RENDERING_STALE_S = 600.0


@contextlib.contextmanager
def rendering(path: Path):
    """Claim the rendering of the report kept at ``path`` among processes (a
    ``.rendering`` file made exclusively beside it): yields True for the one process
    that claimed it, False while another renders (a claim older than
    :data:`RENDERING_STALE_S`, left by a process that died, is taken over)."""
    import os
    import time

    claim = path.with_name(f".{path.name}.rendering")
    try:
        claim.parent.mkdir(parents=True, exist_ok=True)
        if claim.exists() and time.time() - claim.stat().st_mtime > RENDERING_STALE_S:
            claim.unlink(missing_ok=True)
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except OSError:
        yield False
        return
    try:
        yield True
    finally:
        claim.unlink(missing_ok=True)


def keep_plan_pdf(plan, store: Store, catalog: Catalog, plans) -> Path:
    """Render and keep the PDF report of ``plan`` (its current version in ``plans``)
    unless it is kept already; where it is kept."""
    path = kept_pdf_path(store, plans, plan.id, plan.version)
    if not path.is_file():
        keep_pdf(path, html_to_pdf(render_plan_report(plan, store, catalog)))
    return path
