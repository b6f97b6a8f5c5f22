"""Plan pages (``/plannen``): the integrated area plans and their progress.

Plans are written with ``wijkkompas plan import``, the API, or the edit pages
(:mod:`wijkkompas.web.routes.edit`). Public plans are shown to everyone;
a private plan only to its viewers, editors and admins, and to anyone else it is a 404
exactly like a plan that does not exist (:func:`wijkkompas.web.auth.require_plan`).
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import views
from ..answers import share
from ..auth import CurrentUser, require_plan, visible
from ..deps import DataDep, LangDep, render

router = APIRouter(include_in_schema=False)
PlanId = Annotated[str, Path(max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")]


@router.get("/plannen")
def plans_page(request: Request, data: DataDep, lang: LangDep, user: CurrentUser):
    return render(request, "plans.html",
                  {"plans": visible(request, user, views.plans_list(data))}, language=lang)


@router.get("/plannen/{plan_id}")
def plan_page(request: Request, data: DataDep, lang: LangDep, plan_id: PlanId,
              user: CurrentUser):
    access = require_plan(request, user, plan_id, edit=user is not None)
    detail = views.plan_detail(data, plan_id, access.version)
    share(request, plan=(plan_id, detail["version"]))
    charts = views.plan_charts(data, plan_id, detail["summary"], lang)
    return render(request, "plan.html", {**detail, "charts": charts,
                                         "can_edit": access.may_edit}, language=lang)


@router.get("/plannen/{plan_id}/rapport", response_class=HTMLResponse)
def plan_report_page(request: Request, data: DataDep, plan_id: PlanId, user: CurrentUser):
    require_plan(request, user, plan_id)
    return HTMLResponse(views.plan_report(data, plan_id))


@router.get("/plannen/{plan_id}/rapport.pdf")
async def plan_report_pdf(request: Request, data: DataDep, plan_id: PlanId,
                          user: CurrentUser):
    await run_in_threadpool(require_plan, request, user, plan_id)
    pdf = await run_in_threadpool(views.plan_pdf, data, plan_id)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{plan_id}-voortgang.pdf"'})
