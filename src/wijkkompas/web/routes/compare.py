"""The compare page (``/vergelijk``): two to five areas side by side over time."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from ...errors import UnknownAreaError
from .. import charts_glue, views
from ..answers import SHARED
from ..deps import DataDep, LangDep, render
from ..errors import BadRequest

router = APIRouter(include_in_schema=False)


@router.get("/vergelijk", dependencies=SHARED)
def compare_page(request: Request, data: DataDep, lang: LangDep,
                 gebied: Annotated[list[str] | None, Query(max_length=60)] = None,
                 add: Annotated[str | None, Query(max_length=100)] = None,
                 indicator: Annotated[str | None, Query(max_length=80)] = None):
    codes = [g for g in gebied or [] if g.strip()]
    message = None
    if add and add.strip():
        # adding by name: resolve here and redirect, so the URL lists codes only
        try:
            found = data.names().resolve_area(add)
            if found["code"] not in codes:
                codes.append(found["code"])
            query = urlencode([("gebied", c) for c in codes[:5]]
                              + ([("indicator", indicator)] if indicator else []))
            return RedirectResponse(f"/vergelijk?{query}", status_code=303)
        except UnknownAreaError as exc:
            message = str(exc)
    if len(codes) > 5:
        raise BadRequest("compare at most five areas")
    c = views.compare(data, codes, lang, indicator) if codes else None
    chart = charts_glue.compare_spec(c, lang) if c and c["trend"] else None
    return render(request, "compare.html", {"c": c, "codes": codes, "message": message,
                                            "chart": chart, "add": add or ""},
                  language=lang, status_code=404 if message else 200)
