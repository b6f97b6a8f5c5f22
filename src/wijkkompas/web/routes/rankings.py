"""The rankings page (``/ranglijst``): sortable, filterable, searchable score table."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from .. import views
from ..answers import SHARED
from ..deps import DataDep, LangDep, is_htmx, render

router = APIRouter(include_in_schema=False)


@router.get("/ranglijst", dependencies=SHARED)
def rankings_page(request: Request, data: DataDep, lang: LangDep,
                  level: Literal["gemeente", "wijk", "buurt", "vierkant500",
                                 "vierkant100"] = "wijk",
                  period: Annotated[str | None, Query(pattern=r"^\d{4}[A-Z0-9]*$")] = None,
                  gemeente: Annotated[str | None, Query(max_length=12)] = None,
                  domain: Annotated[str | None, Query(max_length=40)] = None,
                  q: Annotated[str | None, Query(max_length=100)] = None,
                  sort: Annotated[str, Query(max_length=40)] = "rank",
                  order: Literal["asc", "desc"] = "asc",
                  page: Annotated[int, Query(ge=1, le=10000)] = 1):
    if is_htmx(request) and period and period not in data.score_periods(level):
        period = None  # the level changed under a period it does not have
    r = views.rankings(data, level=level, period=period, gemeente=gemeente or None,
                       domain=domain or None, q=q, sort=sort, order=order, page=page,
                       language=lang)
    context = {"r": r, "gemeenten": data.gemeenten(), "levels": data.levels()}
    if is_htmx(request):
        return render(request, "_rankings_table.html", context, language=lang)
    return render(request, "rankings.html", context, language=lang)
