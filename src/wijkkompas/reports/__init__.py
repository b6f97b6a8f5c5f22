"""HTML and PDF reports: a progress report per plan, a profile report per area.

    from wijkkompas.reports import render_plan_report, render_area_report, write_report
    write_report(render_plan_report(plan, store, catalog), "zuidwest.pdf")

See :mod:`.render` (templates and partials for the web app) and :mod:`.maps`.
"""
from .maps import area_map_svg
from .render import (
    area_report_context,
    environment,
    html_to_pdf,
    keep_pdf,
    keep_plan_pdf,
    kept_pdf_path,
    plan_report_context,
    render_area_report,
    render_plan_report,
    rendering,
    template_loader,
    write_report,
)

__all__ = ["area_map_svg", "area_report_context", "environment", "html_to_pdf", "keep_pdf",
           "keep_plan_pdf", "kept_pdf_path", "plan_report_context", "render_area_report",
           "render_plan_report", "rendering", "template_loader", "write_report"]
