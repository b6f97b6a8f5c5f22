"""The early-warning page (``/signalen``): areas that still look fine but decline."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from .. import views
from ..deps import DataDep, LangDep, render

router = APIRouter(include_in_schema=False)


@router.get("/signalen")
def warning_page(request: Request, data: DataDep, lang: LangDep,
                 level: Literal["gemeente", "wijk", "buurt"] = "wijk",
                 gemeente: Annotated[str | None, Query(max_length=12)] = None):
    table, missing = None, False
    try:
        table = views.warning_table(data, level, lang, gemeente or None)
    except ImportError:
        missing = True
    if table is None:
        missing = True
    return render(request, "warning.html", {"w": table, "missing": missing, "level": level,
                                            "gemeente": gemeente or "",
                                            "gemeenten": data.gemeenten()}, language=lang)
