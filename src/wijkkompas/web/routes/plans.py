"""Plan pages (``/plannen``): the integrated area plans and their progress, read-only.

Editing in the browser comes with accounts (issue 7); until then plans are written with
``wijkkompas plan import`` and shown here to everyone.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import views
from ..deps import DataDep, LangDep, render

router = APIRouter(include_in_schema=False)
PlanId = Annotated[str, Path(max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")]


@router.get("/plannen")
def plans_page(request: Request, data: DataDep, lang: LangDep):
    return render(request, "plans.html", {"plans": views.plans_list(data)}, language=lang)


@router.get("/plannen/{plan_id}")
def plan_page(request: Request, data: DataDep, lang: LangDep, plan_id: PlanId):
    detail = views.plan_detail(data, plan_id)
    return render(request, "plan.html", detail, language=lang)


@router.get("/plannen/{plan_id}/rapport", response_class=HTMLResponse)
def plan_report_page(data: DataDep, plan_id: PlanId):
    return HTMLResponse(views.plan_report(data, plan_id))


@router.get("/plannen/{plan_id}/rapport.pdf")
async def plan_report_pdf(data: DataDep, plan_id: PlanId):
    from weasyprint import HTML

    html = await run_in_threadpool(views.plan_report, data, plan_id)
    pdf = await run_in_threadpool(lambda: HTML(string=html).write_pdf())
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{plan_id}-voortgang.pdf"'})
