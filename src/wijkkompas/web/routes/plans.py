"""Plan pages (``/plannen``): the integrated area plans and their progress.

Plans are written with ``wijkkompas plan import``, the API, or the edit pages
(:mod:`wijkkompas.web.routes.edit`). Public plans are shown to everyone;
a private plan only to its viewers, editors and admins, and to anyone else it is a 404
exactly like a plan that does not exist (:func:`wijkkompas.web.auth.require_plan`).
"""
from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from anyio.lowlevel import RunVar
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import views
from ..answers import share
from ..auth import CurrentUser, require_plan, visible
from ..deps import DataDep, LangDep, render

router = APIRouter(include_in_schema=False)
PlanId = Annotated[str, Path(max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")]
PDF_THREADS = 16  # per worker: PDF requests beyond it wait without a thread


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


_PDF_THREADS: RunVar[anyio.CapacityLimiter] = RunVar("wijkkompas_pdf_threads")


def pdf_threads() -> anyio.CapacityLimiter:
    """The threads of this event loop for PDF reports: the renders at once are limited
    by ``WIJKKOMPAS_PDF_CONCURRENCY`` (:func:`~wijkkompas.web.views.plan_pdf`); these
    threads wait for a turn."""
    try:
        return _PDF_THREADS.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(PDF_THREADS)
        _PDF_THREADS.set(limiter)
        return limiter


@router.get("/plannen/{plan_id}/rapport.pdf")
async def plan_report_pdf(request: Request, data: DataDep, plan_id: PlanId,
                          user: CurrentUser):
    await run_in_threadpool(require_plan, request, user, plan_id)
    # a report rendering or waiting its turn holds its thread for seconds: not one of
    # the few the other routes share (WIJKKOMPAS_WEB_THREADS)
    pdf = await anyio.to_thread.run_sync(views.plan_pdf, data, plan_id,
                                         limiter=pdf_threads())
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{plan_id}-voortgang.pdf"'})
